#!/usr/bin/python3
"""Draws streambench results: an index.html with plots and a table, in one folder.

    /usr/bin/python3 scripts/report.py RESULTS.json [RESULTS.json...] -o reports/NAME/

Each RESULTS.json is a Google Benchmark JSON file written by streambench
(--benchmark_out=FILE --benchmark_out_format=json). Benchmarks are named
TARGET/PROTO/OP/SIZE[/suffix]; the plots have one small panel per operation and one
line per target, so a defect (a --legacy profile of the refserver, or your server)
stands apart from the refserver's flat lines.

Plots: peak RSS growth vs size (log-log), time to first byte vs size, throughput vs
size, bytes the server read before the client's first byte vs size, copies per op
(bars, largest size), descriptors held across the run (cumulative fd_delta, in run
order: a leak is a rising line).

Runs with Debian's matplotlib: name /usr/bin/python3 (see DESIGN.md). Exit status: 0
report written; 2 unusable input (not a streambench results file).
"""

import argparse
import datetime
import html
import json
import os
import platform
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from streambench_json import benchmark_figures  # noqa: E402

KIB = 1024
MIB = 1024 * 1024
UNITS = {"": 1, "b": 1, "kib": KIB, "mib": MIB, "gib": 1024**3, "tib": 1024**4,
         "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
# The order of the panels: downloads then uploads, HTTP then FTP.
OP_ORDER = ["http/get", "http/range", "ftp/retr", "ftp/rest",
            "http/put", "http/put-chunked", "http/post", "http/post-chunked",
            "ftp/stor", "ftp/appe"]
DOWNLOADS = {"get", "range", "retr", "rest"}
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



class InputError(Exception):
    pass


def parse_size(text):
    m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).lower() not in UNITS:
        return None
    return int(m.group(1)) * UNITS[m.group(2).lower()]


def fmt_size(n):
    for unit, k in (("GiB", 1024**3), ("MiB", MIB), ("KiB", KIB)):
        if n >= k and n % k == 0:
            return f"{n // k} {unit}"
    return f"{n} B"


def load(path):
    """The benchmarks of one streambench JSON file: a list of dicts, in run order."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except ValueError as e:
        raise InputError(f"{path}: not JSON ({e}); give the file streambench writes with "
                         "--benchmark_out=FILE --benchmark_out_format=json")
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list) \
            or not isinstance(doc.get("context"), dict):
        raise InputError(f"{path}: not a Google Benchmark JSON file (no \"context\" and "
                         "\"benchmarks\"); give the file streambench writes with "
                         "--benchmark_out=FILE --benchmark_out_format=json")
    context = doc["context"]
    if "target" not in context:
        raise InputError(f"{path}: Google Benchmark JSON, but not from streambench "
                         "(no context.target)")
    for b in doc["benchmarks"]:
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            raise InputError(f"{path}: a benchmark without a name")
    out = []
    for name, error, figures in benchmark_figures(doc["benchmarks"]):
        parts = name.split("/")
        size = parse_size(parts[3]) if len(parts) >= 4 else None
        out.append({
            "name": name, "file": path, "context": context,
            "target": parts[0], "proto": parts[1] if len(parts) > 1 else "",
            "op": parts[2] if len(parts) > 2 else "", "size": size,
            "suffix": "/".join(parts[4:]), "error": error, "figures": figures,
        })
    if not out:
        raise InputError(f"{path}: no benchmarks in it")
    return context, out


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


def target_styles(labels):
    """Each target its own colour and marker, the same in every plot: the refserver in
    cool colours and solid lines, legacy profiles and others warm and dashed."""
    cool = ["#1f77b4", "#2ca02c", "#17becf", "#9467bd"]
    warm = ["#d62728", "#ff7f0e", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f", "#000000"]
    markers = "osD^v<>ph*"
    styles, ci, wi = {}, 0, 0
    for i, label in enumerate(labels):
        if label.startswith("refserver"):
            colour, ls = cool[ci % len(cool)], "-"
            ci += 1
        else:
            colour, ls = warm[wi % len(warm)], "--"
            wi += 1
        styles[label] = {"color": colour, "linestyle": ls, "marker": markers[i % len(markers)]}
    return styles


def op_key(row):
    return f"{row['proto']}/{row['op']}"


def sorted_ops(ops):
    return sorted(ops, key=lambda o: (OP_ORDER.index(o) if o in OP_ORDER else len(OP_ORDER), o))


def size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_size(int(round(x)))
                                               if x >= 1 else ""))
    ax.tick_params(axis="x", labelsize=7)


def panels(title, ops, note=None):
    n = max(1, len(ops))
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows + 1.0), squeeze=False)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    if note:
        fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=8, color="#444")
    flat = [a for row in axes for a in row]
    for a in flat[n:]:
        a.set_visible(False)
    return fig, flat[:n]


def finish(fig, path, styles, used):
    handles = [plt.Line2D([], [], color=styles[l]["color"], linestyle=styles[l]["linestyle"],
                          marker=styles[l]["marker"], label=l) for l in styles if l in used]
    if handles:
        fig.legend(handles=handles, loc="upper center",
                   bbox_to_anchor=(0.5, 1 - 0.42 / fig.get_figheight()),
                   ncol=min(len(handles), 5), fontsize=8, frameon=False)
        fig.tight_layout(rect=(0, 0.03, 1, 1 - 0.85 / fig.get_figheight()))
    else:
        fig.text(0.5, 0.5, "no data for this plot in these results", ha="center",
                 va="center", fontsize=12, color="#888")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def no_data_figure(title, path, why):
    fig, ax = plt.subplots(figsize=(8, 3))
    fig.suptitle(title, fontsize=13, fontweight="bold")
    ax.axis("off")
    ax.text(0.5, 0.5, why, ha="center", va="center", fontsize=11, color="#888",
            transform=ax.transAxes)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_vs_size(rows, styles, path, title, key, scale, ylabel, log_y, ops_filter=None,
                 floor=None, note=None, refs=()):
    main = [r for r in rows if not r["suffix"] and r["size"] and key in r["figures"]
            and (ops_filter is None or ops_filter(r))]
    ops = sorted_ops({op_key(r) for r in main})
    if not ops:
        no_data_figure(title, path, f"no {key} counter in these results")
        return False
    fig, axes = panels(title, ops, note)
    used = set()

    def value(r):
        v = r["figures"][key] * scale
        return max(v, floor) if floor is not None else v
    every = [value(r) for r in main]
    for ax, op in zip(axes, ops):
        for label in styles:
            pts = sorted((r["size"], value(r)) for r in main
                         if op_key(r) == op and r["label"] == label)
            if not pts:
                continue
            used.add(label)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], **styles[label], markersize=5,
                    linewidth=1.6, zorder=3 if label.startswith("refserver") else 2)
        ax.set_title(op, fontsize=10)
        size_axis(ax)
        if log_y:  # the same range in every panel, so panels compare at a glance
            ax.set_yscale("log")
            ax.set_ylim(min(every) / 1.5, max(max(every) * 2, min(every) * 20))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        else:
            ax.set_ylim(0, max(every) * 1.1 if every else 1)
        for y, text in refs:
            ax.axhline(y, color="#999", linewidth=0.8, linestyle=":")
            ax.annotate(text, (0.01, y), xycoords=("axes fraction", "data"), fontsize=7,
                        color="#666", va="bottom")
        ax.set_xlabel("object size", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(True, which="major", alpha=0.3)
        ax.tick_params(axis="y", labelsize=7)
    finish(fig, path, styles, used)
    return True


def plot_copies(rows, styles, path):
    main = [r for r in rows if not r["suffix"] and r["size"] and "copies" in r["figures"]]
    ops = sorted_ops({op_key(r) for r in main})
    title = "Copies per payload byte (P2), at each target's largest size"
    if not ops:
        no_data_figure(title, path, "no copies counter in these results")
        return False
    labels = [l for l in styles if any(r["label"] == l for r in main)]
    fig, ax = plt.subplots(figsize=(max(8, 1.2 * len(ops) + 2), 4.8))
    fig.suptitle(title, fontsize=13, fontweight="bold")
    width = 0.8 / max(1, len(labels))
    for i, label in enumerate(labels):
        xs, ys = [], []
        for j, op in enumerate(ops):
            mine = [r for r in main if r["label"] == label and op_key(r) == op]
            if not mine:
                continue
            largest = max(mine, key=lambda r: r["size"])
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(largest["figures"]["copies"])
        ax.bar(xs, ys, width=width * 0.95, color=styles[label]["color"], label=label,
               hatch=None if styles[label]["linestyle"] == "-" else "//", edgecolor="white")
    for y, text in ((1.0, "1.0: a straight stream"), (2.0, "2.0: a temp-file spool")):
        ax.axhline(y, color="#999", linewidth=0.8, linestyle=":")
        ax.annotate(text, (0.005, y), xycoords=("axes fraction", "data"), fontsize=7,
                    color="#666", va="bottom")
    ax.set_xticks(range(len(ops)))
    ax.set_xticklabels(ops, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("copies (wchar or rchar growth / payload)", fontsize=8)
    ax.set_ylim(0, max(2.4, max((r["figures"]["copies"] for r in main), default=0) * 1.1))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=min(len(labels), 4), loc="upper right")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def plot_fds(rows, styles, path):
    title = "Descriptors held across the run (P4): cumulative fd_delta, transfer by transfer"
    series = {}
    for r in rows:  # rows are in run order within each file
        if r["suffix"] or "fd_delta" not in r["figures"]:
            continue
        series.setdefault(r["label"], []).append(
            (r["figures"]["fd_delta"], r["figures"].get("deleted_open", 0)))
    if not series:
        no_data_figure(title, path, "no fd_delta counter in these results")
        return False
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.6))
    fig.suptitle(title, fontsize=13, fontweight="bold")
    for label in styles:
        if label not in series:
            continue
        total, xs, ys = 0, [0], [0]
        for i, (d, _) in enumerate(series[label], 1):
            total += d
            xs.append(i)
            ys.append(total)
        ax.step(xs, ys, where="post", color=styles[label]["color"],
                linestyle=styles[label]["linestyle"], linewidth=1.6, label=label)
        ax2.plot(range(1, len(series[label]) + 1), [d for _, d in series[label]],
                 color=styles[label]["color"], linestyle=styles[label]["linestyle"],
                 marker=styles[label]["marker"], markersize=3, linewidth=1, label=label)
    ax.set_xlabel("benchmark (transfer) in run order", fontsize=8)
    ax.set_ylabel("descriptors above the start (count)", fontsize=8)
    ax.set_title("flat at 0: nothing leaks", fontsize=9)
    ax2.set_xlabel("benchmark (transfer) in run order", fontsize=8)
    ax2.set_ylabel("open unlinked files after it (count)", fontsize=8)
    ax2.set_title("deleted_open: temp files unlinked but held open", fontsize=9)
    for a in (ax, ax2):
        a.grid(True, alpha=0.3)
        a.set_ylim(bottom=-0.5)
    ax.legend(fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def summary_lines(rows, labels):
    lines = []
    for label in labels:
        mine = [r for r in rows if r["label"] == label and not r["suffix"]]
        ok = [r for r in mine if not r["error"]]
        f = [r["figures"] for r in ok]

        def most(key, scale=1.0, fmt="{:.2f}"):
            v = [x[key] for x in f if key in x]
            return fmt.format(max(v) * scale) if v else "-"
        leaks = sum(max(0, x.get("fd_delta", 0)) for x in f)
        sha = sum(1 for x in f if x.get("sha256_ok") == 1)
        lines.append(
            f"{label}: {len(mine)} benchmarks ({len(mine) - len(ok)} failed); "
            f"peak RSS growth up to {most('rss_peak_kib', 1 / 1024, '{:.1f}')} MiB; "
            f"copies up to {most('copies')}; "
            f"read before 1st byte up to {most('first_byte_read_kib', 1 / 1024, '{:.1f}')} MiB; "
            f"TTFB up to {most('ttfb_us', 1 / 1000, '{:.1f}')} ms; "
            f"descriptors gained {leaks:g}; sha256 ok {sha}/{len(ok)}")
    return lines


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
td.bad{background:#fdd;font-weight:bold} tr.err td{background:#fee}
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
    }
    p.append("<h2>Plots</h2>")
    for name in plots:
        p.append(f"<figure><img src='{esc(name)}' alt='{esc(name)}'>"
                 f"<figcaption>{esc(captions.get(name, ''))}</figcaption></figure>")

    p.append("<h2>Every benchmark</h2><p>One row per target &times; operation &times; size "
             "(the median when the run had repetitions). The row marked <code>checks</code> is "
             "the harness checking itself in the same run: our GET with and without the "
             "probe (probe_cost_pct, goal within &plusmn;5) and against the curl tool "
             "(client_vs_curl, goal 1.0 or more), medians of interleaved rounds, each with "
             "its 95% interval (<code>_low</code>, <code>_high</code>) and a verdict "
             "(1 met, 0 undecided at that many rounds, &minus;1 not met); "
             "<code>check_pinned</code> 1 when harness and server ran on CPUs of their "
             "own.</p>")
    extra = sorted({k for r in rows for k in r["figures"]} - {c[0] for c in COLUMNS} - {
        "family_index", "per_family_instance_index", "repetitions", "repetition_index",
        "threads", "iterations", "real_time", "cpu_time"})
    p.append("<table><tr><th>target</th><th>proto</th><th>op</th><th>size</th><th>check</th>"
             + "".join(f"<th>{esc(c[1])}</th>" for c in COLUMNS)
             + "".join(f"<th>{esc(k)}</th>" for k in extra) + "<th>error</th></tr>")
    for r in rows:
        cls = " class='err'" if r["error"] else ""
        cells = [esc(r["label"]), esc(r["proto"]), esc(r["op"]),
                 esc(fmt_size(r["size"]) if r["size"] else "?"), esc(r["suffix"])]
        row = "".join(f"<td>{c}</td>" for c in cells)
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
    plots = ["memory.png", "ttfb.png", "throughput.png", "first_byte_read.png", "copies.png",
             "fds.png"]
    plot_vs_size(rows, styles, os.path.join(out, "memory.png"),
                 "Peak RSS growth of the server during a transfer (P1) vs object size",
                 "rss_peak_kib", 1 / 1024, "peak RSS growth (MiB)", True, floor=0.05,
                 note="log-log; flat = streaming, slope 1 = the body held in memory")
    plot_vs_size(rows, styles, os.path.join(out, "ttfb.png"),
                 "Time to first byte (P3) vs object size", "ttfb_us", 1 / 1000,
                 "time to first byte (ms)", True, floor=0.01,
                 note="log-log; flat = first byte at once")
    plot_vs_size(rows, styles, os.path.join(out, "throughput.png"),
                 "Throughput vs object size", "bytes_per_second", 1 / 1e6, "throughput (MB/s)",
                 False)
    plot_vs_size(rows, styles, os.path.join(out, "first_byte_read.png"),
                 "Bytes the server read before the client's first byte (P3), downloads",
                 "first_byte_read_kib", 1 / 1024, "read before first byte (MiB)", True,
                 ops_filter=lambda r: r["op"] in DOWNLOADS, floor=0.01,
                 note="log-log; the noise-free P3 figure: a spool reads the whole object first")
    plot_copies(rows, styles, os.path.join(out, "copies.png"))
    plot_fds(rows, styles, os.path.join(out, "fds.png"))
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
