"""Records of every analysis, decision, order and fill: split into shared parts, chained.

Problem: the nightly run keeps, for every account every night, the exact inputs of its
analysis (lots, prices, cash, target with versions, effective settings with their
sources, restrictions, optimizer parameters) and its result — about 16 KB of JSON. Some
of it is the same for many accounts on one night (the prices of a set of securities, a
target's groups and versions, the firm's settings); most of the rest is the same as the
account's own record of the night before (the lots it did not trade, its securities,
its recent trades). The records must also show that nobody changed, removed or slipped
one in afterwards.

Rule (format 3):
- What the accounts of a target share is one *part*, a JSON value stored once under the
  SHA-256 of its canonical JSON (`part_hash`): `shared` holds the target's versions,
  the effective settings with their sources and the case's lists other than the
  account's own (the target's groups). Tonight's `prices` (one number per security of
  the case) is a part too: accounts holding the same securities share it.
- Everything else is the account's own and stays in the record's content: the case's
  securities (ids, cost rates, wash groups), restrictions, tax rates and parameters,
  tonight's cash, lots and recent trades (as columns: `_table`), the calibrated
  settings, the result with its optimizer parameters, the reasons, status and routing.
  A part per account would cost a stored hash and an index entry and never be shared;
  instead the store compresses the content against the account's earlier record
  (store/record_repository.py), so what did not change since costs next to nothing.
- Nothing derivable is stored: a post-trade row's drift is `weight − target` and its
  distance out of band `max(0, |drift| − band)`, both rounded to 6 places (the engine's
  `GroupWeight`). The split checks each against the recorded value and keeps the few
  that differ (the engine rounds the unrounded weight) as exceptions, so the join
  rebuilds every value exactly. These two formulas are part of formats 2 and 3: changing
  them would change what old records read back, so a new rule is a new format.
- Content of format 2 (a manifest part; lots, recent trades, parameters and the
  post-trade frame as parts of their own) and of the first format (`"format"` absent:
  inputs, prices and result as three parts) is joined by their own code, kept as it
  was: old records stay readable, verifiable and replayable.
- `split_analysis` and `join_analysis` are exact inverses: joining gives back a record
  equal to the one split (same keys, same values, floats bit for bit), so the engine case
  rebuilt from a record re-runs to the recorded result. A case or result of an
  unexpected shape is kept whole as one part, never half-split.
- Every record (kind `analysis`, `decision`, `order`, `fill`) is an entry of one chain
  (`domain.chain`, the audit trail's implementation): `hash = sha256(canonical content
  + previous record's hash)`, its content covering the part hashes, which cover the
  parts. Changing a part changes its hash; so the record naming it no longer matches.
  The canonical text is made once (`RecordDraft.content_text`): hashed, then stored.

Worked example: two accounts on one night holding the same securities share one prices
part; the record joins back to exactly what was split.

    >>> case = {"as_of": "2025-06-30", "account": {"id": "A-1", "tax_status": "taxable",
    ...         "cash": 100.0}, "tax": {}, "securities": [{"id": "VTI", "price": 250.5,
    ...         "cost_rate": 0.0005, "wash_group": "VTI"}], "groups": [], "lots": [],
    ...         "recent_trades": [], "settings": {}, "parameters": {}}
    >>> record = {"case": case, "versions": [], "settings": [], "result": None,
    ...           "reasons": []}
    >>> content, parts = split_analysis(record, account="A-1", as_of="2025-06-30")
    >>> parts[content["nightly"]["prices"]], content["nightly"]["cash"]
    ([250.5], 100.0)
    >>> sorted(parts) == sorted([content["shared"], content["nightly"]["prices"]])
    True
    >>> join_analysis(content, parts.__getitem__, account="A-1", as_of="2025-06-30") == record
    True
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from trimtab.domain.chain import dumps, link, utc_iso
from trimtab.domain.money import round_float

__all__ = [
    "RECORD_KEYS",
    "Parts",
    "RecordDraft",
    "RecordEntry",
    "RecordKind",
    "join_analysis",
    "part_hash",
    "part_refs",
    "seal",
    "split_analysis",
]

RECORD_KEYS = ("case", "versions", "settings", "result", "reasons")
"""The keys of an analysis record as the review desk reads it (`record_of`)."""

_FLAGS = ("no_buy", "no_sell", "must_sell")
_SECURITY_KEYS = frozenset({"id", "price", "cost_rate", "wash_group", *_FLAGS})
_POST_TRADE_GROUP = ("id", "weight", "target", "drift", "band", "out_of_band")
_FRAME = ("id", "target", "band")  # what a post-trade row shares with the target
_VALUES = ("weight", "drift", "out_of_band")  # what moves every night
FORMAT = 3
"""The analysis content `split_analysis` writes; `join_analysis` reads formats 1 and 2 too."""
_NIGHTLY = ("lots", "recent_trades", "settings")  # case inputs that move night to night
_OWN = ("cash", "prices")  # tonight's inputs that are not case keys of their own


def part_hash(value: object) -> str:
    """The content address of a part: SHA-256 of its canonical JSON."""
    return hashlib.sha256(dumps(value).encode()).hexdigest()


class Parts(dict[str, object]):
    """The parts of one record, by hash, as they are split off, with each one's canonical
    JSON (`texts`): the store compresses the very text that was hashed instead of
    serializing every part a second time."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}

    def put(self, value: object) -> str:
        text = dumps(value)
        key = hashlib.sha256(text.encode()).hexdigest()
        self[key] = value
        self.texts[key] = text
        return key

    def merge(self, other: Parts) -> None:
        self.update(other)
        self.texts.update(other.texts)


def _table(rows: list[Any]) -> dict[str, Any] | None:
    """Rows of dicts as columns, one list per key; None when they are not all dicts.

    Lots are dozens of rows repeating the same keys; as columns their JSON is a third
    shorter and compresses better (`quantity` next to `quantity`). A key some rows lack
    (a recent trade's `realized_gain` is a sell's) is listed under `absent` with the
    rows that lack it, its column holding null there: so a night that adds a sell
    keeps the table's shape, and the record compresses against the night before."""
    if not rows or not all(isinstance(r, dict) for r in rows):
        return None
    keys = sorted({k for r in rows for k in r})
    if not keys or not all(isinstance(k, str) for k in keys):
        return None  # no column to count the rows by
    table: dict[str, Any] = {"keys": keys, "columns": [[r.get(k) for r in rows] for k in keys]}
    absent = {k: [i for i, r in enumerate(rows) if k not in r] for k in keys}
    if any(absent.values()):
        table["absent"] = {k: rows_without for k, rows_without in absent.items() if rows_without}
    return table


def _rows(table: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys, columns = table["keys"], table["columns"]
    rows = [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]
    for key, without in table.get("absent", {}).items():
        for i in without:
            del rows[i][key]
    return rows


def _usual_case(case: object, *, account: str, as_of: str) -> bool:
    """Whether a case has the shape the split knows (anything else is kept whole)."""
    if not isinstance(case, Mapping):
        return False
    acct, securities = case.get("account"), case.get("securities")
    return (
        case.get("as_of") == as_of
        and not case.keys() & {"restrictions", "whole_case"}  # the split's own words
        and isinstance(acct, dict)
        and acct.get("id") == account
        and isinstance(acct.get("cash"), int | float)
        and isinstance(securities, list)
        and all(
            isinstance(s, dict) and _SECURITY_KEYS >= s.keys() >= {"id", "price"}
            for s in securities
        )
        and all(s.get(flag, True) is True for s in securities for flag in _FLAGS)
    )


def _securities(
    universe: list[dict[str, Any]], prices: list[Any], restrictions: Mapping[str, Any]
) -> list[dict[str, Any]]:
    flags = {f: set(restrictions.get(f, ())) for f in _FLAGS}
    securities = []
    for entry, price in zip(universe, prices, strict=True):
        security = {"id": entry["id"], "price": price, **entry}
        for f in _FLAGS:
            if entry["id"] in flags[f]:
                security[f] = True
        securities.append(security)
    return securities


def _drift(weight: float, target: float) -> float:
    return round_float(weight - target, 6)


def _out_of_band(drift: float, band: float) -> float:
    return round_float(max(0.0, abs(drift) - band), 6)


def _drift_differs(g: Mapping[str, Any]) -> bool:
    derived = _drift(g["weight"], g["target"])
    return derived != g["drift"] or repr(derived) != repr(g["drift"])


def _outside_differs(g: Mapping[str, Any]) -> bool:
    derived = _out_of_band(g["drift"], g["band"])
    return derived != g["out_of_band"] or repr(derived) != repr(g["out_of_band"])


def _split_post_trade(post: object) -> tuple[list[Any], dict[str, Any]] | None:
    """(the frame: ids, targets, bands; the night's weights and the exceptions to the
    derived drift and out-of-band) of a post-trade table; None when not of the usual shape."""
    groups = post.get("groups") if isinstance(post, dict) else None
    if not (
        isinstance(post, dict)
        and isinstance(groups, list)
        and all(isinstance(g, dict) and tuple(g) == _POST_TRADE_GROUP for g in groups)
        and all(isinstance(g[k], float) for g in groups for k in _VALUES)
        and all(isinstance(g[k], int | float) for g in groups for k in ("target", "band"))
    ):
        return None
    table: dict[str, Any] = {
        "weight": [g["weight"] for g in groups],
        "rest": {k: v for k, v in post.items() if k != "groups"},
    }
    drift = [[i, g["drift"]] for i, g in enumerate(groups) if _drift_differs(g)]
    outside = [[i, g["out_of_band"]] for i, g in enumerate(groups) if _outside_differs(g)]
    if drift:
        table["drift"] = drift
    if outside:
        table["out_of_band"] = outside
    return [[g[k] for k in _FRAME] for g in groups], table


def _join_post_trade(post: Mapping[str, Any], frame: list[Any]) -> dict[str, Any]:
    drifts, outside = dict(post.get("drift", ())), dict(post.get("out_of_band", ()))
    groups = []
    for i, ((gid, target, band), weight) in enumerate(zip(frame, post["weight"], strict=True)):
        drift = drifts[i] if i in drifts else _drift(weight, target)
        groups.append(
            {
                "id": gid,
                "weight": weight,
                "target": target,
                "drift": drift,
                "band": band,
                "out_of_band": outside[i] if i in outside else _out_of_band(drift, band),
            }
        )
    return {**post["rest"], "groups": groups}


# -- format 3: what the accounts of a target share, one part; the rest in the record ---


def _split_case(
    case: Mapping[str, Any], shared: dict[str, Any], parts: Parts
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the account's stable inputs, tonight's inputs) of a case of the usual shape; what
    the accounts of a target share goes into `shared`."""
    acct, securities = case["account"], case["securities"]
    flags = {f: [s["id"] for s in securities if s.get(f)] for f in _FLAGS}
    inputs: dict[str, Any] = {
        "account": {k: v for k, v in acct.items() if k not in ("id", "cash")},
        # The case's securities are the target's and whatever else the account holds:
        # the account's own, like the post-trade frame.
        "securities": [
            {k: v for k, v in s.items() if k != "price" and k not in _FLAGS} for s in securities
        ],
        "restrictions": {f: ids for f, ids in flags.items() if ids},
    }
    # Accounts holding the same securities share tonight's prices.
    nightly: dict[str, Any] = {
        "cash": acct["cash"],
        "prices": parts.put([s["price"] for s in securities]),
    }
    lists: dict[str, Any] = {}
    for key, value in case.items():
        if key in ("as_of", "account", "securities"):
            continue
        if key in _NIGHTLY:
            # The account's own: they stay in the record, whose stored body is compressed
            # against the account's earlier record (store/record_repository.py).
            table = _table(value) if isinstance(value, list) else None
            nightly[key] = {"value": value} if table is None else {"columns": table}
        elif isinstance(value, list):
            lists[key] = value  # a target's groups: shared
        else:
            inputs[key] = value  # tax rates, parameters: small
    shared["lists"] = lists
    return inputs, nightly


def _join_case(
    content: Mapping[str, Any],
    shared: Mapping[str, Any],
    get: Callable[[str], Any],
    *,
    account: str,
    as_of: str,
) -> dict[str, Any]:
    inputs, nightly = content["inputs"], content["nightly"]
    prices = get(nightly["prices"])
    case: dict[str, Any] = {
        "as_of": as_of,
        "account": {"id": account, **inputs["account"], "cash": nightly["cash"]},
        "securities": _securities(inputs["securities"], prices, inputs["restrictions"]),
        **shared["lists"],
    }
    for key, value in inputs.items():
        if key not in ("account", "securities", "restrictions"):
            case[key] = value
    for key, entry in nightly.items():
        if key not in _OWN:
            case[key] = _rows(entry["columns"]) if "columns" in entry else entry["value"]
    return case


def _split_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """The result, its post-trade table as a frame (ids, targets, bands) and the night's
    weights, drift and out-of-band left to be derived (see the module doc)."""
    split: dict[str, Any] = {
        "result": {k: v for k, v in result.items() if k != "post_trade"},
    }
    found = _split_post_trade(result.get("post_trade"))
    if found is not None:
        frame, split["post_trade"] = found
        split["post_trade"]["frame"] = frame
    elif "post_trade" in result:
        split["result"]["post_trade"] = result["post_trade"]
    return split


def split_analysis(
    record: Mapping[str, Any], *, account: str, as_of: str
) -> tuple[dict[str, Any], Parts]:
    """(the record's own content, its parts by hash): see the module doc.

    `record` holds the five `RECORD_KEYS` and may add `status` and `routing`, kept in
    the content as they are."""
    parts = Parts()
    shared: dict[str, Any] = {
        "versions": list(record["versions"]),
        "settings": list(record["settings"]),
    }
    content: dict[str, Any] = {"format": FORMAT, "reasons": list(record["reasons"])}
    for key in ("status", "routing"):
        if key in record:
            content[key] = record[key]
    case = record["case"]
    if case is None:
        content["inputs"] = None
    elif _usual_case(case, account=account, as_of=as_of):
        content["inputs"], content["nightly"] = _split_case(case, shared, parts)
    else:
        content["inputs"] = {"whole_case": parts.put(case)}
    result = record["result"]
    content["result"] = None if result is None else _split_result(result)
    content["shared"] = parts.put(shared)
    return content, parts


def join_analysis(
    content: Mapping[str, Any], get: Callable[[str], Any], *, account: str, as_of: str
) -> dict[str, Any]:
    """The record `split_analysis` split, from its content and a part look-up."""
    if content.get("format") == 2:
        return _join_v2(content, get, account=account, as_of=as_of)
    if content.get("format") != FORMAT:
        return _join_v1(content, get, account=account, as_of=as_of)
    shared = get(content["shared"])
    inputs = content["inputs"]
    case: dict[str, Any] | None = None
    if inputs is not None and "whole_case" in inputs:
        case = get(inputs["whole_case"])
    elif inputs is not None:
        case = _join_case(content, shared, get, account=account, as_of=as_of)
    result: dict[str, Any] | None = None
    if content["result"] is not None:
        split = content["result"]
        result = dict(split["result"])
        if "post_trade" in split:
            post = split["post_trade"]
            result["post_trade"] = _join_post_trade(post, post["frame"])
    return {
        "case": case,
        "versions": shared["versions"],
        "settings": shared["settings"],
        "result": result,
        "reasons": list(content["reasons"]),
    }


# -- format 2 (migration 0016 until format 3), read only -------------------------------


def _get_list(ref: Mapping[str, str], get: Callable[[str], Any]) -> Any:
    return _rows(get(ref["table"])) if "table" in ref else get(ref["part"])


def _join_case_v2(
    stable: Mapping[str, Any],
    nightly: Mapping[str, Any],
    get: Callable[[str], Any],
    *,
    account: str,
    as_of: str,
) -> dict[str, Any]:
    prices = get(nightly["prices"])
    case: dict[str, Any] = {
        "as_of": as_of,
        "account": {"id": account, **stable["account"], "cash": nightly["cash"]},
        "securities": _securities(get(stable["securities"]), prices, stable["restrictions"]),
    }
    for source, own in ((stable, ("account", "securities", "restrictions")), (nightly, _OWN)):
        for key, value in source.items():
            if key not in own:
                case[key] = value["value"] if "value" in value else _get_list(value, get)
    return case


def _join_result_v2(split: Mapping[str, Any], get: Callable[[str], Any]) -> dict[str, Any]:
    result = dict(split["result"])
    if "parameters" in split:
        result["parameters"] = get(split["parameters"])
    post = split.get("post_trade")
    if post is not None:
        result["post_trade"] = _join_post_trade(post, get(post["frame"]))
    return result


def _join_v2(
    content: Mapping[str, Any], get: Callable[[str], Any], *, account: str, as_of: str
) -> dict[str, Any]:
    """Format 2: a manifest part (`inputs`) and lots, recent trades and parameters as
    parts of their own."""
    inputs = get(content["inputs"])
    case: dict[str, Any] | None
    if "case" in inputs:
        case = _join_case_v2(inputs["case"], content["nightly"], get, account=account, as_of=as_of)
    else:
        case = get(inputs["whole_case"]) if "whole_case" in inputs else None
    result = None if content["result"] is None else _join_result_v2(content["result"], get)
    return {
        "case": case,
        "versions": get(inputs["versions"]),
        "settings": get(inputs["settings"]),
        "result": result,
        "reasons": list(content["reasons"]),
    }


# -- the first format (before format 2), read only ----------------------------------


def _join_case_v1(
    stable: Mapping[str, Any],
    prices: list[Any],
    cash: Any,
    get: Callable[[str], Any],
    *,
    account: str,
    as_of: str,
) -> dict[str, Any]:
    flags = {f: set(stable["restrictions"].get(f, ())) for f in _FLAGS}
    securities = []
    for entry, price in zip(get(stable["securities"]), prices, strict=True):
        security = {"id": entry["id"], "price": price, **entry}
        for f in _FLAGS:
            if entry["id"] in flags[f]:
                security[f] = True
        securities.append(security)
    case: dict[str, Any] = {
        "as_of": as_of,
        "account": {"id": account, **stable["account"], "cash": cash},
        "securities": securities,
    }
    for key, value in stable.items():
        if key in ("account", "securities", "restrictions"):
            continue
        case[key] = get(value["part"]) if "part" in value else value["value"]
    return case


def _join_result_v1(split: Mapping[str, Any], get: Callable[[str], Any]) -> dict[str, Any]:
    result = dict(split["result"])
    if "parameters" in split:
        result["parameters"] = get(split["parameters"])
    post = split.get("post_trade")
    if post is not None:
        frame, columns = get(post["frame"]), post["columns"]
        groups = []
        for i, (gid, target, band) in enumerate(frame):
            row = {"id": gid, "target": target, "band": band}
            row.update({k: columns[k][i] for k in _VALUES})
            groups.append({k: row[k] for k in _POST_TRADE_GROUP})
        result["post_trade"] = {**post["rest"], "groups": groups}
    return result


def _join_v1(
    content: Mapping[str, Any], get: Callable[[str], Any], *, account: str, as_of: str
) -> dict[str, Any]:
    """A record of the first format: inputs, prices and result as three parts."""
    inputs = get(content["inputs"])
    case: dict[str, Any] | None
    if "case" in inputs:
        prices = get(content["prices"])
        case = _join_case_v1(
            inputs["case"], prices, content["cash"], get, account=account, as_of=as_of
        )
    else:
        case = get(inputs["whole_case"]) if "whole_case" in inputs else None
    result = None if content["result"] is None else _join_result_v1(get(content["result"]), get)
    return {
        "case": case,
        "versions": get(inputs["versions"]),
        "settings": get(inputs["settings"]),
        "result": result,
        "reasons": list(content["reasons"]),
    }


def _list_refs(name: str, entry: Any) -> Iterator[tuple[str, str]]:
    if isinstance(entry, dict):
        for key in ("part", "table"):
            if isinstance(entry.get(key), str):
                yield name, entry[key]


def part_refs(name: str, value: Any) -> Iterator[tuple[str, str]]:
    """(name, hash) of every part a part or a record's content names directly."""
    if not isinstance(value, dict):
        return
    if name == "content" and value.get("format") == FORMAT:
        for key in ("shared",):
            if isinstance(value.get(key), str):
                yield key, value[key]
        inputs = value.get("inputs") or {}
        if isinstance(inputs, dict) and isinstance(inputs.get("whole_case"), str):
            yield "whole_case", inputs["whole_case"]
        nightly = value.get("nightly") or {}
        if isinstance(nightly, dict) and isinstance(nightly.get("prices"), str):
            yield "prices", nightly["prices"]
        return
    if name == "content" and value.get("format") == 2:
        if isinstance(value.get("inputs"), str):
            yield "inputs", value["inputs"]
        nightly = value.get("nightly") or {}
        if isinstance(nightly.get("prices"), str):
            yield "prices", nightly["prices"]
        for key, entry in nightly.items():
            yield from _list_refs(key, entry)
        yield from part_refs("result", value.get("result"))
        return
    if name == "content":
        for key in ("inputs", "prices", "result"):
            if isinstance(value.get(key), str):
                yield key, value[key]
        return
    if name == "inputs":
        for key in ("versions", "settings", "whole_case"):
            if key in value:
                yield key, value[key]
        case = value.get("case") or {}
        if "securities" in case:
            yield "securities", case["securities"]
        for key, entry in case.items():
            yield from _list_refs(key, entry)
    if name == "result":
        if isinstance(value.get("parameters"), str):
            yield "parameters", value["parameters"]
        post = value.get("post_trade")
        if isinstance(post, dict) and isinstance(post.get("frame"), str):
            yield "post_trade", post["frame"]


class RecordKind(StrEnum):
    ANALYSIS = "analysis"
    DECISION = "decision"
    ORDER = "order"
    FILL = "fill"


@dataclass(frozen=True)
class RecordDraft:
    """One record before the chain numbers and seals it."""

    kind: RecordKind
    run_id: str | None
    account: str
    as_of: dt.date | None
    at: dt.datetime
    content: Mapping[str, Any] = field(hash=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"a record's time must be timezone-aware, got {self.at!r}")

    @cached_property
    def content_text(self) -> str:
        """The content's canonical JSON, made once: the hash covers it and the store
        compresses it."""
        return dumps(self.content)

    def canonical(self, seq: int) -> str:
        """The exact text the hash covers: sorted keys, no spaces, UTC times — the
        canonical JSON of {seq, kind, run, account, as_of, at, content}, assembled
        around `content_text` in the keys' sorted order instead of serializing the
        content again."""
        before = dumps(
            {
                "account": self.account,
                "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "at": utc_iso(self.at),
            }
        )
        after = dumps({"kind": self.kind.value, "run": self.run_id, "seq": seq})
        return f'{before[:-1]},"content":{self.content_text},{after[1:]}'


@dataclass(frozen=True)
class RecordEntry:
    """A stored record: its draft's fields, its place in the chain and its links."""

    seq: int
    draft: RecordDraft
    previous_hash: str
    hash: str

    @property
    def at(self) -> dt.datetime:
        return self.draft.at

    @property
    def action(self) -> str:
        """What the record is, in the words `records verify` names it with."""
        d = self.draft
        run = f" in run {d.run_id}" if d.run_id else ""
        what = d.content.get("id") or d.content.get("action") or ""
        label = (
            f" {what}"
            if isinstance(what, str) and what and d.kind is not RecordKind.ANALYSIS
            else ""
        )
        return f"{d.kind.value}{label} of {d.account}{run}"

    def hash_at(self, seq: int) -> str:
        return link(self.draft.canonical(seq), self.previous_hash)


def seal(draft: RecordDraft, seq: int, previous_hash: str) -> RecordEntry:
    """The record `draft` becomes at `seq`, after the record whose hash is `previous_hash`."""
    if seq < 1:
        raise ValueError(f"records are numbered from 1, got {seq}")
    return RecordEntry(seq, draft, previous_hash, link(draft.canonical(seq), previous_hash))
