"""Logs for machines: one JSON object per line, with the run and stage they belong to.

Problem: at 3 a.m. the scheduler, the nightly run and the web app all write logs; an
operator searching them needs every line of run R or stage S together, in a form a log
collector parses, and none of them may ever carry a password or a token.

Rule: `configure_logging(fmt)` (`TRIMTAB_LOG_FORMAT=json|text`, read at the entry
points) installs one handler on the root logger. In `json` each record is an object with
`time` (UTC, ISO), `level`, `logger`, `message`, and — when set — `run_id` and
`stage_id` from context variables (`log_context(run_id=..., stage_id=...)`, which
threads and asyncio tasks inherit), plus `exc` for a traceback. Every message and
extra passes `redact` first: `password=...`, `token=...`, `secret=...`, `Authorization:
Bearer ...` and a URL's `user:password@` are replaced by `***`.

    >>> redact("login user=ana password=hunter2 url=postgresql://ana:pw@db/firm")
    'login user=ana password=*** url=postgresql://ana:***@db/firm'
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import TextIO

__all__ = ["JsonFormatter", "configure_logging", "log_context", "redact"]

RUN_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("run_id", default=None)
STAGE_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("stage_id", default=None)

_SECRETS = [
    (re.compile(r"(?i)\b(password|passwd|pwd|token|secret|api[_-]?key)(\s*[=:]\s*)([^\s,;&\"']+)"),
     r"\1\2***"),
    (re.compile(r"(?i)\b(authorization:\s*(?:bearer|basic)\s+)\S+"), r"\1***"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1***"),
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), r"\1***@"),
]  # fmt: skip


def redact(text: str) -> str:
    """`text` with passwords, tokens, secrets and URL credentials replaced by `***`."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


@contextlib.contextmanager
def log_context(*, run_id: str | None = None, stage_id: str | None = None) -> Iterator[None]:
    """Tag every log line inside the block with the run and/or stage."""
    tokens = []
    if run_id is not None:
        tokens.append((RUN_ID, RUN_ID.set(run_id)))
    if stage_id is not None:
        tokens.append((STAGE_ID, STAGE_ID.set(stage_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        run_id, stage_id = RUN_ID.get(), STAGE_ID.get()
        if run_id is not None:
            out["run_id"] = run_id
        if stage_id is not None:
            out["stage_id"] = stage_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out and not key.startswith("_"):
                out[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, default=lambda v: redact(str(v)))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={value}"
            for name, value in (("run", RUN_ID.get()), ("stage", STAGE_ID.get()))
            if value is not None
        )
        line = redact(super().format(record))
        return f"{line} [{context}]" if context else line


def configure_logging(
    fmt: str = "text", *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Install one handler on the root logger (replacing any this function installed)."""
    if fmt not in ("text", "json"):
        raise ValueError(f"TRIMTAB_LOG_FORMAT is text or json, got {fmt!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.set_name("trimtab")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "trimtab"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
