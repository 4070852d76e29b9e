// Internal to the legacy store: what legacy_store.cpp (the wrapper and downloads),
// legacy_uploads.cpp and legacy_escape.cpp share. FOR VALIDATING HARNESSES ONLY, like
// everything under refserver/legacy/. Not an interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "refserver/legacy/legacy_store.hpp"
#include "refserver/store/store.hpp"

namespace streamcheck::legacy {

// An unlinked temp file in `dir`, as Python's TemporaryFile makes.
store::Result<int> make_temp(const std::string& dir);
store::Status write_all(int fd, std::span<const std::byte> data, const char* what);

// spool-upload, leak-tempfile and buffer-upload around a store upload, as `profile`
// says; `upload` as it is when none of them is on (or it failed).
store::Result<std::unique_ptr<store::Upload>> spool_or_buffer(
    store::Result<std::unique_ptr<store::Upload>> upload, const LegacyProfile& profile,
    const std::string& temp_dir);

// flip-byte: the byte at kFlipOffset of what is written through the result reaches
// `upload` inverted.
inline constexpr uint64_t kFlipOffset = 64 * 1024;
std::unique_ptr<store::Upload> flip_byte(std::unique_ptr<store::Upload> upload);

// no-transaction: writes the final name of `path` beneath `inner`'s root itself, with
// no staging and no rename. `open_mode` is O_TRUNC (upload), O_APPEND (append) or 0
// (resume: the file is cut to `keep` bytes and written from there).
store::Result<std::unique_ptr<store::Upload>> begin_in_place(const store::Store& inner,
                                                             const store::ObjectPath& path,
                                                             int open_mode, uint64_t keep);

// read-ahead: `object`'s bytes come through read_at only (fd() is -1), from a queue a
// reader thread fills from it with no bound while the caller drains it.
std::unique_ptr<store::Object> read_ahead(std::unique_ptr<store::Object> object);

// wrap32: sizes and offsets modulo 2^32. The object's fd() is -1, so that the front
// ends' offsets reach read_at, which wraps them, and its reads end at the wrapped size.
constexpr uint64_t wrap32(uint64_t n) {
  return n & 0xffff'ffffULL;
}
store::Entry wrap32(store::Entry entry);
std::unique_ptr<store::Object> wrap32(std::unique_ptr<store::Object> object);
std::unique_ptr<store::Listing> wrap32(std::unique_ptr<store::Listing> listing);

// escape-root: the one maker of an ObjectPath above the root (its friend), and the
// reads of such a path. A path it makes is "../REST": the store itself refuses it
// (openat2 RESOLVE_BENEATH says EXDEV), so only the legacy wrapper can serve it.
struct EscapeRoot {
  // A client path that climbs exactly one level above the root and names something
  // there ("/../NAME", "a/../../NAME", "/../d/NAME"), as "../NAME", "../d/NAME";
  // nullopt for anything else (no climb, two levels, "/..", a bad name).
  static std::optional<store::ObjectPath> parse(std::string_view client_path);
  static bool escapes(const store::ObjectPath& path);
  // ROOT/../REST opened with plain openat(2) from the root's parent, as the era's
  // servers opened whatever their joined path named. A regular file only.
  static store::Result<std::unique_ptr<store::Object>> open(const std::filesystem::path& root,
                                                            const store::ObjectPath& path);
  static store::Result<store::Entry> stat(const std::filesystem::path& root,
                                          const store::ObjectPath& path);
};

}  // namespace streamcheck::legacy
