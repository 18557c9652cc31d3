"""Records of every analysis, decision, order and fill: split into shared parts, chained.

Problem: the nightly run keeps, for every account every night, the exact inputs of its
analysis (lots, prices, cash, target with versions, effective settings with their
sources, restrictions, optimizer parameters) and its result — about 16 KB of JSON. Most
of it does not change from one night to the next (an account's lots, target and
settings), and much of it is the same for many accounts on one night (the prices of a
set of securities, a target's groups, the firm's parameters). The records must also show
that nobody changed, removed or slipped one in afterwards.

Rule:
- An analysis record is split into *parts*, each a JSON value stored once under the
  SHA-256 of its canonical JSON (`part_hash`). What stays the same from night to night,
  or is the same for many accounts, is a part: the `inputs` manifest (the stable
  inputs' own part hashes — securities, the target's groups, versions, effective
  settings — with the tax rates, restrictions and case parameters inline), the `prices`
  (one number per security of the case), the resolved optimizer parameters and the
  post-trade table's fixed columns (ids, targets, bands). What is new every night stays
  in the record's own content, never a part of its own (a part costs a stored hash and
  an index entry and is never shared): the cash, the calibrated settings (year-to-date
  gains move nightly), the result, and references to the lots and recent trades —
  parts of their own, as rows of columns, because they survive the nights the account
  does not trade. An account whose target and settings did not change reuses its
  manifest; accounts holding the same securities share tonight's prices.
- Nothing derivable is stored: a post-trade row's drift is `weight − target` and its
  distance out of band `max(0, |drift| − band)`, both rounded to 6 places (the engine's
  `GroupWeight`). The split checks each against the recorded value and keeps the few
  that differ (the engine rounds the unrounded weight) as exceptions, so the join
  rebuilds every value exactly. These two formulas are part of format 2: changing them
  would change what old records read back, so a new rule is a new format.
- Content written before format 2 (`"format"` absent: inputs, prices and result as
  three parts) is joined by the first format's code, kept as it was.
- `split_analysis` and `join_analysis` are exact inverses: joining gives back a record
  equal to the one split (same keys, same values, floats bit for bit), so the engine case
  rebuilt from a record re-runs to the recorded result. A case or result of an
  unexpected shape is kept whole as one part, never half-split.
- Every record (kind `analysis`, `decision`, `order`, `fill`) is an entry of one chain
  (`domain.chain`, the audit trail's implementation): `hash = sha256(canonical content
  + previous record's hash)`, its content covering the part hashes, which cover the
  parts. Changing a part changes its hash; so the record naming it no longer matches.

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
    >>> join_analysis(content, parts.__getitem__, account="A-1", as_of="2025-06-30") == record
    True
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trimtab.domain.chain import dumps, link, utc_iso
from trimtab.domain.money import round_float

__all__ = [
    "RECORD_KEYS",
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
FORMAT = 2
"""The analysis content `split_analysis` writes; `join_analysis` also reads the first."""
_NIGHTLY = ("lots", "recent_trades", "settings")  # case inputs that move night to night
_OWN = ("cash", "prices")  # tonight's inputs that are not case keys of their own


def part_hash(value: object) -> str:
    """The content address of a part: SHA-256 of its canonical JSON."""
    return hashlib.sha256(dumps(value).encode()).hexdigest()


class _Parts:
    """The parts of one record, by hash, as they are split off."""

    def __init__(self) -> None:
        self.found: dict[str, object] = {}

    def put(self, value: object) -> str:
        key = part_hash(value)
        self.found[key] = value
        return key


def _table(rows: list[Any]) -> dict[str, Any] | None:
    """Rows of one shape (dicts with the same keys) as columns; None when they are not.

    Lots and recent trades are dozens of rows repeating the same keys; as columns their
    JSON is a third shorter and compresses better (`quantity` next to `quantity`)."""
    if not rows or not all(isinstance(r, dict) for r in rows):
        return None
    keys = sorted(rows[0])
    if not all(isinstance(k, str) for k in keys) or not all(sorted(r) == keys for r in rows):
        return None
    return {"keys": keys, "columns": [[r[k] for r in rows] for k in keys]}


def _rows(table: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys, columns = table["keys"], table["columns"]
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]


def _put_list(parts: _Parts, rows: list[Any]) -> dict[str, str]:
    table = _table(rows)
    return {"part": parts.put(rows)} if table is None else {"table": parts.put(table)}


def _get_list(ref: Mapping[str, str], get: Callable[[str], Any]) -> Any:
    return _rows(get(ref["table"])) if "table" in ref else get(ref["part"])


def _split_case(
    case: Mapping[str, Any], parts: _Parts, *, account: str, as_of: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(stable inputs, tonight's inputs) of a case; None when its shape is not the usual one."""
    if not isinstance(case, Mapping):
        return None
    acct, securities = case.get("account"), case.get("securities")
    if (
        case.get("as_of") != as_of
        or not isinstance(acct, dict)
        or acct.get("id") != account
        or not isinstance(acct.get("cash"), int | float)
        or not isinstance(securities, list)
        or not all(
            isinstance(s, dict) and _SECURITY_KEYS >= s.keys() >= {"id", "price"}
            for s in securities
        )
        or not all(s.get(flag, True) is True for s in securities for flag in _FLAGS)
    ):
        return None
    universe = [
        {k: v for k, v in s.items() if k != "price" and k not in _FLAGS} for s in securities
    ]
    flags = {f: [s["id"] for s in securities if s.get(f)] for f in _FLAGS}
    stable: dict[str, Any] = {
        "account": {k: v for k, v in acct.items() if k not in ("id", "cash")},
        "securities": parts.put(universe),
        "restrictions": {f: ids for f, ids in flags.items() if ids},
    }
    nightly: dict[str, Any] = {
        "cash": acct["cash"],
        "prices": parts.put([s["price"] for s in securities]),
    }
    for key, value in case.items():
        if key in ("as_of", "account", "securities"):
            continue
        into = nightly if key in _NIGHTLY else stable
        # Lists (groups, lots, recent trades) are large and shared or stable: parts of
        # their own. Small dicts (tax rates, settings, parameters) stay inline.
        into[key] = _put_list(parts, value) if isinstance(value, list) else {"value": value}
    return stable, nightly


def _join_case(
    stable: Mapping[str, Any],
    nightly: Mapping[str, Any],
    get: Callable[[str], Any],
    *,
    account: str,
    as_of: str,
) -> dict[str, Any]:
    flags = {f: set(stable["restrictions"].get(f, ())) for f in _FLAGS}
    securities = []
    for entry, price in zip(get(stable["securities"]), get(nightly["prices"]), strict=True):
        security = {"id": entry["id"], "price": price, **entry}
        for f in _FLAGS:
            if entry["id"] in flags[f]:
                security[f] = True
        securities.append(security)
    case: dict[str, Any] = {
        "as_of": as_of,
        "account": {"id": account, **stable["account"], "cash": nightly["cash"]},
        "securities": securities,
    }
    for source, own in ((stable, ("account", "securities", "restrictions")), (nightly, _OWN)):
        for key, value in source.items():
            if key not in own:
                case[key] = value["value"] if "value" in value else _get_list(value, get)
    return case


def _drift(weight: float, target: float) -> float:
    return round_float(weight - target, 6)


def _out_of_band(drift: float, band: float) -> float:
    return round_float(max(0.0, abs(drift) - band), 6)


def _split_result(result: Mapping[str, Any], parts: _Parts) -> dict[str, Any]:
    """The result, its parameters and its post-trade table's fixed columns as parts,
    drift and out-of-band left to be derived (see the module doc)."""
    out: dict[str, Any] = {k: v for k, v in result.items() if k not in ("parameters", "post_trade")}
    split: dict[str, Any] = {"result": out}
    if "parameters" in result:
        split["parameters"] = parts.put(result["parameters"])
    post = result.get("post_trade")
    groups = post.get("groups") if isinstance(post, dict) else None
    if (
        isinstance(post, dict)
        and isinstance(groups, list)
        and all(isinstance(g, dict) and tuple(g) == _POST_TRADE_GROUP for g in groups)
        and all(isinstance(g[k], float) for g in groups for k in _VALUES)
        and all(isinstance(g[k], int | float) for g in groups for k in ("target", "band"))
    ):
        # The frame (ids, targets, bands) is the target's: the same night after night.
        table: dict[str, Any] = {
            "frame": parts.put([[g[k] for k in _FRAME] for g in groups]),
            "weight": [g["weight"] for g in groups],
            "rest": {k: v for k, v in post.items() if k != "groups"},
        }
        drift = [[i, g["drift"]] for i, g in enumerate(groups) if _drift_differs(g)]
        outside = [[i, g["out_of_band"]] for i, g in enumerate(groups) if _outside_differs(g)]
        if drift:
            table["drift"] = drift
        if outside:
            table["out_of_band"] = outside
        split["post_trade"] = table
    elif "post_trade" in result:
        out["post_trade"] = post
    return split


def _drift_differs(g: Mapping[str, Any]) -> bool:
    derived = _drift(g["weight"], g["target"])
    return derived != g["drift"] or repr(derived) != repr(g["drift"])


def _outside_differs(g: Mapping[str, Any]) -> bool:
    derived = _out_of_band(g["drift"], g["band"])
    return derived != g["out_of_band"] or repr(derived) != repr(g["out_of_band"])


def _join_result(split: Mapping[str, Any], get: Callable[[str], Any]) -> dict[str, Any]:
    result = dict(split["result"])
    if "parameters" in split:
        result["parameters"] = get(split["parameters"])
    post = split.get("post_trade")
    if post is not None:
        drifts, outside = dict(post.get("drift", ())), dict(post.get("out_of_band", ()))
        groups = []
        for i, ((gid, target, band), weight) in enumerate(
            zip(get(post["frame"]), post["weight"], strict=True)
        ):
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
        result["post_trade"] = {**post["rest"], "groups": groups}
    return result


def split_analysis(
    record: Mapping[str, Any], *, account: str, as_of: str
) -> tuple[dict[str, Any], dict[str, object]]:
    """(the record's own content, its parts by hash): see the module doc.

    `record` holds the five `RECORD_KEYS` and may add `status` and `routing`, kept in
    the content as they are."""
    parts = _Parts()
    inputs: dict[str, Any] = {
        "versions": parts.put(list(record["versions"])),
        "settings": parts.put(list(record["settings"])),
    }
    content: dict[str, Any] = {"format": FORMAT, "reasons": list(record["reasons"])}
    for key in ("status", "routing"):
        if key in record:
            content[key] = record[key]
    case = record["case"]
    split = None if case is None else _split_case(case, parts, account=account, as_of=as_of)
    if split is not None:
        inputs["case"], content["nightly"] = split
    elif case is not None:
        inputs["whole_case"] = parts.put(case)
    content["inputs"] = parts.put(inputs)
    result = record["result"]
    content["result"] = None if result is None else _split_result(result, parts)
    return content, parts.found


def join_analysis(
    content: Mapping[str, Any], get: Callable[[str], Any], *, account: str, as_of: str
) -> dict[str, Any]:
    """The record `split_analysis` split, from its content and a part look-up."""
    if content.get("format") != FORMAT:
        return _join_v1(content, get, account=account, as_of=as_of)
    inputs = get(content["inputs"])
    case: dict[str, Any] | None
    if "case" in inputs:
        case = _join_case(inputs["case"], content["nightly"], get, account=account, as_of=as_of)
    else:
        case = get(inputs["whole_case"]) if "whole_case" in inputs else None
    result = None if content["result"] is None else _join_result(content["result"], get)
    return {
        "case": case,
        "versions": get(inputs["versions"]),
        "settings": get(inputs["settings"]),
        "result": result,
        "reasons": list(content["reasons"]),
    }


# -- the first format (before FORMAT 2), read only ------------------------------------


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

    def canonical(self, seq: int) -> str:
        """The exact text the hash covers: sorted keys, no spaces, UTC times."""
        return dumps(
            {
                "seq": seq,
                "kind": self.kind.value,
                "run": self.run_id,
                "account": self.account,
                "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "at": utc_iso(self.at),
                "content": self.content,
            }
        )


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
