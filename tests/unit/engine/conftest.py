"""Every answer the engine gives in these tests is checked against every hard rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reference.checks import every_answer_checked


@pytest.fixture(autouse=True, scope="package")
def _every_answer_keeps_every_rule() -> Iterator[None]:
    with every_answer_checked():
        yield
