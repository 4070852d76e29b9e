// How prepared transfers run: alone (run(), curl_easy_perform or the FTP client's own
// multi handle) or several at once (run_concurrently(), one multi handle on this thread),
// and the loop over a multi handle that both use, which resumes paused slow clients.
#include <algorithm>
#include <utility>

#include "bench/lib/curl_exchange.hpp"
#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace detail {
namespace {

// curl 7.88's FTP client can sit in its own 1 s poll between the EPSV reply and the data
// connect (seen here on every server, often), because no socket or timer wakes it. FTP
// transfers and concurrent batches drive a multi handle themselves with this short poll,
// which bounds that wait: at 5 ms a REST+RETR of 16 MiB still lost 5 ms of its 6 to it.
// A wake-up a millisecond costs nothing measurable while a transfer waits.
constexpr int kPollMs = 1;

// Resumes the paused exchanges that are due; returns how long the poll may wait for the
// next one (at most kPollMs).
int resume_due(const std::vector<Exchange*>& exchanges) {
  const auto now = Clock::now();
  auto next = now + std::chrono::milliseconds(kPollMs);
  for (auto* x : exchanges) {
    if (!x->resume_at) continue;
    if (*x->resume_at > now) {
      next = std::min(next, *x->resume_at);
      continue;
    }
    x->resume_at.reset();    // before: resuming may hand over the held bytes, and the
    x->last_progress = now;  // callback may pause again at once
    curl_easy_pause(x->curl, CURLPAUSE_CONT);
  }
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<long long>(wait, 0, kPollMs));
}

}  // namespace

std::vector<std::pair<CURL*, Ended>> drive(CURLM* multi, const std::vector<Exchange*>& exchanges) {
  for (auto* x : exchanges) x->can_pause = true;
  std::vector<std::pair<CURL*, Ended>> ended;
  int running = static_cast<int>(exchanges.size());
  while (running > 0) {
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc == CURLM_OK && running > 0)
      mc = curl_multi_poll(multi, nullptr, 0, resume_due(exchanges), nullptr);
    if (mc != CURLM_OK) throw Error(std::string("curl multi: ") + curl_multi_strerror(mc));
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left))
      if (msg->msg == CURLMSG_DONE)
        ended.emplace_back(msg->easy_handle, Ended{msg->data.result, Clock::now()});
  }
  return ended;
}

CURLcode perform(Exchange& x) {
  if (!x.multi) return curl_easy_perform(x.curl);
  // The owner's multi, polled briefly (kPollMs); the control connection (and its login)
  // stays in the owner's share between transfers.
  if (CURLMcode mc = curl_multi_add_handle(x.multi, x.curl); mc != CURLM_OK)
    throw Error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
  CURLcode result = CURLE_RECV_ERROR;
  try {
    for (const auto& [handle, end] : drive(x.multi, {&x}))
      if (handle == x.curl) result = end.code;
  } catch (...) {
    curl_multi_remove_handle(x.multi, x.curl);
    throw;
  }
  curl_multi_remove_handle(x.multi, x.curl);
  return result;
}

}  // namespace detail

Transfer run(PreparedTransfer transfer) {
  auto& x = transfer.exchange();
  x.start = detail::Clock::now();
  const CURLcode code = detail::perform(x);
  return detail::finish(x, code, detail::Clock::now());
}

std::vector<Transfer> run_concurrently(std::vector<PreparedTransfer> transfers) {
  std::vector<detail::Exchange*> exchanges;
  for (auto& t : transfers) exchanges.push_back(&t.exchange());
  for (size_t i = 0; i < exchanges.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (exchanges[i]->curl == exchanges[j]->curl)
        throw Error("run_concurrently: two transfers on the same client (use one client each)");
  CURLM* multi = curl_multi_init();
  if (!multi) throw Error("curl_multi_init failed");
  const auto start = detail::Clock::now();
  for (auto* x : exchanges) {
    x->share_buffers(exchanges.size());
    x->start = start;
    curl_multi_add_handle(multi, x->curl);
  }
  std::vector<std::pair<CURL*, detail::Ended>> ended;
  try {
    ended = detail::drive(multi, exchanges);
  } catch (...) {
    for (auto* x : exchanges) curl_multi_remove_handle(multi, x->curl);
    curl_multi_cleanup(multi);
    throw;
  }
  std::vector<Transfer> results;
  for (auto* x : exchanges) {
    curl_multi_remove_handle(multi, x->curl);
    const auto it =
        std::find_if(ended.begin(), ended.end(), [&](const auto& e) { return e.first == x->curl; });
    results.push_back(it == ended.end() ? detail::finish(*x, CURLE_RECV_ERROR, detail::Clock::now())
                                        : detail::finish(*x, it->second.code, it->second.at));
  }
  curl_multi_cleanup(multi);
  return results;
}

}  // namespace streamcheck::bench
