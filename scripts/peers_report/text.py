"""The peers report's text summary (summary_lines): per operation, size and root, each
server's median throughput and CPU per GiB over the rounds with their 95% intervals and
its ratio to the best peer (ranking_lines); per server its P1-P7 verdicts and
conformance counts, rounds without results, and the path of index.html. It is printed
on stdout, written to summary.txt and shown in index.html.
"""

from .common import CPU, PROPERTIES, THROUGHPUT, fmt_size
from .judge import op_sizes, ranking, roots
from .stats import rounds_for


def mbps(v):
    return f"{v / 1e6:.0f}" if v is not None else "-"


LETTER = {"pass": "ok", "fail": "FAIL", "not tested": "--"}
SHORT = "\u2020"  # marks an interval that falls short of 95% (too few rounds)


def interval_text(iv, scale, short):
    """"MEDIAN [LO-HI]" of a stats.Interval, divided by scale; SHORT after it when the
    interval covers less than 95% (short: the set of (n, coverage) so marked)."""
    if iv is None:
        return "-"
    text = f"{iv.median / scale:.0f} [{iv.lo / scale:.0f}-{iv.hi / scale:.0f}]"
    if not iv.ok:
        short.add((iv.n, iv.coverage))
        text += SHORT
    return text


def ranking_lines(servers, cells_by_server):
    """The ranking tables of the summary, one per op x size x root."""
    sizes = op_sizes(cells_by_server)
    namew = max([len(s["name"]) for s in servers] + [6])
    lines, short = [], set()
    for op, op_sz in sizes.items():
        for root in roots(servers):
            for size in op_sz:
                rows = ranking(servers, cells_by_server, op, size, root)
                if not any(r["state"] == "ok" for r in rows):
                    continue
                lines.append(f"{op} {fmt_size(size)}, root on {root}:")
                groups = {}
                for r in rows:
                    if r["state"] != "ok":
                        what = r["why"].split(":")[0] if r["state"] == "error" else (
                            "not offered" if r["state"] == "skipped" else "no result")
                        groups.setdefault(what, []).append(r["server"])
                        continue
                    ci = r["cell"]["ci"]
                    ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
                    if r["server"] == r["best_peer"]:
                        ratio += " (best peer)"
                    lines.append(f"  {r['server']:<{namew}}  "
                                 f"{interval_text(ci.get(THROUGHPUT), 1e6, short):<18} "
                                 f"{interval_text(ci.get(CPU), 1, short):<18} {ratio}")
                for what, names in groups.items():
                    lines.append(f"  ({what}: {', '.join(names)})")
    head = ["Per operation, size and root: each server's median over the rounds of its "
            "throughput (MB/s)",
            "and of its CPU per GiB moved (cpu_ms_per_gib), with 95% intervals (order "
            "statistics);",
            "x best peer: its throughput over the best peer's (the refserver variants are "
            "not peers)."]
    for n, cov in sorted(short):
        if n == 1:
            head.append(f"{SHORT} 1 round: one value, no interval (a 95% one needs "
                        f"{rounds_for()} rounds).")
        else:
            head.append(f"{SHORT} {n} rounds: no 95% interval exists (it needs "
                        f"{rounds_for()}); min-max shown, which holds the median with "
                        f"probability {cov * 100:.1f}% only.")
    head.append(f"  {'server':<{namew}}  {'MB/s [95%]':<18} {'CPU ms/GiB [95%]':<18} "
                "x best peer")
    return head + lines


def summary_lines(data, cells_by_server, verdicts_by_server, index_path):
    servers = data["servers"]
    ran = [s for s in servers if s["state"] == "ran"]
    lines = ranking_lines(servers, cells_by_server)
    lines.append("")
    lines.append("P1-P7 per server (ok pass, FAIL fail, -- not tested):")
    namew = max(len(s["name"]) for s in servers)
    marks = set()
    for s in servers:
        if s["state"] != "ran":
            lines.append(f"  {s['name']:<{namew}}  not run: {s['reason']}")
            continue
        v = verdicts_by_server[s["name"]]
        letters = " ".join(f"{p} {LETTER[v[p]['state']] + v[p]['mark']:<5}"
                           for p in PROPERTIES)
        marks.update(v[p]["mark"] for p in PROPERTIES if v[p]["mark"])
        if s["conformance"] is not None:
            c = {k: sum(1 for t in s["conformance"] if t["status"] == k)
                 for k in ("pass", "fail", "skip")}
            tot = f"conformance {c['pass']} pass, {c['fail']} fail, {c['skip']} skip"
        else:
            tot = s["conformance_error"] or "no conformance report"
        lines.append(f"  {s['name']:<{namew}}  {letters}  ({tot})")
    if "*" in marks:
        lines.append("  * every failure of it is the server refusing the request (HTTP 4xx or 501):"
                     " an op it may")
        lines.append("    not offer, taken as offered by the conformance suite (OPTIONS' Allow)")
    if "+" in marks:
        lines.append("  + streambench saw descriptors kept after a transfer that the suite's P4 "
                     "tests found")
        lines.append("    no trace of (a cache of open files?): a note on the card, not a leak")
    failed_rounds = [(s["name"], e["round"], e["error"]) for s in ran for e in s["rounds"]
                     if e["error"]]
    if failed_rounds:
        lines.append("")
        lines.append("Rounds without results:")
        for name, r, why in failed_rounds:
            lines.append(f"  {name} round {r}: {why}")
    lines.append("")
    lines.append(f"report: {index_path}")
    return lines
