#!/usr/bin/python3
"""A plain HTTP/1.1 file server of the test suite's own (Python standard library only).

It is a *good* streaming server by the suite's properties -- bodies go through a fixed
buffer (P1), uploads are written once into a temp file beside the target and renamed
onto it (P2, P6), downloads go out with sendfile (P2, P3), every file is closed (P4) --
with two choices that the RFCs allow and the suite must judge right:
  * writes are anonymous: PUT, DELETE and MKCOL need no credentials at all;
  * Range is ignored (RFC 9110 §14.2: "A server MAY ignore the Range header field"): a
    GET always answers 200 with the whole object, and says `Accept-Ranges: none`.
Other choices: a PUT or MKCOL whose parent collection is missing gets 409 Conflict (RFC
4918 §9.7.1, §9.3.1), parents are not created; a GET of a directory lists its names, one
a line (text/plain, "/" after subdirectories); the ETag is strong, "INODE-SIZE-MTIME_NS"
in hex; POST answers 405. OPTIONS sends Allow but no `DAV` header: with no PROPFIND,
PROPPATCH, COPY or MOVE the server is not DAV class 1 (RFC 4918 §18.1) and does not
claim to be.

`--length32` plants a defect for a negative control: a Content-Length of any number of
digits is read modulo 2^32, as a server that keeps it in 32 bits would (zuul #169): a
PUT announcing 2^63 bytes stores an empty file and answers 201.

Launcher contract (launcher_contract.py, as scripts/peers/lib.sh): `--root DIR`; once
listening prints `streamcheck-ready pid=PID http=http://127.0.0.1:PORT/ root=DIR`.
"""
import argparse
import email.errors
import email.utils
import http.server
import os
import re
import shutil
import stat
import sys
import tempfile
import urllib.parse

import launcher_contract

CHUNK = 256 * 1024  # the one buffer a transfer goes through
MAX_LINE = 4096  # a chunk-size line or a trailer field line
MAX_TRAILERS = 100
ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL"
UMASK = os.umask(0o022)
os.umask(UMASK)  # read once: mkstemp makes 0600 files, a commit gives them 0666 & ~umask


class HttpError(Exception):
    def __init__(self, code, message, close=False):
        super().__init__(message)
        self.code, self.message, self.close = code, message, close


class Aborted(Exception):
    """The client went away (or stalled past the timeout) before the body's end."""


class BadBody(Exception):
    """The chunked framing is wrong: 400, and the connection closes."""


def http_date(value):
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None  # an invalid date: the condition is ignored (RFC 9110 §13.1.3)


def tags(value, weak):
    found = re.findall(r'(?:W/)?"[^"]*"', value)
    return [t[2:] if weak and t.startswith("W/") else t for t in found]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; the base class then answers Expect: 100-continue
    server_version = "streamcheck-plain-http/1"
    # The base class answers a request line it cannot read ("garbage", "HTTP/9.9") in the
    # default version, HTTP/0.9 unless told: with no status line at all.
    default_request_version = "HTTP/1.0"
    timeout = 20  # a header block or body stalled this long is cut off (slowloris); idle too
    disable_nagle_algorithm = True  # the headers go out at once, not after the first body segment
    root = ""  # the real path of the served tree, set by main()
    no_last_modified = False  # --no-last-modified
    length32 = False  # --length32

    # --- what the base class does not check: it judges the request line and header syntax only
    def parse_request(self):
        self.length, self.body_done = 0, True
        # A bad target is judged on the request line alone, before the header block: a
        # client that sends "GET /a<NUL>b" may never finish the block.
        words = self.raw_requestline.split()
        if len(words) == 3 and re.search(rb"[^\x21-\x7e]", words[1]):
            self.command, self.request_version = None, self.default_request_version
            self.requestline = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n")
            self.send_error(400, "invalid character in the request target")
            return False
        if not super().parse_request():
            return False  # the base class answered (400, 414, 431, 505) and closes
        h = self.headers
        hosts = h.get_all("Host") or []
        te, cl = h.get_all("Transfer-Encoding"), h.get_all("Content-Length")
        problem = None
        if any(isinstance(d, email.errors.MissingHeaderBodySeparatorDefect) for d in h.defects):
            # "Host : x", a line without a colon: the parser took the rest for a body. (Other
            # defects are MIME's, e.g. a multipart Content-Type with no body in the block.)
            problem = "malformed header field"
        elif any("\r" in v or "\n" in v for v in h.values()):
            problem = "obsolete line folding"  # RFC 9112 §5.2: reject or unfold; we reject
        elif len(hosts) > 1 or (not hosts and self.request_version >= "HTTP/1.1"):
            problem = "an HTTP/1.1 request needs exactly one Host field"  # RFC 9112 §3.2
        elif te and cl:  # RFC 9112 §6.1: may be smuggling; reject and close
            problem = "Content-Length and Transfer-Encoding together"
        elif cl and (len(set(cl)) > 1 or not re.fullmatch(
                r"[0-9]+" if self.length32 else r"[0-9]{1,18}", cl[0].strip())):
            problem = "invalid Content-Length"  # RFC 9112 §6.3
        elif te and ",".join(te).replace(" ", "").lower() != "chunked":
            self.send_error(501, "only the chunked transfer coding is supported")
            return False
        if problem:
            self.send_error(400, problem)  # send_error says Connection: close
            return False
        self.length = None if te else int(cl[0]) if cl else 0  # None: chunked
        if self.length and self.length32:
            self.length %= 1 << 32
        self.body_done = self.length == 0
        return True

    def reply(self, code, body=b"", headers=(), close=False):
        """A complete response. A body left unread would be taken for the next request: close."""
        if isinstance(body, str):
            body = (body + "\n").encode()
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if code not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
            if body:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
        if close or not self.body_done:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(body)

    def run(self, method):
        try:
            method()
        except HttpError as e:
            self.log_error("%d %s", e.code, e.message)
            self.reply(e.code, e.message, [("Allow", ALLOW)] if e.code == 405 else (), e.close)

    def fs_path(self):
        """The file system path of the target, confined to the root."""
        target = self.path.split("?", 1)[0]
        if not target.startswith("/"):
            raise HttpError(400, "the target must be an absolute path")
        if re.search(r"%(?![0-9A-Fa-f]{2})", target):
            raise HttpError(400, "invalid percent escape")
        try:
            name = urllib.parse.unquote(target, errors="strict")
        except UnicodeDecodeError:
            raise HttpError(400, "the path is not UTF-8") from None
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if "\0" in name or ".." in parts:
            raise HttpError(400, "the path leaves the root")
        path = os.path.join(self.root, *parts)
        real = os.path.realpath(path)  # no symlink may lead out of the root
        if real != self.root and not real.startswith(self.root + os.sep):
            raise HttpError(403, "the path leads out of the root")
        return path

    def etag(self, st):
        # Size and mtime alone may not change: two PUTs of one size within the clock's
        # granularity (a jiffy). The inode does: a commit renames a new file onto the old
        # one, and both exist at that moment.
        return '"%x-%x-%x"' % (st.st_ino, st.st_size, st.st_mtime_ns)

    def precondition(self, st):
        """RFC 9110 §13.2.2: 412 or 304 when a condition fails, else None. st: None if missing."""
        h, read = self.headers, self.command in ("GET", "HEAD")
        etag = self.etag(st) if st else None
        if "If-Match" in h:  # strong comparison
            if not st or (h["If-Match"].strip() != "*" and etag not in tags(h["If-Match"], False)):
                return 412
        elif st and (since := http_date(h.get("If-Unmodified-Since", ""))) is not None:
            if int(st.st_mtime) > since:
                return 412
        if "If-None-Match" in h:
            if st and (h["If-None-Match"].strip() == "*" or etag in tags(h["If-None-Match"], True)):
                return 304 if read else 412
        elif read and st and (since := http_date(h.get("If-Modified-Since", ""))) is not None:
            if int(st.st_mtime) <= since:
                return 304
        return None

    # --- methods
    def do_GET(self):
        self.run(self.get)

    def do_HEAD(self):
        self.run(self.get)

    def get(self):
        path = self.fs_path()
        try:
            f = open(path, "rb")
        except IsADirectoryError:
            names = (n + "/" * os.path.isdir(os.path.join(path, n)) for n in os.listdir(path))
            listing = "".join(n + "\n" for n in sorted(names))
            return self.reply(200, listing.encode("utf-8", "surrogateescape"))
        except (FileNotFoundError, NotADirectoryError):
            raise HttpError(404, "no such object") from None
        except PermissionError:
            raise HttpError(403, "not readable") from None
        with f:
            st = os.fstat(f.fileno())  # the file we hold: a commit during the GET does not touch it
            if not stat.S_ISREG(st.st_mode):
                raise HttpError(403, "not a regular file")
            modified = email.utils.formatdate(st.st_mtime, usegmt=True)
            validators = [("ETag", self.etag(st))]
            if not self.no_last_modified:
                validators.append(("Last-Modified", modified))
            code = self.precondition(st)
            if code:
                return self.reply(code, "" if code == 304 else "precondition failed", validators)
            # Range (and If-Range) ignored on purpose: RFC 9110 §14.2 allows it.
            self.send_response(200)
            for name, value in validators:
                self.send_header(name, value)
            self.send_header("Accept-Ranges", "none")
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(st.st_size))
            if not self.body_done:  # a body we do not read must not pass for the next request
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command == "GET" and st.st_size:
                sent = self.connection.sendfile(f, 0, st.st_size)  # os.sendfile: the kernel copies
                if sent < st.st_size:  # the file shrank under us: the framing is broken, close
                    self.close_connection = True

    def do_PUT(self):
        self.run(self.put)

    def put(self):
        path = self.fs_path()
        if self.path.split("?", 1)[0].endswith("/") or os.path.isdir(path):
            raise HttpError(405, "PUT onto a collection")
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise HttpError(409, "the parent collection does not exist")  # RFC 4918 §9.7.1
        try:
            old = os.stat(path)
        except FileNotFoundError:
            old = None
        if self.precondition(old):
            raise HttpError(412, "precondition failed")
        name = os.path.basename(path)[:200]  # the temp name must fit in NAME_MAX too
        fd, temp = tempfile.mkstemp(dir=parent, prefix="." + name + ".upload-")
        try:
            with open(fd, "wb", buffering=0) as f:
                os.fchmod(f.fileno(), 0o666 & ~UMASK)
                self.receive(f)
            existed = os.path.lexists(path)
            os.replace(temp, path)  # the atomic commit: readers see the old file or the new one
        except BaseException as e:
            try:
                os.unlink(temp)  # nothing of an incomplete upload stays
            except FileNotFoundError:
                pass
            if isinstance(e, BadBody):
                raise HttpError(400, str(e), close=True) from None
            if isinstance(e, (Aborted, ConnectionError, TimeoutError)):
                self.log_error("upload of %s not committed: %r", self.path, e)
                self.close_connection = True
                try:
                    self.reply(400, "incomplete body", close=True)  # if it only shut its side
                except OSError:
                    pass
                return
            raise
        self.reply(204 if existed else 201)

    def receive(self, f):
        """Copies the request body into f, through one fixed buffer."""
        view = memoryview(bytearray(CHUNK))
        if self.length is not None:
            self.copy(f, self.length, view)
        else:
            while True:  # RFC 9112 §7.1: size[;ext] CRLF data CRLF ... 0 CRLF trailers CRLF
                size = self.line().split(b";", 1)[0].strip()
                if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size):
                    raise BadBody("invalid chunk size")
                if int(size, 16) == 0:
                    break
                self.copy(f, int(size, 16), view)
                end = self.rfile.read(2)
                if len(end) < 2:
                    raise Aborted("in a chunk's CRLF")
                if end != b"\r\n":
                    raise BadBody("a chunk does not end with CRLF")
            for _ in range(MAX_TRAILERS):
                if self.line() == b"":
                    break
            else:
                raise BadBody("too many trailer fields")
        self.body_done = True

    def line(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise BadBody("chunk-size or trailer line too long")
        if not line.endswith(b"\n"):
            raise Aborted("in a chunk-size or trailer line")
        return line.rstrip(b"\r\n")

    def copy(self, f, n, view):
        while n:
            got = self.rfile.readinto(view[: min(n, len(view))])
            if not got:
                raise Aborted("%d bytes short" % n)
            part = view[:got]
            while part:
                part = part[f.write(part):]
            n -= got

    def do_DELETE(self):
        self.run(self.delete)

    def delete(self):
        path = self.fs_path()
        if path == self.root:
            raise HttpError(403, "the root stays")
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            raise HttpError(404, "no such object") from None
        if self.precondition(st):
            raise HttpError(412, "precondition failed")
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)  # RFC 4918 §9.6.1: a collection goes with its members
        else:
            os.unlink(path)
        self.reply(204)

    def do_MKCOL(self):
        self.run(self.mkcol)

    def mkcol(self):
        path = self.fs_path()
        if not self.body_done:
            raise HttpError(415, "MKCOL with a body")  # RFC 4918 §9.3.1
        if os.path.lexists(path):
            raise HttpError(405, "it exists")
        if not os.path.isdir(os.path.dirname(path)):
            raise HttpError(409, "the parent collection does not exist")
        try:
            os.mkdir(path)
        except FileExistsError:
            raise HttpError(405, "it exists") from None
        self.reply(201)

    def do_OPTIONS(self):
        self.reply(200, headers=[("Allow", ALLOW)])  # no DAV header: see the top of the file

    def do_POST(self):
        self.run(self.post)

    def post(self):  # no multipart/form-data uploads: the suite skips POST when Allow lacks it
        raise HttpError(405, "no POST uploads")


class Server(http.server.ThreadingHTTPServer):  # a thread per connection, daemon threads
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # A client that goes mid-response (an aborted download) is routine: one line, not a
        # traceback. Anything else keeps the traceback. The connection is closed either way.
        e = sys.exc_info()[1]
        if isinstance(e, ConnectionError):
            print("plain_http_server: %s:%d went away: %r" % (*client_address, e), file=sys.stderr)
        else:
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="serve DIR (kept at exit) instead of a new temp dir")
    ap.add_argument("--no-last-modified", action="store_true",
                    help="send no Last-Modified (RFC 9110 §8.8.2.1: an origin server SHOULD): "
                         "for showing that a SHOULD not met is a warning, not a failure")
    ap.add_argument("--length32", action="store_true",
                    help="a planted defect, for a negative control: Content-Length read "
                         "modulo 2^32")
    args = ap.parse_args()
    if args.root and not os.path.isdir(args.root):
        ap.error("--root %s: not a directory" % args.root)

    def start(root):
        Handler.root = root
        Handler.no_last_modified = args.no_last_modified
        Handler.length32 = args.length32
        server = Server(("127.0.0.1", 0), Handler)
        port = server.server_address[1]
        print("plain_http_server: serving %s" % root, file=sys.stderr, flush=True)

        def run():
            with server:
                server.serve_forever()

        return f"streamcheck-ready pid={os.getpid()} http=http://127.0.0.1:{port}/ root={root}", run

    return launcher_contract.serve(args.root, "streamcheck-plain-http.", start)


if __name__ == "__main__":
    sys.exit(main())
