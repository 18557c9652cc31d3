"""Local receivers the delivery tests send to: a tiny SMTP server and a webhook endpoint.

Both run in a thread on 127.0.0.1 and an ephemeral port, and keep what they received.
The SMTP server speaks just enough of RFC 5321 for smtplib (EHLO with AUTH PLAIN, MAIL,
RCPT, DATA, QUIT); the webhook answers each POST with the next status of a script
(200 once the script runs out), so a test can make a receiver fail and then recover.
"""

from __future__ import annotations

import base64
import email
import http.server
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message

__all__ = ["Hook", "Inbox", "smtp_server", "webhook_server"]


@dataclass
class Inbox:
    mails: list[Message] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


class _Smtp(socketserver.StreamRequestHandler):
    inbox: Inbox

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 test ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode().rstrip("\r\n")
            verb = command[:4].upper()
            if verb == "EHLO":
                self._say("250-test")
                self._say("250 AUTH PLAIN")
            elif verb == "HELO":
                self._say("250 test")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(command.split()[2]).decode().split("\0")
                self.server.inbox.logins.append((user, password))  # type: ignore[attr-defined]
                self._say("235 ok")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.inbox.mails.append(email.message_from_bytes(b"".join(lines)))  # type: ignore[attr-defined]
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 no")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    server = _Server(("127.0.0.1", 0), _Smtp)
    server.inbox = Inbox()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.inbox  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Hook:
    script: list[int] = field(default_factory=list)  # statuses to answer, in order
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)


@contextmanager
def webhook_server(hook: Hook) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = hook.script.pop(0) if hook.script else 200
            hook.answered.append(status)
            if status == 200:
                hook.received.append((dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass  # quiet: pytest runs with warnings as errors, stderr is noise

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
