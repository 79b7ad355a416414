"""Integer money: minor units plus a currency, and the one allocation helper.

No floats: amounts are ``int`` counts of the currency's minor unit (fen, cents), as
the providers themselves send them. Rates are integer basis points (1 bp = 0.01 %).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

BPS = 10_000
# Minor-unit exponents (ISO 4217) for the currencies the providers settle in.
MINOR_UNITS = {"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "JPY": 0, "KRW": 0}
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "JPY": "¥"}
MAX_AMOUNT = 10**12  # a trillion minor units: above any real line or order
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _check_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int of minor units, not {type(value)!r}")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``amount`` minor units of ``currency``."""

    amount: int
    currency: str

    def __post_init__(self):
        _check_int(self.amount, "amount")
        if not _CURRENCY.match(self.currency):
            raise ValueError(
                f"currency must be a 3-letter ISO code, not {self.currency!r}"
            )

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money combines only with Money")
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.amount * _check_int(factor, "factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights``; the parts sum to ``self``."""
        return [Money(part, self.currency) for part in allocate(self.amount, weights)]

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` across ``weights`` by largest remainder; parts sum to ``total``.

    Each part is ``total * w / sum(weights)`` rounded down, then the units left over go
    one each to the parts with the largest remainders (ties to the earlier part), so
    the split is exact and deterministic. A negative total is split like its absolute
    value and negated. Weights are non-negative ints and not all zero unless ``total``
    is zero.
    """
    _check_int(total, "total")
    weights = [_check_int(w, "weight") for w in weights]
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total == 0:
            return [0] * len(weights)
        raise ValueError("cannot allocate a non-zero total over zero weights")
    sign, magnitude = (-1, -total) if total < 0 else (1, total)
    parts, remainders = [], []
    for index, weight in enumerate(weights):
        part, remainder = divmod(magnitude * weight, weight_sum)
        parts.append(part)
        remainders.append((-remainder, index))
    for _, index in sorted(remainders)[: magnitude - sum(parts)]:
        parts[index] += 1
    return [sign * part for part in parts]


def apply_bps(amount: int, bps: int) -> int:
    """Return ``amount * bps / 10000``, rounded half away from zero to a minor unit."""
    _check_int(amount, "amount")
    _check_int(bps, "bps")
    sign, magnitude = (-1, -amount) if amount < 0 else (1, amount)
    return sign * ((magnitude * bps * 2 + BPS) // (2 * BPS))


def minor_unit_exponent(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def format_amount(amount: int, currency: str, *, symbol: bool = True) -> str:
    """Format minor units for display: ``129900, "CNY"`` gives ``¥1,299.00``."""
    exponent = minor_unit_exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**exponent)
    text = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    prefix = SYMBOLS.get(currency, f"{currency} ") if symbol else ""
    return f"{sign}{prefix}{text}"
