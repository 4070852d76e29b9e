// streambench --help's text after the flags: what every figure means, the slow clients,
// the checks, the pre-fault, the subcommands and the exit status.
#pragma once

namespace streamcheck::streambench {

const char* help_text();

}  // namespace streamcheck::streambench
