#!/usr/bin/python3
"""ctest report_py: scripts/report.py on small results files (tests/fixtures/: the
refserver at 16 MiB, legacy spool-download at 16 and 64 MiB) writes index.html and every
PNG, non-trivial; it renders what it can when counters are missing; it refuses a file
that is not streambench JSON with exit 2 and a clear message. Load mode (fixtures
load-sweep-*.json: the refserver and legacy read-ahead, http/get and ftp/stor of 1 MiB
at --concurrency 1,16,256): the plots against N and the load table; none of them
without a sweep; names with more parts around /cN (--mix, --stalled-reader) still read.
Uploads timed without a warm-up (warmup 0, or no counter) are marked in both tables with
a footnote and counted in the summary; downloads and warmed-up uploads are not.

    /usr/bin/python3 scripts/tests/report_test.py WORKDIR
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "report.py")
FIXTURES = [os.path.join(HERE, "fixtures", f)
            for f in ("refserver-16MiB.json", "legacy-spool-download.json")]
SWEEPS = [os.path.join(HERE, "fixtures", f)
          for f in ("load-sweep-refserver.json", "load-sweep-legacy-read-ahead.json")]
PNGS = ["memory.png", "ttfb.png", "throughput.png", "first_byte_read.png", "copies.png",
        "fds.png"]
LOAD_PNGS = ["load_memory.png", "load_ttfb.png", "load_throughput.png"]
sys.path.insert(0, os.path.join(HERE, ".."))
from streambench_json import is_single, read_results, split_suffix  # noqa: E402
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def report(args):
    return subprocess.run(["/usr/bin/python3", REPORT, *args], capture_output=True, text=True,
                          timeout=100)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def check_report(out, what, pngs=PNGS):
    index = os.path.join(out, "index.html")
    check(os.path.isfile(index) and os.path.getsize(index) > 4000, f"{what}: index.html written")
    text = open(index, encoding="utf-8").read() if os.path.isfile(index) else ""
    for png in pngs:
        path = os.path.join(out, png)
        check(os.path.isfile(path), f"{what}: {png} exists")
        if not os.path.isfile(path):
            continue
        check(os.path.getsize(path) > 10_000, f"{what}: {png} is more than 10 kB "
              f"({os.path.getsize(path)})")
        dims = png_size(path)
        check(dims is not None and dims[0] >= 600 and dims[1] >= 250,
              f"{what}: {png} is a PNG of a readable size ({dims})")
        check(f"src='{png}'" in text, f"{what}: index.html shows {png}")
    return text


def check_no_load(out, text, what):
    for png in LOAD_PNGS:
        check(not os.path.exists(os.path.join(out, png)), f"{what}: no {png}")
        check(png not in text, f"{what}: index.html does not show {png}")


def load_table(text):
    """The rows of index.html's load table, each a list of its cells' text."""
    m = re.search(r"<h2>Under load</h2>.*?</table>", text, re.S)
    if not m:
        return None, []
    heads = re.findall(r"<th>(.*?)</th>", m.group(0))
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", tr)
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(0), re.S) if "<td" in tr]
    return heads, rows


def main_table(text):
    """The rows of index.html's main table, each {heading: its cell's text}."""
    m = re.search(r"<h2>Every benchmark</h2>.*?</table>", text, re.S)
    if not m:
        return []
    heads = re.findall(r"<th>(.*?)</th>", m.group(0))
    return [dict(zip(heads, re.findall(r"<td[^>]*>(.*?)</td>", tr)))
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(0), re.S) if "<td" in tr]


def check_warmup(work):
    # 8. warmup 1 on put, 0 on post and get, none on the other rows (a file from before
    # the counter): post and the uncounted uploads are marked, get and put are not.
    doc = json.load(open(FIXTURES[0]))
    for b in doc["benchmarks"]:
        for part, n in (("/put/", 1), ("/post/", 0), ("/get/", 0)):
            if part in b["name"]:
                b["warmup"] = n
    mixed = os.path.join(work, "warmup.json")
    json.dump(doc, open(mixed, "w"))
    out = os.path.join(work, "warmup")
    r = report([mixed, "-o", out])
    check(r.returncode == 0, f"report.py exits 0 with warmup counters ({r.stderr})")
    text = open(os.path.join(out, "index.html"), encoding="utf-8").read()
    cells = {(t.get("proto"), t.get("op")): t.get("warm-up") for t in main_table(text)
             if t.get("suffix") == ""}
    want = {("http", "put"): "1", ("http", "post"): "0 \u2020", ("http", "put-chunked"): "- \u2020",
            ("ftp", "appe"): "- \u2020", ("http", "get"): "0", ("ftp", "retr"): "-"}
    for key, cell in want.items():
        check(cells.get(key) == cell, f"warm-up cell of {key} is {cell!r} ({cells.get(key)!r})")
    check("an upload timed without a warm-up" in text, "the footnote of the marked rows")
    check("5 upload(s) timed without warm-up" in r.stdout,
          f"the summary counts them (post, put-chunked, post-chunked, stor, appe): {r.stdout}")

    # Every upload warmed up: no mark, no footnote, nothing in the summary.
    for b in doc["benchmarks"]:
        b["warmup"] = 1
    json.dump(doc, open(mixed, "w"))
    r = report([mixed, "-o", out])
    text = open(os.path.join(out, "index.html"), encoding="utf-8").read()
    check("\u2020" not in text and "without a warm-up" not in text,
          "no mark nor footnote when every upload warmed up")
    check("without warm-up" not in r.stdout, f"no count in the summary ({r.stdout})")

    # The load table marks its uploads too (the sweep fixture has no counter).
    text = open(os.path.join(work, "sweep", "index.html"), encoding="utf-8").read()
    heads, table = load_table(text)
    if heads and table:
        col = {h: i for i, h in enumerate(heads)}
        marks = {(t[col["op"]], t[col["warm-up"]]) for t in table
                 if t[0] == "refserver" and "warm-up" in col}
        check(marks == {("http/get", "-"), ("ftp/stor", "- \u2020")},
              f"the load table marks ftp/stor, not http/get ({marks})")


def check_load(work):
    # 4. Names: the /cN part anywhere after the size; a sweep's c1 is one transfer at a time.
    check(split_suffix(["c16"]) == (16, ""), "c16 is N = 16")
    check(split_suffix(["c16", "mix-f16-s16"]) == (16, "mix-f16-s16"), "c16/mix-f16-s16")
    check(split_suffix(["stalled", "c1000"]) == (1000, "stalled"), "stalled/c1000")
    check(split_suffix(["checks"]) == (None, "checks"), "checks has no N")
    _, rows = read_results(SWEEPS[0])
    check([r["concurrency"] for r in rows] == [1, 16, 256, 1, 16, 256],
          f"the fixture's N, in run order ({[r['concurrency'] for r in rows]})")
    check([is_single(r) for r in rows] == [True, False, False] * 2,
          "only the c1 rows are plotted against the size")

    # 5. Two targets, two ops, a sweep 1, 16, 256: the load plots and the load table.
    out = os.path.join(work, "sweep")
    r = report([*SWEEPS, "-o", out])
    check(r.returncode == 0, f"report.py exits 0 on a sweep ({r.returncode}: {r.stderr})")
    text = check_report(out, "sweep", PNGS + LOAD_PNGS)
    heads, table = load_table(text)
    for head in ("target", "op", "N", "aggregate MB/s", "TTFB p50 ms", "TTFB p99 ms",
                 "RSS per connection KiB", "fd_peak", "fd_delta"):
        check(heads is not None and head in heads, f"the load table has a column {head}")
    check("variant" not in (heads or []), "no variant column when no row has one")
    check(len(table) == 12, f"the load table has 2 targets x 2 ops x 3 N rows ({len(table)})")
    if heads and table:
        col = {h: i for i, h in enumerate(heads)}
        key = [(t[col["target"]], t[col["op"]], t[col["N"]]) for t in table]
        check(key[:3] == [("refserver", "http/get", n) for n in ("1", "16", "256")],
              f"the refserver first, a sweep reading down ({key[:3]})")
        want = {("refserver", "ftp/stor", "256"): "246.8",
                ("legacy-read-ahead", "http/get", "16"): "1280.0"}
        for k, v in want.items():
            got = [t[col["RSS per connection KiB"]] for t in table
                   if (t[col["target"]], t[col["op"]], t[col["N"]]) == k]
            check(got == [v], f"RSS per connection of {k} is {v} KiB ({got})")
    # The load counters are in the load table, not again in the main one.
    main = text[text.find("<h2>Every benchmark</h2>"):]
    check("<th>ttfb_p99_us</th>" not in main, "the main table leaves ttfb_p99_us out")
    check("refserver under load, at N=256" in r.stdout, f"the summary's load line ({r.stdout})")

    # 6. One N only (no sweep): the load table, but no plot against N.
    doc = json.load(open(SWEEPS[0]))
    doc["benchmarks"] = [b for b in doc["benchmarks"] if "/c16/" in b["name"]]
    one = os.path.join(work, "one-n.json")
    json.dump(doc, open(one, "w"))
    out = os.path.join(work, "one-n")
    r = report([one, "-o", out])
    check(r.returncode == 0, f"report.py exits 0 on one N ({r.stderr})")
    text = check_report(out, "one N", [])  # no c1 row: the size plots say "no data"
    check_no_load(out, text, "one N")
    check(len(load_table(text)[1]) == 2, "one N: the load table has its 2 rows")

    # 7. Names with parts around /cN and counters unknown today: still a sweep.
    doc = json.load(open(SWEEPS[0]))
    for b in doc["benchmarks"]:
        for k in ("name", "run_name"):
            b[k] = b[k].replace("/http/get/1MiB/", "/http/get/1MiB/stalled/").replace(
                "/manual_time", "").replace("/iterations:1", "/mix-f16-s16/iterations:1")
        b["stalled_seconds"] = 2.0
    mixed = os.path.join(work, "mixed.json")
    json.dump(doc, open(mixed, "w"))
    out = os.path.join(work, "mixed")
    r = report([mixed, "-o", out])
    check(r.returncode == 0, f"report.py exits 0 on new name parts ({r.stderr})")
    text = check_report(out, "new name parts", LOAD_PNGS)
    heads, table = load_table(text)
    check("variant" in (heads or []) and any("stalled/mix-f16-s16" in t for t in table),
          "the load table shows the variant stalled/mix-f16-s16")


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/report_py_test"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    # 1. The fixtures: every plot, the table with every counter, the context.
    out = os.path.join(work, "full")
    r = report([*FIXTURES, "-o", out])
    check(r.returncode == 0, f"report.py exits 0 ({r.returncode}: {r.stderr})")
    check("index.html" in r.stdout, "report.py prints the path of index.html")
    text = check_report(out, "fixtures")
    for word in ("refserver-tmpfs", "legacy-spool-download", "TTFB ms", "copies", "fd_delta",
                 "deleted_open", "sha256_ok", "kernel", "root_fs", "server_version", "16 MiB",
                 "64 MiB"):
        check(word in text, f"index.html mentions {word}")
    # The legacy profile's 2.0 copies are flagged as breaking an invariant.
    check("class='n bad'>2.00<" in text, "index.html flags copies 2.00 in red")
    # No sweep: no load plot (no empty panels), no load table.
    check_no_load(out, text, "no sweep")

    # 2. Some counters missing: renders what it can.
    doc = json.load(open(FIXTURES[0]))
    for b in doc["benchmarks"]:
        for key in ("rss_peak_kib", "first_byte_read_kib", "fd_delta", "deleted_open"):
            b.pop(key, None)
    partial = os.path.join(work, "partial.json")
    json.dump(doc, open(partial, "w"))
    out = os.path.join(work, "partial")
    r = report([partial, "-o", out])
    check(r.returncode == 0, f"report.py renders without some counters ({r.stderr})")
    check_report(out, "missing counters")

    # 3. Not streambench JSON: exit 2 and the reason.
    bad = os.path.join(work, "bad.json")
    for content, words in (("not json at all", "not JSON"),
                           (json.dumps({"rows": []}), "not a Google Benchmark JSON file"),
                           (json.dumps({"context": {}, "benchmarks": [{"name": "BM_x"}]}),
                            "not from streambench")):
        with open(bad, "w") as f:
            f.write(content)
        r = report([bad, "-o", os.path.join(work, "bad")])
        check(r.returncode == 2, f"exit 2 on {words} ({r.returncode})")
        check(words in r.stderr and "Traceback" not in r.stderr,
              f"a clear message for {words}: {r.stderr.strip()}")

    check_load(work)
    check_warmup(work)

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("report.py: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
