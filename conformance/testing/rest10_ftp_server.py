#!/usr/bin/python3
"""An FTP server with a planted defect, for a negative control of the suite's own.

pyftpdlib (a good server by the suite's properties) whose REST keeps only the first ten
digits of its argument, as a server or client that reads the offset into a ten-character
field does (php-src #10521, mtheall/ftpd #222): REST 12345678910, past the end of a
4 GiB file, becomes 1234567891, inside it, and the RETR after it sends bytes where it
should send none. Everything else is pyftpdlib's own.

Launcher contract (launcher_contract.py, as scripts/peers/lib.sh): `--root DIR`; once
listening prints `streamcheck-ready pid=PID ftp=ftp://USER:PASSWORD@127.0.0.1:PORT/ root=DIR`.
"""
import argparse
import os
import secrets
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

import launcher_contract


class TenDigitRestHandler(FTPHandler):
    def ftp_REST(self, line):
        return super().ftp_REST(line[:10])


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="serve DIR (kept at exit) instead of a new temp dir")
    args = ap.parse_args()
    if args.root and not os.path.isdir(args.root):
        ap.error("--root %s: not a directory" % args.root)

    def start(root):
        user, password = "streamcheck", secrets.token_hex(12)
        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, root, perm="elradfmwMT")
        TenDigitRestHandler.authorizer = authorizer
        server = FTPServer(("127.0.0.1", 0), TenDigitRestHandler)
        port = server.socket.getsockname()[1]
        print("rest10_ftp_server: serving %s" % root, file=sys.stderr, flush=True)
        return (f"streamcheck-ready pid={os.getpid()} "
                f"ftp=ftp://{user}:{password}@127.0.0.1:{port}/ root={root}", server.serve_forever)

    return launcher_contract.serve(args.root, "streamcheck-rest10-ftp.", start)


if __name__ == "__main__":
    sys.exit(main())
