"""Scenarios: alerts reach people by e-mail and webhook, once per cause, then resolved.

A local SMTP server and a local HTTP receiver (tests/integration/ops/receivers.py) stand
in for the firm's mail server and its chat hook; the outbox is the real database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

import pytest

from tests.integration.ops.alert_scenarios import FOUND
from tests.integration.ops.receivers import Hook, smtp_server, webhook_server
from trimtab.bootstrap import Database
from trimtab.domain.alerts import Alert, Severity
from trimtab.domain.principal import SCHEDULER, Principal
from trimtab.notify import EmailChannel, SmtpServer, WebhookChannel, channels_from_table
from trimtab.services.alert_delivery import Notice, deliver_pending
from trimtab.services.alerts import raise_alert, resolve_alert

AT = dt.datetime(2025, 6, 30, 9, 10, tzinfo=dt.UTC)
ANA = Principal.cli("ana")
WARNING = Alert("file.late:northbank-prices:2025-06-30", Severity.WARNING, "prices late", "wait")


def _minutes(n: int) -> dt.datetime:
    return AT + dt.timedelta(minutes=n)


def test_an_alert_is_mailed_once_while_open_and_its_resolution_once(database: Database) -> None:
    with smtp_server() as (port, inbox):
        server = SmtpServer("127.0.0.1", port, security="none", username="trimtab", password="pw")
        mail = EmailChannel("desk", server, "trimtab@firm.example", ("ops@firm.example",))
        raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=AT)
        deliver_pending(database.unit_of_work, [mail], now=_minutes(1))
        raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=_minutes(5))
        deliver_pending(database.unit_of_work, [mail], now=_minutes(6))
        assert len(inbox.mails) == 1, "seen again is not sent again"
        resolve_alert(database.unit_of_work, FOUND.cause, principal=ANA, note="loaded",
                      at=_minutes(7))  # fmt: skip
        deliver_pending(database.unit_of_work, [mail], now=_minutes(8))
        deliver_pending(database.unit_of_work, [mail], now=_minutes(9))
    first, resolution = inbox.mails
    assert first["Subject"] == f"[trimtab critical] {FOUND.summary}"
    assert "what to do: ask the source to send it" in first.get_payload()
    assert resolution["Subject"] == f"[trimtab resolved] {FOUND.summary}"
    assert "loaded" in resolution.get_payload()
    assert inbox.logins == [("trimtab", "pw")] * 2  # one session per mail


def test_channels_take_the_severities_they_are_configured_for(database: Database) -> None:
    hook = Hook()
    with smtp_server() as (port, inbox), webhook_server(hook) as url:
        channels, problems = channels_from_table(
            {
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_security": "none",
                "sender": "trimtab@firm.example",
                "channels": [
                    {
                        "name": "desk",
                        "kind": "email",
                        "to": ["ops@firm.example"],
                        "severities": ["warning", "critical"],
                    },
                    {
                        "name": "pager",
                        "kind": "webhook",
                        "url": url,
                        "secret_env": "HOOK_SECRET",
                        "severities": ["critical"],
                    },
                ],
            },
            environ={"HOOK_SECRET": "s3cret"},
        )
        assert problems == []
        raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=AT)
        raise_alert(database.unit_of_work, WARNING, principal=SCHEDULER, at=AT)
        report = deliver_pending(database.unit_of_work, channels, now=_minutes(1))
    assert (report.sent, report.failed) == (3, 0)
    assert sorted(m["X-Trimtab-Cause"] for m in inbox.mails) == sorted([FOUND.cause, WARNING.cause])
    ((headers, body),) = hook.received
    payload = json.loads(body)
    assert (payload["cause"], payload["notice"]) == (FOUND.cause, "alert")
    signed = headers["X-Trimtab-Timestamp"].encode() + b"." + body
    expected = hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()
    assert headers["X-Trimtab-Signature"] == f"sha256={expected}"
    assert headers["Idempotency-Key"] == f"trimtab-delivery-{payload['delivery']}"


def test_a_failed_send_is_retried_later_never_lost_never_doubled(database: Database) -> None:
    hook = Hook(script=[500, 503])  # the receiver is down for two tries
    with webhook_server(hook) as url:
        pager = WebhookChannel("pager", url, "s3cret", attempts=1, sleep=lambda s: None)
        raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=AT)
        failed = deliver_pending(database.unit_of_work, [pager], now=_minutes(1))
        early = deliver_pending(database.unit_of_work, [pager], now=_minutes(1))
        second = deliver_pending(database.unit_of_work, [pager], now=_minutes(2))
        third = deliver_pending(database.unit_of_work, [pager], now=_minutes(4))
        after = deliver_pending(database.unit_of_work, [pager], now=_minutes(60))
    assert (failed.failed, failed.sent) == (1, 0)
    assert "HTTP 500" in failed.errors[0]
    assert early.failed + early.sent == 0, "not due again before its back-off"
    assert (second.failed, third.sent, after.sent) == (1, 1, 0)
    assert hook.answered == [500, 503, 200]
    assert len(hook.received) == 1
    with database.unit_of_work() as uow:
        (delivery,) = uow.alert_deliveries.deliveries(1)
    assert (delivery.notice, delivery.attempts, delivery.last_error) == (Notice.ALERT, 3, None)


def test_the_webhook_retries_within_one_send_with_back_off(database: Database) -> None:
    hook = Hook(script=[502])
    waits: list[float] = []
    with webhook_server(hook) as url:
        pager = WebhookChannel("pager", url, attempts=3, backoff=0.5, sleep=waits.append)
        raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=AT)
        report = deliver_pending(database.unit_of_work, [pager], now=_minutes(1))
    assert (report.sent, hook.answered, waits) == (1, [502, 200], [0.5])


def test_an_alert_resolved_before_anyone_was_told_is_never_sent(database: Database) -> None:
    hook = Hook(script=[500])
    with webhook_server(hook) as url:
        pager = WebhookChannel("pager", url, attempts=1, sleep=lambda s: None)
        raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=AT)
        deliver_pending(database.unit_of_work, [pager], now=_minutes(1))  # fails
        resolve_alert(database.unit_of_work, FOUND.cause, principal=ANA, note="ok", at=_minutes(2))
        report = deliver_pending(database.unit_of_work, [pager], now=_minutes(30))
    assert (report.cancelled, report.sent) == (1, 0)
    assert hook.received == []


def test_no_password_or_secret_reaches_an_error_or_a_log(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = SmtpServer("127.0.0.1", 1, security="none", username="u", password="hunter2-pw")
    mail = EmailChannel("desk", server, "trimtab@firm.example", ("ops@firm.example",))
    pager = WebhookChannel("pager", "http://user:tok-9f8e7d@127.0.0.1:1/x", "s3cret-value",
                           attempts=1, sleep=lambda s: None)  # fmt: skip
    raise_alert(database.unit_of_work, FOUND, principal=SCHEDULER, at=AT)
    report = deliver_pending(database.unit_of_work, [mail, pager], now=_minutes(1))
    assert report.failed == 2
    shown = " ".join(report.errors) + caplog.text + repr(mail) + repr(pager)
    for secret in ("hunter2-pw", "tok-9f8e7d", "s3cret-value"):
        assert secret not in shown
