"""Alert channels: e-mail over SMTP and a signed JSON webhook, configured from the firm's TOML.

Problem: alerts must leave the building — to a mailbox the desk reads and to the chat or
pager a webhook feeds — without a new dependency, without ever writing a password into a
log, and with the receiver able to tell a real trimtab message from a forged one.

Rule: the `[alerts]` table of the firm's configuration file (the same file as the
pipeline's, `TRIMTAB_FIRM_CONFIG`) names the SMTP server and the channels; secrets stay
in the environment and the file names the variables that hold them:

    [alerts]
    smtp_host = "smtp.firm.example"
    smtp_port = 587
    smtp_security = "starttls"                 # "starttls", "tls" (port 465) or "none"
    smtp_username = "trimtab"
    smtp_password_env = "TRIMTAB_ALERTS_SMTP_PASSWORD"
    sender = "trimtab@firm.example"

    [[alerts.channels]]
    name = "desk-mail"
    kind = "email"
    to = ["ops@firm.example"]
    severities = ["warning", "critical"]

    [[alerts.channels]]
    name = "pager"
    kind = "webhook"
    url = "https://hooks.firm.example/trimtab"
    secret_env = "TRIMTAB_ALERTS_WEBHOOK_SECRET"
    severities = ["critical"]

A webhook POST carries the JSON of `AlertMessage.payload()` with `Idempotency-Key` (the
delivery id), `X-Trimtab-Timestamp` and `X-Trimtab-Signature: sha256=<hex>`, the
HMAC-SHA256 of `timestamp + "." + body` under the channel's secret (a receiver recomputes
it and refuses a mismatch or an old timestamp). It is retried a few times with back-off
inside one send (a 5xx, a 429 or a network error); the outbox retries later still.
Errors name the host, never a URL's credentials, a password or a secret.

    >>> channels, problems = channels_from_table({"channels": [{"name": "x", "kind": "fax"}]})
    >>> problems
    ['alerts.channels[0] (x): kind must be "email" or "webhook", got \\'fax\\'']
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from trimtab.domain.alerts import Severity
from trimtab.services.alert_delivery import AlertChannel, AlertMessage, DeliveryFailed

__all__ = [
    "EmailChannel",
    "SmtpServer",
    "WebhookChannel",
    "channels_from_file",
    "channels_from_table",
    "sign",
]

ALL_SEVERITIES = frozenset(Severity)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls, tls, none
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr, so never logged
    timeout: float = 20.0


@dataclass(frozen=True)
class EmailChannel:
    name: str
    server: SmtpServer
    sender: str
    to: tuple[str, ...]
    severities: frozenset[Severity] = ALL_SEVERITIES

    def send(self, message: AlertMessage) -> None:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.to)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.sender.rpartition("@")[2] or "trimtab"
        # The same delivery always has the same Message-ID: a resend is recognizably one.
        mail["Message-ID"] = f"<trimtab-delivery-{message.delivery_id}@{domain}>"
        mail["X-Trimtab-Cause"] = message.alert.cause
        mail.set_content(message.text)
        server = self.server
        try:
            client: smtplib.SMTP
            if server.security == "tls":
                client = smtplib.SMTP_SSL(
                    server.host,
                    server.port,
                    timeout=server.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            with client:
                if server.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if server.username:
                    client.login(server.username, server.password or "")
                client.send_message(mail)
        except (smtplib.SMTPException, OSError) as error:
            # smtplib's errors carry the server's reply, never the password we sent.
            raise DeliveryFailed(
                f"SMTP {server.host}:{server.port}: {type(error).__name__}: {error}"
            ) from None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC of `timestamp.body`.

    >>> sign("s3cret", "1700000000", b'{"a":1}')[:15]
    'sha256=1698a50b'
    """
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


@dataclass(frozen=True)
class WebhookChannel:
    name: str
    url: str = field(repr=False)  # a URL may carry a token: never in a repr
    secret: str = field(default="", repr=False)
    severities: frozenset[Severity] = ALL_SEVERITIES
    attempts: int = 3
    backoff: float = 1.0  # seconds before the second attempt; doubles
    timeout: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def send(self, message: AlertMessage) -> None:
        body = json.dumps(message.payload(), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "trimtab-alerts",
            "Idempotency-Key": f"trimtab-delivery-{message.delivery_id}",
            "X-Trimtab-Timestamp": timestamp,
        }
        if self.secret:
            headers["X-Trimtab-Signature"] = sign(self.secret, timestamp, body)
        last = ""
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as error:
                last = f"HTTP {error.code}"
                if error.code < 500 and error.code != 429:
                    break  # the receiver refuses this message: repeating it will not help
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                last = f"{type(reason).__name__}: {reason}"
            if attempt < self.attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise DeliveryFailed(f"webhook {_where(self.url)}: {last}")


def _severities(value: Any, where: str, problems: list[str]) -> frozenset[Severity]:
    if value is None:
        return ALL_SEVERITIES
    try:
        return frozenset(Severity(v) for v in value)
    except (ValueError, TypeError):
        problems.append(f"{where}: severities are among info, warning, critical; got {value!r}")
        return frozenset()


def _secret(table: Mapping[str, Any], key: str, environ: Mapping[str, str]) -> str | None:
    name = table.get(key)
    return environ.get(str(name)) if name else None


def channels_from_table(
    table: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> tuple[list[AlertChannel], list[str]]:
    """The channels an `[alerts]` table declares, and what is wrong with it."""
    env = os.environ if environ is None else environ
    problems: list[str] = []
    server = None
    if table.get("smtp_host"):
        security = str(table.get("smtp_security", "starttls"))
        if security not in ("starttls", "tls", "none"):
            problems.append(f'alerts.smtp_security: "starttls", "tls" or "none"; got {security!r}')
        server = SmtpServer(
            host=str(table["smtp_host"]),
            port=int(table.get("smtp_port", 465 if security == "tls" else 587)),
            security=security,
            username=table.get("smtp_username"),
            password=_secret(table, "smtp_password_env", env),
            timeout=float(table.get("smtp_timeout", 20)),
        )
    channels: list[AlertChannel] = []
    names: set[str] = set()
    for i, spec in enumerate(table.get("channels", [])):
        name = str(spec.get("name", ""))
        where = f"alerts.channels[{i}] ({name or 'no name'})"
        if not name or name in names:
            problems.append(f"{where}: each channel needs a name of its own")
            continue
        names.add(name)
        severities = _severities(spec.get("severities"), where, problems)
        kind = spec.get("kind")
        if kind == "email":
            to = tuple(spec.get("to", ()))
            sender = table.get("sender")
            if server is None or not to or not sender:
                problems.append(f"{where}: e-mail needs alerts.smtp_host, alerts.sender and to")
                continue
            channels.append(EmailChannel(name, server, str(sender), to, severities))
        elif kind == "webhook":
            url = spec.get("url")
            if not url or urllib.parse.urlsplit(str(url)).scheme not in ("http", "https"):
                problems.append(f"{where}: a webhook needs an http(s) url")
                continue
            secret = _secret(spec, "secret_env", env)
            if spec.get("secret_env") and not secret:
                problems.append(f"{where}: the environment has no {spec['secret_env']}")
            channels.append(
                WebhookChannel(
                    name,
                    str(url),
                    secret or "",
                    severities,
                    attempts=int(spec.get("attempts", 3)),
                    backoff=float(spec.get("backoff", 1.0)),
                    timeout=float(spec.get("timeout", 10)),
                )
            )
        else:
            problems.append(f'{where}: kind must be "email" or "webhook", got {kind!r}')
    return channels, problems


def channels_from_file(
    path: Path | None, environ: Mapping[str, str] | None = None
) -> tuple[list[AlertChannel], list[str]]:
    """The channels of the `[alerts]` table of the firm's TOML file; none without a file."""
    if path is None:
        return [], []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [], [f"{path}: {error}"]
    return channels_from_table(document.get("alerts", {}), environ)
