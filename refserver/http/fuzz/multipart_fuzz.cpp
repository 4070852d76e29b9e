// MultipartParser (RFC 7578, RFC 2046 §5.1), fed the body split anywhere, as the
// refserver feeds it whatever each socket read returned.
//
// Input: the boundary (a length byte, then that many bytes), a limits byte, the split
// seed's length and the seed, then the body. Checked:
//   - the parts (headers and data), the final status and finish() are the same whatever
//     the split;
//   - the sink's calls come in order (begin, data, end), data is never empty, and no more
//     data is handed over than the body holds; parts() counts the parts begun;
//   - a body that parsed is rebuilt from its parts' data alone (header-less parts under
//     the same boundary) and parses back to the same data.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "refserver/http/multipart.hpp"

namespace {

using streamcheck::fuzz::printable;
using namespace streamcheck::http;

struct Part {
  std::string headers;  // PartHeaders in one comparable string
  std::string data;
  bool ended = false;
  friend bool operator==(const Part&, const Part&) = default;
};

class RecordingSink : public MultipartSink {
 public:
  std::vector<Part> parts;

  MultipartStatus on_part_begin(const PartHeaders& headers) override {
    FUZZ_CHECK(parts.empty() || parts.back().ended);
    std::string flat = headers.has_disposition ? "D|" : "-|";
    flat += headers.name + "|" + (headers.filename ? "F" + *headers.filename : "-") + "|" +
            headers.content_type;
    parts.push_back(Part{flat, "", false});
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_data(std::span<const std::byte> data) override {
    FUZZ_CHECK(!parts.empty() && !parts.back().ended);
    FUZZ_CHECK(!data.empty());
    parts.back().data.append(reinterpret_cast<const char*>(data.data()), data.size());
    return MultipartStatus::ok();
  }
  MultipartStatus on_part_end() override {
    FUZZ_CHECK(!parts.empty() && !parts.back().ended);
    parts.back().ended = true;
    return MultipartStatus::ok();
  }
};

struct Outcome {
  std::vector<Part> parts;
  std::string fed;       // the first failed feed's status, or "ok"
  std::string finished;  // finish()'s status
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

Outcome parse(std::string_view boundary, const std::vector<std::string_view>& pieces,
              MultipartLimits limits) {
  RecordingSink sink;
  MultipartParser parser(boundary, sink, limits);
  Outcome out{{}, "ok", ""};
  for (std::string_view piece : pieces) {
    const MultipartStatus status = parser.feed(piece);
    if (!status) {
      out.fed = status.to_string();
      break;
    }
  }
  out.finished = parser.finish().to_string();
  FUZZ_CHECK(parser.parts() == sink.parts.size());
  if (out.finished == "ok") {
    FUZZ_CHECK(parser.done());
    for (const Part& part : sink.parts) FUZZ_CHECK(part.ended);
  }
  out.parts = std::move(sink.parts);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamcheck::fuzz::FuzzInput input(data, size);
  const std::string_view boundary = input.take(input.byte() % 80);
  const uint8_t limits_byte = input.byte();
  MultipartLimits limits;
  if (limits_byte % 2 == 1) {
    limits.header_line_bytes = 1 + (limits_byte >> 1) % 32;
    limits.header_block_bytes = 1 + (limits_byte >> 1) % 64;
  }
  const std::string_view seed = input.take(input.byte() % 8);
  const std::string_view body = input.rest();

  const Outcome whole = parse(boundary, {body}, limits);
  size_t data_bytes = 0;
  for (const Part& part : whole.parts) data_bytes += part.data.size();
  FUZZ_CHECK(data_bytes <= body.size());

  const Outcome split = parse(boundary, streamcheck::fuzz::split_by(body, seed), limits);
  FUZZ_CHECK_MSG(split == whole, "boundary " + printable(boundary) + ", body " + printable(body) +
                                     ": " + whole.fed + " / " + split.fed);

  if (whole.finished == "ok") {
    std::string rebuilt;
    for (const Part& part : whole.parts) {
      rebuilt += "--" + std::string(boundary) + "\r\n\r\n" + part.data + "\r\n";
    }
    rebuilt += "--" + std::string(boundary) + "--\r\n";
    const Outcome again = parse(boundary, {rebuilt}, MultipartLimits{});
    FUZZ_CHECK(again.finished == "ok");
    FUZZ_CHECK(again.parts.size() == whole.parts.size());
    for (size_t i = 0; i < again.parts.size() && i < whole.parts.size(); ++i) {
      FUZZ_CHECK_MSG(again.parts[i].data == whole.parts[i].data, printable(body));
    }
  }
  return 0;
}
