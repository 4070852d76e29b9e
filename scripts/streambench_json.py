"""Reading streambench's results (Google Benchmark JSON), shared by scripts/report.py and
scripts/peers_report/: standard library only, so that the peers report can load results
where matplotlib is missing. A benchmark's repetitions and aggregates share its name; its
figures are the median aggregate when Google Benchmark wrote one, else the median over
its repetitions, and none when one of them failed."""

import json
import re
import statistics

# What Google Benchmark appends to a name: "/iterations:1/manual_time".
DECORATION = re.compile(r"(/(iterations|repeats|threads|min_time|min_warmup_time):[^/]*"
                        r"|/(manual_time|real_time|process_time))+$")
# The part of a name after SIZE that gives the concurrency: "/c16" (load mode).
CONCURRENCY = re.compile(r"c(\d+)")
UNITS = {"": 1, "b": 1, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4,
         "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
# The ops that send a body (streambench's ops.hpp: OpInfo::upload), as names spell them.
UPLOAD_OPS = frozenset({"put", "put-chunked", "post", "post-chunked", "stor", "appe"})
# The footnote of a row that no_warmup() marks.
NO_WARMUP_MARK = "\u2020"
NO_WARMUP_NOTE = (NO_WARMUP_MARK + " an upload timed without a warm-up (warmup 0, or results "
                  "from before streambench --warmup): its first transfer also timed the kernel "
                  "allocating the pages it wrote (a fresh tmpfs root: 185-330 MB/s, later "
                  "uploads 700-1000 MB/s), so its throughput may read low.")
HOW = "give the file streambench writes with --benchmark_out=FILE --benchmark_out_format=json"


class InputError(Exception):
    """A results file that cannot be used; the message says why and what to give."""


def median(values):
    return statistics.median(values) if values else None


def is_figure(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_size(text):
    m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", text or "")
    if not m or m.group(2).lower() not in UNITS:
        return None
    return int(m.group(1)) * UNITS[m.group(2).lower()]


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


def split_suffix(parts):
    """The parts of a name after SIZE: (concurrency N or None, the rest joined by "/").
    The /cN part may sit anywhere among them ("c16", "c16/slow", "mix-f16-s16/c32"), so
    that new variants of streambench's names do not hide the concurrency."""
    n, rest = None, []
    for p in parts:
        m = CONCURRENCY.fullmatch(p)
        if m and n is None:
            n = int(m.group(1))
        else:
            rest.append(p)
    return n, "/".join(rest)


def row_of(name, error, figures, path):
    """One benchmark as a dict: name, file, target, proto ("http"), op ("get"), size
    (bytes, or None), suffix (what follows SIZE), concurrency (N of /cN, or None),
    variant (the suffix less /cN: "checks", "slow", ...), error and figures."""
    parts = name.split("/")
    n, variant = split_suffix(parts[4:])
    return {"name": name, "file": path, "target": parts[0],
            "proto": parts[1] if len(parts) > 1 else "",
            "op": parts[2] if len(parts) > 2 else "",
            "size": parse_size(parts[3]) if len(parts) >= 4 else None,
            "suffix": "/".join(parts[4:]), "concurrency": n, "variant": variant,
            "error": error, "figures": figures}


def op_key(row):
    """A row's operation as "proto/op": "http/get"."""
    return f"{row['proto']}/{row['op']}"


def is_single(row):
    """A benchmark of one transfer at a time: no variant, and no /cN or /c1 (a sweep's
    first step is the same measurement as a run without --concurrency)."""
    return not row.get("variant") and row.get("concurrency") in (None, 1)


def no_warmup(row):
    """Whether `row` is an upload that ran, timed without a warm-up transfer before it: its
    counter warmup is 0, or missing (a file from before the counter existed)."""
    return row["op"] in UPLOAD_OPS and not row["error"] and not row["figures"].get("warmup")


def read_results(path):
    """One streambench JSON file: (context, rows), the rows as row_of makes them, in run
    order (possibly none). Raises InputError when the file is not streambench's JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except ValueError as e:
        raise InputError(f"{path}: not JSON ({e}); {HOW}")
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list) \
            or not isinstance(doc.get("context"), dict):
        raise InputError(f"{path}: not a Google Benchmark JSON file (no \"context\" and "
                         f"\"benchmarks\"); {HOW}")
    context = doc["context"]
    if "target" not in context:
        raise InputError(f"{path}: Google Benchmark JSON, but not from streambench "
                         "(no context.target)")
    for b in doc["benchmarks"]:
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            raise InputError(f"{path}: a benchmark without a name")
    return context, [row_of(name, error, figures, path)
                     for name, error, figures in benchmark_figures(doc["benchmarks"])]
