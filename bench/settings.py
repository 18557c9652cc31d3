"""Benchmark: resolve the effective settings (with lineage) of 100,000 accounts.

    .venv/bin/python -m bench.settings [--accounts N] [--seed S]

The workload is a firm of N accounts in households of 1–4, spread over 5 programs, with
a settings history shaped like a busy year: firm defaults for 8 settings, each changed
twice (so as-of lookups have versions to search), program overrides, overrides on 10% of
households and 5% of accounts, a bulk change writing `commission_schedule` on 20% of the
accounts, and firm-level restrictions on 3 securities. It measures:

1. reading the whole history from SQLite (`SqlSettingsRepository.history`, a temp file);
2. building the `SettingsBook` index;
3. resolving every setting (18 known + 3 restrictions) for every account, now and as of
   a past date, keeping each `Effective` (value + lineage).

It prints one markdown row per step for bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import tempfile
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import insert

from trimtab.bootstrap import open_database
from trimtab.domain.restrictions import Level
from trimtab.domain.settings_levels import Placement, Scope, SettingChange, SettingsBook
from trimtab.store.workflow_tables import SettingChangeRow

T = TypeVar("T")
START = dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC)
WORDS = {
    "tax_sensitivity": ["low", "medium", "high", "maximum"],
    "drift_tolerance": ["tight", "normal", "loose"],
    "loss_harvesting": ["off", "opportunistic", "year_round"],
    "whole_shares": ["yes", "no"],
    "tracking_error": ["off", "low", "medium"],
    "cash_target": [0.01, 0.02, 0.03],
    "min_trade": [100, 250, 500],
    "commission_schedule": ["A", "B", "C"],
}


def firm(accounts: int, rng: random.Random) -> list[Placement]:
    placements: list[Placement] = []
    household = 0
    while len(placements) < accounts:
        program = f"P{rng.randrange(5)}"
        for _ in range(min(rng.randint(1, 4), accounts - len(placements))):
            placements.append(
                Placement(f"A{len(placements):07d}", f"H{household:07d}", program, "F")
            )
        household += 1
    return placements


def history(placements: list[Placement], rng: random.Random) -> list[SettingChange]:
    changes: list[SettingChange] = []

    def record(setting: str, scope: Scope, value: object, bulk: int | None = None) -> None:
        at = START + dt.timedelta(minutes=len(changes))
        changes.append(
            SettingChange(len(changes) + 1, setting, scope, value, "bench", at, "bench", None, bulk)  # type: ignore[arg-type]
        )

    for _ in range(2):
        for setting, words in WORDS.items():
            record(setting, Scope(Level.FIRM, "F"), rng.choice(words))
    for p in range(5):
        for setting in rng.sample(sorted(WORDS), 3):
            record(setting, Scope(Level.PROGRAM, f"P{p}"), rng.choice(WORDS[setting]))
    households = sorted({p.household for p in placements})
    for h in rng.sample(households, len(households) // 10):
        setting = rng.choice(sorted(WORDS))
        record(setting, Scope(Level.HOUSEHOLD, h), rng.choice(WORDS[setting]))
    for p in rng.sample(placements, len(placements) // 20):
        setting = rng.choice(sorted(WORDS))
        record(setting, Scope(Level.ACCOUNT, p.account), rng.choice(WORDS[setting]))
    for p in rng.sample(placements, len(placements) // 5):
        record("commission_schedule", Scope(Level.ACCOUNT, p.account), "B", bulk=1)
    for ticker, kind in [("IBM", "no_buy"), ("MO", "no_buy"), ("XOM", "no_sell")]:
        record(f"restriction.{ticker}", Scope(Level.FIRM, "F"), kind)
    return changes


def timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def read_from_sqlite(changes: list[SettingChange]) -> tuple[list[SettingChange], float]:
    with tempfile.TemporaryDirectory(prefix="trimtab-bench-") as folder:
        db = open_database(f"sqlite:///{folder}/settings.db")
        db.upgrade()
        rows = [
            {
                "setting": c.setting,
                "level": c.scope.level.name.lower(),
                "scope": c.scope.id,
                "value": c.value,
                "actor": c.actor,
                "at": c.at,
                "reason": c.reason,
            }
            for c in changes
        ]
        with db.unit_of_work() as uow:
            uow.session.execute(insert(SettingChangeRow), rows)
            uow.commit()

        def read() -> list[SettingChange]:
            with db.unit_of_work() as uow:
                return uow.settings.history()

        result = timed(read)
        db.close()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    placements = firm(args.accounts, rng)
    changes = history(placements, rng)

    loaded, read_s = read_from_sqlite(changes)
    assert len(loaded) == len(changes)
    book, build_s = timed(lambda: SettingsBook(loaded))
    now, now_s = timed(lambda: [book.resolve(p) for p in placements])
    past = START + dt.timedelta(minutes=20)
    _, past_s = timed(lambda: [book.resolve(p, as_of=past) for p in placements])
    settings = len(now[0])
    from_overrides = sum(1 for effective in now for e in effective.values() if e.sources)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n = len(placements)
    print(f"{n:,} accounts, {len(changes):,} settings changes, {settings} settings each; ")
    print(f"{from_overrides:,} of {n * settings:,} effective values come from a change.\n")
    print("| step | accounts | changes | wall s | accounts/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [
        ("read history from SQLite", read_s),
        ("build SettingsBook", build_s),
        ("resolve all settings, now", now_s),
        ("resolve all settings, as of a past date", past_s),
    ]
    for step, seconds in rows:
        rate = f"{n / seconds:,.0f}" if "resolve" in step else "-"
        print(f"| {step} | {n:,} | {len(changes):,} | {seconds:.2f} | {rate} | {peak_mb:,.0f} |")


if __name__ == "__main__":
    main()
