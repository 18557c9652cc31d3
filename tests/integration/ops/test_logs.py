"""Scenarios: JSON log lines carry the run and stage, and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from trimtab.logs import configure_logging, log_context


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = configure_logging("json", stream=out, level=logging.INFO)
    yield out
    logging.getLogger().removeHandler(handler)


def test_each_line_is_one_json_object_with_run_and_stage(stream: io.StringIO) -> None:
    log = logging.getLogger("trimtab.pipeline")
    with log_context(run_id="2025-06-30.1"), log_context(stage_id="analysis"):
        log.info("stage started", extra={"accounts": 12})
    log.warning("outside")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["run_id"] == "2025-06-30.1"
    assert inside["stage_id"] == "analysis"
    assert (inside["level"], inside["logger"], inside["accounts"]) == (
        "info",
        "trimtab.pipeline",
        12,
    )
    assert inside["time"].endswith("+00:00")
    assert "run_id" not in outside


def test_a_password_or_token_never_reaches_the_log(stream: io.StringIO) -> None:
    log = logging.getLogger("trimtab.web")
    log.info("connect postgresql://ana:pw-1234@db/firm password=hunter2")
    log.info("header Authorization: Bearer abcdefghijklmnop", extra={"secret_hint": "token=tk-99"})
    try:
        raise RuntimeError("login failed for secret=s3cr3t-v")
    except RuntimeError:
        log.exception("sending failed")
    text = stream.getvalue()
    for secret in ("pw-1234", "hunter2", "abcdefghijklmnop", "tk-99", "s3cr3t-v"):
        assert secret not in text
    assert all(json.loads(line) for line in text.splitlines())


def test_the_text_format_is_the_default_and_names_the_run() -> None:
    out = io.StringIO()
    handler = configure_logging(stream=out)
    try:
        with log_context(run_id="R-1"):
            logging.getLogger("trimtab").info("hello token=abc")
    finally:
        logging.getLogger().removeHandler(handler)
    line = out.getvalue().strip()
    assert line.endswith("[run=R-1]")
    assert "hello token=***" in line
