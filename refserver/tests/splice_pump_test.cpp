// splice_some and make_splice_pipe on real loopback TCP connections and real pipes.
#include "refserver/splice_pump.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

namespace streamcheck {
namespace {

// A connected loopback pair: `sender` blocking, `receiver` non-blocking as a server's.
struct Connection {
  Connection() {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    // Room for more than a pipe holds, so the pipe can be the side that is full.
    int receive_buffer = 4 << 20;
    ::setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(listener, 1), 0);
    EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    sender = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_EQ(::connect(sender, reinterpret_cast<sockaddr*>(&addr), len), 0);
    receiver = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    EXPECT_GE(receiver, 0);
    ::close(listener);
  }
  ~Connection() {
    if (sender >= 0) ::close(sender);
    ::close(receiver);
  }
  void send_all(const std::string& bytes) const {
    for (size_t done = 0; done < bytes.size();) {
      auto n = ::send(sender, bytes.data() + done, bytes.size() - done, 0);
      ASSERT_GT(n, 0) << std::strerror(errno);
      done += static_cast<size_t>(n);
    }
  }
  // Waits until the receiver has `bytes` queued (loopback delivers at once, nearly).
  void wait_queued(int bytes) const {
    for (int i = 0; i < 2000; ++i) {
      int queued = 0;
      ::ioctl(receiver, FIONREAD, &queued);
      if (queued >= bytes) return;
      ::usleep(1000);
    }
    ADD_FAILURE() << "the bytes never arrived";
  }
  int sender = -1;
  int receiver = -1;
};

std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(i * 7 + i / 1000);
  return s;
}

std::string drain(SplicePipe& pipe) {
  std::string out(pipe.held, '\0');
  for (size_t done = 0; done < out.size();) {
    auto n = ::read(pipe.read_end(), out.data() + done, out.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  pipe.held = 0;
  return out;
}

std::shared_ptr<SplicePipe> make_pipe(size_t bytes) {
  std::string why;
  auto pipe = make_splice_pipe(bytes, why);
  EXPECT_TRUE(pipe) << why;
  return pipe;
}

TEST(SpliceSome, MovesWhatTheSocketHasThenWouldBlock) {
  Connection c;
  auto pipe = make_pipe(1 << 20);
  const auto sent = pattern(100'000);
  c.send_all(sent);
  c.wait_queued(100'000);
  uint64_t wanted = UINT64_MAX;
  int error = 0;
  EXPECT_EQ(splice_some(c.receiver, *pipe, wanted, error), SpliceState::would_block);
  EXPECT_EQ(pipe->held, sent.size());
  EXPECT_EQ(UINT64_MAX - wanted, sent.size());
  EXPECT_TRUE(drain(*pipe) == sent);
}

TEST(SpliceSome, StopsAtWhatIsWantedAndLeavesTheRestInTheSocket) {
  Connection c;
  auto pipe = make_pipe(1 << 20);
  const auto sent = pattern(5000);
  c.send_all(sent);
  c.wait_queued(5000);
  uint64_t wanted = 1000;
  int error = 0;
  EXPECT_EQ(splice_some(c.receiver, *pipe, wanted, error), SpliceState::done);
  EXPECT_EQ(wanted, 0u);
  EXPECT_TRUE(drain(*pipe) == sent.substr(0, 1000));
  int queued = 0;
  ::ioctl(c.receiver, FIONREAD, &queued);
  EXPECT_EQ(queued, 4000);
}

TEST(SpliceSome, AFullPipeIsToldApartFromAnEmptySocket) {
  Connection c;
  auto pipe = make_pipe(64 * 1024);
  std::thread sender([&] { c.send_all(pattern(1 << 20)); });
  c.wait_queued(256 * 1024);
  uint64_t wanted = UINT64_MAX;
  int error = 0;
  EXPECT_EQ(splice_some(c.receiver, *pipe, wanted, error), SpliceState::pipe_full);
  EXPECT_GT(pipe->held, 0u);
  EXPECT_LE(pipe->held, pipe->capacity());
  // Emptying the pipe lets the rest through, byte-exact.
  std::string received;
  while (received.size() < (1u << 20)) {
    received += drain(*pipe);
    auto state = splice_some(c.receiver, *pipe, wanted, error);
    ASSERT_NE(state, SpliceState::failed) << std::strerror(error);
    if (state == SpliceState::would_block && pipe->held == 0) ::usleep(1000);
  }
  sender.join();
  EXPECT_TRUE(received == pattern(1 << 20));
}

TEST(SpliceSome, TheEndOfTheStreamIsEof) {
  Connection c;
  auto pipe = make_pipe(1 << 20);
  c.send_all("last bytes");
  ::shutdown(c.sender, SHUT_WR);
  c.wait_queued(10);
  ::usleep(20'000);  // the FIN follows the bytes
  uint64_t wanted = UINT64_MAX;
  int error = 0;
  EXPECT_EQ(splice_some(c.receiver, *pipe, wanted, error), SpliceState::eof);
  EXPECT_EQ(drain(*pipe), "last bytes");
}

TEST(SpliceSome, AResetIsAFailureWithItsErrno) {
  Connection c;
  auto pipe = make_pipe(1 << 20);
  linger hard{1, 0};
  ::setsockopt(c.sender, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(std::exchange(c.sender, -1));
  ::usleep(20'000);
  uint64_t wanted = UINT64_MAX;
  int error = 0;
  EXPECT_EQ(splice_some(c.receiver, *pipe, wanted, error), SpliceState::failed);
  EXPECT_EQ(error, ECONNRESET);
}

TEST(MakeSplicePipe, ThePipeHoldsWhatWasAskedEmpty) {
  auto pipe = make_pipe(256 * 1024);
  ASSERT_TRUE(pipe);
  EXPECT_GE(pipe->capacity(), 256u * 1024);
  EXPECT_TRUE(pipe->empty());
  ASSERT_EQ(::write(pipe->write_end(), "bytes", 5), 5);
  EXPECT_FALSE(pipe->empty());
}

}  // namespace
}  // namespace streamcheck
