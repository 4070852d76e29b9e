#!/usr/bin/python3
"""Draws streambench results: an index.html with plots and a table, in one folder.

    /usr/bin/python3 scripts/report.py RESULTS.json [RESULTS.json...] -o reports/NAME/

Each RESULTS.json is a Google Benchmark JSON file written by streambench
(--benchmark_out=FILE --benchmark_out_format=json). Benchmarks are named
TARGET/PROTO/OP/SIZE[/cN][/suffix]; the plots have one small panel per operation and
one line per target, so a defect (a --legacy profile of the refserver, or your server)
stands apart from the refserver's flat lines.

Plots (report_plots.py), of one transfer at a time: peak RSS growth vs size (log-log),
time to first byte vs size, throughput vs size, bytes the server read before the
client's first byte vs size, copies per op (bars, largest size), descriptors held across
the run (cumulative fd_delta, in run order: a leak is a rising line). With a concurrency
sweep (--concurrency 1,16,256,1000, benchmarks named .../cN), also against N
(report_load.py): memory per connection, TTFB p99 and p50, aggregate throughput, and a
table of the load counters.

Runs with Debian's matplotlib: name /usr/bin/python3 (see DESIGN.md). Exit status: 0
report written; 2 unusable input (not a streambench results file).
"""

import argparse
import datetime
import html
import json
import os
import platform
import sys

import matplotlib

from report_load import LOAD_COUNTERS, LOAD_PLOTS, draw_load_plots, load_summary_lines, \
    load_table_html, warmup_cell
from report_plots import draw_size_plots, fmt_size, target_styles
from streambench_json import NO_WARMUP_NOTE, InputError, is_single, no_warmup, read_results

# Counters of the table, in order: (key, heading, format, invariant or None).
COLUMNS = [
    ("bytes_per_second", "throughput MB/s", lambda v: f"{v / 1e6:.1f}", None),
    ("ttfb_us", "TTFB ms", lambda v: f"{v / 1000:.2f}", None),
    ("rss_peak_kib", "peak RSS growth MiB", lambda v: f"{v / 1024:.2f}", None),
    ("copies", "copies", lambda v: f"{v:.2f}", lambda v: v <= 1.1),
    ("first_byte_read_kib", "read before 1st byte MiB", lambda v: f"{v / 1024:.2f}", None),
    ("fd_delta", "fd_delta", lambda v: f"{v:g}", lambda v: v == 0),
    ("deleted_open", "deleted_open", lambda v: f"{v:g}", lambda v: v == 0),
    ("sha256_ok", "sha256_ok", lambda v: f"{v:g}", lambda v: v == 1),
    ("cpu_ms_per_gib", "CPU ms/GiB", lambda v: f"{v:.0f}", None),
    ("harness_rss_kib", "harness RSS MiB", lambda v: f"{v / 1024:.1f}", None),
    ("probe_samples", "probe samples", lambda v: f"{v:.0f}", None),
]



def load(path):
    """The benchmarks of one streambench JSON file: (context, rows), the rows in run order
    as streambench_json.row_of makes them, each with its file's context."""
    context, rows = read_results(path)
    if not rows:
        raise InputError(f"{path}: no benchmarks in it")
    for r in rows:
        r["context"] = context
    return context, rows


def label_targets(files):
    """Target labels: the target name, plus the root filesystem when two files share a name."""
    by_name = {}
    for context, rows in files:
        for r in rows:
            by_name.setdefault(r["target"], set()).add(
                (context.get("root_fs", "?"), r["file"]))
    for context, rows in files:
        for r in rows:
            label = r["target"]
            if len({f for _, f in by_name[r["target"]]}) > 1:
                label += f" ({context.get('root_fs', '?')}, {os.path.basename(r['file'])})"
            r["label"] = label


def summary_lines(rows, labels):
    lines = []
    for label in labels:
        mine = [r for r in rows if r["label"] == label and r["variant"] != "checks"]
        ok = [r for r in mine if not r["error"]]
        # The maxima are of one transfer at a time: under load the peak is N transfers'.
        f = [r["figures"] for r in ok if is_single(r)]

        def most(key, scale=1.0, fmt="{:.2f}"):
            v = [x[key] for x in f if key in x]
            return fmt.format(max(v) * scale) if v else "-"
        leaks = sum(max(0, r["figures"].get("fd_delta", 0)) for r in ok)
        sha = sum(1 for r in ok if r["figures"].get("sha256_ok") == 1)
        cold = sum(1 for r in ok if no_warmup(r))
        lines.append(
            f"{label}: {len(mine)} benchmarks ({len(mine) - len(ok)} failed); "
            f"peak RSS growth up to {most('rss_peak_kib', 1 / 1024, '{:.1f}')} MiB; "
            f"copies up to {most('copies')}; "
            f"read before 1st byte up to {most('first_byte_read_kib', 1 / 1024, '{:.1f}')} MiB; "
            f"TTFB up to {most('ttfb_us', 1 / 1000, '{:.1f}')} ms; "
            f"descriptors gained {leaks:g}; sha256 ok {sha}/{len(ok)}"
            + (f"; {cold} upload(s) timed without warm-up" if cold else ""))
    return lines + load_summary_lines(rows, labels)


def esc(x):
    return html.escape(str(x))


def write_html(out, files, rows, labels, plots, summary, inputs):
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    p = []
    p.append("<!doctype html><html><head><meta charset='utf-8'><title>streamcheck report</title>")
    p.append("""<style>
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1400px;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-top:.6em}
img{max-width:100%;border:1px solid #eee} figure{margin:1em 0}
figcaption{color:#444;font-size:.92em;max-width:60em}
table{border-collapse:collapse;font-size:.82em} td,th{border:1px solid #ddd;padding:2px 6px}
th{background:#f3f3f3;position:sticky;top:0} td.n{text-align:right;font-variant-numeric:tabular-nums}
td.bad{background:#fdd;font-weight:bold} tr.err td{background:#fee} td.note{background:#ffd}
pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap} .ctx td{vertical-align:top}
</style></head><body>""")
    p.append("<h1>streamcheck report</h1>")
    p.append(f"<p>Made {esc(now)} from {len(inputs)} results file(s): "
             + ", ".join(f"<code>{esc(i)}</code>" for i in inputs) + ".</p>")
    p.append("<h2>Summary</h2><pre>" + esc("\n".join(summary)) + "</pre>")
    p.append("""<p><b>How to read it.</b> Each plot has one panel per operation and one line per
target. The refserver's lines (solid, cool colours) should be flat where a property says
so: memory does not grow with the size (P1), the server has read little when the first
byte arrives (P3), no descriptor is left behind (P4), one copy per byte (P2). A
<code>--legacy</code> profile of the refserver (dashed, warm colours) reproduces one
defect of the seed report so you can see what a failing server looks like: memory rising
with the size (<code>buffer-upload</code>, <code>load-whole</code>), a first byte that
waits for the whole object (<code>spool-download</code>), two copies
(<code>spool-upload</code>, <code>spool-download</code>), descriptors piling up
(<code>leak-tempfile</code>). Cells of the table that break an invariant are red.</p>""")
    load_table = load_table_html(rows, labels)
    if any(name in dict(LOAD_PLOTS) for name in plots):
        p.append("""<p>The plots against N (<code>load_*.png</code>) are of a concurrency
sweep: the same benchmark with N transfers at once, each on its own connection. Memory
per connection should stay flat or fall as N grows, aggregate throughput should hold,
and time to first byte grows no faster than N.</p>""")
    captions = {
        "memory.png": "Peak RSS growth of the server's process tree during one transfer "
                      "(VmHWM reset, or summed VmRSS sampled), against the object size, "
                      "log-log. Flat = streaming; a line rising with slope 1 holds the body "
                      "in memory (P1). Values below 0.05 MiB are drawn at 0.05.",
        "ttfb.png": "Time from the request to the first body byte (downloads) or to the "
                    "first byte sent (uploads), log-log. Flat = first byte at once; a line "
                    "rising with the size prepares the whole response first (P3).",
        "throughput.png": "Payload bytes per second of transfer. A root on disk is bound "
                          "by the disk for uploads; tmpfs shows the server's own cost.",
        "first_byte_read.png": "Downloads: bytes the server had read (rchar, which counts "
                               "read() and sendfile()) when the client got the first byte, "
                               "with the transfer paused there. Noise-free: the verdict "
                               "for P3. Values below 0.01 MiB are drawn at 0.01.",
        "copies.png": "Uploads: wchar growth / payload; downloads: rchar growth / payload, "
                      "over the tree, at each target's largest size. 1.0 is a straight "
                      "stream; a temp-file spool shows 2.0 (P2).",
        "fds.png": "Left: the sum of fd_delta over the run's transfers, in run order (a "
                   "leak is a staircase). Right: descriptors on unlinked files after each "
                   "transfer (P4).",
        **dict(LOAD_PLOTS),
    }
    p.append("<h2>Plots</h2>")
    for name in plots:
        p.append(f"<figure><img src='{esc(name)}' alt='{esc(name)}'>"
                 f"<figcaption>{esc(captions.get(name, ''))}</figcaption></figure>")
    p.append(load_table)

    p.append("<h2>Every benchmark</h2><p>One row per target &times; operation &times; size "
             "(the median when the run had repetitions); <code>suffix</code> is what the "
             "name has after the size (<code>cN</code>: N transfers at once). The row "
             "marked <code>checks</code> is the harness checking itself in the same run: "
             "our GET with and without the probe (probe_cost_pct, goal within &plusmn;5) "
             "and against the curl tool (client_vs_curl, goal 1.0 or more), medians of "
             "interleaved rounds, each with its 95% interval (<code>_low</code>, "
             "<code>_high</code>) and a verdict (1 met, 0 undecided at that many rounds, "
             "&minus;1 not met); <code>check_pinned</code> 1 when harness and server ran "
             "on CPUs of their own.</p>")
    extra = sorted({k for r in rows for k in r["figures"]} - {c[0] for c in COLUMNS} - {
        "warmup",
        "family_index", "per_family_instance_index", "repetitions", "repetition_index",
        "threads", "iterations", "real_time", "cpu_time"}
        - (LOAD_COUNTERS if load_table else set()))  # those are in the load table
    p.append("<table><tr><th>target</th><th>proto</th><th>op</th><th>size</th><th>suffix</th>"
             "<th>warm-up</th>"
             + "".join(f"<th>{esc(c[1])}</th>" for c in COLUMNS)
             + "".join(f"<th>{esc(k)}</th>" for k in extra) + "<th>error</th></tr>")
    for r in rows:
        cls = " class='err'" if r["error"] else ""
        cells = [esc(r["label"]), esc(r["proto"]), esc(r["op"]),
                 esc(fmt_size(r["size"]) if r["size"] else "?"), esc(r["suffix"])]
        row = "".join(f"<td>{c}</td>" for c in cells) + warmup_cell(r)
        for key, _, f, ok in COLUMNS:
            v = r["figures"].get(key)
            if v is None:
                row += "<td class='n'>-</td>"
            else:
                bad = ok is not None and not ok(v)
                row += f"<td class='n{' bad' if bad else ''}'>{esc(f(v))}</td>"
        for k in extra:
            v = r["figures"].get(k)
            row += f"<td class='n'>{'-' if v is None else esc(f'{v:g}')}</td>"
        row += f"<td>{esc(r['error'] or '')}</td>"
        p.append(f"<tr{cls}>{row}</tr>")
    p.append("</table>")
    if any(no_warmup(r) for r in rows):
        p.append(f"<p class='note'>{esc(NO_WARMUP_NOTE)}</p>")

    p.append("<h2>Context</h2>")
    uname = platform.uname()
    p.append(f"<p>Report made on {esc(uname.node)} ({esc(uname.system)} {esc(uname.release)}, "
             f"{esc(uname.machine)}), Python {esc(platform.python_version())}, matplotlib "
             f"{esc(matplotlib.__version__)}.</p>")
    for path, context in files:
        p.append(f"<h3><code>{esc(path)}</code></h3><table class='ctx'>")
        for k in sorted(context):
            v = context[k]
            if isinstance(v, (list, dict)):
                v = json.dumps(v)
            p.append(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>")
        p.append("</table>")
    p.append("</body></html>")
    with open(os.path.join(out, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(p))


def main(argv):
    ap = argparse.ArgumentParser(
        description="Draw streambench results: index.html with plots and a table.")
    ap.add_argument("results", nargs="+", help="streambench JSON files (--benchmark_out)")
    ap.add_argument("-o", "--out", default="reports/report",
                    help="output folder (made if missing; default reports/report)")
    args = ap.parse_args(argv)
    files, rows = [], []
    try:
        for path in args.results:
            context, mine = load(path)
            files.append((context, mine))
            rows.extend(mine)
    except InputError as e:
        print(f"report.py: {e}", file=sys.stderr)
        return 2
    label_targets(files)
    labels = []
    for r in rows:
        if r["label"] not in labels:
            labels.append(r["label"])
    first_seen = list(labels)
    labels.sort(key=lambda l: (not l.startswith("refserver"), first_seen.index(l)))
    styles = target_styles(labels)
    os.makedirs(args.out, exist_ok=True)
    out = args.out
    plots = draw_size_plots(rows, styles, out) + draw_load_plots(rows, labels, out)
    summary = summary_lines(rows, labels)
    write_html(out, [(p, c) for p, (c, _) in zip(args.results, files)], rows, labels, plots,
               summary, args.results)
    with open(os.path.join(out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(summary) + "\n")
    print("\n".join(summary))
    print(f"report: {os.path.abspath(os.path.join(out, 'index.html'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
