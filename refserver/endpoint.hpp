// Listen addresses from the command line: "127.0.0.1:8080", "[::1]:0", "localhost:21".
#pragma once

#include <optional>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace streamcheck {

// nullopt when the address or port is malformed. "localhost" means 127.0.0.1 (no
// resolver: the refserver never listens beyond what it is told).
std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text);

}  // namespace streamcheck
