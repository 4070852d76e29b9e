"""Constants and small helpers shared by the peers report's modules: the units and
sizes, the order of operations, the P1-P7 names, the conformance matrix's groups, the
limits of `streambench gate`'s invariants (bench/streambench/gate.hpp), the patterns that
classify error messages, InputError (unusable input, streambench_json's), size
formatting and op ordering. Python stdlib only.
"""

import re

# One error class for unusable input, here and in scripts/report.py.
from streambench_json import InputError  # noqa: F401  (re-exported)

KIB = 1024
MIB = 1024 * 1024
GIB = 1024 ** 3
# As scripts/report.py: downloads then uploads, HTTP then FTP.
OP_ORDER = ["http/get", "http/range", "ftp/retr", "ftp/rest",
            "http/put", "http/put-chunked", "http/post", "http/post-chunked",
            "ftp/stor", "ftp/appe"]
DOWNLOADS = {"get", "range", "retr", "rest"}
REFSERVER = "refserver"
# Counters ranked with a 95% interval of their median over the rounds.
THROUGHPUT = "bytes_per_second"
CPU = "cpu_ms_per_gib"
PROPERTIES = ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]
PROPERTY_NAMES = {
    "P1": "flat memory", "P2": "no intermediate copies", "P3": "first byte at once",
    "P4": "no leaked descriptors", "P5": "byte-exact round trips", "P6": "atomic commits",
    "P7": "unknown length",
}
# The conformance matrix's columns, in this order; other groups follow.
GROUPS = ["Rfc959", "Rfc2428", "Rfc3659", "Rfc9110", "Rfc9112", "Rfc4918", "BadInput",
          "Security"] + PROPERTIES
# streambench gate's invariants (bench/streambench/gate.hpp, the defaults of Rules).
COPIES_MAX = 1.1
FLAT_MEMORY_KIB = 8192
FIRST_BYTE_READ_KIB = 16384
FIRST_BYTE_READ_FRACTION = 0.5
# An error of a benchmark that says the bytes came back wrong (bench/streambench/ops.cpp).
MISMATCH = re.compile(r"bytes differ from offset|SHA-256 differs|got \d+ bytes, want \d+")
# An error that says the server does not offer the op.
UNSUPPORTED = re.compile(r"answered (40[0-9]|41[0-9]|501)\b")
# A conformance failure that is the server refusing the request outright.
REFUSED = re.compile(r"\b(answered|status) (40[0345]|501)\b")
# An HTML tag (not "<=" in "copies <= 1.10").
TAG = re.compile(r"</?[A-Za-z!][^<>]*>")


# --- small helpers ----------------------------------------------------------------------

def fmt_size(n):
    for unit, k in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= k and n % k == 0:
            return f"{n // k} {unit}"
    return f"{n} B"


def op_index(op):
    return (OP_ORDER.index(op) if op in OP_ORDER else len(OP_ORDER), op)


def split_name(name):
    """A result set's server and root: "nginx@disk" -> ("nginx", "disk"); a name without
    "@ROOT" (a run with one root) -> (name, None)."""
    base, _, root = name.partition("@")
    return base, root or None


def is_refserver(name):
    """The refserver or one of its variants (refserver-no-splice, ...): never a peer."""
    base = split_name(name)[0]
    return base == REFSERVER or base.startswith(REFSERVER + "-")
