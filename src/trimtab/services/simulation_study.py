"""A simulation study assembled from a request: shadow runs of settings profiles on history.

Problem: a study needs a market (a returns file), a window of it, a direct-index universe
built from that window, parsed profiles and cash flows, starting holdings checked
against the market, and a tax model. Assembled in the command line, the same choices
would have to be made again by a web page or a scheduled study, and every entry point
would have to remember to list *every* problem of a request at once.

Rule: `prepare_study(request, read_returns)` checks the whole request and returns either
every problem (paths are the command-line options, e.g. `--start`, `--holdings`) or a
`PreparedStudy`: the window, universe, profiles and configuration, ready to `run` with a
progress callback and, optionally, an executor (one profile per worker). The returns
file is read through `read_returns`, the feeds adapter wired by `trimtab.bootstrap`
(`None` asks for the bundled S&P 500 file). Starting holdings come as the JSON text
`{"cash": X, "lots": [{security, quantity, cost_basis, acquired}]}`; cash in the JSON
replaces `initial_cash`.

    >>> request = StudyRequest(start="2008-01-02", end="2012-12-31", profiles=("tax-max",))
    >>> # prepared, problems = prepare_study(request, bootstrap.returns_reader())
    >>> # study, problems = prepared.run(progress=lambda name, days: None)
    >>> request.schedule, request.weighting
    ('daily', 'cap_like')
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from trimtab.domain.problems import Problem
from trimtab.simulate.market import MarketHistory
from trimtab.simulate.profiles import (
    CashFlow,
    Profile,
    Schedule,
    parse_cash_flow,
    parse_profile,
)
from trimtab.simulate.shadow_run import InitialLot, StudyConfig
from trimtab.simulate.study import Study, run_study
from trimtab.simulate.taxes import UNLIMITED, LossUse, TaxModel
from trimtab.simulate.universe import Swaps, Universe, Weighting, build_universe

__all__ = [
    "PreparedStudy",
    "ReadReturns",
    "StudyRequest",
    "prepare_study",
]

# The feeds adapter: a daily returns file (None: the bundled one) -> market, or problems.
ReadReturns = Callable[[Path | None], tuple[MarketHistory | None, list[Problem]]]
Progress = Callable[[str, int], None]  # (run name, days done so far in that run)


@dataclass(frozen=True)
class StudyRequest:
    """What a study is asked for, as typed by its user (checked by `prepare_study`)."""

    returns: Path | None = None
    start: str | None = None
    end: str | None = None
    schedule: str = "daily"
    profiles: tuple[str, ...] = ("tax-naive", "tax-aware")
    initial_cash: float = 1_000_000.0
    holdings: str | None = None  # the holdings JSON text
    contributions: tuple[str, ...] = ()
    withdrawals: tuple[str, ...] = ()
    stocks: int = 0  # the first N stocks of the file; 0 for all
    sectors: int = 11
    swaps: str = "pairs"  # harvest replacements: risk-model pairs, or fixed swap sets
    set_size: int = 3
    weighting: str = "cap_like"
    band_share: float = 0.25
    cost_rate: float = 0.0005
    short_term_rate: float = 0.408
    long_term_rate: float = 0.238
    ordinary_rate: float = 0.408
    ordinary_offset: float = 3000.0
    loss_use: str = "carryforward"
    outside_gains: str | None = None  # "AMOUNT/yearly": net gains outside the portfolio
    outside_short_share: float = 0.0
    carryforward_discount: float = 0.05


@dataclass(frozen=True, eq=False)
class PreparedStudy:
    """A checked study: run it with a progress callback (and an executor, if any)."""

    market: MarketHistory  # the window studied
    universe: Universe
    profiles: tuple[Profile, ...]
    config: StudyConfig

    @property
    def names(self) -> list[str]:
        """The runs, in the order they are reported: the benchmark, then each profile."""
        return ["buy-and-hold", *(p.name for p in self.profiles)]

    @property
    def days(self) -> int:
        return len(self.market.dates)

    def run(
        self, *, progress: Progress | None = None, executor: Executor | None = None
    ) -> tuple[Study | None, list[Problem]]:
        try:
            study = run_study(
                self.market,
                self.universe,
                self.profiles,
                self.config,
                progress=progress,
                executor=executor,
            )
        except (ValueError, RuntimeError) as error:
            return None, [Problem("", f"the simulation stopped: {error}")]
        return study, []


def prepare_study(
    request: StudyRequest, read_returns: ReadReturns
) -> tuple[PreparedStudy | None, list[Problem]]:
    """Check the whole request; every problem at once, or the study ready to run."""
    problems: list[Problem] = []
    first = _date(request.start, "--start", problems)
    last = _date(request.end, "--end", problems)
    profiles: list[Profile] = []
    for text in request.profiles:
        parsed, wrong = parse_profile(text)
        profiles.append(parsed)
        problems += wrong
    if len({p.name for p in profiles}) != len(profiles):
        problems.append(Problem("--profile", "two profiles have the same name"))
    contributions = _flows(request.contributions, "--contribution", problems)
    withdrawals = _flows(request.withdrawals, "--withdrawal", problems)
    for option, value, kind in (
        ("--schedule", request.schedule, Schedule),
        ("--weighting", request.weighting, Weighting),
        ("--swaps", request.swaps, Swaps),
        ("--loss-use", request.loss_use, LossUse),
    ):
        if value not in {k.value for k in kind}:
            choices = ", ".join(k.value for k in kind)
            problems.append(Problem(option, f"must be one of {choices}; got {value!r}"))
    outside = _outside_gains(request, problems)
    market, wrong = read_returns(request.returns)
    problems += wrong
    cash, lots = request.initial_cash, list[InitialLot]()
    if request.holdings is not None:
        cash, lots = _holdings(request.holdings, problems)
    if problems or market is None:
        return None, problems

    if request.stocks:
        market = market.columns(market.tickers[: request.stocks])
    unknown = sorted({lot.security for lot in lots} - set(market.tickers))
    if unknown:
        message = f"securities not in the returns file: {', '.join(unknown)}"
        return None, [Problem("--holdings", message)]
    window = market.window(first, last)
    if len(window.dates) < 2:
        message = "the window holds fewer than two trading days of the file"
        return None, [Problem("--start/--end", message)]
    late = [lot for lot in lots if lot.acquired > window.dates[0]]
    if late:
        message = f"a lot of {late[0].security} is acquired after {window.dates[0]}"
        return None, [Problem("--holdings", message)]

    tax = TaxModel(
        request.short_term_rate,
        request.long_term_rate,
        request.ordinary_rate,
        request.ordinary_offset,
        LossUse(request.loss_use),
        outside,
        request.outside_short_share,
        request.carryforward_discount,
    )
    config = StudyConfig(
        initial_cash=cash,
        initial_lots=tuple(lots),
        contributions=tuple(contributions),
        withdrawals=tuple(withdrawals),
        tax=tax,
        cost_rate=request.cost_rate,
        band_share=request.band_share,
        schedule=Schedule(request.schedule),
    )
    universe = build_universe(
        window,
        n_sectors=request.sectors,
        set_size=request.set_size,
        weighting=Weighting(request.weighting),
        swaps=Swaps(request.swaps),
    )
    return PreparedStudy(window, universe, tuple(profiles), config), []


def _date(value: str | None, option: str, problems: list[Problem]) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(option, f"{value!r} is not a YYYY-MM-DD date"))
        return None


def _outside_gains(request: StudyRequest, problems: list[Problem]) -> float | None:
    """`--outside-gains AMOUNT/yearly` (or AMOUNT) in dollars a year; None when not given."""
    if not 0 <= request.outside_short_share <= 1:
        message = f"must be a fraction between 0 and 1; got {request.outside_short_share}"
        problems.append(Problem("--outside-short-share", message))
    if not 0 <= request.carryforward_discount <= 1:
        message = f"must be a rate between 0 and 1; got {request.carryforward_discount}"
        problems.append(Problem("--carryforward-discount", message))
    text = request.outside_gains
    if text is None:
        return None
    amount, _, period = text.strip().replace(",", "").partition("/")
    try:
        dollars = float(amount.removeprefix("$"))
    except ValueError:
        dollars = math.nan
    if period.strip().lower() not in ("", "yearly") or not 0 <= dollars <= UNLIMITED:
        message = f"must be dollars ≥ 0 a year, like 50000/yearly; got {text!r}"
        problems.append(Problem("--outside-gains", message))
        return None
    if request.loss_use == LossUse.IMMEDIATE:
        message = (
            "the immediate preset already assumes unlimited outside long-term gains; "
            "give --outside-gains with --loss-use carryforward (the default), or drop it"
        )
        problems.append(Problem("--outside-gains", message))
        return None
    return dollars


def _flows(texts: tuple[str, ...], option: str, problems: list[Problem]) -> list[CashFlow]:
    flows: list[CashFlow] = []
    for text in texts:
        flow, wrong = parse_cash_flow(text, option=option)
        problems += wrong
        if flow is not None:
            flows.append(flow)
    return flows


def _holdings(text: str, problems: list[Problem]) -> tuple[float, list[InitialLot]]:
    try:
        data = json.loads(text)
    except ValueError as error:
        problems.append(Problem("--holdings", f"not JSON: {error}"))
        return 0.0, []
    if not isinstance(data, dict) or not isinstance(data.get("lots", []), list):
        problems.append(Problem("--holdings", 'expected {"cash": X, "lots": [...]}'))
        return 0.0, []
    cash = data.get("cash", 0.0)
    if isinstance(cash, bool) or not isinstance(cash, int | float) or cash < 0:
        problems.append(Problem("--holdings", "cash must be a number ≥ 0"))
        cash = 0.0
    lots: list[InitialLot] = []
    for i, item in enumerate(data.get("lots", [])):
        try:
            lot = InitialLot(
                str(item["security"]),
                float(item["quantity"]),
                float(item["cost_basis"]),
                dt.date.fromisoformat(str(item["acquired"])),
            )
        except (KeyError, TypeError, ValueError):
            problems.append(
                Problem(
                    f"--holdings: lots[{i}]",
                    "needs security, quantity > 0, cost_basis ≥ 0 (per share) "
                    "and acquired (YYYY-MM-DD)",
                )
            )
            continue
        if lot.quantity <= 0 or lot.cost_basis < 0:
            problems.append(
                Problem(f"--holdings: lots[{i}]", "quantity must be > 0 and cost_basis ≥ 0")
            )
            continue
        lots.append(lot)
    return float(cash), lots
