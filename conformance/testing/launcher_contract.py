"""The launcher contract of scripts/peers/lib.sh, for the suite's own Python servers.

serve() gives a server `--root DIR` (default: a new temp dir under $TMPDIR, removed at
exit), prints the ready line `start` returns on stdout once it listens, and ends with 0
on SIGTERM, SIGINT or SIGHUP, or when its parent goes (started through `sh -c`, it would
outlive a dead harness otherwise).
"""
import os
import shutil
import signal
import tempfile
import threading
import time

_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def serve(root_arg, temp_prefix, start):
    """start(root) makes the listening server: (ready line, a call that serves until
    interrupted). root_arg: --root's value or None."""

    def stop(signum, frame):
        raise SystemExit(0)  # out of serving, into the finally below

    for s in _SIGNALS:
        signal.signal(s, stop)
    root = os.path.realpath(root_arg or tempfile.mkdtemp(prefix=temp_prefix))
    try:
        ready, serve_forever = start(root)
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()
        print(ready, flush=True)
        serve_forever()
    finally:
        for s in _SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        if not root_arg:
            shutil.rmtree(root, ignore_errors=True)
    return 0
