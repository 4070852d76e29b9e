"""The plots of scripts/report.py against the object size, one small panel per operation
and one line per target (plot_vs_size; draw_size_plots draws the report's set), copies per
operation (plot_copies) and descriptors over the run (plot_fds), and the helpers the load
plots (report_load.py) share: each target's style, the panel grid, the legend. Imports
matplotlib (Agg): scripts/peers_report/plots.py imports this module only when it draws.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from streambench_json import is_single, op_key  # noqa: E402

KIB = 1024
MIB = 1024 * 1024
# The order of the panels: downloads then uploads, HTTP then FTP.
OP_ORDER = ["http/get", "http/range", "ftp/retr", "ftp/rest",
            "http/put", "http/put-chunked", "http/post", "http/post-chunked",
            "ftp/stor", "ftp/appe"]
DOWNLOADS = {"get", "range", "retr", "rest"}


def fmt_size(n):
    for unit, k in (("GiB", 1024**3), ("MiB", MIB), ("KiB", KIB)):
        if n >= k and n % k == 0:
            return f"{n // k} {unit}"
    return f"{n} B"


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



def op_rank(op):
    """Where "proto/op" goes among the panels and rows: OP_ORDER, then by name."""
    return (OP_ORDER.index(op) if op in OP_ORDER else len(OP_ORDER), op)


def sorted_ops(ops):
    return sorted(ops, key=op_rank)


def size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_size(int(round(x)))
                                               if x >= 1 else ""))
    ax.tick_params(axis="x", labelsize=7)


def panels(title, ops, note=None):
    n = max(1, len(ops))
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    # At least 9 inches wide: with one or two panels, the title and legend need the room.
    fig, axes = plt.subplots(rows, cols, figsize=(max(9.0, 4.2 * cols), 3.3 * rows + 1.0),
                             squeeze=False)
    fig.suptitle(title, fontsize=13, fontweight="bold").set_in_layout(False)  # see finish
    if note:
        fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=8, color="#444")
    flat = [a for row in axes for a in row]
    for a in flat[n:]:
        a.set_visible(False)
    return fig, flat[:n]


def finish(fig, path, styles, used, extra=()):
    """The legend (the targets in `used`, then `extra` handles) above the panels, and the
    figure saved to path; a note instead when nothing was drawn."""
    handles = [plt.Line2D([], [], color=styles[l]["color"], linestyle=styles[l]["linestyle"],
                          marker=styles[l]["marker"], label=l) for l in styles if l in used]
    if handles:
        handles += list(extra)
        legend = fig.legend(handles=handles, loc="upper center",
                            bbox_to_anchor=(0.5, 1 - 0.42 / fig.get_figheight()),
                            ncol=min(len(handles), 5), fontsize=8, frameon=False)
        # The rect leaves room for the title and the legend; out of the layout, or
        # tight_layout makes room for them a second time (matplotlib 3.6).
        legend.set_in_layout(False)
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
    main = [r for r in rows if is_single(r) and r["size"] and key in r["figures"]
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
    main = [r for r in rows if is_single(r) and r["size"] and "copies" in r["figures"]]
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
        if not is_single(r) or "fd_delta" not in r["figures"]:
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


# The plots against the size, in the order index.html shows them.
SIZE_PLOTS = ["memory.png", "ttfb.png", "throughput.png", "first_byte_read.png", "copies.png",
              "fds.png"]


def draw_size_plots(rows, styles, out, throughput_title="Throughput vs object size"):
    """SIZE_PLOTS into the folder out, from the one-transfer-at-a-time rows (is_single):
    a placeholder saying why where these results have no data for one."""
    plot_vs_size(rows, styles, os.path.join(out, "memory.png"),
                 "Peak RSS growth of the server during a transfer (P1) vs object size",
                 "rss_peak_kib", 1 / 1024, "peak RSS growth (MiB)", True, floor=0.05,
                 note="log-log; flat = streaming, slope 1 = the body held in memory")
    plot_vs_size(rows, styles, os.path.join(out, "ttfb.png"),
                 "Time to first byte (P3) vs object size", "ttfb_us", 1 / 1000,
                 "time to first byte (ms)", True, floor=0.01,
                 note="log-log; flat = first byte at once")
    plot_vs_size(rows, styles, os.path.join(out, "throughput.png"),
                 throughput_title, "bytes_per_second", 1 / 1e6, "throughput (MB/s)", False)
    plot_vs_size(rows, styles, os.path.join(out, "first_byte_read.png"),
                 "Bytes the server read before the client's first byte (P3), downloads",
                 "first_byte_read_kib", 1 / 1024, "read before first byte (MiB)", True,
                 ops_filter=lambda r: r["op"] in DOWNLOADS, floor=0.01,
                 note="log-log; the noise-free P3 figure: a spool reads the whole object first")
    plot_copies(rows, styles, os.path.join(out, "copies.png"))
    plot_fds(rows, styles, os.path.join(out, "fds.png"))
    return list(SIZE_PLOTS)
