"""Load mode in scripts/report.py: a streambench run with --concurrency 1,16,256,1000
names each benchmark TARGET/PROTO/OP/SIZE/cN; this draws its figures against N, one
panel per operation and one line per target (memory per connection, TTFB p99 with p50,
aggregate throughput), and writes the table of every benchmark run at N > 1 or in a
sweep. A plot is drawn only when some target has an op measured at two N or more, so a
run without a sweep gets no empty panels.
"""

import html
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

from report_plots import finish, fmt_size, op_rank, panels, sorted_ops, target_styles  # noqa: E402
from streambench_json import NO_WARMUP_MARK, NO_WARMUP_NOTE, no_warmup, op_key  # noqa: E402

# streambench gate's limit on memory per connection (gate.hpp: Rules::flat_memory_kib),
# and the refserver's goal under load (issue 14), drawn as reference lines.
GATE_MEMORY_PER_CONN_KIB = 8192
GOAL_MEMORY_PER_CONN_KIB = 1024

# (file, caption) of the load plots, in the order index.html shows them.
LOAD_PLOTS = [
    ("load_memory.png",
     "Server RSS per connection against the number of transfers at once (N), log-log: the "
     "process tree's peak RSS during a batch of N, less its RSS before the sessions were "
     "opened, / N. Flat or falling = bounded memory per connection; a line near the "
     "object size = each connection holds its body (P1 under load). Values below 1 KiB "
     "are drawn at 1 KiB."),
    ("load_ttfb.png",
     "Time to first byte against N, log-log: p99 (solid) and p50 (faint) over every "
     "transfer of the row, counted from when each was meant to start, so a transfer "
     "queued behind the others counts its wait."),
    ("load_throughput.png",
     "Aggregate throughput against N: payload bytes of all N transfers / the time from "
     "the batch's start to its last transfer's end. Flat from N = 16 on = the server "
     "shares its bandwidth without losing it; a fall = it spends it on the connections."),
]
# The counters of load mode, shown in the load table rather than the main one.
LOAD_COUNTERS = {"ttfb_p50_us", "ttfb_p90_us", "ttfb_p99_us", "ttfb_max_us",
                 "transfer_mbps_p50", "transfer_mbps_min", "rss_per_conn_kib", "fd_peak"}
# The load table: (key, heading, format, invariant or None).
COLUMNS = [
    ("bytes_per_second", "aggregate MB/s", lambda v: f"{v / 1e6:.1f}", None),
    ("transfer_mbps_p50", "per transfer MB/s p50", lambda v: f"{v:.1f}", None),
    ("transfer_mbps_min", "per transfer MB/s min", lambda v: f"{v:.1f}", None),
    ("ttfb_p50_us", "TTFB p50 ms", lambda v: f"{v / 1000:.2f}", None),
    ("ttfb_p90_us", "TTFB p90 ms", lambda v: f"{v / 1000:.2f}", None),
    ("ttfb_p99_us", "TTFB p99 ms", lambda v: f"{v / 1000:.2f}", None),
    ("ttfb_max_us", "TTFB max ms", lambda v: f"{v / 1000:.2f}", None),
    ("rss_per_conn_kib", "RSS per connection KiB", lambda v: f"{v:.1f}",
     lambda v: v <= GATE_MEMORY_PER_CONN_KIB),
    ("rss_peak_kib", "peak RSS growth MiB", lambda v: f"{v / 1024:.2f}", None),
    ("fd_peak", "fd_peak", lambda v: f"{v:g}", None),
    ("fd_delta", "fd_delta", lambda v: f"{v:g}", lambda v: v == 0),
    ("sha256_ok", "sha256_ok", lambda v: f"{v:g}", lambda v: v == 1),
]


def concurrency(row):
    """N of a row: its /cN, or 1 for a benchmark named without one (one transfer)."""
    return row.get("concurrency") or 1


def sweeps(rows):
    """The rows of each sweep: {(op, series): [rows, by N]}, where a series is one target
    (its size and variant added when the op has several) measured without error at two
    values of N or more. The checks row is not a sweep."""
    groups = {}
    for r in rows:
        if r["error"] or r.get("variant") == "checks" or not r["op"]:
            continue
        groups.setdefault((r["label"], op_key(r), r["size"], r.get("variant", "")), []).append(r)
    groups = {k: v for k, v in groups.items() if len({concurrency(r) for r in v}) >= 2}
    out = {}
    for (label, op, size, variant), mine in groups.items():
        sizes = {k[2] for k in groups if k[1] == op}
        variants = {k[3] for k in groups if k[1] == op}
        series = label
        if len(sizes) > 1:
            series += f", {fmt_size(size) if size else '?'}"
        if variant or len(variants) > 1:
            series += f", {variant or 'plain'}"
        out[(op, series)] = sorted(mine, key=concurrency)
    return out


def n_axis(ax, ns):
    """Log x axis with a tick at each N measured, written as a plain number."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(ns))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0f}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(min(ns) / 1.6, max(ns) * 1.6)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("transfers at once, N (each on its own connection)", fontsize=8)


def plot_load(groups, styles, path, title, key, scale, ylabel, log_y, floor=None,
              note=None, faint=None, refs=()):
    """One panel per op: `key` x `scale` against N, one line per series; `faint` another
    counter drawn thin and light in the series' colour (p50 under p99); refs, (y, text,
    linestyle), grey lines named in the legend, where y is in the panel's range."""
    def value(r, k):
        v = r["figures"][k] * scale
        return max(v, floor) if floor is not None else v
    lines = {k: [r for r in v if key in r["figures"]] for k, v in groups.items()}
    lines = {k: v for k, v in lines.items() if len(v) >= 2}
    ops = sorted_ops({op for op, _ in lines})
    if not ops:
        return False
    fig, axes = panels(title, ops, note)
    every = [value(r, k) for v in lines.values() for r in v
             for k in (key, faint) if k and k in r["figures"]]
    ns = sorted({concurrency(r) for v in lines.values() for r in v})
    used, shown = set(), set()
    for ax, op in zip(axes, ops):
        mine = [(series, v) for (o, series), v in lines.items() if o == op]
        for series, v in sorted(mine, key=lambda sv: list(styles).index(sv[0])):
            used.add(series)
            st = styles[series]
            front = 3 if series.startswith("refserver") else 2
            ax.plot([concurrency(r) for r in v], [value(r, key) for r in v], **st,
                    markersize=5, linewidth=1.6, zorder=front)
            pts = [(concurrency(r), value(r, faint)) for r in v
                   if faint and faint in r["figures"]]
            if pts:
                ax.plot(*zip(*pts), color=st["color"], linestyle=":", linewidth=1.1,
                        alpha=0.55, zorder=front - 1)
        ax.set_title(op, fontsize=10)
        n_axis(ax, ns)
        if log_y:  # the same range in every panel, so panels compare at a glance
            ax.set_yscale("log")
            ax.set_ylim(min(every) / 1.5, max(max(every) * 2, min(every) * 20))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        else:  # each its own: the shape against N is the point, HTTP and FTP differ
            top = max((value(r, key) for _, v in mine for r in v), default=1)
            ax.set_ylim(0, top * 1.15 or 1)
        lo, hi = ax.get_ylim()
        for y, text, ls in refs:  # in the legend: a label in the panel would hide data
            if lo <= y <= hi:
                ax.axhline(y, color="#888", linewidth=0.9, linestyle=ls, zorder=1)
                shown.add(text)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(True, which="major", alpha=0.3)
        ax.tick_params(axis="y", labelsize=7)
    extra = [plt.Line2D([], [], color="#888", linewidth=0.9, linestyle=ls, label=text)
             for _, text, ls in refs if text in shown]
    if faint:
        extra += [plt.Line2D([], [], color="#555", linewidth=1.6, label="p99"),
                  plt.Line2D([], [], color="#555", linestyle=":", alpha=0.55, label="p50")]
    finish(fig, path, styles, used, extra)
    return True


def draw_load_plots(rows, labels, out):
    """The load plots of LOAD_PLOTS that these rows have data for, into the folder out:
    [file names]; none when no op was measured at two N or more. The lines are styled as
    the targets' lines of the other plots: in the order of labels, the refserver's first."""
    groups = sweeps(rows)
    if not groups:
        return []
    series = []
    for (_, s), v in sorted(groups.items(), key=lambda kv: (labels.index(kv[1][0]["label"]),
                                                            kv[0][1])):
        if s not in series:
            series.append(s)
    styles = target_styles(series)
    drawn = []
    if plot_load(groups, styles, os.path.join(out, "load_memory.png"),
                 "Server memory per connection vs transfers at once (P1 under load)",
                 "rss_per_conn_kib", 1, "RSS per connection (KiB)", True, floor=1,
                 note="log-log; flat = bounded memory per connection",
                 refs=((GOAL_MEMORY_PER_CONN_KIB, "1 MiB: the refserver's goal", ":"),
                       (GATE_MEMORY_PER_CONN_KIB, "8 MiB: streambench gate's limit", "-."))):
        drawn.append("load_memory.png")
    if plot_load(groups, styles, os.path.join(out, "load_ttfb.png"),
                 "Time to first byte vs transfers at once: p99 and p50", "ttfb_p99_us",
                 1 / 1000, "time to first byte (ms)", True, floor=0.01, faint="ttfb_p50_us",
                 note="log-log; solid p99, dotted p50; counted from each transfer's intended "
                      "start"):
        drawn.append("load_ttfb.png")
    if plot_load(groups, styles, os.path.join(out, "load_throughput.png"),
                 "Aggregate throughput vs transfers at once", "bytes_per_second", 1 / 1e6,
                 "aggregate throughput (MB/s)", False,
                 note="all N transfers' bytes / the batch's wall time"):
        drawn.append("load_throughput.png")
    return drawn


def load_rows(rows):
    """The rows of the load table: those named with /cN (a sweep's every step, or a run
    at one N > 1), but not the checks."""
    return [r for r in rows if r.get("concurrency") is not None and r.get("variant") != "checks"]


def warmup_cell(row):
    """A row's warmup counter as a table cell; an upload timed without one is marked (its
    footnote: NO_WARMUP_NOTE)."""
    v = row["figures"].get("warmup")
    text = html.escape("-" if v is None else f"{v:g}")
    if no_warmup(row):
        return f"<td class='n note'>{text} {NO_WARMUP_MARK}</td>"
    return f"<td class='n'>{text}</td>"


def load_table_html(rows, labels):
    """The load table as HTML (a heading, a note and the table), or "" when no benchmark
    was named with /cN. Sorted by target (in the order of labels), op, size, variant, then
    N, so a sweep reads down; a variant column only when some row has a variant."""
    mine = load_rows(rows)
    if not mine:
        return ""
    esc = html.escape
    mine.sort(key=lambda r: (labels.index(r["label"]), op_rank(op_key(r)), r["size"] or 0,
                             r.get("variant", ""), concurrency(r)))
    variants = any(r.get("variant") for r in mine)
    p = ["<h2>Under load</h2><p>One row per target &times; operation &times; size &times; "
         "N transfers at once (<code>&hellip;/cN</code>). Percentiles are over every "
         "transfer of the row, merged from histograms; times count from when each transfer "
         "was meant to start. RSS per connection is the server tree's peak RSS during the "
         f"batch less its RSS before the sessions opened, / N; red above "
         f"{GATE_MEMORY_PER_CONN_KIB // 1024} MiB (<code>streambench gate</code>'s limit). "
         "fd_peak counts the tree's descriptors at the peak, the N sessions' included.</p>",
         "<table><tr><th>target</th><th>op</th><th>size</th>"
         + ("<th>variant</th>" if variants else "") + "<th>N</th><th>warm-up</th>"
         + "".join(f"<th>{esc(c[1])}</th>" for c in COLUMNS) + "<th>error</th></tr>"]
    for r in mine:
        cells = [r["label"], op_key(r), fmt_size(r["size"]) if r["size"] else "?"] \
            + ([r.get("variant", "")] if variants else []) + [str(concurrency(r))]
        row = "".join(f"<td>{esc(c)}</td>" for c in cells)
        row += warmup_cell(r)
        for key, _, f, ok in COLUMNS:
            v = r["figures"].get(key)
            bad = v is not None and ok is not None and not ok(v)
            row += f"<td class='n{' bad' if bad else ''}'>{'-' if v is None else esc(f(v))}</td>"
        row += f"<td>{esc(r['error'] or '')}</td>"
        cls = " class='err'" if r["error"] else ""
        p.append(f"<tr{cls}>{row}</tr>")
    p.append("</table>")
    if any(no_warmup(r) for r in mine):
        p.append(f"<p class='note'>{esc(NO_WARMUP_NOTE)}</p>")
    return "\n".join(p)


def load_summary_lines(rows, labels):
    """Per target with a sweep: its figures at its largest N, the worst over its ops."""
    lines = []
    groups = sweeps(rows)
    for label in labels:
        mine = [r for (_, s), v in groups.items() for r in v if r["label"] == label]
        if not mine:
            continue
        top = max(concurrency(r) for r in mine)
        at = [r["figures"] for r in mine if concurrency(r) == top]

        def worst(key, pick, scale, fmt):
            v = [f[key] * scale for f in at if key in f]
            return fmt.format(pick(v)) if v else "-"
        lines.append(
            f"{label} under load, at N={top}: aggregate throughput down to "
            f"{worst('bytes_per_second', min, 1e-6, '{:.1f}')} MB/s; TTFB p99 up to "
            f"{worst('ttfb_p99_us', max, 1e-3, '{:.1f}')} ms; RSS per connection up to "
            f"{worst('rss_per_conn_kib', max, 1, '{:.1f}')} KiB; fd_peak up to "
            f"{worst('fd_peak', max, 1, '{:g}')}")
    return lines
