#!/usr/bin/python3
"""ctest report_py: scripts/report.py on small results files (tests/fixtures/: the
refserver at 16 MiB, legacy spool-download at 16 and 64 MiB) writes index.html and every
PNG, non-trivial; it renders what it can when counters are missing; it refuses a file
that is not streambench JSON with exit 2 and a clear message.

    /usr/bin/python3 scripts/tests/report_test.py WORKDIR
"""

import json
import os
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "report.py")
FIXTURES = [os.path.join(HERE, "fixtures", f)
            for f in ("refserver-16MiB.json", "legacy-spool-download.json")]
PNGS = ["memory.png", "ttfb.png", "throughput.png", "first_byte_read.png", "copies.png",
        "fds.png"]
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


def check_report(out, what):
    index = os.path.join(out, "index.html")
    check(os.path.isfile(index) and os.path.getsize(index) > 4000, f"{what}: index.html written")
    text = open(index, encoding="utf-8").read() if os.path.isfile(index) else ""
    for png in PNGS:
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

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("report.py: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
