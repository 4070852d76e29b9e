#include "refserver/store/tree.hpp"

#include <string>

namespace streamcheck::store {

namespace {

// Whether `path` is `ancestor` or lies beneath it (lexically, as the client named them).
bool within(const ObjectPath& path, const ObjectPath& ancestor) {
  if (ancestor.is_root() || path == ancestor) return true;
  const std::string& rel = path.relative();
  const std::string& above = ancestor.relative();
  return rel.size() > above.size() && rel.starts_with(above) && rel[above.size()] == '/';
}

Status too_deep(const ObjectPath& path) {
  return Status(Errc::invalid_path, path.absolute() + ": deeper than " +
                                        std::to_string(kMaxTreeDepth) +
                                        " levels (a symlink loop?)");
}

// The summary Status of a tree operation some of whose members failed.
Status members_failed(std::string_view call, const ObjectPath& path,
                      const std::vector<MemberFailure>& failures, size_t before) {
  const MemberFailure& first = failures[before];
  return Status(first.status.code(), std::string(call) + "(" + path.absolute() +
                                         "): " + std::to_string(failures.size() - before) +
                                         " member(s) failed, first " + first.path.absolute() +
                                         ": " + first.status.message());
}

// Reports `status` for `path` unless something beneath it was reported since `before`:
// then `path` only failed because of that member.
void report(std::vector<MemberFailure>& failures, size_t before, const ObjectPath& path,
            const Status& status) {
  if (!status.is_ok() && failures.size() == before) failures.push_back({path, status});
}

Status remove_one(Store& store, const ObjectPath& path, std::vector<MemberFailure>& failures);

// Removes each member of the collection `dir`, reporting those that fail. A failure to
// list `dir` itself is returned, not reported. No depth limit: the walk never goes through
// a link (remove_one), so it has no loop to cut, and its depth is that of the tree, which
// kMaxPathBytes bounds (2 048 levels of one-byte names). A limit here would leave a tree
// that MKCOL or MKD made one level at a time (1 000 deep) impossible to DELETE.
Status remove_members(Store& store, const ObjectPath& dir, std::vector<MemberFailure>& failures) {
  auto entries = store.list(dir);
  if (!entries) return entries.status();
  for (const Entry& entry : *entries) {
    const size_t before = failures.size();
    auto child = dir.child(entry.name);
    if (!child) {
      report(failures, before, dir, child.status());
      continue;
    }
    const Status st = remove_one(store, *child, failures);
    // not_found: removed by another client meanwhile, which is what was asked.
    if (st.code() != Errc::not_found) report(failures, before, *child, st);
  }
  return Status::ok();
}

// remove() first, which takes a file, a symlink or an empty collection in one call, so
// a walk never goes through a link; the members only when the collection is not empty.
Status remove_one(Store& store, const ObjectPath& path, std::vector<MemberFailure>& failures) {
  Status st = store.remove(path);
  if (st.code() != Errc::directory_not_empty) return st;
  const size_t before = failures.size();
  if (Status members = remove_members(store, path, failures); !members) return members;
  if (failures.size() > before) return members_failed("remove_tree", path, failures, before);
  st = store.remove(path);
  return st || st.code() == Errc::not_found ? Status::ok() : st;
}

Status cancelled(const ObjectPath& from, const ObjectPath& to) {
  return Status(Errc::bad_state,
                "copy_tree(" + from.absolute() + " -> " + to.absolute() + "): copy cancelled");
}

// make_dir and the dead properties: a collection without its members.
Status copy_collection(Store& store, const ObjectPath& from, const ObjectPath& to) {
  if (Status st = store.make_dir(to); !st) return st;
  auto props = store.read_props(from);
  if (!props) return props.status();
  return props->empty() ? Status::ok() : store.write_props(to, *props);
}

// Copies each member of the collection `from` into `to`, reporting those that fail. A
// failure to list `from` itself, or a stop request, is returned.
Status copy_members(Store& store, const ObjectPath& from, const ObjectPath& to,
                    std::vector<MemberFailure>& failures, const std::stop_token& stop, int depth) {
  if (depth > kMaxTreeDepth) return too_deep(from);
  auto entries = store.list(from);
  if (!entries) return entries.status();
  for (const Entry& entry : *entries) {
    if (stop.stop_requested()) return cancelled(from, to);
    const size_t before = failures.size();
    auto source = from.child(entry.name);
    if (!source) {
      report(failures, before, from, source.status());
      continue;
    }
    auto target = to.child(entry.name);
    Status st = target.status();
    if (target && entry.type == EntryType::directory) {
      st = copy_collection(store, *source, *target);
      if (st) st = copy_members(store, *source, *target, failures, stop, depth + 1);
    } else if (target) {
      st = store.copy_file(*source, *target, /*overwrite=*/false, stop).status();
    }
    if (!st && stop.stop_requested()) return cancelled(from, to);
    report(failures, before, *source, st);
  }
  return Status::ok();
}

}  // namespace

Status remove_tree(Store& store, const ObjectPath& path, std::vector<MemberFailure>& failures) {
  if (path.is_root()) {
    return Status(Errc::permission_denied, "remove_tree(/): the root cannot be removed");
  }
  return remove_one(store, path, failures);
}

Status copy_tree(Store& store, const ObjectPath& from, const ObjectPath& to, bool depth_infinity,
                 std::vector<MemberFailure>& failures, std::stop_token stop) {
  if (stop.stop_requested()) return cancelled(from, to);
  auto entry = store.stat(from);
  if (!entry) return entry.status();
  if (entry->type == EntryType::file) {
    return store.copy_file(from, to, /*overwrite=*/false, stop).status();
  }
  if (entry->type != EntryType::directory) {
    return Status(Errc::invalid_argument,
                  "copy_tree(" + from.absolute() + "): neither a file nor a collection");
  }
  if (within(to, from)) {
    return Status(Errc::invalid_argument, "copy_tree(" + from.absolute() + " -> " + to.absolute() +
                                              "): a collection into itself");
  }
  if (Status st = copy_collection(store, from, to); !st) return st;
  if (!depth_infinity) return Status::ok();
  const size_t before = failures.size();
  if (Status st = copy_members(store, from, to, failures, stop, 0); !st) return st;
  if (failures.size() > before) return members_failed("copy_tree", from, failures, before);
  return Status::ok();
}

}  // namespace streamcheck::store
