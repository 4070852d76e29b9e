#!/usr/bin/python3
"""The cross-server report of `scripts/bench --peers`: the refserver beside other servers.

    /usr/bin/python3 scripts/peers_report.py RESULTS_DIR [-o OUT]

RESULTS_DIR is what `scripts/bench --peers` fills (reports/peers/results/):

    servers.tsv           NAME<TAB>ran|not run<TAB>REASON, one line per server, in order
    runs.tsv              NAME<TAB>streambench|conformance<TAB>ROUND|-<TAB>EXIT<TAB>SECONDS<TAB>FILE
    settings.tsv          KEY<TAB>VALUE (sizes, rounds, quick, roots, ops, conformance
                          ("on ROOT" or "off"), conformance_sizes, wall_seconds)
    NAME.rROUND.json      streambench results of one round (Google Benchmark JSON); NAME
                          is SERVER@ROOT (nginx@disk) when the run had several roots
    NAME.rROUND.log       its stderr ("streambench: skipping OP: WHY" for ops it lacks)
    NAME.conformance.xml  the conformance suite's GoogleTest XML (it has the skip messages;
                          GoogleTest 1.12's JSON output does not)

Without the .tsv files the servers, rounds and runs are read off the file names.

Writes OUT/index.html (default: RESULTS_DIR's parent) with
  - a ranking per operation and root at the largest size (the other sizes folded below
    it): per server the medians over the rounds of throughput and of CPU per GiB, each
    with its distribution-free 95% interval (peers_report/stats.py), TTFB, peak RSS
    growth, copies; each server's ratio to the best peer (the refserver and its variants,
    refserver-no-splice, are not peers; a refserver below 1.0 is red);
  - a verdict card per server, P1-P7 each pass / fail / not tested (with why), with the
    figure that decided it and the test or benchmark that showed it: from the conformance
    suite's results and from streambench's counters (judged as `streambench gate` judges
    invariants: copies <= 1.1, peak RSS growth from the smallest to the largest size <=
    8 MiB, bytes read before the first byte <= min(16 MiB, half the object), fd_delta <= 0,
    deleted_open = 0, sha256_ok = 1);
  - the conformance matrix: server x test group (the suite name's prefix: Rfc959, ...,
    BadInput, Security, P1..P7) with pass / fail / skip counts, each failure's reason, and
    the skips' reasons in a details element;
  - the plots of scripts/report.py (memory, TTFB, throughput, bytes read before the first
    byte, copies, descriptors), one line per server (its medians over the rounds);
  - every run with its exit status, time and files;
and OUT/summary.txt, the text summary it also prints on stdout: per operation, size and
root each server's median MB/s and CPU ms/GiB with their 95% intervals and its ratio to
the best peer; per server its P1-P7 verdicts; the path of index.html.

Python stdlib; matplotlib (through scripts/report_plots.py) only for the plots, so the parsing
and aggregation import without it (scripts/tests/peers_report_test.py). Exit status: 0
report written; 2 unusable input (no results at all).
"""

import argparse
import os
import sys

from peers_report.html_report import write_html
from peers_report.judge import aggregate, verdicts
from peers_report.load import InputError, load_results
from peers_report.plots import draw_plots
from peers_report.text import summary_lines


def main(argv):
    ap = argparse.ArgumentParser(
        description="The cross-server report of scripts/bench --peers.")
    ap.add_argument("results", help="the results folder (reports/peers/results/)")
    ap.add_argument("-o", "--out", help="output folder (default: the results folder's parent)")
    args = ap.parse_args(argv)
    out = args.out or os.path.dirname(os.path.abspath(args.results.rstrip("/")))
    try:
        data = load_results(args.results)
    except InputError as e:
        print(f"peers_report.py: {e}", file=sys.stderr)
        return 2
    data["results"] = args.results
    os.makedirs(out, exist_ok=True)
    cells_by_server = {s["name"]: aggregate(s) for s in data["servers"]}
    verdicts_by_server = {s["name"]: verdicts(s, cells_by_server[s["name"]])
                          for s in data["servers"] if s["state"] == "ran"}
    index = os.path.abspath(os.path.join(out, "index.html"))
    summary = summary_lines(data, cells_by_server, verdicts_by_server, index)
    plots, plot_error = [], None
    try:
        plots = draw_plots(out, data["servers"], cells_by_server)
    except ImportError as e:
        plot_error = f"{e} (run with /usr/bin/python3, which has Debian's matplotlib)"
    write_html(index, data, cells_by_server, verdicts_by_server, summary, plots, plot_error)
    with open(os.path.join(out, "summary.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(summary) + "\n")
    print("\n".join(summary))
    if plot_error:
        print(f"peers_report.py: no plots: {plot_error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
