"""Serve the web app the way a firm does (`trimtab serve`), in a subprocess, for a browser.

Problem: a browser test must meet the app a person meets — uvicorn, real sockets, the
session cookie, the security headers, static files — not the in-process test client;
and a server left running after the tests (a failed test, Ctrl-C) would hold a port and
the database for the next run.

Rule: `serving(url, log)` starts `python -m trimtab serve` on a free 127.0.0.1 port over
the database at `url`, waits until the sign-in page answers (failing with the server's
own output when it exits or stays silent for `STARTUP_SECONDS`), yields the base URL, and
stops the server when the block ends, however it ends: SIGTERM, then SIGKILL if it has
not stopped within `STOP_SECONDS`.

    >>> # with serving("sqlite:////tmp/e2e/trimtab.db", Path("/tmp/e2e/server.log")) as base:
    >>> #     base  ->  'http://127.0.0.1:41237'
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

__all__ = ["serving"]

STARTUP_SECONDS = 60.0
STOP_SECONDS = 10.0


def _free_port() -> int:
    # The port is free when the socket closes; another process could take it before the
    # server binds, which on a test machine does not happen often enough to design for:
    # the server would exit at once and the wait below would say why.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextlib.contextmanager
def serving(database_url: str, log: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TRIMTAB_DATABASE_URL": database_url}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "trimtab", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(f"{base}/sign-in"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"`trimtab serve` did not answer on {base} "
                    f"(exit code {server.poll()}); its output:\n{log.read_text()}"
                )
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
