"""The wash-sale rule (IRC §1091, IRS Publication 550), across a household.

Problem: a loss sale followed (or preceded) closely by a purchase of the same thing is not
a real loss; the tax code defers it. trimtab's ledger must defer it exactly as a tax
adviser would, across every account of the household.

The rule as implemented:

1. A *loss sale* is a sale of shares from a taxable account at a loss. (A loss inside an
   IRA or Roth is never deductible, so it has nothing to defer.)
2. Its *replacement shares* are shares of the same wash group (the same security, or one
   `WashGroupPolicy` below groups with it) acquired by purchase in any account of the
   same household within 30 days before or after the sale date (a 61-day window, both
   ends included), except (a) the shares sold themselves and (b) shares of the same
   purchase as the sold shares (selling half a lot never makes the other half a
   replacement). Shares bought before the sale count only if still held on the sale
   date; shares that arrive by a corporate action (spin-off, merger) were not purchased
   and never replace.
3. Sold shares and replacement shares are matched one for one, replacement shares in
   order of acquisition (earliest first), loss sales in the order they happened; a share
   replaces at most one sold share. A loss of which only part of the shares are matched
   is disallowed in proportion (partial replacement).
4. The disallowed loss of each matched share is added to the basis of its replacement
   share (in the lot's `wash_sale_adjustment` too), and the replacement's holding period
   is tacked: it starts as many days before its acquisition as the sold shares were held
   (`tacked_period_start`).
5. A replacement in an IRA or other tax-deferred/tax-exempt account disallows the loss
   all the same, but the loss is lost: no basis increase, no tacking (Rev. Rul. 2008-5).

Timing: the ledger processes a history in date order. When a loss sale happens, the
still-held shares bought in the 30 days before are matched at once; the loss stays
*pending* and each later purchase within 30 days after it is matched as it arrives. So a
loss sale's disallowed amount is final only once 30 days after it have been replayed (or
the history ended).

Which securities are "substantially identical" (`WashGroupPolicy`, the one statement of
it): a security's wash group is

1. its explicit `wash_group` in the security master, if set; else
2. the firm-defined group containing it (`trimtab wash-groups set`), if any; else
3. `issuer:<issuer_id>` when the firm's policy "share classes are substantially
   identical" is on (the default: the conservative reading most firms apply, so FOX and
   FOXA, two share classes of one company, are one group) and the security has an
   issuer id; else
4. its own ticker.

    >>> policy = WashGroupPolicy()
    >>> policy.group_of("FOXA", issuer_id="21CF"), policy.group_of("FOX", issuer_id="21CF")
    ('issuer:21CF', 'issuer:21CF')
    >>> WashGroupPolicy(share_classes_identical=False).group_of("FOXA", issuer_id="21CF")
    'FOXA'
    >>> WashGroupPolicy({"IVV": "SP500"}).group_of("IVV", issuer_id="BLK")
    'SP500'
    >>> policy.group_of("SPY", explicit="SP500", issuer_id="SSGA")
    'SP500'

Worked examples (Pub. 550):

- Full replacement: buy 100 X for $1,000 on 2025-01-02; sell them for $750 on
  2025-06-02 (loss $250); buy 100 X for $800 on 2025-06-20. The loss is disallowed
  ($250); the new lot's basis is $800 + $250 = $1,050, and as the sold shares were held
  151 days its holding period starts 151 days before 2025-06-20, on 2025-01-20.
- Partial replacement: sell 100 shares at a $1,000 loss on 2025-12-27 after buying 50
  on 2025-12-21: the 50 are replacements, $500 of the loss is disallowed and added to
  their basis, $500 is deductible.
- Same purchase: buy 100 on 2025-03-01, sell 40 at a loss on 2025-03-10: the other 60
  were bought within 30 days but in the same purchase, so the loss stands.
- IRA: sell at a $250 loss in the taxable account, buy the same stock in the IRA two
  weeks later: $250 disallowed, the IRA lot's basis unchanged.

    >>> import datetime as dt
    >>> tacked_period_start(dt.date(2025, 6, 20), sold_on=dt.date(2025, 6, 2),
    ...                     sold_period_start=dt.date(2025, 1, 2))
    datetime.date(2025, 1, 20)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from trimtab.domain.accounts import Account
from trimtab.domain.holdings import TaxLot

__all__ = [
    "DEFAULT_WASH_GROUP_POLICY",
    "ISSUER_GROUP_PREFIX",
    "WASH_SALE_WINDOW",
    "PendingLoss",
    "WashGroupPolicy",
    "WashScope",
    "disallow",
    "in_wash_window",
    "share_class_groups",
    "tacked_period_start",
]

WASH_SALE_WINDOW = dt.timedelta(days=30)
ISSUER_GROUP_PREFIX = "issuer:"


class _Listed(Protocol):
    """What the rule reads of a security of the master (`domain.securities.Security`)."""

    @property
    def ticker(self) -> str: ...
    @property
    def wash_group(self) -> str | None: ...
    @property
    def issuer_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class WashGroupPolicy:
    """The firm's reading of "substantially identical" (the module's rule, steps 1-4).

    `firm_groups` maps a ticker to a group the firm defined (two S&P 500 funds of
    different sponsors, say); `share_classes_identical` puts the share classes of one
    issuer in one group (on by default).
    """

    firm_groups: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    share_classes_identical: bool = True

    def group_of(
        self, ticker: str, *, explicit: str | None = None, issuer_id: str | None = None
    ) -> str:
        if explicit:
            return explicit
        firm = self.firm_groups.get(ticker)
        if firm:
            return firm
        if self.share_classes_identical and issuer_id:
            return f"{ISSUER_GROUP_PREFIX}{issuer_id}"
        return ticker

    def group_of_security(self, security: _Listed) -> str:
        return self.group_of(
            security.ticker, explicit=security.wash_group, issuer_id=security.issuer_id
        )

    def groups(self, securities: Iterable[_Listed]) -> dict[str, str]:
        """ticker -> wash group, for every security given."""
        return {s.ticker: self.group_of_security(s) for s in securities}


DEFAULT_WASH_GROUP_POLICY = WashGroupPolicy()


def share_class_groups(
    tickers: Iterable[str],
    issuers: Mapping[str, str],
    *,
    policy: WashGroupPolicy = DEFAULT_WASH_GROUP_POLICY,
) -> dict[str, str]:
    """ticker -> wash group for a universe known only by tickers and their issuers.

    For data without a security master (the simulator's universe, a replayed history):
    the same rule, with no explicit groups.

        >>> share_class_groups(["FOX", "FOXA", "AAPL"], {"FOX": "21CF", "FOXA": "21CF"})
        {'FOX': 'issuer:21CF', 'FOXA': 'issuer:21CF', 'AAPL': 'AAPL'}
    """
    return {t: policy.group_of(t, issuer_id=issuers.get(t)) for t in tickers}


def in_wash_window(sold_on: dt.date, acquired: dt.date) -> bool:
    """Acquired within 30 days before or after the sale, both ends included."""
    return abs(acquired - sold_on) <= WASH_SALE_WINDOW


def tacked_period_start(
    replacement_acquired: dt.date, *, sold_on: dt.date, sold_period_start: dt.date
) -> dt.date:
    """The replacement's holding period includes the sold shares' holding period."""
    return replacement_acquired - (sold_on - sold_period_start)


@dataclass(frozen=True, slots=True)
class WashScope:
    """Who shares a wash-sale window, and which securities are substantially identical.

    `aliases` records renames: after R becomes R2, a pending loss on R is replaced by a
    purchase of R2 (same company, new ticker) unless the firm put R2 in a wash group.
    """

    accounts: Mapping[str, Account]
    wash_groups: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def group_of(self, security: str) -> str:
        if security in self.wash_groups:
            return self.wash_groups[security]
        return self.aliases.get(security, security)

    def household_of(self, account: str) -> str:
        return self.accounts[account].household

    def is_taxable(self, account: str) -> bool:
        return self.accounts[account].is_taxable

    def renamed(self, old: str, new: str) -> WashScope:
        if new in self.wash_groups:
            return self
        return replace(self, aliases=MappingProxyType({**self.aliases, new: self.group_of(old)}))


@dataclass(frozen=True, slots=True)
class PendingLoss:
    """A loss sale's sold shares still open to replacement.

    One per lot relieved at a loss (each lot has its own holding period to tack).
    `realized` is the position of its `RealizedGain` in the ledger's list.
    """

    realized: int
    household: str
    group: str
    sold_on: dt.date
    purchase: int | None  # the buy the sold shares came from: never their replacement
    sold_period_start: dt.date
    unmatched_quantity: Decimal
    unmatched_loss: Decimal  # positive dollars not yet disallowed

    def can_be_replaced_by(
        self, *, household: str, group: str, acquired: dt.date, purchase: int | None
    ) -> bool:
        return (
            self.unmatched_quantity > 0
            and purchase is not None
            and purchase != self.purchase
            and household == self.household
            and group == self.group
            and in_wash_window(self.sold_on, acquired)
        )


def disallow(
    pending: PendingLoss, replacement: TaxLot, *, taxable: bool
) -> tuple[Decimal, TaxLot, PendingLoss]:
    """Match every share of `replacement` (at most the unmatched sold shares) to `pending`.

    Returns (the loss disallowed, the replacement lot as it now stands, what is left
    pending). The last match takes the exact remaining loss, so a fully replaced sale
    disallows its whole loss to the cent.
    """
    shares = replacement.quantity
    if shares > pending.unmatched_quantity:
        raise ValueError("a replacement piece larger than the unmatched sold shares")
    if shares == pending.unmatched_quantity:
        disallowed = pending.unmatched_loss
    else:
        disallowed = pending.unmatched_loss * shares / pending.unmatched_quantity
    left = replace(
        pending,
        unmatched_quantity=pending.unmatched_quantity - shares,
        unmatched_loss=pending.unmatched_loss - disallowed,
    )
    if not taxable:
        return disallowed, replacement, left
    adjusted = replace(
        replacement,
        cost_basis=replacement.cost_basis + disallowed,
        wash_sale_adjustment=replacement.wash_sale_adjustment + disallowed,
        holding_period_start=tacked_period_start(
            replacement.acquired,
            sold_on=pending.sold_on,
            sold_period_start=pending.sold_period_start,
        ),
    )
    return disallowed, adjusted, left
