// POST multipart/form-data into a collection: each file part streams through the
// multipart parser into its own store upload as the body arrives; once the closing
// boundary has been read, the uploads commit one after the other. A malformed body, a
// client that goes away, or a store error aborts every upload of the request.
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "refserver/http/http_session.hpp"
#include "refserver/http/multipart.hpp"

namespace streamcheck::http {

using beast_http::field;
using beast_http::status;

struct HttpSession::MultipartUpload final : MultipartSink {
  struct Staged {
    store::ObjectPath path;
    std::unique_ptr<store::Upload> upload;
  };

  MultipartUpload(store::Store& s, store::ObjectPath dir, size_t most, bool announced)
      : store(s), collection(std::move(dir)), max_parts(most), length_announced(announced) {}

  MultipartStatus on_part_begin(const PartHeaders& headers) override {
    current = nullptr;
    // Plain form fields, and file inputs left empty (filename=""), store nothing.
    if (!headers.is_file() || headers.filename->empty()) return MultipartStatus::ok();
    auto name = sanitize_filename(*headers.filename);
    if (!name) return refuse(status::bad_request, name.error().message());
    if (staged.size() >= max_parts)
      return refuse(status::payload_too_large,
                    "more than " + std::to_string(max_parts) + " file parts in one request");
    auto path = collection.child(name.value());
    if (!path) return refuse(status_for(path.status().code()), path.status().message());
    auto upload = store.begin_upload(*path, {.sha256 = true, .length_announced = length_announced});
    if (!upload) return refuse(status_for(upload.status().code()), upload.status().message());
    staged.push_back({std::move(path).value(), std::move(upload).value()});
    current = staged.back().upload.get();
    return MultipartStatus::ok();
  }

  MultipartStatus on_part_data(std::span<const std::byte> data) override {
    if (!current) return MultipartStatus::ok();
    if (auto st = current->write(data); !st) return refuse(status_for(st.code()), st.message());
    return MultipartStatus::ok();
  }

  MultipartStatus on_part_end() override {
    current = nullptr;
    return MultipartStatus::ok();
  }

  MultipartStatus refuse(status s, std::string why) {
    failure = s;
    return MultipartStatus::stop(std::move(why));
  }

  // The answer to a parse that stopped: the sink's own status when it refused, else 400.
  BodyError error(const MultipartStatus& st) const {
    return {st.code() == MultipartErrc::stopped ? failure : status::bad_request,
            "multipart body: " + st.message()};
  }

  store::Store& store;
  store::ObjectPath collection;
  size_t max_parts;
  bool length_announced;  // the request's length; a part's own is never announced
  std::vector<Staged> staged;
  store::Upload* current = nullptr;  // null while a part is being skipped
  status failure = status::bad_request;
  std::optional<MultipartParser> parser;
};

void HttpSession::handle_post() {
  if (!authorized()) return;
  auto path = request_path();
  if (!path) return;
  auto entry = ctx_.store.stat(*path);
  if (!entry) return send_error(status_for(entry.status().code()), entry.status().message());
  if (entry->type != store::EntryType::directory)
    return send_error(status::method_not_allowed, "POST goes to a collection, not a file");
  auto boundary = extract_boundary(request()[field::content_type]);
  if (!boundary) return send_error(status::unsupported_media_type, boundary.error().message());

  multipart_ = std::make_shared<MultipartUpload>(ctx_.store, *path, ctx_.limits.max_parts,
                                                 !request().chunked());
  multipart_->parser.emplace(boundary.value(), *multipart_);

  // The parser, its sink's store writes and their hashes run on the blocking pool
  // (read_body), one piece at a time; the session's strand touches them again only once
  // the body is complete. Never by splice: the boundary search and the hash reported
  // per file read every byte anyway, and bytes read are bytes best written from memory.
  if (ctx_.splice_pipe_bytes > 0)
    spdlog::debug("POST {}: body through the buffer: multipart is parsed byte by byte",
                  std::string_view(request().target()));
  read_body(
      [job = multipart_](std::span<const std::byte> chunk) -> std::optional<BodyError> {
        if (auto st = job->parser->feed(chunk); !st) return job->error(st);
        return std::nullopt;
      },
      [this] {
        if (auto st = multipart_->parser->finish(); !st) {
          auto error = multipart_->error(st);
          multipart_.reset();  // aborts every staged upload
          return send_error(error.status, error.why);
        }
        auto job = std::move(multipart_);
        auto committed = std::make_shared<nlohmann::json>(nlohmann::json::array());
        auto error = std::make_shared<std::optional<store::Status>>();
        run_blocking(
            [job, committed, error] {
              for (auto& part : job->staged) {
                auto info = part.upload->commit();
                if (!info) {
                  *error = info.status();
                  break;  // the rest are aborted when `job` goes
                }
                committed->push_back({{"path", part.path.absolute()},
                                      {"size", info->size},
                                      {"sha256", info->sha256}});
              }
            },
            [this, committed, error] {
              if (*error) return send_error(status_for((*error)->code()), (*error)->message());
              auto res = make_response(status::created);
              res.set(field::content_type, "application/json");
              res.body() = committed->dump() + "\n";
              send(std::move(res));
            });
      });
}

}  // namespace streamcheck::http
