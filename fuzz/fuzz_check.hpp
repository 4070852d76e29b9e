// What the fuzz targets share: FUZZ_CHECK, which holds in release builds too (assert()
// vanishes under NDEBUG, and CI replays the corpus in a RelWithDebInfo build), and
// FuzzInput, which draws parameters and split points from the front of an input.
//
// A failed check prints what failed, with the input being replayed when the replay
// binary set one, and aborts: libFuzzer saves the input as a crash, the replay binary
// dies nonzero and ctest shows the message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::fuzz {

// The file replay_main.cpp is running the target on; null under libFuzzer.
inline const char* current_input = nullptr;

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line,
                                      const std::string& detail) {
  std::fprintf(stderr, "fuzz check failed: %s\n  at %s:%d\n", condition, file, line);
  if (!detail.empty()) std::fprintf(stderr, "  %s\n", detail.c_str());
  if (current_input != nullptr) std::fprintf(stderr, "  input: %s\n", current_input);
  std::abort();
}

// The bytes of `s` with everything outside printable ASCII escaped, for messages.
inline std::string printable(std::string_view s, size_t max = 200) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// Reads parameters off the front of the input; what is left is the data under test.
// Running out is not an error: a missing byte reads as 0, so every input is usable.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  std::string_view take(size_t n) {
    const std::string_view head = rest_.substr(0, n);
    rest_.remove_prefix(head.size());
    return head;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Cuts `data` into pieces at points drawn from `seed` (one piece length per seed byte,
// 1 to 16 bytes, cycling through the seed; the whole of `data` when the seed is empty),
// so a streaming parser can be fed the same bytes split in a way the input chooses.
// Empty data is one empty piece, as the unsplit feed is: an empty feed has its meaning
// (a parser in error says so even then).
inline std::vector<std::string_view> split_by(std::string_view data, std::string_view seed) {
  std::vector<std::string_view> pieces;
  if (seed.empty() || data.empty()) {
    pieces.push_back(data);
    return pieces;
  }
  size_t i = 0;
  while (!data.empty()) {
    const size_t n = 1 + static_cast<unsigned char>(seed[i++ % seed.size()]) % 16;
    pieces.push_back(data.substr(0, n));
    data.remove_prefix(pieces.back().size());
  }
  return pieces;
}

}  // namespace streamcheck::fuzz

#define FUZZ_CHECK(condition) FUZZ_CHECK_MSG(condition, std::string())
#define FUZZ_CHECK_MSG(condition, detail)                                                        \
  do {                                                                                           \
    if (!(condition)) ::streamcheck::fuzz::check_failed(#condition, __FILE__, __LINE__, detail); \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
