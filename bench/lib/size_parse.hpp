// Byte sizes as users write them on the command line and as benchmark names show them.
//
//   100      bytes            16MiB, 512KiB, 1GiB, 2TiB   binary (1024^n)
//   100B     bytes            10kB, 10MB, 1GB, 1TB        decimal (1000^n)
//
// Units are matched without regard to case ("16mib" is 16 MiB, "10mb" is 10 MB), and
// blanks around the number and unit are allowed. Sizes are whole numbers of bytes;
// zero is a valid size (an empty object is a boundary case worth testing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::bench {

// Parses one size. Throws Error quoting the input and the reason: empty, negative, not a
// whole number, unknown unit (the message lists the known ones), or over 2^64-1 bytes.
std::uint64_t parse_size(std::string_view text);

// Parses a comma-separated list, e.g. "16MiB,256MiB,1GiB", keeping order and
// duplicates. Throws Error naming the item (by position) that is empty or invalid.
std::vector<std::uint64_t> parse_size_list(std::string_view text);

// The shortest exact spelling that parse_size() reads back as the same value: the
// largest binary unit that divides it ("16MiB"), else the largest decimal unit
// ("10MB"), else plain bytes ("1000001"). 0 is "0".
std::string format_size(std::uint64_t bytes);

}  // namespace streamcheck::bench
