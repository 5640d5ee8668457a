"""money.parse_decimal's fast path (the common shape of a number) against the full parser.

The fast path must return the very Decimal the full parser returns (value and exponent) and
must never accept what the full parser refuses; anything it does not recognise goes to the
full parser, so the messages are the full parser's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_orders.data import money
from tui_orders.data.errors import ValidationError

TRICKY = [
    "0",
    "00",
    "0.0",
    "0.00",
    "0.000",
    "0.0000",
    "0.00000",
    "-0",
    "-0.00",
    "+0",
    "+1",
    "1",
    "12",
    "12.",
    ".5",
    "12.5",
    "12.50",
    "12.500",
    "12.5000",
    "12.50000",
    "12.501",
    "12.5001",
    "007.50",
    "0000000000000.01",
    "9999999999999.99",
    "10000000000000.00",
    "99999999999.9999",
    "100000000000",
    "999999999999",
    "1000000000000",
    "1 000.50",
    " 12.50",
    "12.50 ",
    "12.50\n",
    "12,50",
    "1,234.50",
    "1\u00a0000",
    "1e3",
    "1E3",
    "1_000",
    "0x10",
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    "NaN",
    "Infinity",
    "-1",
    "-12.50",
    "",
    " ",
    ".",
    "..5",
    "1.2.3",
    "abc",
]
PLACES = (money.MONEY_PLACES, money.QTY_PLACES, money.PRICE_PLACES, money.RATE_PLACES)


def outcome(parser, text: object, **kwargs) -> tuple[str, object]:
    try:
        value = parser(text, **kwargs)
    except ValidationError as exc:
        return "error", exc.message
    assert type(value) is Decimal
    return "value", value.as_tuple()


def same(text: object, **kwargs) -> None:
    fast = outcome(money.parse_decimal, text, **kwargs)
    full = outcome(money._parse_decimal_full, text, **kwargs)
    assert fast == full, (text, kwargs)


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("places", PLACES)
@pytest.mark.parametrize("allow_zero", [True, False])
@pytest.mark.parametrize("allow_negative", [True, False])
def test_tricky_inputs_agree(
    text: str, places: int, allow_zero: bool, allow_negative: bool
) -> None:
    same(text, places=places, what="x", allow_zero=allow_zero, allow_negative=allow_negative)


@pytest.mark.parametrize("text", [12, Decimal("12.5"), 12.5, True, None, [], b"12"])
def test_other_types_agree(text: object) -> None:
    for places in PLACES:
        same(text, places=places, what="x")


def test_the_parsers_of_each_kind() -> None:
    assert money.parse_money("12.5").as_tuple() == Decimal("12.50").as_tuple()
    assert money.parse_qty("3").as_tuple() == Decimal("3.000").as_tuple()
    assert money.parse_price("0.125").as_tuple() == Decimal("0.1250").as_tuple()
    assert money.parse_rate("20").as_tuple() == Decimal("20.0000").as_tuple()
    with pytest.raises(ValidationError, match="greater than zero"):
        money.parse_money("0.00")
    with pytest.raises(ValidationError, match="greater than zero"):
        money.parse_qty("0")
    with pytest.raises(ValidationError, match="between 0 and 100"):
        money.parse_rate("100.01")
    with pytest.raises(ValidationError, match="too large"):
        money.parse_money("10000000000000")


@settings(max_examples=400, deadline=None)
@given(
    st.from_regex(r"\A[-+ 0-9.,]{0,18}\Z") | st.text(max_size=12),
    st.sampled_from(PLACES),
    st.booleans(),
)
def test_random_text_agrees(text: str, places: int, allow_zero: bool) -> None:
    same(text, places=places, what="x", allow_zero=allow_zero)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=10**16), st.integers(min_value=0, max_value=5))
def test_random_numbers_agree(scaled: int, decimals: int) -> None:
    text = str(Decimal(scaled).scaleb(-decimals)) if decimals else str(scaled)
    for places in PLACES:
        same(text, places=places, what="x", allow_zero=False)


@pytest.mark.parametrize("places", [money.MONEY_PLACES, money.QTY_PLACES, money.PRICE_PLACES])
@pytest.mark.parametrize("allow_zero", [True, False])
def test_fast_parser_agrees_or_declines(places: int, allow_zero: bool) -> None:
    fast = money.fast_parser(places, allow_zero=allow_zero)
    for text in [*TRICKY, *TRICKY, 12, None, Decimal("1.5")]:  # twice: the cache
        value = fast(text)
        if value is not None:
            full = money._parse_decimal_full(text, places=places, allow_zero=allow_zero)
            assert value.as_tuple() == full.as_tuple(), text
    assert fast("12.5") is not None
