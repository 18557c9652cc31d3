"""A shadow run's audit export: its trade log, final lots and a history `lots replay` accepts.

Problem: a study's tax figures are only as credible as the trades behind them. A reviewer
must be able to take every trade the simulator made and check, with a tool that is not
the simulator, that they produce the realized gains, wash sales and final lots the report
states.

Rule: from one run's record (shadow_run.RunRecord) and the study's universe and
configuration, build plain rows (dicts of str, int, float, date) — the writer adapter
(reports/simulation_files.py) turns them into CSV, Parquet and JSON:
- `history_document`: the run as the input of `trimtab lots replay`
  (docs/contracts/ledger-replay.md): the one taxable account, the universe's wash groups
  (share classes of one issuer share one), and every transaction the simulator sent its
  ledger, in the same order — the starting lots as buys on their acquisition dates at
  their basis per share, then each buy and sell of the run with the exact quantity and
  price the ledger was given; a sale names its lots by acquisition date (specific
  identification), as the engine chose them. Replaying it gives the run's realized gains
  and final lots exactly.
- `trade_rows`, `lot_rows`, `realized_rows`: the trade log (with each trade's cost and
  realized gain), the open lots at the last close (valued at its prices) and every lot
  relief with its term and wash-sale disallowance.

A number goes into the history as a JSON number whose text is exactly the ledger's
decimal (a float's shortest repr; integers as integers); a value that cannot be written
exactly raises, since a history that replays to different figures would be worse than
none.

Worked example: a run that bought 10 X at $12.5 on 2021-01-04 and sold them on
2021-02-01 from the lot of 2021-01-04 gives the transactions
`{"date": "2021-01-04", "account": "SIM", "security": "X", "action": "buy",
"quantity": 10, "price": 12.5}` and `{..., "action": "sell", "quantity": 10, "price": ...,
"method": "specific", "lots": [{"acquired": "2021-01-04", "quantity": 10}]}`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trimtab.domain.money import round_cents, round_shares, to_decimal
from trimtab.simulate.account import ACCOUNT_ID, HOUSEHOLD_ID, TradeRecord
from trimtab.simulate.shadow_run import InitialLot, RunRecord, StudyConfig
from trimtab.simulate.universe import Universe

__all__ = [
    "LOT_COLUMNS",
    "REALIZED_COLUMNS",
    "TRADE_COLUMNS",
    "Row",
    "exact_number",
    "history_document",
    "lot_rows",
    "realized_rows",
    "trade_rows",
]

Row = dict[str, str | int | float | dt.date | None]

# Each table's columns and their kinds ("str", "float", "date"), in file order, so an
# empty table still has its header and a Parquet file its schema.
TRADE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run", "str"),
    ("date", "date"),
    ("security", "str"),
    ("wash_group", "str"),
    ("side", "str"),  # transfer_in (a starting lot), buy or sell
    ("quantity", "float"),
    ("price", "float"),
    ("value", "float"),
    ("trading_cost", "float"),
    ("realized_gain", "float"),  # sells: before any wash-sale disallowance
    ("realized_loss", "float"),  # sells: the part from lots sold at a loss (≤ 0)
    ("lots", "str"),  # sells: acquired:shares;... (specific identification)
)
LOT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run", "str"),
    ("lot", "str"),
    ("security", "str"),
    ("wash_group", "str"),
    ("quantity", "float"),
    ("cost_basis", "float"),  # total, wash-sale adjustment included
    ("acquired", "date"),
    ("holding_period_start", "date"),
    ("wash_sale_adjustment", "float"),
    ("price", "float"),  # the last close
    ("market_value", "float"),
    ("unrealized_gain", "float"),
    ("term", "str"),  # on the last day
)
REALIZED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run", "str"),
    ("date", "date"),
    ("security", "str"),
    ("quantity", "float"),
    ("proceeds", "float"),
    ("cost_basis", "float"),
    ("gain", "float"),
    ("wash_sale_disallowed", "float"),
    ("deductible_gain", "float"),
    ("term", "str"),
    ("acquired", "date"),
)


def exact_number(value: Decimal | float) -> int | float:
    """A JSON number whose text is exactly `value` (ValueError if no float can say it).

    >>> exact_number(Decimal("100.000000")), exact_number(Decimal("12.5")), exact_number(0.1)
    (100, 12.5, 0.1)
    >>> exact_number(Decimal("0.12345678901234567890"))
    Traceback (most recent call last):
    ...
    ValueError: 0.12345678901234567890 cannot be written as an exact JSON number
    """
    exact = to_decimal(float(value)) if isinstance(value, float) else value
    if exact == exact.to_integral_value():
        return int(exact)
    as_float = float(exact)
    if to_decimal(as_float) != exact:
        raise ValueError(f"{exact} cannot be written as an exact JSON number")
    return as_float


def _shares(quantity: float) -> int | float:
    # The ledger got round_shares(to_decimal(quantity)) (account.py): the same here.
    return exact_number(round_shares(to_decimal(quantity)))


def _wash_groups(universe: Universe) -> dict[str, str]:
    return {t: universe.wash_group(i) for i, t in enumerate(universe.tickers)}


def _starting_lots(config: StudyConfig) -> list[InitialLot]:
    # The order the run's account recorded them in (shadow_run._Run).
    return sorted(config.initial_lots, key=lambda lot: lot.acquired)


def history_document(
    record: RunRecord, universe: Universe, config: StudyConfig
) -> dict[str, object]:
    """The run as a `trimtab lots replay` history (see the module's rule)."""
    transactions: list[dict[str, object]] = [
        {
            "date": lot.acquired.isoformat(),
            "account": ACCOUNT_ID,
            "security": lot.security,
            "action": "buy",
            "quantity": _shares(lot.quantity),
            "price": exact_number(lot.cost_basis),
        }
        for lot in _starting_lots(config)
    ]
    for trade in record.trades:
        entry: dict[str, object] = {
            "date": trade.date.isoformat(),
            "account": ACCOUNT_ID,
            "security": trade.security,
            "action": trade.side,
            "quantity": _shares(trade.quantity),
            "price": exact_number(trade.price),
        }
        if trade.side == "sell":
            entry["method"] = "specific"
            entry["lots"] = [
                {"acquired": pick.acquired.isoformat(), "quantity": exact_number(pick.quantity)}
                for pick in trade.lots
            ]
        transactions.append(entry)
    return {
        "method": "hifo",
        "accounts": [{"id": ACCOUNT_ID, "household": HOUSEHOLD_ID, "tax_status": "taxable"}],
        "wash_groups": _wash_groups(universe),
        "transactions": transactions,
    }


def _lots_text(trade: TradeRecord) -> str:
    return ";".join(f"{p.acquired.isoformat()}:{p.quantity}" for p in trade.lots)


def trade_rows(record: RunRecord, universe: Universe, config: StudyConfig) -> list[Row]:
    """The trade log: the starting lots (`transfer_in`), then every buy and sell."""
    groups = _wash_groups(universe)
    rows: list[Row] = [
        {
            "run": record.name,
            "date": lot.acquired,
            "security": lot.security,
            "wash_group": groups.get(lot.security, lot.security),
            "side": "transfer_in",
            "quantity": float(round_shares(to_decimal(lot.quantity))),
            "price": lot.cost_basis,
            "value": float(round_shares(to_decimal(lot.quantity))) * lot.cost_basis,
            "trading_cost": 0.0,
            "realized_gain": 0.0,
            "realized_loss": 0.0,
            "lots": "",
        }
        for lot in _starting_lots(config)
    ]
    rows += [
        {
            "run": record.name,
            "date": t.date,
            "security": t.security,
            "wash_group": groups.get(t.security, t.security),
            "side": t.side,
            "quantity": t.quantity,
            "price": t.price,
            "value": t.value,
            "trading_cost": t.cost,
            "realized_gain": t.realized_gain,
            "realized_loss": t.realized_loss,
            "lots": _lots_text(t),
        }
        for t in record.trades
    ]
    return rows


def lot_rows(record: RunRecord, universe: Universe) -> list[Row]:
    """The open lots at the last close, valued at its prices."""
    groups = _wash_groups(universe)
    last = record.dates[-1] if record.dates else None
    rows: list[Row] = []
    for lot in record.lots:
        price = record.final_prices.get(lot.security, 0.0)
        value = float(lot.quantity) * price
        rows.append(
            {
                "run": record.name,
                "lot": lot.id,
                "security": lot.security,
                "wash_group": groups.get(lot.security, lot.security),
                "quantity": float(lot.quantity),
                "cost_basis": float(lot.cost_basis),
                "acquired": lot.acquired,
                "holding_period_start": lot.period_start,
                "wash_sale_adjustment": float(lot.wash_sale_adjustment),
                "price": price,
                "market_value": value,
                "unrealized_gain": value - float(lot.cost_basis),
                "term": None if last is None else lot.term_on(last).value,
            }
        )
    return rows


def realized_rows(record: RunRecord) -> list[Row]:
    """Every lot relief (a sale across three lots gives three rows), in ledger order.

    Money is in cents as `trimtab lots replay` answers it (proceeds and basis rounded half
    away from zero, the gain their difference), so the rows compare one for one with its
    `realized`. Their sum can differ from the report's totals, which round once, by up to
    half a cent a row.
    """
    rows: list[Row] = []
    for g in record.realized:
        proceeds, basis = round_cents(g.proceeds), round_cents(g.cost_basis)
        disallowed = round_cents(g.wash_sale_disallowed)
        rows.append(
            {
                "run": record.name,
                "date": g.date,
                "security": g.security,
                "quantity": float(g.quantity),
                "proceeds": float(proceeds),
                "cost_basis": float(basis),
                "gain": float(proceeds - basis),
                "wash_sale_disallowed": float(disallowed),
                "deductible_gain": float(proceeds - basis + disallowed),
                "term": g.term.value,
                "acquired": g.acquired,
            }
        )
    return rows
