// Interop with real FTP clients: the curl command line, lftp and Python's ftplib
// (/usr/bin/python3) each put and get 16 MiB, the payload piped in and the download
// hashed as it streams back.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "bench/lib/command_pipe.hpp"
#include "bench/lib/payload.hpp"
#include "bench/lib/sha256.hpp"
#include "bench/lib/transfer.hpp"
#include "refserver/testing/interop.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using bench::Payload;
using bench::PayloadKind;
constexpr uint64_t MiB = 1024 * 1024;

class FtpInterop : public testing::SharedRefserverSuite<FtpInterop> {
 protected:
  std::string url(const std::string& name) const {
    return std::string("ftp://") + testing::SpawnedRefserver::kUser + ":" +
           testing::SpawnedRefserver::kPassword + "@" + server_->ftp().authority() + "/" + name;
  }
  std::string port() const { return std::to_string(server_->ftp().port); }
};

TEST_F(FtpInterop, CurlPutAndGet) {
  Payload p{201, 16 * MiB, PayloadKind::adversarial};
  testing::expect_round_trip("curl -sS -T - '" + url("curl.bin") + "'",
                             "curl -sS '" + url("curl.bin") + "'", p);
}

TEST_F(FtpInterop, LftpPutAndGet) {
  Payload p{202, 16 * MiB, PayloadKind::adversarial};
  std::string login = std::string("lftp -u ") + testing::SpawnedRefserver::kUser + "," +
                      testing::SpawnedRefserver::kPassword + " -p " + port() +
                      " -e 'set cmd:fail-exit yes; set net:max-retries 1; ";
  // lftp's put reads a named file: /dev/stdin is the pipe we write.
  testing::expect_round_trip(login + "put /dev/stdin -o lftp.bin; quit' 127.0.0.1",
                             login + "cat lftp.bin; quit' 127.0.0.1", p);
}

TEST_F(FtpInterop, PythonFtplibPutAndGet) {
  Payload p{203, 16 * MiB, PayloadKind::adversarial};
  std::string script =
      "import ftplib,hashlib,sys\n"
      "f=ftplib.FTP();f.connect('127.0.0.1',int(sys.argv[1]));f.login(sys.argv[2],sys.argv[3])\n"
      "f.storbinary('STOR py.bin',sys.stdin.buffer,blocksize=1<<20)\n"
      "d=hashlib.sha256();f.retrbinary('RETR py.bin',d.update,blocksize=1<<20)\n"
      "f.quit();open(sys.argv[4],'w').write(d.hexdigest())\n";
  ::setenv("SCRIPT", script.c_str(), 1);
  auto out = server_->root().parent_path() / "ftplib-sha.txt";
  ASSERT_EQ(bench::run_with_payload(std::string("/usr/bin/python3 -c \"$SCRIPT\" ") + port() + " " +
                                        testing::SpawnedRefserver::kUser + " " +
                                        testing::SpawnedRefserver::kPassword + " " + out.string(),
                                    p.seed, p.size, p.kind),
            0);
  FILE* f = std::fopen(out.c_str(), "r");
  ASSERT_TRUE(f);
  char hex[65] = {};
  EXPECT_EQ(std::fread(hex, 1, 64, f), 64u);
  std::fclose(f);
  EXPECT_EQ(std::string(hex), bench::payload_sha256(p.seed, p.size, p.kind));
}

}  // namespace
}  // namespace streamcheck
