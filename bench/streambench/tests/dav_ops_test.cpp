// streambench's WebDAV ops (http-copy, http-move) end to end: against the refserver, and
// against two small Python servers on real sockets that stand for the servers the ops
// must not be fooled by: one that answers 501 to COPY and MOVE (the ops are skipped, said
// on stderr, and the run succeeds), one that answers 201 and copies nothing (the row
// fails, naming what is missing). nginx and apache2: dav_peers_test.cpp.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/streambench/gate.hpp"
#include "bench/streambench/tests/dav_rows.hpp"
#include "bench/streambench/tests/json_run.hpp"
#include "bench/streambench/tests/run_command.hpp"

namespace streamcheck::streambench {
namespace {

namespace fs = std::filesystem;
using testing::run_command;
using testing::TempFile;

// A file server in Python's standard library, on a free port of 127.0.0.1, serving the
// directory argv[1], printing the ready line. "refuse" (argv[2]) knows no COPY or MOVE:
// Python answers 501, as to PUT. "pretend" takes PUT, MKCOL and DELETE, and answers 201
// to COPY and MOVE without doing anything.
constexpr const char* kFakeServer = R"(
import functools, http.server, os, shutil, sys
root, mode = sys.argv[1], sys.argv[2]

class Pretend(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_PUT(self):
        left = int(self.headers["Content-Length"])
        with open(self.translate_path(self.path), "wb") as f:
            while left > 0:
                piece = self.rfile.read(min(left, 1 << 20))
                if not piece:
                    break
                f.write(piece)
                left -= len(piece)
        self.answer(201)
    def do_MKCOL(self):
        os.makedirs(self.translate_path(self.path), exist_ok=True)
        self.answer(201)
    def do_DELETE(self):
        try:
            os.unlink(self.translate_path(self.path))
            self.answer(204)
        except OSError:
            self.answer(404)
    def do_COPY(self):
        self.answer(201)
    do_MOVE = do_COPY

handler = Pretend if mode == "pretend" else http.server.SimpleHTTPRequestHandler
server = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(handler, directory=root))
print(f"streamcheck-ready pid={os.getpid()} http=http://127.0.0.1:{server.server_port}/",
      flush=True)
server.serve_forever()
)";

// streambench with `args`, its JSON results read when it wrote any (null otherwise: a run
// whose benchmarks were all skipped writes none), whatever its exit status.
struct Results {
  testing::Ran ran;
  nlohmann::json doc;
};
Results run_reading(const std::string& name, std::vector<std::string> args) {
  TempFile out(name + ".json");
  args.push_back("--benchmark_out=" + out.path().string());
  args.push_back("--benchmark_out_format=json");
  Results r{run_command(STREAMBENCH_BINARY, args), nullptr};
  if (fs::exists(out.path()) && fs::file_size(out.path()) > 0)
    r.doc = read_results_json(out.path().string());
  return r;
}

// Written to pass once the refserver does COPY and MOVE (issue 16); until then it says
// that they were skipped, and why.
TEST(StreambenchDav, CopyAndMoveAgainstTheRefserver) {
  const auto r =
      run_reading("streambench-dav", {"--root-on", "tmpfs", "--sizes", "4MiB", "--ops",
                                      "http-copy,http-move", "--no-checks", "--no-progress"});
  ASSERT_EQ(r.ran.status, 0) << r.ran.err << r.ran.out;
  ASSERT_EQ(r.ran.err.find("skipping"), std::string::npos) << r.ran.err;
  ASSERT_FALSE(r.doc.is_null()) << r.ran.err;
  testing::expect_copy_and_move_rows(r.doc, "refserver", "4MiB", 4 << 20,
                                     testing::CopyPath::unknown);
}

// streambench --spawn'ing the fake server in `mode` with `ops` at 1 MiB.
Results run_against_fake(const std::string& mode, const std::string& ops) {
  TempFile script("streambench-dav-fake-" + mode + ".py");
  const fs::path root = fs::temp_directory_path() / ("streambench-dav-fake-" + mode + "-root");
  fs::create_directories(root);
  std::ofstream(script.path()) << kFakeServer;
  auto r = run_reading(
      "streambench-dav-fake-" + mode,
      {"--spawn",
       "exec /usr/bin/python3 '" + script.path().string() + "' '" + root.string() + "' " + mode,
       "--name", "fake-" + mode, "--sizes", "1MiB", "--ops", ops, "--no-checks", "--no-progress",
       "--no-prefault"});
  fs::remove_all(root);
  return r;
}

TEST(StreambenchDav, AServerAnswering501IsSkippedNotFailed) {
  const auto r = run_against_fake("refuse", "http-copy,http-move");
  EXPECT_EQ(r.ran.status, 0) << r.ran.err << r.ran.out;
  EXPECT_NE(r.ran.err.find("skipping http-copy: the server answered 501 to COPY"),
            std::string::npos)
      << r.ran.err;
  EXPECT_NE(r.ran.err.find("skipping http-move: the server answered 501 to MOVE"),
            std::string::npos)
      << r.ran.err;
  // Not a row that measured nothing: no row at all.
  if (!r.doc.is_null()) {
    for (const auto& b : r.doc.at("benchmarks")) ADD_FAILURE() << b.at("name");
  }
}

TEST(StreambenchDav, ACopyThatCopiesNothingFailsItsRow) {
  const auto r = run_against_fake("pretend", "http-copy");
  EXPECT_EQ(r.ran.status, 1) << r.ran.err << r.ran.out;
  EXPECT_NE(r.ran.err.find("streambench/copy-1MiB-0.bin after COPY: HEAD answered 404"),
            std::string::npos)
      << r.ran.err;
  ASSERT_FALSE(r.doc.is_null()) << r.ran.err;
  int rows = 0;
  for (const auto& b : r.doc.at("benchmarks")) {
    EXPECT_TRUE(b.value("error_occurred", false)) << b.at("name");
    EXPECT_FALSE(b.contains("sha256_ok")) << b.at("name");
    ++rows;
  }
  EXPECT_EQ(rows, 1);
}

TEST(StreambenchDav, AMoveThatMovesNothingFailsItsRow) {
  const auto r = run_against_fake("pretend", "http-move");
  EXPECT_EQ(r.ran.status, 1) << r.ran.err << r.ran.out;
  EXPECT_NE(r.ran.err.find("streambench/move-1MiB-0.bin after MOVE: HEAD answered 404"),
            std::string::npos)
      << r.ran.err;
}

}  // namespace
}  // namespace streamcheck::streambench
