"""One simulated business day of the demo firm, for the pipeline's scenarios.

The small demo firm (`tests.builders.load_small_firm`, prices up to Monday 2025-06-30)
receives the shipped example files (examples/feeds, docs in examples/README.md) in its
inbox; the two custodians' mappings declare which of them are expected every business
day (here: prices and lots — the positions, activity and cash layouts the examples do not
ship are not expected). `FIRM_TOML` is the firm's configuration file of docs/pipeline.md
with the test's folders.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from trimtab.domain.executions import Execution
from trimtab.domain.trade_history import TradeSide
from trimtab.feeds.orders_export import read_fix

EXAMPLES = Path(__file__).parents[3] / "examples" / "feeds"
DAY = dt.date(2025, 6, 30)  # a Monday; the demo firm's last day of prices
NY = ZoneInfo("America/New_York")
# The order examples/README.md gives: the master and onboarding before prices and lots.
INBOX_ORDER = (
    "NB_SECMASTER_20250602.csv",
    "NB_ACCOUNTS_20250602.csv",
    "depots_20250602.csv",
    "NB_PRICES_20250602.csv",
    "kurse_20250602.csv",
    "NB_TAXLOTS_20250602.csv",
    "steuerlose_20250602.csv",
)
NOT_SHIPPED = {  # layouts with a deadline whose files the examples do not include
    "northbank.toml": ("positions", "transactions", "cash"),
    "alpenbank.toml": ("positions",),
}

FIRM_TOML = """\
[pipeline]
timezone = "America/New_York"
calendar = "NYSE"
inbox = "inbox"
outbox = "outbox"
executions = "executions"
mappings = "mappings"
order_formats = ["csv", "fix"]
on_missing = "{on_missing}"
tick_seconds = 0.2
workers = 1

[pipeline.stages.files]
start = "05:00"
cutoff = "10:00"
poll_seconds = 300

[pipeline.stages.analysis]
attempts = 3
backoff_seconds = 60

[pipeline.stages.fills]
start = "16:30"
cutoff = "20:00"
poll_seconds = 300

[pipeline.sources.northbank]
cutoff = "09:00"
accounts = "NB-*"

[pipeline.sources.alpenbank]
cutoff = "09:00"
accounts = "AB-*"
"""


def firm_folder(root: Path, *, on_missing: str = "hold", missing: tuple[str, ...] = ()) -> Path:
    """The firm's folder: trimtab.toml, mappings/, and the day's files in inbox/ (all of
    the examples but `missing`), oldest first in the README's order. Its TOML's path."""
    (root / "mappings").mkdir(parents=True)
    for name, unshipped in NOT_SHIPPED.items():
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        for feed in unshipped:  # drop the deadline of each layout the examples do not ship
            text = re.sub(
                rf"(\[feeds\.{feed}\]\npattern = [^\n]*\n)deadline = [^\n]*\n", r"\1", text
            )
        (root / "mappings" / name).write_text(text, encoding="utf-8")
    inbox = root / "inbox"
    inbox.mkdir()
    for n, name in enumerate(INBOX_ORDER):
        if name in missing:
            continue
        target = inbox / name
        shutil.copyfile(EXAMPLES / name, target)
        os.utime(target, (1_700_000_000 + n, 1_700_000_000 + n))
    path = root / "trimtab.toml"
    path.write_text(FIRM_TOML.format(on_missing=on_missing), encoding="utf-8")
    return path


@dataclass
class FakeClock:
    """The scheduler's clock: a day that passes only when the scenario says so."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, hh: int, mm: int = 0) -> FakeClock:
        self.now = dt.datetime.combine(DAY, dt.time(hh, mm), tzinfo=NY).astimezone(dt.UTC)
        return self


def exported_blocks(outbox: Path) -> list[tuple[str, str, TradeSide, Decimal]]:
    """(ClOrdID, security, side, quantity) of each block order in the day's FIX file."""
    (path,) = sorted((outbox / DAY.isoformat()).glob("orders-*.fix"))
    return [
        (
            m.get(11).decode(),
            m.get(55).decode(),
            TradeSide.BUY if m.get(54) == b"1" else TradeSide.SELL,
            Decimal(m.get(38).decode()),
        )
        for m in read_fix(path.read_bytes())
    ]


def filled_in_two_parts(
    blocks: list[tuple[str, str, TradeSide, Decimal]], price: Decimal = Decimal("100")
) -> list[Execution]:
    """Each block filled in full by two trades (a partial fill, then the fill)."""
    reports: list[Execution] = []
    for n, (clordid, security, side, quantity) in enumerate(blocks):
        first = (quantity / 2).quantize(Decimal(1)) if quantity >= 2 else quantity
        rest = quantity - first
        status = "2" if rest == 0 else "1"
        reports.append(
            Execution(f"E{n}-1", clordid, "F", status, security, side, first, price, DAY)
        )
        if rest:
            reports.append(
                Execution(f"E{n}-2", clordid, "F", "2", security, side, rest, price + 1, DAY)
            )
    return reports
