// The replies the FTP RFCs list for each command (RFC 959 §5.4, RFC 2389 §3-4, RFC 2428
// §2-3, RFC 3659 §4-7): what a server may answer, so that a test accepts each reply the
// RFC allows for the command, not just the one our refserver happens to send.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck::conformance {

// RFC 959 §4.2's kinds of reply, by the first digit: 1yz preliminary, 2yz completion, 3yz
// intermediate (more is needed), 4yz and 5yz errors.
enum class ReplyKind { preliminary, completion, intermediate, error };

struct ListedReplies {
  std::string_view source;  // "RFC 959 §5.4"
  std::vector<int> codes;   // every listed reply, positive and negative
};

// The verb of a command line, upper-cased ("type x" -> "TYPE").
std::string verb_of(std::string_view command_line);

// The listed replies of `verb`, or nullopt for a verb no RFC here lists.
std::optional<ListedReplies> listed_replies(std::string_view verb);

// The replies of `kind` listed for `verb`; empty when the verb is not listed.
std::vector<int> listed(std::string_view verb, ReplyKind kind);
// The error replies (4yz, 5yz) listed for `verb`; empty when the verb is not listed.
std::vector<int> listed_errors(std::string_view verb);
// Whether `code` is listed for `verb`.
bool is_listed(std::string_view verb, int code);

}  // namespace streamcheck::conformance
