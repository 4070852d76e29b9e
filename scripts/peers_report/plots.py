"""The peers report's plots: the rows scripts/report.py plots, made from each server's
medians over the rounds (plot_rows), the list of plots with their captions (PLOTS), and
drawing them with scripts/report_plots.py, one line per server (draw_plots). matplotlib
is imported (through scripts/report_plots.py) only when draw_plots runs, so the rest of
the report works without it.
"""

import os
import sys

from .common import op_index

# scripts/, where scripts/report_plots.py is.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plot_rows(servers, cells_by_server):
    """Rows as streambench_json.read_results makes them, one per server x op x size, with the
    medians over the rounds as figures, in streambench's run order (sizes, then ops)."""
    rows = []
    for s in servers:
        cells = cells_by_server.get(s["name"], {})
        for (op, size) in sorted(cells, key=lambda k: (k[1], op_index(k[0]))):
            cell = cells[(op, size)]
            if cell["state"] != "ok":
                continue
            proto, name = op.split("/", 1)
            rows.append({"name": f"{s['name']}/{op}/{size}", "file": "", "context": {},
                         "target": s["name"], "proto": proto, "op": name, "size": size,
                         "suffix": "", "concurrency": None, "variant": "", "error": None,
                         "figures": dict(cell["median"]),
                         "label": s["name"]})
    return rows


PLOTS = [
    ("memory.png", "Peak RSS growth of the server's process tree during one transfer against "
     "the object size, log-log (P1): flat is streaming, slope 1 holds the body in memory."),
    ("ttfb.png", "Time to first byte against the object size, log-log (P3): flat is a first "
     "byte at once. FTP's is noisy (curl's FTP client), so P3's verdict uses bytes read."),
    ("throughput.png", "Throughput (payload MB/s) against the object size (with the root "
     "on tmpfs: the servers' own cost)."),
    ("first_byte_read.png", "Downloads: bytes the server had read when the client got its "
     "first byte (P3's noise-free figure)."),
    ("copies.png", "Copies per payload byte at each server's largest size (P2): 1.0 is a "
     "straight stream, a temp-file spool 2.0."),
    ("fds.png", "Descriptors: cumulative fd_delta over the run's transfers (a leak is a "
     "staircase), and descriptors on unlinked files after each (P4)."),
]


def draw_plots(out, servers, cells_by_server):
    """The plots of scripts/report_plots.py, one line per server. Returns the PNGs written, or
    raises ImportError when matplotlib is missing."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    # Imports matplotlib: here, so that the rest of the report works without it.
    from report_plots import draw_size_plots, target_styles
    rows = plot_rows(servers, cells_by_server)
    labels = [s["name"] for s in servers if any(r["label"] == s["name"] for r in rows)]
    draw_size_plots(rows, target_styles(labels), out,
                    throughput_title="Throughput vs object size (median over the rounds)")
    return [p for p, _ in PLOTS]
