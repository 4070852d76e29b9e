#include "bench/lib/sha256.hpp"

#include <openssl/evp.h>

#include <utility>

#include "bench/lib/error.hpp"

namespace streamcheck::bench {
namespace {

void check(int ok, const char* call) {
  if (ok != 1) throw Error(std::string("OpenSSL ") + call + " failed for SHA-256");
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw Error("OpenSSL EVP_MD_CTX_new failed (out of memory?)");
  reset();
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

Sha256::Sha256(Sha256&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), bytes_(other.bytes_), finished_(other.finished_) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    bytes_ = other.bytes_;
    finished_ = other.finished_;
  }
  return *this;
}

void Sha256::reset() {
  if (ctx_ == nullptr) throw Error("Sha256 used after being moved from");
  check(EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr), "EVP_DigestInit_ex");
  bytes_ = 0;
  finished_ = false;
}

void Sha256::update(std::span<const std::byte> bytes) {
  if (ctx_ == nullptr) throw Error("Sha256 used after being moved from");
  if (finished_) throw Error("Sha256::update after final (call reset() first)");
  if (bytes.empty()) return;
  check(EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()), "EVP_DigestUpdate");
  bytes_ += bytes.size();
}

void Sha256::update(std::string_view bytes) {
  update(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

Sha256::Digest Sha256::final_digest() {
  if (ctx_ == nullptr) throw Error("Sha256 used after being moved from");
  if (finished_) throw Error("Sha256 final called twice (call reset() first)");
  Digest digest{};
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(digest.data()), &len),
        "EVP_DigestFinal_ex");
  if (len != digest.size()) throw Error("OpenSSL returned a SHA-256 digest of odd length");
  finished_ = true;
  return digest;
}

std::string Sha256::final_hex() {
  return to_hex(final_digest());
}

std::string Sha256::to_hex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::byte b : digest) {
    const auto u = std::to_integer<unsigned>(b);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

std::string Sha256::hex_of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.final_hex();
}

}  // namespace streamcheck::bench
