"""Reading streambench's results (Google Benchmark JSON), shared by scripts/report.py and
scripts/peers_report/: standard library only, so that the peers report can load results
where matplotlib is missing. A benchmark's repetitions and aggregates share its name; its
figures are the median aggregate when Google Benchmark wrote one, else the median over
its repetitions, and none when one of them failed."""

import re
import statistics

# What Google Benchmark appends to a name: "/iterations:1/manual_time".
DECORATION = re.compile(r"(/(iterations|repeats|threads|min_time|min_warmup_time):[^/]*"
                        r"|/(manual_time|real_time|process_time))+$")


def median(values):
    return statistics.median(values) if values else None


def is_figure(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def benchmark_figures(entries):
    """The benchmarks of `entries` (the "benchmarks" list, dicts with a name) in run order:
    [(name, error or None, {figure: value})]."""
    runs, medians, order = {}, {}, []
    for b in entries:
        name = DECORATION.sub("", b.get("run_name", b["name"]))
        if name not in runs:
            runs[name] = []
            order.append(name)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = b
        else:
            runs[name].append(b)
    out = []
    for name in order:
        error = next((r.get("error_message") or "failed" for r in runs[name]
                      if r.get("error_occurred") or r.get("skipped") is True), None)
        source = [medians[name]] if name in medians else ([] if error else runs[name])
        keys = {k for r in source for k, v in r.items() if is_figure(v)}
        figures = {k: median([r[k] for r in source if k in r]) for k in keys}
        out.append((name, error, figures))
    return out
