#include "conformance/http_replies.hpp"

namespace streamcheck::conformance {
namespace {

struct Entry {
  std::string_view method;
  HttpOutcome outcome;
  AllowedStatuses allowed;
};

using O = HttpOutcome;

// A write refused for want of credentials: 401 asks for them, 403 refuses whoever asks,
// 405 says the target takes no such method, 501 that the server implements it nowhere
// (§9.1: SHOULD for a method it does not implement). A 2xx is the finding, not these.
constexpr std::string_view kRefused = "RFC 9110 §15.5.2, §15.5.4, §15.5.6, §15.6.2";
// 404 for a target with no current representation; 410 when the server knows it is gone
// for good, which is as true after a DELETE.
constexpr std::string_view kMissing = "RFC 9110 §15.5.5, §15.5.11";

const std::vector<Entry>& table() {
  static const std::vector<Entry> t{
      {"GET", O::ok, {"RFC 9110 §9.3.1, §15.3.1", {200}}},
      {"GET", O::partial, {"RFC 9110 §14.2, §15.3.7", {206}}},
      {"GET", O::range_not_satisfiable, {"RFC 9110 §14.2, §15.5.17", {416}}},
      // §13.1.2: a false If-None-Match on GET or HEAD MUST be 304 (412 for other methods).
      {"GET", O::not_modified, {"RFC 9110 §13.1.2, §13.1.3, §15.4.5", {304}}},
      {"GET", O::missing, {kMissing, {404, 410}}},
      {"HEAD", O::ok, {"RFC 9110 §9.3.2", {200}}},
      {"HEAD", O::not_modified, {"RFC 9110 §13.1.2, §13.1.3, §15.4.5", {304}}},
      {"HEAD", O::missing, {kMissing, {404, 410}}},
      // §9.3.7: a successful OPTIONS may carry content (200) or none (204).
      {"OPTIONS", O::ok, {"RFC 9110 §9.3.7", {200, 204}}},
      {"PROPFIND", O::ok, {"RFC 4918 §9.1", {207}}},
      {"PROPFIND", O::missing, {kMissing, {404, 410}}},
      // §9.3.4: a PUT that creates MUST answer 201; one that replaces MUST answer 200 or 204.
      {"PUT", O::created, {"RFC 9110 §9.3.4", {201}}},
      {"PUT", O::replaced, {"RFC 9110 §9.3.4", {200, 204}}},
      {"PUT", O::stored, {"RFC 9110 §9.3.4", {200, 201, 204}}},
      {"PUT", O::parent_missing, {"RFC 4918 §9.7.1", {409}}},
      {"PUT", O::precondition_failed, {"RFC 9110 §13.1.1, §13.1.2, §15.5.13", {412}}},
      {"PUT", O::refused_without_credentials, {kRefused, {401, 403, 405, 501}}},
      // §9.3.3: 201 SHOULD when the POST created a resource; 200 and 204 report success too.
      {"POST", O::stored, {"RFC 9110 §9.3.3", {200, 201, 204}}},
      {"POST", O::refused_without_credentials, {kRefused, {401, 403, 405, 501}}},
      // §9.3.5: 202 if it will likely succeed but is not yet enacted, 204 if enacted,
      // 200 if enacted and the response describes the status.
      {"DELETE", O::deleted, {"RFC 9110 §9.3.5, RFC 4918 §9.6", {200, 202, 204}}},
      {"DELETE", O::missing, {kMissing, {404, 410}}},
      {"DELETE", O::refused_without_credentials, {kRefused, {401, 403, 405, 501}}},
      {"MKCOL", O::created, {"RFC 4918 §9.3.1", {201}}},
      {"MKCOL", O::exists, {"RFC 4918 §9.3.1", {405}}},
      {"MKCOL", O::parent_missing, {"RFC 4918 §9.3.1", {409}}},
      {"MKCOL", O::unsupported_body, {"RFC 4918 §9.3.1", {415}}},
      {"MKCOL", O::refused_without_credentials, {kRefused, {401, 403, 405, 501}}},
      {"COPY", O::created, {"RFC 4918 §9.8.5", {201}}},
      {"COPY", O::replaced, {"RFC 4918 §9.8.5", {204}}},
      {"COPY", O::parent_missing, {"RFC 4918 §9.8.5", {409}}},
      {"COPY", O::precondition_failed, {"RFC 4918 §9.8.5, §10.6", {412}}},
      {"COPY", O::refused_without_credentials, {kRefused, {401, 403, 405, 501}}},
      {"MOVE", O::created, {"RFC 4918 §9.9.4", {201}}},
      {"MOVE", O::replaced, {"RFC 4918 §9.9.4", {204}}},
      {"MOVE", O::parent_missing, {"RFC 4918 §9.9.4", {409}}},
      {"MOVE", O::precondition_failed, {"RFC 4918 §9.9.4, §10.6", {412}}},
      {"MOVE", O::refused_without_credentials, {kRefused, {401, 403, 405, 501}}},
  };
  return t;
}

}  // namespace

std::optional<AllowedStatuses> allowed_statuses(std::string_view method, HttpOutcome outcome) {
  // §9.1: an unrecognized or unimplemented method SHOULD get 501; a server that knows the
  // method but not for this target answers 405.
  if (outcome == O::unrecognized_method)
    return AllowedStatuses{"RFC 9110 §9.1, §15.6.2", {501, 405}};
  for (const auto& e : table())
    if (e.method == method && e.outcome == outcome) return e.allowed;
  return std::nullopt;
}

std::string statuses_text(const std::vector<int>& codes) {
  std::string out = "status ";
  for (std::size_t i = 0; i < codes.size(); ++i)
    out += (i == 0 ? "" : " or ") + std::to_string(codes[i]);
  return out;
}

}  // namespace streamcheck::conformance
