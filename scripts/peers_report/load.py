"""Parsing of a `scripts/bench --peers` results folder: its stderr logs (skipped_ops,
last_words), the conformance suite's GoogleTest XML (load_conformance), the .tsv
manifests (read_tsv), and the whole folder (load_results), whose streambench JSON files
streambench_json.read_results reads, as for scripts/report.py; plus the helpers that
turn benchmark errors and GoogleTest messages into one-line reasons (short_error,
clean_message, one_line, expected_actual, group_of).
Python stdlib only; raises InputError on unusable input.
"""

import os
import re
import xml.etree.ElementTree as ET

from streambench_json import read_results

from .common import TAG, InputError, is_refserver, split_name


def group_of(suite):
    """The matrix column of a GoogleTest suite: Rfc959Login -> Rfc959, P2NoCopies -> P2."""
    m = re.match(r"(Rfc\d+|P\d|BadInput|Security)", suite)
    return m.group(1) if m else suite


def short_error(message, limit=160):
    """One line of a benchmark's error: HTML tags and blank lines out, shortened."""
    text = TAG.sub(" ", message or "failed")
    lines = [" ".join(l.split()) for l in text.splitlines()]
    text = " ".join(l for l in lines if l)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def clean_message(message):
    """A GoogleTest failure or skip message without its "file:line" and "Failed" lines."""
    lines = [l.rstrip() for l in (message or "").splitlines()]
    while lines and (re.fullmatch(r"\s*\S+:\d+\s*", lines[0]) or
                     lines[0].strip() in ("", "Failed", "unknown file")):
        lines.pop(0)
    return "\n".join(lines).strip()


def one_line(message):
    """A failure's one-line reason: the message's first line, and its "actual:" line when
    it has one ("[P2] The server writes ... - actual: copies = 2.00 (...)")."""
    lines = [l.strip() for l in clean_message(message).splitlines() if l.strip()]
    if not lines:
        return "(no message)"
    first = lines[0]
    if first.startswith("Expected equality of these values:") and len(lines) > 1:
        # EXPECT_EQ(a, b): "a is VALUE" from its "Which is:" line.
        which = next((l for l in lines if l.startswith("Which is:")), None)
        if which:
            value = which[len("Which is:"):].strip().replace("\\n", " ").replace('\\"', '"')
            first = f"{lines[1]} is {value}"
    actual = next((l for l in lines[1:] if l.startswith("actual:")), None)
    return short_error(f"{first} \u2014 {actual}" if actual else first, 300)


def expected_actual(message):
    """The "expected:" and "actual:" lines of a requirement's failure (none for others)."""
    lines = [l.strip() for l in clean_message(message).splitlines()]
    return [short_error(l, 300) for l in lines if l.startswith(("expected:", "actual:"))]


# --- inputs -----------------------------------------------------------------------------

def read_tsv(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def skipped_ops(log_path):
    """The ops streambench skipped for a target, from its stderr: {"ftp/retr": why}."""
    out = {}
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"streambench: skipping ([a-z]+)-([a-z-]+): (.*)", line.strip())
                if m:
                    out[f"{m.group(1)}/{m.group(2)}"] = m.group(3)
    except OSError:
        pass
    return out


def last_words(path, n=1):
    """The last n non-empty lines of a log, or ""."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
    except OSError:
        return ""
    return " / ".join(lines[-n:])


def load_conformance(path):
    """The tests of a GoogleTest XML report: a list of dicts with suite, name, group,
    status (pass, fail, skip), messages (failures), skip (the skip message), properties."""
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError) as e:
        raise InputError(f"{path}: {e}")
    tests = []
    for suite in tree.getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.get("status") == "notrun":  # DISABLED_ tests
                continue
            failures = [f.get("message") or (f.text or "")
                        for f in list(case.findall("failure")) + list(case.findall("error"))]
            skipped = case.find("skipped")
            if failures:
                status = "fail"
            elif skipped is not None or case.get("result") == "skipped":
                status = "skip"
            else:
                status = "pass"
            props = {p.get("name"): p.get("value") for p in case.iter("property")}
            name_suite = case.get("classname") or suite.get("name", "")
            tests.append({
                "suite": name_suite, "name": case.get("name", ""),
                "full": f"{name_suite}.{case.get('name', '')}",
                "group": group_of(name_suite), "status": status, "messages": failures,
                "skip": clean_message(skipped.get("message") or (skipped.text or ""))
                if skipped is not None else "",
                "properties": props, "time": case.get("time"),
            })
    return tests


def load_results(results):
    """Everything of a results folder: {"settings", "servers": [server...], "runs"}."""
    settings = {r[0]: (r[1] if len(r) > 1 else "")
                for r in read_tsv(os.path.join(results, "settings.tsv")) or []}
    names, state = [], {}
    for r in read_tsv(os.path.join(results, "servers.tsv")) or []:
        names.append(r[0])
        state[r[0]] = (r[1] if len(r) > 1 else "ran", r[2] if len(r) > 2 else "")
    runs = []
    for r in read_tsv(os.path.join(results, "runs.tsv")) or []:
        if len(r) >= 6:
            runs.append({"server": r[0], "kind": r[1],
                         "round": int(r[2]) if r[2].isdigit() else None,
                         "exit": int(r[3]) if r[3].lstrip("-").isdigit() else None,
                         "seconds": int(r[4]) if r[4].isdigit() else None, "file": r[5]})
    files = sorted(os.listdir(results)) if os.path.isdir(results) else []
    if not runs:  # no manifest: read the runs off the file names
        for f in files:
            m = re.fullmatch(r"(.+)\.r(\d+)\.json", f)
            if m:
                runs.append({"server": m.group(1), "kind": "streambench",
                             "round": int(m.group(2)), "exit": None, "seconds": None,
                             "file": f})
            m = re.fullmatch(r"(.+)\.conformance\.xml", f)
            if m:
                runs.append({"server": m.group(1), "kind": "conformance", "round": None,
                             "exit": None, "seconds": None, "file": f})
    for run in runs:
        if run["server"] not in state:
            names.append(run["server"])
            state[run["server"]] = ("ran", "")
    names.sort(key=lambda n: not is_refserver(n))  # stable: the refserver's variants first
    if not names:
        raise InputError(f"{results}: no servers (no servers.tsv, no NAME.rN.json, no "
                         "NAME.conformance.xml)")
    # The roots: a name's "@ROOT", else the run's one root (settings "roots"), else tmpfs
    # (runs before --roots).
    one_root = settings.get("roots", "tmpfs").split(",")[0] or "tmpfs"
    conformance = settings.get("conformance", "")
    servers = []
    for name in names:
        base, root = split_name(name)
        s = {"name": name, "base": base, "root": root or one_root, "state": state[name][0],
             "reason": state[name][1], "rounds": [], "skipped": {}, "conformance": None,
             "conformance_run": None, "conformance_error": None, "context": {}}
        if conformance == "off":
            s["conformance_error"] = "conformance not run (--no-conformance)"
        elif conformance.startswith("on ") and conformance[3:] != s["root"]:
            s["conformance_error"] = (f"conformance ran with the root on {conformance[3:]} "
                                      f"only (see {base}@{conformance[3:]})")
        for run in runs:
            if run["server"] != name:
                continue
            path = os.path.join(results, run["file"])
            log = re.sub(r"\.(json|xml)$", ".log", path)
            if run["kind"] == "streambench":
                entry = {"round": run["round"], "exit": run["exit"],
                         "seconds": run["seconds"], "file": run["file"], "rows": None,
                         "error": None}
                if os.path.exists(path):
                    try:
                        context, rows = read_results(path)
                        entry["rows"] = rows
                        s["context"] = s["context"] or context
                    except InputError as e:
                        entry["error"] = str(e)
                if entry["rows"] is None and not entry["error"]:
                    entry["error"] = (f"streambench exited with status {run['exit']} and "
                                      f"wrote no results: {last_words(log) or 'no message'}")
                for op, why in skipped_ops(log).items():
                    s["skipped"].setdefault(op, why)
                s["rounds"].append(entry)
            elif run["kind"] == "conformance":
                s["conformance_run"] = run
                try:
                    s["conformance"] = load_conformance(path)
                except InputError:
                    s["conformance_error"] = (
                        f"conformance exited with status {run['exit']} without a report: "
                        f"{last_words(log) or last_words(re.sub(r'.log$', '.txt', log)) or 'no message'}")
        servers.append(s)
    return {"settings": settings, "servers": servers, "runs": runs}
