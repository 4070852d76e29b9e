#!/usr/bin/python3
"""Unit tests of scripts/peers_report.py (the report of `scripts/bench --peers`): parsing of
streambench JSON and conformance XML, the median and spread over rounds, the ranking and
the refserver's ratio to the best peer, P1-P7 verdicts from failure messages and from
streambench counters, the conformance matrix, and a whole report from a synthetic
results folder. Fixtures are made by the tests, in temp folders.

    python3 -m unittest scripts/tests/peers_report_test.py
    /usr/bin/python3 scripts/tests/peers_report_test.py      (also draws the plots)

Without matplotlib (a python3 that is not Debian's) the report is still written, without
plots; the test of that case checks it says why.
"""

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from peers_report import judge, load  # noqa: E402  (the package scripts/peers_report/)
import streambench_json  # noqa: E402

# The command line, scripts/peers_report.py, shadowed as a module by the package.
_spec = importlib.util.spec_from_file_location(
    "peers_report_cli", os.path.join(HERE, "..", "peers_report.py"))
cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cli)

HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
MIB = 1024 * 1024


def bench_row(target, op, size, **figures):
    """One Google Benchmark row as streambench writes it."""
    row = {"name": f"{target}/{op}/{size}/iterations:4/manual_time",
           "run_name": f"{target}/{op}/{size}/iterations:4/manual_time",
           "run_type": "iteration", "repetitions": 1, "iterations": 4,
           "real_time": 10.0, "cpu_time": 20.0, "time_unit": "ms"}
    row.update(figures)
    return row


def ok_figures(mbps, copies=1.0, rss=100.0, fd=0.0, fbr=4.0, ttfb=500.0):
    return {"bytes_per_second": mbps * 1e6, "copies": copies, "rss_peak_kib": rss,
            "fd_delta": fd, "deleted_open": 0.0, "sha256_ok": 1.0,
            "first_byte_read_kib": fbr, "ttfb_us": ttfb, "cpu_ms_per_gib": 300.0}


def error_row(target, op, size, message):
    row = bench_row(target, op, size)
    row.update(error_occurred=True, error_message=message)
    return row


def write_bench(path, target, rows):
    doc = {"context": {"target": target, "root_fs": "tmpfs", "machine_cpu": "Test CPU",
                       "machine_cores": 2},
           "benchmarks": rows}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)


def testcase(suite, name, failure=None, skipped=None, props=None):
    inner = ""
    if props:
        inner += "<properties>" + "".join(
            f'<property name="{k}" value="{v}"/>' for k, v in props.items()) + "</properties>"
    if failure is not None:
        msg = failure.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;") \
            .replace("\n", "&#x0A;")
        inner += f'<failure message="{msg}" type=""></failure>'
    result = "completed"
    if skipped is not None:
        result = "skipped"
        msg = skipped.replace("\n", "&#x0A;")
        inner += f'<skipped message="{msg}"></skipped>'
    return (f'<testcase name="{name}" status="run" result="{result}" time="0.1" '
            f'classname="{suite}">{inner}</testcase>')


def write_xml(path, cases):
    suites = {}
    for suite, xml in cases:
        suites.setdefault(suite, []).append(xml)
    body = "".join(f'<testsuite name="{s}" tests="{len(c)}">' + "".join(c) + "</testsuite>"
                   for s, c in suites.items())
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?><testsuites name="AllTests">'
                + body + "</testsuites>")


P2_FAILURE = ("/work/main/conformance/suite.cpp:68\nFailed\n"
              "[P2] The server writes each uploaded byte once: no temp-file spool.\n"
              "  expected: copies <= 1.10\n"
              "  actual:   copies = 2.00 (wchar grew 134217728 B for a 67108864 B payload)")


class ParsingTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="peers_report_test.")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_bench_rows_strip_decoration_and_keep_errors(self):
        path = os.path.join(self.dir, "a.json")
        write_bench(path, "nginx", [
            bench_row("nginx", "http/get", "16MiB", **ok_figures(1000)),
            error_row("nginx", "http/post", "16MiB", "http-post answered 403 <html>\r\n"
                      "<head><title>403 Forbidden</title></head>\r\n</html>\r\n"),
        ])
        context, rows = streambench_json.read_results(path)
        self.assertEqual(context["target"], "nginx")
        self.assertEqual([streambench_json.op_key(r) for r in rows], ["http/get", "http/post"])
        self.assertEqual(rows[0]["size"], 16 * MIB)
        self.assertEqual(rows[0]["suffix"], "")
        self.assertAlmostEqual(rows[0]["figures"]["bytes_per_second"], 1e9)
        self.assertIsNone(rows[0]["error"])
        self.assertTrue(rows[1]["error"].startswith("http-post answered 403"))
        self.assertEqual(rows[1]["figures"], {})
        self.assertEqual(load.short_error(rows[1]["error"]),
                         "http-post answered 403 403 Forbidden")
        self.assertEqual(judge.error_kind(rows[1]["error"]), "not supported")
        self.assertEqual(judge.error_kind("/x: bytes differ from offset 4096"), "failed")

    def test_not_json_is_an_input_error(self):
        path = os.path.join(self.dir, "bad.json")
        with open(path, "w") as f:
            f.write("not json")
        with self.assertRaises(load.InputError):
            streambench_json.read_results(path)

    def test_skipped_ops_from_the_log(self):
        path = os.path.join(self.dir, "a.log")
        with open(path, "w") as f:
            f.write("streambench: skipping ftp-retr: target nginx has no FTP URL\n"
                    "streambench: skipping http-put-chunked: no chunked uploads\nother\n")
        self.assertEqual(load.skipped_ops(path), {"ftp/retr": "target nginx has no FTP URL",
                                                "http/put-chunked": "no chunked uploads"})

    def test_conformance_xml(self):
        path = os.path.join(self.dir, "c.xml")
        write_xml(path, [
            ("P2NoCopies", testcase("P2NoCopies", "HttpPut", failure=P2_FAILURE,
                                    props={"copies": "2.00"})),
            ("P2NoCopies", testcase("P2NoCopies", "HttpGet", props={"copies": "1.00"})),
            ("P2NoCopies", testcase("P2NoCopies", "FtpStor",
                                    skipped="/x/p2_no_copies.cpp:18\ntarget has no FTP URL")),
            ("Rfc959Login", testcase("Rfc959Login", "UserPassSequence")),
        ])
        tests = load.load_conformance(path)
        by = {t["full"]: t for t in tests}
        self.assertEqual(by["P2NoCopies.HttpPut"]["status"], "fail")
        self.assertEqual(by["P2NoCopies.HttpPut"]["group"], "P2")
        self.assertEqual(by["P2NoCopies.HttpGet"]["status"], "pass")
        self.assertEqual(by["P2NoCopies.HttpGet"]["properties"], {"copies": "1.00"})
        self.assertEqual(by["P2NoCopies.FtpStor"]["status"], "skip")
        self.assertEqual(by["P2NoCopies.FtpStor"]["skip"], "target has no FTP URL")
        self.assertEqual(by["Rfc959Login.UserPassSequence"]["group"], "Rfc959")

    def test_messages(self):
        self.assertEqual(load.one_line(P2_FAILURE),
                         "[P2] The server writes each uploaded byte once: no temp-file spool."
                         " \u2014 actual: copies = 2.00 (wchar grew 134217728 B for a "
                         "67108864 B payload)")
        self.assertEqual(load.expected_actual(P2_FAILURE)[0], "expected: copies <= 1.10")
        self.assertEqual(load.one_line("a.cpp:3\nExpected equality of these values:\n  a\n  b"),
                         "Expected equality of these values:")
        # EXPECT_EQ's message: the value of its "Which is:" line, without the HTML.
        self.assertRegex(
            load.one_line("/x/p1_flat_memory.cpp:21\nExpected equality of these values:\n"
                        "  small.verify_error\n    Which is: \"http-post answered 404: "
                        "<html><head>\\n<title>404 Not Found</title>\"\n  \"\"\n"),
            r'^small.verify_error is "http-post answered 404: 404 Not Found ?"$')
        self.assertEqual(load.one_line("unknown file\nC++ exception with description \"boom\""),
                         'C++ exception with description "boom"')
        self.assertEqual(load.group_of("Rfc2428Epsv"), "Rfc2428")
        self.assertEqual(load.group_of("BadInput"), "BadInput")
        self.assertEqual(load.group_of("P7UnknownLength"), "P7")
        self.assertEqual(load.group_of("Other"), "Other")


def server(name, rounds, conformance=None, skipped=None, state="ran", reason=""):
    return {"name": name, "state": state, "reason": reason, "skipped": skipped or {},
            "rounds": [{"round": i + 1, "exit": 0, "seconds": 1, "file": f"{name}.r{i + 1}.json",
                        "rows": rows, "error": None} for i, rows in enumerate(rounds)],
            "conformance": conformance, "conformance_error": None, "context": {}}


def row(op, size, error=None, **figures):
    """A row as streambench_json.read_results makes it, for op "proto/op"."""
    proto, name = op.split("/", 1)
    return {"name": "", "target": "", "proto": proto, "op": name, "size": size, "suffix": "",
            "concurrency": None, "variant": "", "error": error, "figures": figures}


class AggregationTest(unittest.TestCase):
    def test_median_and_spread_over_rounds(self):
        s = server("nginx", [[row("http/get", 64 * MIB, **ok_figures(900))],
                             [row("http/get", 64 * MIB, **ok_figures(1000))],
                             [row("http/get", 64 * MIB, **ok_figures(1300))]])
        cell = judge.aggregate(s)[("http/get", 64 * MIB)]
        self.assertEqual(cell["rounds"], 3)
        self.assertAlmostEqual(cell["median"]["bytes_per_second"], 1000e6)
        self.assertEqual(judge.spread(cell["values"]["bytes_per_second"]), (900e6, 1300e6))
        # An even number of rounds: the mean of the middle two.
        s2 = server("x", [[row("http/get", 1, **ok_figures(100))],
                          [row("http/get", 1, **ok_figures(200))]])
        self.assertAlmostEqual(judge.aggregate(s2)[("http/get", 1)]["median"]["bytes_per_second"],
                               150e6)

    def test_a_round_that_errored_does_not_count(self):
        s = server("a", [[row("http/put", 1, **ok_figures(100))],
                         [row("http/put", 1, error="stalled")]])
        cell = judge.aggregate(s)[("http/put", 1)]
        self.assertEqual((cell["state"], cell["rounds"], cell["errors"]), ("ok", 1, ["stalled"]))
        s = server("b", [[row("http/post", 1, error="http-post answered 405")]])
        cell = judge.aggregate(s)[("http/post", 1)]
        self.assertEqual(cell["state"], "error")

    def test_ranking_and_ratio(self):
        size = 64 * MIB
        servers = [
            server("refserver", [[row("http/get", size, **ok_figures(800))],
                                 [row("http/get", size, **ok_figures(820))]]),
            server("nginx", [[row("http/get", size, **ok_figures(1000))],
                             [row("http/get", size, **ok_figures(1100))]]),
            server("apache2", [[row("http/get", size, **ok_figures(500)),
                                row("http/post", size, error="http-post answered 405 x")]]),
            server("vsftpd", [[]], skipped={"http/get": "target vsftpd has no HTTP URL"}),
            server("proftpd", [], state="not run", reason="not installed"),
        ]
        cells = {s["name"]: judge.aggregate(s) for s in servers}
        rows = judge.ranking(servers, cells, "http/get", size)
        self.assertEqual([r["server"] for r in rows], ["nginx", "refserver", "apache2", "vsftpd"])
        self.assertEqual(rows[-1]["state"], "skipped")
        self.assertIn("not offered", rows[-1]["why"])
        ratio, best = judge.ref_ratio(rows)
        self.assertEqual(best, "nginx")
        self.assertAlmostEqual(ratio, 810 / 1050)
        post = judge.ranking(servers, cells, "http/post", size)
        apache = next(r for r in post if r["server"] == "apache2")
        self.assertEqual(apache["state"], "error")
        self.assertTrue(apache["why"].startswith("not supported: http-post answered 405"))
        self.assertIsNone(judge.ref_ratio(post))  # no server has a figure
        self.assertEqual(list(judge.op_sizes(cells)), ["http/get", "http/post"])

    def test_refserver_variants_are_not_peers_and_roots_apart(self):
        size = 64 * MIB

        def at(name, root, *mbps):
            s = server(name, [[row("http/put", size, **ok_figures(v))] for v in mbps])
            s["root"] = root
            return s
        servers = [at("refserver@tmpfs", "tmpfs", 900, 1000, 950, 980, 990, 1010),
                   at("refserver-no-splice@tmpfs", "tmpfs", 1500, 1500),
                   at("nginx@tmpfs", "tmpfs", 600, 640), at("vsftpd@tmpfs", "tmpfs", 750),
                   at("refserver@disk", "disk", 400), at("nginx@disk", "disk", 500)]
        cells = {s["name"]: judge.aggregate(s) for s in servers}
        self.assertEqual(judge.roots(servers), ["tmpfs", "disk"])
        rows = judge.ranking(servers, cells, "http/put", size, "tmpfs")
        self.assertEqual([r["server"] for r in rows], ["refserver-no-splice@tmpfs",
                                                     "refserver@tmpfs", "vsftpd@tmpfs",
                                                     "nginx@tmpfs"])
        # The fastest server is a refserver variant, not a peer: vsftpd is the best peer.
        self.assertEqual({r["best_peer"] for r in rows}, {"vsftpd@tmpfs"})
        by = {r["server"]: r for r in rows}
        self.assertAlmostEqual(by["refserver@tmpfs"]["ratio"], 985 / 750)
        self.assertAlmostEqual(by["refserver-no-splice@tmpfs"]["ratio"], 2.0)
        self.assertAlmostEqual(by["nginx@tmpfs"]["ratio"], 620 / 750)
        self.assertEqual(judge.ref_ratio(rows, "refserver-no-splice"), (2.0, "vsftpd@tmpfs"))
        # Six rounds: a 95% interval (min-max, 96.9%); two: min-max, 50%.
        ci = by["refserver@tmpfs"]["cell"]["ci"]["bytes_per_second"]
        self.assertEqual((ci.lo, ci.hi, ci.ok), (900e6, 1010e6, True))
        self.assertAlmostEqual(ci.coverage, 0.96875)
        self.assertFalse(by["nginx@tmpfs"]["cell"]["ci"]["bytes_per_second"].ok)
        self.assertEqual(by["nginx@tmpfs"]["cell"]["ci"]["cpu_ms_per_gib"].median, 300.0)
        # On disk only the disk results, against the disk's best peer.
        disk = judge.ranking(servers, cells, "http/put", size, "disk")
        self.assertEqual([(r["server"], r["ratio"]) for r in disk],
                         [("nginx@disk", 1.0), ("refserver@disk", 0.8)])


class VerdictTest(unittest.TestCase):
    def make_tests(self, *cases):
        out = []
        for suite, name, status, extra in cases:
            t = {"suite": suite, "name": name, "full": f"{suite}.{name}",
                 "group": load.group_of(suite), "status": status, "messages": [],
                 "skip": "", "properties": {}, "time": "0"}
            t.update(extra)
            out.append(t)
        return out

    def test_failure_message_decides(self):
        tests = self.make_tests(("P2NoCopies", "HttpGet", "pass", {"properties": {"copies": "1.00"}}),
                           ("P2NoCopies", "HttpPut", "fail", {"messages": [P2_FAILURE]}))
        v = judge.verdict("P2", tests, [])
        self.assertEqual(v["state"], "fail")
        self.assertEqual(v["source"], "P2NoCopies.HttpPut")
        self.assertIn("actual: copies = 2.00", v["figure"])
        self.assertIn("expected: copies <= 1.10", v["figure"])
        self.assertTrue(v["why"].startswith("[P2] The server writes each uploaded byte once"))

    def test_refusals_are_flagged(self):
        refused = "a.cpp:1\nExpected equality of these values:\n  r.verify_error\n" \
                  "    Which is: \"http-post answered 404: <html>\"\n  \"\""
        tests = self.make_tests(("P2NoCopies", "HttpPost", "fail", {"messages": [refused]}))
        v = judge.verdict("P2", tests, [])
        self.assertEqual(v["state"], "fail")
        self.assertIn("refusing the request", v["note"])
        v = judge.verdict("P2", self.make_tests(
            ("P2NoCopies", "HttpPut", "fail", {"messages": [P2_FAILURE]})), [])
        self.assertEqual(v["note"], "")

    def test_descriptors_kept_that_conformance_did_not_find_are_a_note(self):
        kept = [(False, "fd_delta = 0.0625 (median of 2 rounds); limit <= 0", "http/get/16MiB")]
        passed = self.make_tests(("P4FdLeaks", "HttpGet", "pass", {}))
        v = judge.verdict("P4", passed, kept)
        self.assertEqual((v["state"], v["mark"]), ("pass", "+"))
        self.assertIn("http/get/16MiB", v["note"])
        # Without a P4 test of the suite, or with a file unlinked and held open: a fail.
        self.assertEqual(judge.verdict("P4", [], kept)["state"], "fail")
        deleted = [(False, "deleted_open = 1 (median of 2 rounds); limit = 0", "http/put/16MiB")]
        self.assertEqual(judge.verdict("P4", passed, deleted)["state"], "fail")

    def test_pass_shows_the_worst_figure(self):
        tests = self.make_tests(("P2NoCopies", "HttpGet", "pass", {"properties": {"copies": "1.00"}}),
                           ("P2NoCopies", "FtpAppe", "pass", {"properties": {"copies": "1.06"}}))
        v = judge.verdict("P2", tests, [(True, "copies = 1.00", "http/get/64MiB")])
        self.assertEqual(v["state"], "pass")
        self.assertEqual(v["figure"], "copies = 1.06")
        self.assertEqual(v["source"], "P2NoCopies.FtpAppe")

    def test_not_tested_says_why(self):
        tests = self.make_tests(("P7UnknownLength", "FtpStor", "skip",
                            {"skip": "target has no FTP URL"}),
                           ("P7UnknownLength", "HttpPostChunked", "skip",
                            {"skip": "OPTIONS / does not allow POST"}))
        v = judge.verdict("P7", tests, [])
        self.assertEqual(v["state"], "not tested")
        self.assertEqual(v["why"], "every test skipped: target has no FTP URL; "
                                   "OPTIONS / does not allow POST")
        v = judge.verdict("P6", None, [], "conformance exited with status 3 without a report")
        self.assertEqual(v["state"], "not tested")
        self.assertIn("status 3", v["why"])

    def test_streambench_counters_fail_a_property(self):
        size = 64 * MIB
        s = server("spooler", [[row("http/put", 16 * MIB, **ok_figures(300, copies=2.0)),
                                row("http/put", size, **ok_figures(300, copies=2.0,
                                                                  rss=70000.0)),
                                row("http/get", 16 * MIB, **ok_figures(900, fd=1.0)),
                                row("http/get", size, **ok_figures(900, fbr=65536.0))]])
        ev = judge.bench_evidence(judge.aggregate(s))
        self.assertTrue(any(not ok for ok, _, _ in ev["P2"]))
        self.assertTrue(any(not ok for ok, _, _ in ev["P1"]))  # +69900 KiB > 8 MiB
        self.assertTrue(any(not ok for ok, _, _ in ev["P3"]))  # 64 MiB read > 16 MiB
        self.assertTrue(any(not ok for ok, _, _ in ev["P4"]))
        self.assertTrue(all(ok for ok, _, _ in ev["P5"]))
        # Conformance passed P2, streambench saw 2 copies: the property fails.
        tests = self.make_tests(("P2NoCopies", "HttpPut", "pass", {"properties": {"copies": "1.00"}}))
        v = judge.verdict("P2", tests, ev["P2"])
        self.assertEqual(v["state"], "fail")
        self.assertIn("copies = 2.00", v["figure"])
        self.assertTrue(v["source"].startswith("streambench http/put/"))
        # Nothing from conformance, but streambench measured it: a pass that says so.
        good = judge.bench_evidence(judge.aggregate(server("ok", [[row("http/put", size,
                                                                 **ok_figures(300))]])))
        v = judge.verdict("P2", [], good["P2"])
        self.assertEqual(v["state"], "pass")
        self.assertIn("streambench", v["source"])

    def test_matrix_counts(self):
        tests = self.make_tests(("Rfc959Login", "A", "pass", {}), ("Rfc959Files", "B", "pass", {}),
                           ("Rfc959Files", "C", "fail", {"messages": [P2_FAILURE]}),
                           ("Rfc959Abort", "D", "skip", {"skip": "no ABOR"}),
                           ("Security", "E", "pass", {}))
        mx = judge.matrix(tests)
        self.assertEqual({k: mx["Rfc959"][k] for k in ("pass", "fail", "skip")},
                         {"pass": 2, "fail": 1, "skip": 1})
        self.assertEqual(mx["Rfc959"]["failures"][0][0], "Rfc959Files.C")
        self.assertIn("copies = 2.00", mx["Rfc959"]["failures"][0][1])
        self.assertEqual(mx["Rfc959"]["skips"], [("Rfc959Abort.D", "no ABOR")])
        self.assertEqual(mx["Security"]["pass"], 1)
        self.assertEqual(judge.matrix_groups([{"conformance": tests}]), ["Rfc959", "Security"])


class ReportTest(unittest.TestCase):
    """A whole results folder as scripts/bench --peers leaves it, through main()."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="peers_report_test.")
        self.res = os.path.join(self.dir, "results")
        os.mkdir(self.res)
        res = self.res
        with open(os.path.join(res, "servers.tsv"), "w") as f:
            f.write("refserver\tran\t\nnginx\tran\t\n"
                    "vsftpd\tnot run\tscripts/peers/vsftpd exited with status 2: needs root\n")
        with open(os.path.join(res, "settings.tsv"), "w") as f:
            f.write("sizes\t16MiB,64MiB\nrounds\t2\nquick\t1\nwall_seconds\t99\n")
        runs = []
        for r, (ref_mbps, ngx_mbps) in enumerate(((800, 1000), (900, 1100)), 1):
            for name, mbps in (("refserver", ref_mbps), ("nginx", ngx_mbps)):
                rows = []
                for size in ("16MiB", "64MiB"):
                    rows.append(bench_row(name, "http/get", size, **ok_figures(mbps)))
                    rows.append(bench_row(name, "http/put", size, **ok_figures(mbps / 2)))
                if name == "nginx":
                    rows.append(error_row(name, "http/post", "64MiB", "http-post answered 403"))
                else:
                    rows.append(bench_row(name, "ftp/retr", "64MiB", **ok_figures(700)))
                write_bench(os.path.join(res, f"{name}.r{r}.json"), name, rows)
                with open(os.path.join(res, f"{name}.r{r}.log"), "w") as f:
                    if name == "nginx":
                        f.write("streambench: skipping ftp-retr: target nginx has no FTP URL\n")
                runs.append(f"{name}\tstreambench\t{r}\t{0 if name == 'refserver' else 1}\t5\t"
                            f"{name}.r{r}.json")
        write_xml(os.path.join(res, "refserver.conformance.xml"),
                  [("P2NoCopies", testcase("P2NoCopies", "HttpPut", props={"copies": "1.00"}))])
        write_xml(os.path.join(res, "nginx.conformance.xml"),
                  [("P2NoCopies", testcase("P2NoCopies", "HttpPut", failure=P2_FAILURE)),
                   ("Rfc959Login", testcase("Rfc959Login", "A", skipped="no FTP URL"))])
        runs.append("refserver\tconformance\t-\t0\t50\trefserver.conformance.xml")
        runs.append("nginx\tconformance\t-\t1\t50\tnginx.conformance.xml")
        with open(os.path.join(res, "runs.tsv"), "w") as f:
            f.write("\n".join(runs) + "\n")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_main(self):
        out = os.path.join(self.dir, "out")
        with open(os.devnull, "w") as devnull:
            stdout, stderr = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = devnull
            try:
                status = cli.main([self.res, "-o", out])
            finally:
                sys.stdout, sys.stderr = stdout, stderr
        return status, out

    def test_report(self):
        status, out = self.run_main()
        self.assertEqual(status, 0)
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            page = f.read()
        with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
            summary = f.read()
        for text in ("Ranking per operation", "P1\u2013P7 per server", "Conformance matrix",
                     "not run: scripts/peers/vsftpd exited with status 2: needs root",
                     "not supported: http-post answered 403", "not offered: target nginx"):
            self.assertIn(text, page)
        # http/get 64 MiB: refserver median 850, nginx 1050 -> 0.81, red.
        self.assertIn("<td class='n bad'>0.81</td>", page)
        self.assertIn("<span class=bad>refserver 0.81</span>", page)
        self.assertIn("http/get 64 MiB, root on tmpfs:\n", summary)
        # Two rounds: min-max, marked as short of 95%.
        self.assertRegex(summary, "nginx +1050 \\[1000-1100\\]\u2020 +300 \\[300-300\\]\u2020 "
                                  "+1.00 \\(best peer\\)\n  refserver +850 \\[800-900\\]\u2020 .* 0.81\n")
        self.assertIn("\u2020 2 rounds: no 95% interval exists (it needs 6); min-max shown, "
                      "which holds the median with probability 50.0% only.", summary)
        self.assertRegex(summary, r"nginx +P1 ok +P2 FAIL")
        self.assertIn("vsftpd     not run: scripts/peers/vsftpd exited with status 2", summary)
        self.assertIn("report: ", summary)
        if HAVE_MATPLOTLIB:
            for png in ("memory.png", "ttfb.png", "throughput.png", "copies.png", "fds.png"):
                self.assertGreater(os.path.getsize(os.path.join(out, png)), 1000, png)
        else:
            self.assertIn("No plots: ", page)

    def test_two_roots(self):
        """Results named NAME@ROOT (scripts/bench --peers --roots tmpfs,disk): ranked per
        root; conformance on the first root only; --no-conformance said so."""
        for f in os.listdir(self.res):
            os.remove(os.path.join(self.res, f))
        names = [f"{n}@{root}" for root in ("tmpfs", "disk")
                 for n in ("refserver", "refserver-no-splice", "nginx")]
        with open(os.path.join(self.res, "servers.tsv"), "w") as f:
            f.write("".join(f"{n}\tran\t\n" for n in names))
        with open(os.path.join(self.res, "settings.tsv"), "w") as f:
            f.write("sizes\t1GiB\nrounds\t1\nroots\ttmpfs,disk\nconformance\ton tmpfs\n")
        speed = {"refserver": 1200, "refserver-no-splice": 1000, "nginx": 800}
        for n in names:
            base, root = n.split("@")
            mbps = speed[base] / (2 if root == "disk" else 1)
            write_bench(os.path.join(self.res, f"{n}.r1.json"), n,
                        [bench_row(n, "http/put", "1GiB", **ok_figures(mbps))])
        status, out = self.run_main()
        self.assertEqual(status, 0)
        with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
            summary = f.read()
        self.assertRegex(summary, "http/put 1 GiB, root on tmpfs:\n  refserver@tmpfs +1200 "
                                  "\\[1200-1200\\]\u2020 .* 1.50\n  refserver-no-splice@tmpfs .* 1.25\n"
                                  "  nginx@tmpfs .* 1.00 \\(best peer\\)\n")
        self.assertRegex(summary, "http/put 1 GiB, root on disk:\n  refserver@disk +600 .* 1.50\n")
        self.assertIn("\u2020 1 round: one value, no interval (a 95% one needs 6 rounds).",
                      summary)
        data = load.load_results(self.res)
        by = {s["name"]: s for s in data["servers"]}
        self.assertEqual((by["nginx@disk"]["base"], by["nginx@disk"]["root"]), ("nginx", "disk"))
        self.assertIn("conformance ran with the root on tmpfs only (see nginx@tmpfs)",
                      by["nginx@disk"]["conformance_error"])
        self.assertIsNone(by["nginx@tmpfs"]["conformance_error"])
        with open(os.path.join(self.res, "settings.tsv"), "a") as f:
            f.write("conformance\toff\n")
        data = load.load_results(self.res)
        self.assertEqual(data["servers"][0]["conformance_error"],
                         "conformance not run (--no-conformance)")

    def test_no_results_is_exit_2(self):
        empty = os.path.join(self.dir, "empty")
        os.mkdir(empty)
        self.res = empty
        status, _ = self.run_main()
        self.assertEqual(status, 2)


if __name__ == "__main__":
    unittest.main()
