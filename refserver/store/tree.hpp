// WebDAV's operations on whole trees (RFC 4918 DELETE and COPY of a collection), as
// free functions over the Store interface: one member at a time through the calls any
// Store has, so every wrapper of a Store (--legacy) applies to them unchanged.
//
// Memory: a depth-first walk holding one listing per level, never the whole tree.
//
// Results: ok when everything was done. When some members failed, `failures` lists
// them (each once, the deepest that failed, not the collections kept because of it)
// and the Status says how many: a WebDAV front end answers 207 Multi-Status with the
// failures. When `failures` gained nothing, a failed Status is about the request's own
// resource (not_found, a parent missing, ...) and maps to a plain error status. A
// stop request ends a copy with bad_state "copy cancelled", whatever `failures` holds.
//
// Symlinks: remove_tree removes a link, never what it leads to. copy_tree copies what
// a link beneath the root leads to (list() and stat() follow them); a link loop ends
// at kMaxTreeDepth levels, reported as a failure. remove_tree has no such limit: it
// follows no link, and removes a tree of any depth a path can reach.
#pragma once

#include <stop_token>
#include <vector>

#include "refserver/store/object_path.hpp"
#include "refserver/store/status.hpp"
#include "refserver/store/store.hpp"

namespace streamcheck::store {

inline constexpr int kMaxTreeDepth = 256;

struct MemberFailure {
  ObjectPath path;  // the member that could not be removed, or copied (its source path)
  Status status;
};

// DELETE of a collection (RFC 4918 §9.6.1): depth-first, removes every member it can; a
// member that fails is reported and its ancestors are kept (they are not empty). A file: as
// remove(). The root is permission_denied, and nothing is removed. MAY BLOCK LONG.
Status remove_tree(Store& store, const ObjectPath& path, std::vector<MemberFailure>& failures);

// COPY Depth infinity (or 0: the collection alone, no members) of a collection, or of a
// file (then as copy_file, never replacing). Creates `to` (parent must exist: parent_missing;
// already_exists when it does), copies members (files with copy_file, collections with
// make_dir + props), continuing past failures, which are reported. The caller has already
// dealt with an existing `to` (Overwrite: it deletes it first per RFC 4918 §9.8.4). Checks
// `stop` between members and inside each file's copy. A collection copied into itself or
// beneath itself is invalid_argument (RFC 4918 §9.8.5: 403), before anything is made.
// MAY BLOCK LONG.
Status copy_tree(Store& store, const ObjectPath& from, const ObjectPath& to, bool depth_infinity,
                 std::vector<MemberFailure>& failures, std::stop_token stop = {});

}  // namespace streamcheck::store
