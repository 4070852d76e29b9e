// The dead-property blob: "scdp", a version byte, the number of properties, then for each
// property, in name order, its namespace, local name and element XML, each a LEB128
// length and that many bytes.
#include <cstdint>
#include <string>

#include "refserver/dav/dav_xml.hpp"

namespace streamcheck::dav {
namespace {

constexpr std::string_view kMagic = "scdp";
constexpr char kVersion = 1;
constexpr size_t kMaxVarintBytes = 10;

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out += bytes;
}

// Reads from the front of `in`, consuming what it reads; nullopt when the input ends early
// or does not hold what is asked for.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<uint64_t> varint() {
    uint64_t value = 0;
    for (size_t i = 0; i < kMaxVarintBytes && i < in_.size(); ++i) {
      auto byte = static_cast<uint8_t>(in_[i]);
      if (i == kMaxVarintBytes - 1 && byte > 1) return std::nullopt;  // past 64 bits
      value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        in_.remove_prefix(i + 1);
        return value;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> bytes() {
    auto size = varint();
    if (!size || *size > in_.size()) return std::nullopt;
    std::string out(in_.substr(0, *size));
    in_.remove_prefix(*size);
    return out;
  }

  bool skip(std::string_view expected) {
    if (!in_.starts_with(expected)) return false;
    in_.remove_prefix(expected.size());
    return true;
  }

  size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string encode_dead_props(const DeadProps& props) {
  std::string out(kMagic);
  out += kVersion;
  put_varint(out, props.size());
  for (const auto& [name, element_xml] : props) {
    put_bytes(out, name.ns);
    put_bytes(out, name.name);
    put_bytes(out, element_xml);
  }
  return out;
}

std::optional<DeadProps> decode_dead_props(std::string_view blob) {
  if (blob.empty()) return DeadProps{};
  Reader in(blob);
  if (!in.skip(kMagic) || !in.skip(std::string_view(&kVersion, 1))) return std::nullopt;
  auto count = in.varint();
  // Each property takes at least its three length bytes: a count above that is garbage,
  // and checking it first keeps a forged count from costing anything.
  if (!count || *count > in.left() / 3) return std::nullopt;
  DeadProps props;
  for (uint64_t i = 0; i < *count; ++i) {
    auto ns = in.bytes();
    auto name = in.bytes();
    auto element_xml = in.bytes();
    if (!ns || !name || !element_xml || name->empty()) return std::nullopt;
    QName key{std::move(*ns), std::move(*name)};
    if (!props.empty() && !(props.rbegin()->first < key)) return std::nullopt;
    props.emplace_hint(props.end(), std::move(key), std::move(*element_xml));
  }
  if (in.left() != 0) return std::nullopt;
  return props;
}

}  // namespace streamcheck::dav
