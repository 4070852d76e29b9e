"""The peers report's text summary (summary_lines): per operation the ranking at its
largest size in one line with the refserver's ratio to the best peer, per server its
P1-P7 verdicts and conformance counts, rounds without results, and the path of
index.html. It is printed on stdout, written to summary.txt and shown in index.html.
"""

from .common import PROPERTIES, fmt_size
from .judge import op_sizes, ranking, ref_ratio


def mbps(v):
    return f"{v / 1e6:.0f}" if v is not None else "-"


LETTER = {"pass": "ok", "fail": "FAIL", "not tested": "--"}


def summary_lines(data, cells_by_server, verdicts_by_server, index_path):
    servers = data["servers"]
    ran = [s for s in servers if s["state"] == "ran"]
    sizes = op_sizes(cells_by_server)
    rounds = data["settings"].get("rounds")
    lines = [f"Throughput at each op's largest size, median of {rounds or 'the'} round(s) "
             "(MB/s, fastest first; ratio = refserver / best peer):"]
    width = max([len(op) for op in sizes] + [8]) + 9
    for op, op_sz in sizes.items():
        size = op_sz[-1]
        rows = ranking(servers, cells_by_server, op, size)
        ok = [r for r in rows if r["state"] == "ok"]
        rank = " > ".join(f"{r['server']} {mbps(r['throughput'])}" for r in ok) or "no server"
        rr = ref_ratio(rows)
        tail = ""
        if rr:
            tail = f"   ratio {rr[0]:.2f}" + (" (below 1: " + rr[1] + " is faster)"
                                                if rr[0] < 1 else "")
        # Servers that should have a figure and have none (not those without the op).
        groups = {}
        for r in rows:
            if r["state"] in ("error", "missing"):
                what = r["why"].split(":")[0] if r["state"] == "error" else "no result"
                groups.setdefault(what, []).append(r["server"])
        for what, names in groups.items():
            tail += f"   ({what}: {', '.join(names)})"
        lines.append(f"  {(op + ' ' + fmt_size(size)):<{width}} {rank}{tail}")
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
