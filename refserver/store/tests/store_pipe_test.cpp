// Upload::write_from_pipe against a real filesystem: bytes put in a pipe come out in
// the committed version, in order with write()'s and after an append's prefix.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "refserver/store/store.hpp"

namespace streamcheck::store {
namespace {

namespace fs = std::filesystem;

class StorePipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = "/tmp/sc-store-pipe-XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    auto opened = Store::open({root_, FsyncPolicy::never});
    ASSERT_TRUE(opened) << opened.status().message();
    store_ = std::move(opened).value();
    ASSERT_EQ(::pipe(pipe_), 0);
    ::fcntl(pipe_[1], F_SETPIPE_SZ, 1 << 20);
  }
  void TearDown() override {
    ::close(pipe_[0]);
    if (pipe_[1] >= 0) ::close(pipe_[1]);
    store_.reset();
    fs::remove_all(root_);
  }

  ObjectPath path(std::string_view p) { return ObjectPath::parse(p).value(); }
  std::string contents(std::string_view name) {
    std::ifstream in(root_ / name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  // Puts `text` into the pipe from another thread (it may be more than the pipe holds)
  // while `upload` takes it out.
  Status through_pipe(Upload& upload, const std::string& text) {
    std::thread writer([&] {
      for (size_t done = 0; done < text.size();) {
        auto n = ::write(pipe_[1], text.data() + done, text.size() - done);
        if (n <= 0) return;
        done += static_cast<size_t>(n);
      }
    });
    Status st = upload.write_from_pipe(pipe_[0], text.size());
    writer.join();
    return st;
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
  int pipe_[2] = {-1, -1};
};

std::string pattern(size_t size, char salt) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 131 + i / 4096) ^ salt);
  return s;
}

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST_F(StorePipeTest, PipedBytesLandInOrderWithWrittenOnes) {
  auto upload = store_->begin_upload(path("/a"), {.sha256 = false});
  ASSERT_TRUE(upload);
  ASSERT_TRUE((*upload)->takes_pipe());
  const auto head = pattern(65537, 1), middle = pattern(3 << 20, 2), tail = pattern(4095, 3);
  ASSERT_TRUE((*upload)->write(bytes_of(head)));
  ASSERT_TRUE(through_pipe(**upload, middle));
  ASSERT_TRUE((*upload)->write(bytes_of(tail)));
  EXPECT_EQ((*upload)->size(), head.size() + middle.size() + tail.size());
  auto info = (*upload)->commit();
  ASSERT_TRUE(info) << info.status().message();
  EXPECT_EQ(info->size, head.size() + middle.size() + tail.size());
  EXPECT_TRUE(contents("a") == head + middle + tail);
}

TEST_F(StorePipeTest, AppendKeepsThePrefixBeforePipedBytes) {
  auto first = store_->begin_upload(path("/b"), {.sha256 = false});
  const auto prefix = pattern(1 << 20, 4), added = pattern((1 << 20) + 17, 5);
  ASSERT_TRUE((*first)->write(bytes_of(prefix)));
  ASSERT_TRUE((*first)->commit());
  auto append = store_->begin_append(path("/b"), {.sha256 = false});
  ASSERT_TRUE(append);
  ASSERT_TRUE(through_pipe(**append, added));
  ASSERT_TRUE((*append)->commit());
  EXPECT_TRUE(contents("b") == prefix + added);
}

TEST_F(StorePipeTest, HashingUploadTakesNoPipeAndStaysUsable) {
  auto upload = store_->begin_upload(path("/c"), {.sha256 = true});
  ASSERT_TRUE(upload);
  EXPECT_FALSE((*upload)->takes_pipe());
  EXPECT_EQ((*upload)->write_from_pipe(pipe_[0], 1).code(), Errc::bad_state);
  ASSERT_TRUE((*upload)->write(bytes_of(std::string("abc"))));
  auto info = (*upload)->commit();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(StorePipeTest, APipeThatRunsDryAbortsTheUpload) {
  auto upload = store_->begin_upload(path("/d"), {.sha256 = false});
  ASSERT_TRUE(upload);
  ASSERT_EQ(::write(pipe_[1], "12345", 5), 5);
  ::close(std::exchange(pipe_[1], -1));  // then end of file: 5 bytes where 10 were due
  const Status st = (*upload)->write_from_pipe(pipe_[0], 10);
  EXPECT_EQ(st.code(), Errc::io_error) << st.message();
  EXPECT_NE(st.message().find("ran dry"), std::string::npos) << st.message();
  EXPECT_EQ((*upload)->commit().status().code(), Errc::bad_state);
  EXPECT_TRUE(fs::is_empty(root_ / ".staging"));
  EXPECT_FALSE(fs::exists(root_ / "d"));
}

TEST_F(StorePipeTest, AfterCommitThePipeIsRefused) {
  auto upload = store_->begin_upload(path("/e"), {.sha256 = false});
  ASSERT_TRUE((*upload)->commit());
  EXPECT_EQ((*upload)->write_from_pipe(pipe_[0], 1).code(), Errc::bad_state);
}

}  // namespace
}  // namespace streamcheck::store
