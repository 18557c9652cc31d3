"""Column types that keep money exact on both databases.

PostgreSQL stores NUMERIC(p, s) exactly and hands back `Decimal`. SQLite has no decimal
type: a NUMERIC column holds an IEEE double, and SQLAlchemy warns when asked for
`Decimal`. `ExactDecimal` declares NUMERIC(p, s) on both (so SQL comparisons and sums
work on numbers, not strings) and, on SQLite, turns the stored double back into the
Decimal it came from by its shortest repr quantized to the column's scale. Every value
with at most 15 significant digits (any cent amount under $10 trillion, any share count
at a millionth under a billion shares) survives the round trip exactly.

    >>> ExactDecimal(18, 6).python_type
    <class 'decimal.Decimal'>
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["ExactDecimal"]


class ExactDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=False))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        return Decimal(repr(value)).quantize(self._quantum)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
