// Store calls that may block run on a worker pool, never on a network thread: those the
// store marks MAY BLOCK LONG (commit: fsync, rename; append's prefix copy) and upload
// writes (a write blocks as long as the disk makes it: a full device queue, dirty-page
// throttling, a slow or stalled filesystem). Their result comes back on the session's
// strand. The pool's size is refserver's --io-threads (main.cpp says why 32).
#pragma once

#include <functional>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace streamcheck {

// Runs `work` on `pool`, then `done` on `strand`.
template <class Strand>
void run_off_network(boost::asio::thread_pool& pool, Strand strand, std::function<void()> work,
                     std::function<void()> done) {
  boost::asio::post(pool, [strand, work = std::move(work), done = std::move(done)]() mutable {
    work();
    boost::asio::post(strand, std::move(done));
  });
}

}  // namespace streamcheck
