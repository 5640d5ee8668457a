"""Exact numbers: parsing, rounding and formatting of amounts, prices, quantities and rates.

Everything is :class:`decimal.Decimal`. In the database every such number is an integer of
fixed scale (cents for money), so neither SQLite nor PostgreSQL ever holds it as a float and
``SUM`` in SQL stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from ..i18n import _
from .errors import ValidationError

#: Digits after the decimal point kept for each kind of number.
MONEY_PLACES = 2
PRICE_PLACES = 4
QTY_PLACES = 3
RATE_PLACES = 4

_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def quantum(places: int) -> Decimal:
    """The smallest step with ``places`` decimals, e.g. ``Decimal('0.01')`` for 2."""
    return Decimal(1).scaleb(-places)


def round_money(value: Decimal) -> Decimal:
    """Round half-up to the cent (2.345 -> 2.35, -2.345 -> -2.35)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


#: places -> the common shape of a valid non-negative number, "1234" or "1234.5" (plain ASCII
#: digits, at most ``places`` decimals, small enough): :func:`parse_decimal`'s fast path.
_FAST_SHAPE = {
    places: re.compile(rf"[0-9]{{1,{15 - places}}}(?:\.[0-9]{{1,{places}}})?", re.ASCII).fullmatch
    for places in (MONEY_PLACES, QTY_PLACES, PRICE_PLACES)
}
#: places -> missing decimals -> what to append to the text to have ``places`` decimals (for
#: ``places`` missing: the text has no point)
_PAD = {
    places: {**{missing: "0" * missing for missing in range(places)}, places: "." + "0" * places}
    for places in (MONEY_PLACES, QTY_PLACES, PRICE_PLACES)
}


def fast_parser(places: int, *, allow_zero: bool) -> Callable[[object], Decimal | None]:
    """The fast path of :func:`parse_decimal` alone (non-negative numbers): a function giving
    the Decimal :func:`parse_decimal` would give, or None for anything but the common shape
    (then :func:`parse_decimal` decides, with its message)."""
    shape = _FAST_SHAPE[places]
    pad = _PAD[places]
    seen: dict[str, Decimal] = {}  # the texts met so far (quantities and prices repeat)

    def parse(text: object) -> Decimal | None:
        if type(text) is not str:
            return None
        value = seen.get(text)
        if value is not None:
            return value
        if shape(text) is None:
            return None
        dot = text.find(".")
        value = Decimal(text + pad[places if dot < 0 else places - (len(text) - dot - 1)])
        if not (allow_zero or value):
            return None
        if len(seen) >= 50_000:
            seen.clear()
        seen[text] = value
        return value

    return parse


def parse_decimal(
    text: object,
    *,
    places: int,
    what: str = "amount",
    allow_negative: bool = False,
    allow_zero: bool = True,
) -> Decimal:
    """Parse user or file input into an exact Decimal with at most ``places`` decimals.

    Accepts ``str``, ``int`` and ``Decimal`` (never ``float``: a float has already lost the
    exact value). A comma is accepted as the decimal separator ("12,50"). Raises
    :class:`ValidationError` with a message naming ``what`` on anything else.

    The common shape (plain digits, at most ``places`` decimals, not too large, not a
    forbidden zero) takes a fast path: the text padded to ``places`` decimals is the very
    Decimal the full parser (:func:`_parse_decimal_full`) returns, exponent included.
    Anything else goes to the full parser (a test holds the two equal on tricky inputs).
    """
    if type(text) is str:
        shape = _FAST_SHAPE.get(places)
        if shape is not None and shape(text) is not None:
            dot = text.find(".")
            if dot < 0:
                value = Decimal(text + _PAD[places][places])
            else:
                value = Decimal(text + _PAD[places][places - (len(text) - dot - 1)])
            if allow_zero or value:
                return value
    return _parse_decimal_full(
        text, places=places, what=what, allow_negative=allow_negative, allow_zero=allow_zero
    )


def _parse_decimal_full(
    text: object,
    *,
    places: int,
    what: str = "amount",
    allow_negative: bool = False,
    allow_zero: bool = True,
) -> Decimal:
    """:func:`parse_decimal` for any input (the fast path aside)."""
    word = _(what)  # the field's name: an English msgid, in the current language
    if isinstance(text, (bool, float)):
        raise ValidationError(
            _('{what} must be written as a string such as "12.50", not {text!r}').format(
                what=word, text=text
            )
        )
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, str):
        cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
        if "," in cleaned and "." not in cleaned:
            cleaned = cleaned.replace(",", ".")
        # Plain digits only: "1e3", "1_000" or other scripts' digits are typos, not amounts.
        if not _PLAIN_NUMBER.fullmatch(cleaned):
            raise ValidationError(_("{what} {text!r} is not a number").format(what=word, text=text))
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValidationError(
                _("{what} {text!r} is not a number").format(what=word, text=text)
            ) from None
    else:
        raise ValidationError(
            _("{what} must be a number written as a string, not {text!r}").format(
                what=word, text=text
            )
        )
    if not value.is_finite():
        raise ValidationError(
            _("{what} {text!r} is not a finite number").format(what=word, text=text)
        )
    if abs(value) >= Decimal(10) ** (15 - places):
        raise ValidationError(_("{what} {text!r} is too large").format(what=word, text=text))
    if value != value.quantize(quantum(places), rounding=ROUND_HALF_UP):
        raise ValidationError(
            _("{what} {text!r} has more than {places} decimal places").format(
                what=word, text=text, places=places
            )
        )
    if value < 0 and not allow_negative:
        raise ValidationError(
            _("{what} {text!r} must not be negative").format(what=word, text=text)
        )
    if value == 0 and not allow_zero:
        raise ValidationError(_("{what} must be greater than zero").format(what=word))
    return value.quantize(quantum(places))


def parse_money(text: object, *, what: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive (or, with ``allow_zero``, non-negative) amount with at most 2 decimals."""
    return parse_decimal(text, places=MONEY_PLACES, what=what, allow_zero=allow_zero)


def parse_price(text: object, *, what: str = "price") -> Decimal:
    """A non-negative unit price with at most 4 decimals."""
    return parse_decimal(text, places=PRICE_PLACES, what=what)


def parse_qty(text: object, *, what: str = "quantity") -> Decimal:
    """A positive quantity with at most 3 decimals."""
    return parse_decimal(text, places=QTY_PLACES, what=what, allow_zero=False)


def parse_rate(text: object, *, what: str = "tax rate") -> Decimal:
    """A tax rate in percent (``20`` for 20%), 0 to 100, at most 4 decimals."""
    value = parse_decimal(text, places=RATE_PLACES, what=what)
    if value > HUNDRED:
        raise ValidationError(
            _("{what} {text!r} must be a percentage between 0 and 100").format(
                what=_(what), text=text
            )
        )
    return value


def normalized(value: Decimal) -> str:
    """Shortest exact text of a number: ``Decimal('2.500')`` -> ``'2.5'``, ``3.000`` -> ``'3'``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def format_money(value: Decimal) -> str:
    """Two decimals, no grouping: ``'1234.50'``. The interchange and CLI form."""
    return str(round_money(value))


def format_price(value: Decimal) -> str:
    """At least 2 and at most 4 decimals: ``'12.50'``, ``'0.125'``."""
    text = normalized(value)
    whole, _sep, frac = text.partition(".")
    if len(frac) < 2:
        frac = frac.ljust(2, "0")
    return f"{whole}.{frac}"


format_qty = normalized
format_rate = normalized


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` as a percentage of ``whole`` to 2 decimals, rounded down so that 100.00 means
    all of it (999.999 of 1000 is 99.99, not 100.00); 0 when whole is 0."""
    if whole == 0:
        return ZERO.quantize(CENT)
    return (part * HUNDRED / whole).quantize(CENT, rounding=ROUND_DOWN)
