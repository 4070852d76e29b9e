// Streaming SHA-256 (OpenSSL EVP), for hashing payloads on the fly as they go up or
// come down, never holding them whole.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

// OpenSSL's context type, declared here so the header does not pull in OpenSSL.
struct evp_md_ctx_st;

namespace streamcheck::bench {

class Sha256 {
 public:
  using Digest = std::array<std::byte, 32>;

  // Throws Error when OpenSSL cannot set up a SHA-256 context.
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Adds bytes. Throws Error after final_*() (call reset() to hash again).
  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);

  // Finishes and returns the digest; further update() throws until reset().
  Digest final_digest();
  // Finishes and returns the digest as 64 lower-case hex digits.
  std::string final_hex();

  // Starts a new hash.
  void reset();

  // Bytes hashed since construction or reset().
  std::uint64_t bytes_hashed() const { return bytes_; }

  // One-shot helpers.
  static std::string hex_of(std::string_view bytes);
  static std::string to_hex(const Digest& digest);

 private:
  evp_md_ctx_st* ctx_ = nullptr;
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
};

}  // namespace streamcheck::bench
