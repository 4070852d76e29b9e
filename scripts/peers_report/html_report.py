"""The peers report's index.html (write_html): the rankings per operation, size and root
with the 95% intervals of the medians and each server's ratio to the best peer, a P1-P7 verdict card per server, the conformance matrix, the plots
with their captions, the runs, and the harness's checks on itself; with the table and
card builders it uses (esc, figure_cells, ranking_table, ratios_cell, verdict_card,
matrix_table). Python stdlib only; the plots are drawn by plots.py beforehand.
"""

import datetime
import html
import os
import platform
import re

from .common import (COPIES_MAX, CPU, FIRST_BYTE_READ_KIB, FLAT_MEMORY_KIB, PROPERTIES,
                     PROPERTY_NAMES, REFSERVER, THROUGHPUT, fmt_size, is_refserver)
from .judge import matrix, matrix_groups, op_sizes, ranking, roots
from .plots import PLOTS
from .stats import rounds_for
from .text import SHORT, mbps


def esc(x):
    return html.escape(str(x))


STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1400px;color:#222;padding:0 1em}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-top:.6em} h3{margin-bottom:.3em}
img{max-width:100%;border:1px solid #eee} figure{margin:1em 0}
figcaption{color:#444;font-size:.92em;max-width:60em}
table{border-collapse:collapse;font-size:.85em;margin:.3em 0 .8em}
td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.ref,tr.ref td{background:#eef5ff} .bad{background:#fdd !important;font-weight:bold}
td.na{color:#777;font-style:italic}
pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap;font-size:.88em}
.cards{display:flex;flex-wrap:wrap;gap:1em}
.card{border:1px solid #ccc;border-radius:6px;padding:.5em .8em;width:40em;max-width:100%}
.card h3{margin:.1em 0 .4em} .card table{width:100%}
.pass{background:#dfd} .fail{background:#fcc} .nt{background:#eee;color:#555}
.mx td{max-width:24em;font-size:.95em} .mx ul{margin:.2em 0;padding-left:1.1em}
.mx li{margin:.1em 0} .small{font-size:.85em;color:#444} details summary{cursor:pointer}
code{font-size:.95em}
</style>"""


def interval_cell(iv, scale):
    """A 95% interval "LO-HI" (SHORT when it covers less: too few rounds), or "-"."""
    if iv is None:
        return "-"
    text = f"{iv.lo / scale:.0f}\u2013{iv.hi / scale:.0f}"
    return text + (SHORT if not iv.ok else "")


def figure_cells(cell):
    """The table cells of one ok ranking row after the server's name."""
    m = cell["median"]
    ci = cell["ci"]

    def f(key, fmt):
        v = m.get(key)
        return "-" if v is None else fmt(v)
    cells = [
        ("n", mbps(m.get(THROUGHPUT))),
        ("n", interval_cell(ci.get(THROUGHPUT), 1e6)),
        ("n", f(CPU, lambda v: f"{v:.0f}")),
        ("n", interval_cell(ci.get(CPU), 1)),
        ("n", str(cell["rounds"])),
        ("n", f("ttfb_us", lambda v: f"{v / 1000:.2f}")),
        ("n", f("rss_peak_kib", lambda v: f"{v:.0f}")),
        ("n" + (" bad" if m.get("copies", 0) > COPIES_MAX else ""),
         f("copies", lambda v: f"{v:.2f}")),
    ]
    return cells


RANK_HEAD = ("<tr><th>#</th><th>server</th><th>throughput MB/s<br>median</th>"
             "<th>95% interval</th><th>cpu_ms_per_gib<br>median</th><th>95% interval</th>"
             "<th>rounds</th><th>\u00d7 best peer</th><th>TTFB ms<br>median</th>"
             "<th>rss_peak_kib</th><th>copies</th><th>note</th></tr>")


def ranking_table(rows):
    p = ["<table>", RANK_HEAD]
    for i, r in enumerate(rows, 1):
        cls = " class='ref'" if is_refserver(r["server"]) else ""
        if r["state"] == "ok":
            cells = [f"<td class='{c}'>{esc(t)}</td>" for c, t in figure_cells(r["cell"])]
            vs = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
            if r["server"] == r["best_peer"]:
                vs += " (best peer)"
            bad = is_refserver(r["server"]) and r["ratio"] is not None and r["ratio"] < 1
            cells.insert(5, f"<td class='n{' bad' if bad else ''}'>{esc(vs)}</td>")
            note = ""
            if r["cell"]["errors"]:
                note = (f"failed in {len(r['cell']['errors'])} round(s): "
                        f"{r['cell']['error']}")
            p.append(f"<tr{cls}><td class='n'>{i}</td><td><b>{esc(r['server'])}</b></td>"
                     f"{''.join(cells)}<td class='small'>{esc(note)}</td></tr>")
        else:
            p.append(f"<tr{cls}><td class='n'></td><td><b>{esc(r['server'])}</b></td>"
                     f"<td class='na' colspan='10'>{esc(r['why'])}</td></tr>")
    p.append("</table>")
    return "\n".join(p)


def ratios_cell(rows):
    """The refserver variants' ratios to the best peer, one line each, red below 1.0."""
    refs = [r for r in rows if is_refserver(r["server"]) and r["ratio"] is not None]
    if not refs:
        return "<td class='na'>-</td>"
    lines = [f"<span{' class=bad' if r['ratio'] < 1 else ''}>{esc(r['server'])} "
             f"{r['ratio']:.2f}</span>" for r in refs]
    return (f"<td class='n'>{'<br>'.join(lines)} <span class='small'>(vs "
            f"{esc(refs[0]['best_peer'])})</span></td>")


def verdict_card(s, v):
    p = [f"<div class='card'><h3>{esc(s['name'])}</h3>"]
    if s["state"] != "ran":
        p.append(f"<p class='nt'>not run: {esc(s['reason'])}</p></div>")
        return "\n".join(p)
    p.append("<table><tr><th>property</th><th>verdict</th><th>deciding figure</th>"
             "<th>shown by</th></tr>")
    for prop in PROPERTIES:
        x = v[prop]
        cls = {"pass": "pass", "fail": "fail"}.get(x["state"], "nt")
        figure = x["figure"] if x["state"] != "not tested" else x["why"]
        if x["state"] == "fail" and x["why"] and x["why"] not in figure:
            figure = (x["why"].split(" \u2014 ")[0] + "\n" + figure if figure
                      else x["why"])
        note = f"<div class='small'><b>Note:</b> {esc(x['note'])}</div>" if x["note"] else ""
        details = ""
        if x["details"]:
            items = "".join(f"<li><code>{esc(a)}</code>: {esc(b)}</li>"
                            for a, b in x["details"][:40])
            more = (f"<li>... {len(x['details']) - 40} more</li>"
                    if len(x["details"]) > 40 else "")
            details = (f"<details><summary class='small'>{esc(x['counts'])}</summary>"
                       f"<ul class='small'>{items}{more}</ul></details>")
        else:
            details = f"<div class='small'>{esc(x['counts'])}</div>"
        p.append(f"<tr><td><b>{prop}</b> <span class='small'>{esc(PROPERTY_NAMES[prop])}"
                 f"</span></td><td class='{cls}'>{esc(x['state'])}</td>"
                 f"<td><span style='white-space:pre-wrap'>{esc(figure)}</span>{note}{details}</td>"
                 f"<td class='small'><code>{esc(x['source'])}</code></td></tr>")
    p.append("</table></div>")
    return "\n".join(p)


def matrix_table(servers, groups):
    p = ["<table class='mx'><tr><th>server</th>"
         + "".join(f"<th>{esc(g)}</th>" for g in groups) + "<th>total</th></tr>"]
    for s in servers:
        name = f"<td><b>{esc(s['name'])}</b></td>"
        if s["state"] != "ran":
            p.append(f"<tr>{name}<td class='na' colspan='{len(groups) + 1}'>not run: "
                     f"{esc(s['reason'])}</td></tr>")
            continue
        if s["conformance"] is None:
            p.append(f"<tr>{name}<td class='na' colspan='{len(groups) + 1}'>"
                     f"{esc(s['conformance_error'] or 'the conformance suite did not run')}"
                     "</td></tr>")
            continue
        mx = matrix(s["conformance"])
        row = [name]
        totals = {"pass": 0, "fail": 0, "skip": 0}
        for g in groups:
            c = mx.get(g)
            if not c:
                row.append("<td class='na'>-</td>")
                continue
            for k in totals:
                totals[k] += c[k]
            cls = "fail" if c["fail"] else ("pass" if c["pass"] else "nt")
            text = f"{c['pass']} pass"
            if c["fail"]:
                text += f" / <b>{c['fail']} fail</b>"
            if c["skip"]:
                text += f" / {c['skip']} skip"
            inner = ""
            if c["failures"]:
                inner += "<ul>" + "".join(
                    f"<li><code>{esc(t.split('.', 1)[1])}</code>: {esc(r)}</li>"
                    for t, r in c["failures"]) + "</ul>"
            if c["skips"]:
                inner += ("<details><summary class='small'>why skipped</summary><ul class='small'>"
                          + "".join(f"<li><code>{esc(t.split('.', 1)[1])}</code>: {esc(r)}</li>"
                                    for t, r in c["skips"]) + "</ul></details>")
            row.append(f"<td class='{cls}'>{text}{inner}</td>")
        row.append(f"<td class='n'>{totals['pass']} pass / {totals['fail']} fail / "
                   f"{totals['skip']} skip</td>")
        p.append("<tr>" + "".join(row) + "</tr>")
    p.append("</table>")
    return "\n".join(p)


def write_html(path, data, cells_by_server, verdicts_by_server, summary, plots, plot_error):
    servers = data["servers"]
    settings = data["settings"]
    sizes = op_sizes(cells_by_server)
    ref = next((s for s in servers if s["base"] == REFSERVER), None)
    context = (ref or {}).get("context") or next(
        (s["context"] for s in servers if s["context"]), {})
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    p = ["<!doctype html><html><head><meta charset='utf-8'>"
         "<title>streamcheck: the refserver and its peers</title>", STYLE, "</head><body>"]
    p.append("<h1>streamcheck: the refserver and its peers</h1>")
    machine = ", ".join(f"{k[8:]} {context[k]}" for k in
                        ("machine_cpu", "machine_cores", "machine_memory", "machine_kernel",
                         "machine_virtualization") if context.get(k))
    wall = settings.get("wall_seconds")
    p.append(f"<p>Made {esc(now)}. Sizes {esc(settings.get('sizes', '?'))}, "
             f"{esc(settings.get('rounds', '?'))} round(s) of streambench (each benchmark "
             "repeats its transfer until it moved 256 MiB; every server once per round, the "
             "order rotated each round), then the conformance suite once per server "
             f"(sizes {esc(settings.get('conformance_sizes', 'default'))})"
             + (f"; {esc(wall)} s in all" if wall else "") + ". "
             f"Machine: {esc(machine or 'unknown')}. Operations: "
             f"{esc(settings.get('ops', 'all'))}. Roots: "
             f"{esc(settings.get('roots', 'tmpfs'))} (tmpfs: <code>--root-on tmpfs</code> "
             "for the refserver and its variants, <code>TMPDIR=/dev/shm</code> for the "
             "peers' launchers; disk: <code>--root-on disk</code>, <code>TMPDIR</code> or "
             "/var/tmp). Conformance: "
             f"{esc(settings.get('conformance', 'on'))}.</p>")
    p.append("<p>Servers: " + ", ".join(
        f"<b>{esc(s['name'])}</b>" if s["state"] == "ran"
        else f"<b>{esc(s['name'])}</b> <span class='bad'>not run</span>: {esc(s['reason'])}"
        for s in servers) + ".</p>")
    p.append("<p>Sections: <a href='#ranking'>ranking per operation</a> \u00b7 "
             "<a href='#verdicts'>P1\u2013P7 per server</a> \u00b7 "
             "<a href='#matrix'>conformance matrix</a> \u00b7 <a href='#plots'>plots</a> "
             "\u00b7 <a href='#runs'>runs</a></p>")
    p.append("<h2>Summary</h2><pre>" + esc("\n".join(summary)) + "</pre>")

    # Rankings.
    all_sizes = sorted({z for v in sizes.values() for z in v})
    p.append("<h2 id='ranking'>Ranking per operation</h2>")
    p.append("<p>Per operation and root, at its largest size: each server's median over "
             "the rounds of its throughput and of its CPU time per GiB moved "
             "(<code>cpu_ms_per_gib</code>, the server's process tree), each with a "
             "distribution-free 95% interval (the order statistics x(k) and x(n+1-k) of the "
             f"n rounds, k from the binomial distribution; below {rounds_for()} rounds no "
             f"95% interval exists and min\u2013max is shown, marked {SHORT}); the medians "
             "of its time to first byte, peak RSS growth (KiB) and copies per payload byte. "
             "Fastest first. <i>\u00d7 best peer</i> is its median throughput over the best "
             "peer's (the refserver's variants are not peers; a refserver below 1.0 is "
             "red). Below the tables: servers that could not do the op (not offered, or "
             "the server answered an error: <i>not supported</i>). The other sizes are "
             "folded under each table.</p>")
    p.append("<table><tr><th>operation</th><th>root</th>"
             + "".join(f"<th>{esc(fmt_size(z))}</th>" for z in all_sizes) + "</tr>")
    for op, op_sz in sizes.items():
        for root in roots(servers):
            cells = [ratios_cell(ranking(servers, cells_by_server, op, z, root))
                     if z in op_sz else "<td class='na'>-</td>" for z in all_sizes]
            p.append(f"<tr><td><a href='#op-{esc(op.replace('/', '-'))}-{esc(root)}'>"
                     f"{esc(op)}</a></td><td>{esc(root)}</td>" + "".join(cells) + "</tr>")
    p.append("</table><p class='small'>The refserver variants' median throughput over the "
             "best peer's, per operation, root and size; red below 1.0 (a peer is "
             "faster).</p>")
    for op, op_sz in sizes.items():
        for root in roots(servers):
            largest = op_sz[-1]
            p.append(f"<h3 id='op-{esc(op.replace('/', '-'))}-{esc(root)}'>{esc(op)} "
                     f"{esc(fmt_size(largest))}, root on {esc(root)}</h3>")
            p.append(ranking_table(ranking(servers, cells_by_server, op, largest, root)))
            for z in reversed(op_sz[:-1]):
                p.append(f"<details><summary>{esc(op)} {esc(fmt_size(z))}, root on "
                         f"{esc(root)}</summary>"
                         f"{ranking_table(ranking(servers, cells_by_server, op, z, root))}"
                         "</details>")
    not_run = [s for s in servers if s["state"] != "ran"]
    if not_run:
        p.append("<p>Not in these tables: " + "; ".join(
            f"<b>{esc(s['name'])}</b> (not run: {esc(s['reason'])})" for s in not_run)
            + ".</p>")

    # Verdicts.
    p.append("<h2 id='verdicts'>P1\u2013P7 per server</h2>")
    p.append(f"<p>Each property is <span class='pass'>pass</span>, "
             f"<span class='fail'>fail</span> or <span class='nt'>not tested</span>. Sources: "
             "the conformance suite's tests of the property (<code>P1FlatMemory.*</code> "
             "... <code>P7UnknownLength.*</code>), and streambench's counters (medians over "
             f"the rounds) judged as <code>streambench gate</code> judges invariants: P1 peak "
             f"RSS growth from the smallest to the largest size &le; {FLAT_MEMORY_KIB // 1024} "
             f"MiB per op; P2 copies &le; {COPIES_MAX}; P3 bytes read before the first byte on "
             f"the largest download &le; min({FIRST_BYTE_READ_KIB // 1024} MiB, half the "
             "object); P4 fd_delta &le; 0 and deleted_open = 0; P5 sha256_ok = 1. A failure "
             "of either source fails the property; a property passes when one of them "
             "tested it; it is not tested when neither did (an op the server does not "
             "offer is not applicable, never a failure). The figure is the failure's, or "
             "for a pass the one closest to its limit.</p>")
    p.append("<div class='cards'>")
    for s in servers:
        p.append(verdict_card(s, verdicts_by_server.get(s["name"])))
    p.append("</div>")

    # Matrix.
    groups = matrix_groups(servers)
    p.append("<h2 id='matrix'>Conformance matrix</h2>")
    p.append("<p>Tests per server and group (the GoogleTest suite name's prefix: "
             "<code>Rfc959Login</code> is in Rfc959). Each failure with its reason (the "
             "message's first line and its <i>actual</i>); the skips' reasons are folded. "
             "The whole output is in <code>results/NAME.conformance.txt</code>.</p>")
    p.append(matrix_table(servers, groups) if groups else
             "<p class='na'>No conformance results.</p>")

    # Plots.
    p.append("<h2 id='plots'>Plots</h2>")
    p.append("<p>scripts/report.py's plots, one line per server (its medians over the "
             "rounds): the refserver solid, the peers dashed.</p>")
    if plot_error:
        p.append(f"<p class='bad'>No plots: {esc(plot_error)}</p>")
    captions = dict(PLOTS)
    for name in plots:
        p.append(f"<figure><img src='{esc(name)}' alt='{esc(name)}'>"
                 f"<figcaption>{esc(captions.get(name, ''))}</figcaption></figure>")

    # Runs.
    p.append("<h2 id='runs'>Runs</h2><table><tr><th>server</th><th>run</th><th>exit</th>"
             "<th>seconds</th><th>files</th></tr>")
    for run in data["runs"]:
        base = re.sub(r"\.(json|xml)$", "", run["file"])
        files = [run["file"], base + ".log", base + ".txt"]
        links = " ".join(f"<a href='results/{esc(f)}'>{esc(f)}</a>" for f in files)
        what = (f"streambench round {run['round']}" if run["kind"] == "streambench"
                else run["kind"])
        bad = " bad" if run["exit"] not in (0, None) else ""
        p.append(f"<tr><td>{esc(run['server'])}</td><td>{esc(what)}</td>"
                 f"<td class='n{bad}'>{esc('?' if run['exit'] is None else run['exit'])}</td>"
                 f"<td class='n'>{esc('?' if run['seconds'] is None else run['seconds'])}</td>"
                 f"<td class='small'>{links}</td></tr>")
    p.append("</table><p class='small'>streambench exits 1 when some benchmark failed (e.g. an "
             "op the server answers with an error), 3 on a usage or target error; "
             "conformance exits 1 when a test failed, 2 when nothing was tested; 124 is a run "
             "stopped by the time limit.</p>")
    if ref:
        checks = []
        for e in ref["rounds"]:
            log = os.path.join(data.get("results", ""), re.sub(r"\.json$", ".log", e["file"]))
            try:
                with open(log, encoding="utf-8", errors="replace") as f:
                    checks += [l.strip() for l in f
                               if l.startswith(("probe cost:", "client check:"))]
            except OSError:
                pass
        if checks:
            p.append("<p>The harness's checks on itself (the refserver's first round):</p>"
                     "<pre>" + esc("\n".join(checks)) + "</pre>")
    uname = platform.uname()
    p.append(f"<p class='small'>Report made on {esc(uname.node)} ({esc(uname.system)} "
             f"{esc(uname.release)}) by scripts/peers_report.py, Python "
             f"{esc(platform.python_version())}.</p>")
    p.append("</body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(p))
