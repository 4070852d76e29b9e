#!/usr/bin/env python3
"""Plain streambench against streambench --mpi on this machine, in interleaved rounds.

    scripts/mpi_compare.py [--rounds 5] [--ranks 5] [--build build] -- STREAMBENCH-ARGS...

Each round runs `streambench ARGS` and then `mpirun --oversubscribe -np RANKS streambench
--mpi ARGS` (the order alternating from round to round), each writing its JSON, and prints
per benchmark the median and spread (min..max) of throughput, TTFB p99 and the probe's
figures for both, and the ratio of the medians (mpi / plain): what the MPI path costs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

FIGURES = [
    ("bytes_per_second", "MB/s", 1e-6),
    ("ttfb_p99_us", "TTFB p99 ms", 1e-3),
    ("cpu_ms_per_gib", "server CPU ms/GiB", 1.0),
    ("rss_peak_kib", "server RSS peak KiB", 1.0),
    ("copies", "copies", 1.0),
    ("fd_peak", "fd peak", 1.0),
]


def run(command, out):
    result = subprocess.run(command + [f"--benchmark_out={out}", "--benchmark_out_format=json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"mpi_compare: {' '.join(command)} failed ({result.returncode}):\n"
                 f"{result.stderr[-2000:]}")
    with open(out) as f:
        return {b["name"]: b for b in json.load(f)["benchmarks"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--ranks", type=int, default=5)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = [x for x in a.args if x != "--"]
    streambench = os.path.join(a.build, "bench", "streambench", "streambench")
    plain = [streambench] + args
    mpi = ["mpirun", "--oversubscribe", "-np", str(a.ranks)]
    if os.geteuid() == 0:
        mpi.append("--allow-run-as-root")
    mpi += [streambench, "--mpi"] + args
    rows = {"plain": {}, "mpi": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            order = [("plain", plain), ("mpi", mpi)]
            if r % 2:
                order.reverse()
            for kind, command in order:
                got = run(command, os.path.join(tmp, f"{kind}-{r}.json"))
                for name, b in got.items():
                    rows[kind].setdefault(name, []).append(b)
                print(f"round {r + 1}/{a.rounds}: {kind} done", file=sys.stderr)
    for name in sorted(rows["plain"]):
        print(f"\n{name}  ({a.rounds} rounds each, median [min..max])")
        for key, label, scale in FIGURES:
            p = [b.get(key) for b in rows["plain"][name] if key in b]
            m = [b.get(key) for b in rows["mpi"].get(name, []) if key in b]
            if not p or not m:
                continue
            mp, mm = statistics.median(p), statistics.median(m)
            ratio = f"{mm / mp:.3f}" if mp else "-"
            print(f"  {label:22s} plain {mp * scale:10.1f} [{min(p) * scale:.1f}..{max(p) * scale:.1f}]"
                  f"   mpi {mm * scale:10.1f} [{min(m) * scale:.1f}..{max(m) * scale:.1f}]"
                  f"   mpi/plain {ratio}")


if __name__ == "__main__":
    main()
