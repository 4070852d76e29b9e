#include "bench/streambench/mpi_setup.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

#include "bench/lib/error.hpp"
#include "bench/lib/url.hpp"

namespace streamcheck::streambench {
namespace {

using nlohmann::json;

json to_json(const std::optional<bench::Url>& url) {
  if (!url) return nullptr;
  return {{"scheme", url->scheme},
          {"user", url->user},
          {"password", url->password},
          {"has_userinfo", url->has_userinfo},
          {"host", url->host},
          {"port", url->port},
          {"explicit_port", url->explicit_port},
          {"path", url->path}};
}

std::optional<bench::Url> url_from(const json& j) {
  if (j.is_null()) return std::nullopt;
  bench::Url u;
  u.scheme = j.at("scheme");
  u.user = j.at("user");
  u.password = j.at("password");
  u.has_userinfo = j.at("has_userinfo");
  u.host = j.at("host");
  u.port = j.at("port");
  u.explicit_port = j.at("explicit_port");
  u.path = j.at("path");
  return u;
}

}  // namespace

std::unique_ptr<bench::Target> share_target(MpiCohort& mpi,
                                            std::unique_ptr<bench::Target> on_probe_rank,
                                            const std::string& http, const std::string& ftp) {
  std::string mine;
  if (mpi.rank() == 0)
    mine = json{{"name", on_probe_rank->name},
                {"http", to_json(on_probe_rank->http)},
                {"ftp", to_json(on_probe_rank->ftp)}}
               .dump();
  const auto shared = json::parse(mpi.broadcast("target", mine));
  if (mpi.rank() == 0) return on_probe_rank;
  auto http_url = url_from(shared.at("http"));
  auto ftp_url = url_from(shared.at("ftp"));
  if (!http.empty()) http_url = bench::parse_url(http);
  if (!ftp.empty()) ftp_url = bench::parse_url(ftp);
  return bench::Target::remote(std::move(http_url), std::move(ftp_url), shared.at("name"));
}

std::vector<std::string> share_list(MpiCohort& mpi, std::string_view step,
                                    const std::vector<std::string>& on_probe_rank) {
  const auto shared = json::parse(mpi.broadcast(step, json(on_probe_rank).dump()));
  return shared.get<std::vector<std::string>>();
}

void add_mpi_context(const MpiCohort& mpi) {
  benchmark::AddCustomContext("mpi_ranks", std::to_string(mpi.size()));
  for (int r = 0; r < mpi.size(); ++r)
    benchmark::AddCustomContext("mpi_rank" + std::to_string(r) + "_host", mpi.hosts()[r]);
}

std::vector<char*> without_output_flags(const std::vector<char*>& args) {
  std::vector<char*> out;
  for (char* a : args)
    if (std::strncmp(a, "--benchmark_out", 15) != 0) out.push_back(a);
  return out;
}

}  // namespace streamcheck::streambench
