// Issue 17 over FTP: 64-bit sizes and offsets at the 2^32 boundary. A sparse file of
// 2^32 + 4097 bytes (ftruncate: no disk) under the server's root has its exact size in
// SIZE, MLST, MLSD and LIST, a RETR from a REST offset past 4 GiB reads the bytes there,
// and an 11-digit REST offset past a small file's end is a clean 554, not bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "bench/lib/ftp_control.hpp"
#include "bench/lib/http_client.hpp"
#include "bench/lib/payload.hpp"
#include "refserver/testing/ftp_control.hpp"
#include "refserver/testing/shared_refserver.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck {
namespace {

using namespace std::chrono_literals;
constexpr uint64_t k4GiB = uint64_t{1} << 32;
constexpr uint64_t kBigSize = k4GiB + 4097;

class FtpLarge : public testing::SharedRefserverSuite<FtpLarge> {
 public:
  static void prepare(testing::SpawnedRefserver& server) {
    int fd = ::open((server.root() / "big.bin").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kBigSize)), 0);
    ASSERT_EQ(::pwrite(fd, "BOUND", 5, static_cast<off_t>(k4GiB)), 5);
    ::close(fd);
    bench::HttpClient http(server.http());
    ASSERT_EQ(http.put("/small.txt", {2, 1000, bench::PayloadKind::random}).status, 201);
  }

 protected:
  // Everything the data connection carries until the server closes it.
  static std::string drain(bench::RawConnection& data) {
    std::string out;
    while (auto line = data.read_line(10s)) out += *line + "\n";
    return out;
  }
  // The raw bytes of a data connection until the server closes it (10 s at most).
  static std::string read_to_close(int fd) {
    std::string out;
    char buffer[8192];
    for (;;) {
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, 10'000) != 1) break;
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
};

TEST_F(FtpLarge, Rfc3659SizeAndMlstCarryThe64BitSize) {
  auto c = testing::ftp_logged_in(*server_);
  EXPECT_EQ(c->command("SIZE big.bin").text, "213 4294971393");
  auto mlst = c->command("MLST big.bin");
  EXPECT_EQ(mlst.code, 250);
  EXPECT_NE(mlst.text.find("size=4294971393;"), std::string::npos) << mlst.text;
}

TEST_F(FtpLarge, ListAndMlsdShowTheFileWithItsSize) {
  auto c = testing::ftp_logged_in(*server_);
  auto data = c->open_passive();
  ASSERT_EQ(c->command("LIST").code, 150);
  auto list = drain(*data);
  EXPECT_EQ(c->read_reply().code, 226);
  auto line = list.find("big.bin");
  ASSERT_NE(line, std::string::npos) << list;  // files >= 2 GiB must not drop out
  EXPECT_NE(list.rfind(" 4294971393 ", line), std::string::npos) << list;
  auto mlsd_data = c->open_passive();
  ASSERT_EQ(c->command("MLSD").code, 150);
  auto mlsd = drain(*mlsd_data);
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_NE(mlsd.find("size=4294971393;"), std::string::npos) << mlsd;
}

TEST_F(FtpLarge, RetrFromARestOffsetPast4GiB) {
  auto c = testing::ftp_logged_in(*server_);
  EXPECT_EQ(c->command("TYPE I").code, 200);
  EXPECT_EQ(c->command("REST 4294967296").code, 350);
  auto data = c->open_passive();
  ASSERT_EQ(c->command("RETR big.bin").code, 150);
  auto bytes = read_to_close(data->fd());
  EXPECT_EQ(c->read_reply().code, 226);
  EXPECT_EQ(bytes.size(), 4097u);          // from 2^32 to the end
  EXPECT_EQ(bytes.substr(0, 5), "BOUND");  // a 32-bit offset would read zeros at 0
}

TEST_F(FtpLarge, Rfc3659ElevenDigitRestPastTheEndIs554) {
  auto c = testing::ftp_logged_in(*server_);
  auto rest = c->command("REST 12345678910");
  EXPECT_EQ(rest.code, 350);
  EXPECT_NE(rest.text.find("12345678910"), std::string::npos) << rest.text;  // not truncated
  auto data = c->open_passive();
  auto retr = c->command("RETR small.txt");
  EXPECT_EQ(retr.code, 554) << retr.text;
  EXPECT_NE(retr.text.find("12345678910"), std::string::npos) << retr.text;
  EXPECT_EQ(c->command("NOOP").code, 200);  // the session goes on
  // And a REST offset past 2^64 is no offset at all.
  EXPECT_EQ(c->command("REST 18446744073709551616").code, 501);
}

}  // namespace
}  // namespace streamcheck
