// One WebDAV request with a small XML body (LOCK, UNLOCK, COPY, ...) sent byte for byte on a
// fresh connection to a spawned refserver as the test user, and its whole response. The
// bench HTTP client sends no request bodies with custom methods; these requests need one.
// Replies that may be big (a PROPFIND of many members) are read streaming instead. And
// the bytes of a file as stored, to check what a COPY or an upload left on disk.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lib/raw_client.hpp"
#include "refserver/testing/spawned_refserver.hpp"

namespace streamcheck::testing {

// `headers`: extra "Name: value" lines (Depth, Destination, Lock-Token, ...). The
// connection closes after the response. nullopt when no response came.
inline std::optional<bench::RawHttpResponse> dav_exchange(
    const SpawnedRefserver& server, std::string_view method, std::string_view path,
    const std::vector<std::string>& headers = {}, std::string_view body = {}) {
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: " + server.http().authority() +
                        "\r\nAuthorization: Basic " + server.basic_token() +
                        "\r\nConnection: close\r\n";
  for (const auto& header : headers) request += header + "\r\n";
  if (!body.empty())
    request += "Content-Type: application/xml; charset=utf-8\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  bench::RawConnection conn("127.0.0.1", server.http().port);
  if (!conn.send(request)) return std::nullopt;
  return conn.read_http_response(std::chrono::seconds(30));
}

// The whole content of a small file ("" when it cannot be read).
inline std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace streamcheck::testing
