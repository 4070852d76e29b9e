// read-ahead: a download served from a queue that a reader thread fills from the file
// as fast as the disk gives it, with no bound, while the socket drains it (Node.js
// streams that ignore write()'s return, lighttpd's server.stream-response-body = 0).
// FOR VALIDATING HARNESSES ONLY, like everything under refserver/legacy/.
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "refserver/legacy/legacy_internal.hpp"

namespace streamcheck::legacy {
namespace {

using store::Object;
using store::Result;
using store::Status;

constexpr size_t kChunkBytes = 1024 * 1024;

struct Unmap {
  void operator()(std::byte* p) const { ::munmap(p, kChunkBytes); }
};

// One piece of the queue in its own anonymous mapping, not from malloc: the process's
// RSS then rises and falls with the queue alone (glibc keeps freed heap pages), so what
// a harness sees is the defect's and none of the allocator's.
struct Chunk {
  std::unique_ptr<std::byte, Unmap> bytes;
  size_t filled = 0;
  size_t taken = 0;
};

class ReadAheadObject final : public Object {
 public:
  explicit ReadAheadObject(std::unique_ptr<Object> inner) : inner_(std::move(inner)) {}
  ~ReadAheadObject() override { stop_reader(); }

  // No fd: a front end would sendfile from it and pass the queue by, and the queue is the
  // defect. -1 sends the front ends to their read_at path.
  int fd() const override { return -1; }
  uint64_t size() const override { return inner_->size(); }
  timespec mtime() const override { return inner_->mtime(); }
  const std::string& etag() const override { return inner_->etag(); }

  // The reader starts at the first read, from its offset (a Range's first byte, a REST
  // offset), and runs to the end of the object whatever the range: a HEAD or a
  // precondition check reads nothing. A read elsewhere than where the last one ended
  // starts the reader again there.
  Result<size_t> read_at(uint64_t offset, std::span<std::byte> buffer) const override {
    if (buffer.empty() || offset >= inner_->size()) return size_t{0};
    std::unique_lock lock(mutex_);
    if (!reader_.joinable() || offset != next_) {
      lock.unlock();
      start_reader(offset);
      lock.lock();
    }
    filled_.wait(lock, [&] { return !queue_.empty() || finished_; });
    if (queue_.empty()) {
      if (!error_) return error_;
      return size_t{0};
    }
    size_t n = 0;
    while (n < buffer.size() && !queue_.empty()) {
      auto& chunk = queue_.front();
      const size_t k = std::min(buffer.size() - n, chunk.filled - chunk.taken);
      std::memcpy(buffer.data() + n, chunk.bytes.get() + chunk.taken, k);
      chunk.taken += k;
      n += k;
      if (chunk.taken == chunk.filled) queue_.pop_front();
    }
    next_ += n;
    return n;
  }

 private:
  void start_reader(uint64_t offset) const {
    stop_reader();
    std::lock_guard lock(mutex_);
    queue_.clear();
    next_ = offset;
    finished_ = false;
    error_ = Status::ok();
    stop_ = false;
    reader_ = std::thread([this, offset] { fill(offset); });
  }

  void stop_reader() const {
    stop_ = true;
    if (reader_.joinable()) reader_.join();
  }

  // The reader thread: the whole rest of the object into the queue, never waiting for it
  // to drain.
  void fill(uint64_t offset) const {
    const uint64_t end = inner_->size();
    Status failed;
    for (uint64_t at = offset; at < end && !stop_;) {
      void* mapped =
          ::mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (mapped == MAP_FAILED) {
        failed = Status::from_errno(errno, "mmap", "legacy read-ahead queue");
        break;
      }
      Chunk chunk{std::unique_ptr<std::byte, Unmap>(static_cast<std::byte*>(mapped))};
      auto n = inner_->read_at(at, {chunk.bytes.get(), std::min<uint64_t>(kChunkBytes, end - at)});
      if (!n) {
        failed = n.status();
        break;
      }
      if (*n == 0) break;  // the file shrank under us: the download ends early
      chunk.filled = *n;
      at += *n;
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(chunk));
      filled_.notify_one();
    }
    std::lock_guard lock(mutex_);
    finished_ = true;
    error_ = failed;
    filled_.notify_one();
  }

  std::unique_ptr<Object> inner_;
  // read_at is const in the interface; the queue is this object's own business.
  mutable std::mutex mutex_;
  mutable std::condition_variable filled_;
  mutable std::deque<Chunk> queue_;
  mutable uint64_t next_ = 0;  // the offset of the queue's first byte
  mutable bool finished_ = false;
  mutable Status error_;
  mutable std::atomic<bool> stop_ = false;
  mutable std::thread reader_;
};

}  // namespace

std::unique_ptr<store::Object> read_ahead(std::unique_ptr<store::Object> object) {
  return std::make_unique<ReadAheadObject>(std::move(object));
}

}  // namespace streamcheck::legacy
