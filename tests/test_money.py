"""Exact money: parsing what operators type, rounding half-up, formatting, and storage.

Every expected value below is written by hand; none is computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from peewee import Database

from tui_orders.data import money
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import Article, Client, Order, Payment, Tax

D = Decimal


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),  # a comma is the decimal separator in Bulgarian
        ("12,5", "12.50"),
        ("12.5", "12.50"),
        ("12", "12.00"),
        (" 7.10 ", "7.10"),  # pasted with spaces around
        ("1 234,56", "1234.56"),  # grouped with spaces
        ("1\u00a0234,56", "1234.56"),  # grouped with a no-break space (copied from a sheet)
        ("12.340", "12.34"),  # a trailing zero is not an extra decimal
        ("0.01", "0.01"),
        (12, "12.00"),
        (D("3.1"), "3.10"),
        ("9999999999999.99", "9999999999999.99"),  # the largest amount that fits
    ],
)
def test_parse_money_accepts(text: Any, expected: str) -> None:
    value = money.parse_money(text)
    assert value == D(expected)
    # always kept at two decimals, so it prints as the operator expects
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "more than 2 decimal places"),
        ("12,345", "more than 2 decimal places"),
        ("0.001", "more than 2 decimal places"),
        ("-5", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("-0", "greater than zero"),
        ("abc", "not a number"),
        ("", "not a number"),
        ("   ", "not a number"),
        ("12.5.3", "not a number"),
        ("1,234.56", "not a number"),  # two separators: ambiguous, refused
        ("12 EUR", "not a number"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("1e3", "not a number"),  # exponent: a typo, not 1000
        ("1_000", "not a number"),
        ("\u0661\u0662", "not a number"),  # Arabic-Indic digits
        ("0x10", "not a number"),
        ("10000000000000", "too large"),  # 10**13 does not fit 15 digits with 2 decimals
        ("99999999999999999999", "too large"),
    ],
)
def test_parse_money_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        money.parse_money(text)


@pytest.mark.parametrize("value", [12.5, 0.1, 1.0, True, None, [1], object()])
def test_parse_refuses_floats_and_other_types(value: Any) -> None:
    # a float has already lost the exact value: it is never accepted as an amount
    for parse in (money.parse_money, money.parse_price, money.parse_qty, money.parse_rate):
        with pytest.raises(ValidationError):
            parse(value)


def test_parse_money_zero_only_when_allowed() -> None:
    assert money.parse_money("0", allow_zero=True) == D("0.00")
    assert str(money.parse_money("0,00", allow_zero=True)) == "0.00"
    with pytest.raises(ValidationError, match="must not be negative"):
        money.parse_money("-1", allow_zero=True)


def test_parse_decimal_negative_only_when_allowed() -> None:
    assert money.parse_decimal("-5,25", places=2, allow_negative=True) == D("-5.25")
    with pytest.raises(ValidationError, match="must not be negative"):
        money.parse_decimal("-5,25", places=2)


def test_error_names_the_field() -> None:
    with pytest.raises(ValidationError, match=r"^deposit 'x' is not a number$"):
        money.parse_money("x", what="deposit")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.125", "0.1250"),
        ("0,1250", "0.1250"),
        ("10", "10.0000"),
        ("0", "0.0000"),  # a free item is allowed
        ("99999999999.9999", "99999999999.9999"),
    ],
)
def test_parse_price_accepts(text: str, expected: str) -> None:
    value = money.parse_price(text)
    assert value == D(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.12345", "more than 4 decimal places"),
        ("-0.01", "must not be negative"),
        ("100000000000", "too large"),  # 10**11 with 4 decimals is 16 digits
        ("ten", "not a number"),
    ],
)
def test_parse_price_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        money.parse_price(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("2,5", "2.500"), ("0.001", "0.001"), ("7", "7.000")]
)
def test_parse_qty_accepts(text: str, expected: str) -> None:
    assert str(money.parse_qty(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.2345", "more than 3 decimal places"),
        ("0", "greater than zero"),
        ("-1", "must not be negative"),
        ("two", "not a number"),
    ],
)
def test_parse_qty_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        money.parse_qty(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("20", "20"), ("9,5", "9.5"), ("0", "0"), ("100", "100")]
)
def test_parse_rate_accepts(text: str, expected: str) -> None:
    assert money.parse_rate(text) == D(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("100.01", "between 0 and 100"),
        ("150", "between 0 and 100"),
        ("-1", "must not be negative"),
        ("20.00001", "more than 4 decimal places"),
    ],
)
def test_parse_rate_refuses(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        money.parse_rate(text)


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.345", "2.35"),  # half-up: banker's rounding would give 2.34
        ("2.344", "2.34"),
        ("2.3449999", "2.34"),
        ("0.005", "0.01"),  # banker's rounding would give 0.00
        ("0.004", "0.00"),
        ("2.365", "2.37"),  # banker's rounding would give 2.36
        ("0.125", "0.13"),
        ("-2.345", "-2.35"),  # away from zero, symmetric
        ("1234567.895", "1234567.90"),
        ("7", "7.00"),
    ],
)
def test_round_money_half_up(value: str, expected: str) -> None:
    rounded = money.round_money(D(value))
    assert rounded == D(expected)
    assert str(rounded) == expected


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1234567.89", "1234567.89"),
        ("0", "0.00"),
        ("2.345", "2.35"),  # formatting rounds half-up too
        ("-3.1", "-3.10"),
        ("100", "100.00"),
    ],
)
def test_format_money(value: str, expected: str) -> None:
    assert money.format_money(D(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.1250", "0.125"),
        ("12.5000", "12.50"),
        ("12", "12.00"),
        ("100.0000", "100.00"),  # not "1E+2.00"
        ("0.0001", "0.0001"),
        ("0.0000", "0.00"),
    ],
)
def test_format_price(value: str, expected: str) -> None:
    assert money.format_price(D(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3.000", "3"), ("2.500", "2.5"), ("1000.000", "1000"), ("0.000", "0"), ("0.125", "0.125")],
)
def test_format_qty(value: str, expected: str) -> None:
    assert money.format_qty(D(value)) == expected


def test_format_rate() -> None:
    assert money.format_rate(D("20.0000")) == "20"
    assert money.format_rate(D("9.5000")) == "9.5"


def test_parse_then_format_round_trip() -> None:
    assert money.format_money(money.parse_money("12,5")) == "12.50"
    assert money.format_price(money.parse_price("0,1250")) == "0.125"


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        ("1", "3", "33.33"),  # 33.333...
        ("2", "3", "66.66"),  # 66.666... rounded down: 100.00 only when all of it
        ("999.999", "1000", "99.99"),  # 99.9999: not yet 100%
        ("4", "14", "28.57"),  # 28.5714...
        ("1", "8", "12.50"),
        ("5", "0", "0.00"),  # nothing ordered: 0%, not a division error
        ("3", "3", "100.00"),
    ],
)
def test_percent(part: str, whole: str, expected: str) -> None:
    assert money.percent(D(part), D(whole)) == D(expected)


# --------------------------------------------------------------------------- storage


def _raw(db: Database, table: str, column: str, row_id: int) -> Any:
    cursor = db.execute_sql(f'SELECT "{column}" FROM "{table}" WHERE "id" = {db.param}', (row_id,))
    return cursor.fetchone()[0]


def _order() -> Order:
    client = Client.create(name="Storage test", currency="EUR")
    return Order.create(
        number="2026-90000",
        client=client,
        currency="EUR",
        created=dt.date(2026, 1, 5),
        deadline=dt.date(2026, 2, 5),
    )


@pytest.mark.parametrize(
    ("amount", "scaled"),
    [
        ("0.01", 1),
        ("1234567.89", 123456789),
        ("9999999999999.99", 999999999999999),
        ("-0.01", -1),
        ("100", 10000),
    ],
)
def test_money_field_round_trip(db: Database, amount: str, scaled: int) -> None:
    order = _order()
    payment = Payment.create(order=order, date=dt.date(2026, 1, 6), amount=D(amount))
    raw = _raw(db, "payment", "amount", payment.id)
    # stored as an integer count of cents, never as a float
    assert type(raw) is int
    assert raw == scaled
    back = Payment.get_by_id(payment.id).amount
    assert isinstance(back, Decimal)
    assert back == D(amount)
    assert back.as_tuple().exponent == -2


def test_price_and_rate_round_trip(db: Database) -> None:
    article = Article.create(code="P", name="Bolt", price=D("0.1250"))
    tax = Tax.create(name="VAT 9.5%", rate=D("9.5"))
    assert _raw(db, "article", "price", article.id) == 1250
    assert _raw(db, "tax", "rate", tax.id) == 95000
    assert str(Article.get_by_id(article.id).price) == "0.1250"
    assert Tax.get_by_id(tax.id).rate == D("9.5")


def test_sql_sum_of_money_is_exact(db: Database) -> None:
    # 0.10 + 0.20 is 0.30000000000000004 in floats; the stored cents add up exactly
    order = _order()
    for amount in ("0.10", "0.20", "0.05"):
        Payment.create(order=order, date=dt.date(2026, 1, 6), amount=D(amount))
    total = db.execute_sql('SELECT SUM("amount") FROM "payment"').fetchone()[0]
    assert total == 35  # 10 + 20 + 5 cents


def test_money_field_refuses_float(db: Database) -> None:
    order = _order()
    with pytest.raises(TypeError, match="float"):
        Payment.create(order=order, date=dt.date(2026, 1, 6), amount=12.5)
    assert Payment.select().count() == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: Payment.create(order=o, date=dt.date(2026, 1, 6), amount=D("1.234")), "2"),
        (lambda o: Article.create(code="Q", name="Nut", price=D("0.12345")), "4"),
    ],
)
def test_scaled_field_refuses_too_many_places(db: Database, make: Any, message: str) -> None:
    order = _order()
    with pytest.raises(ValueError, match=f"more than {message} decimal places"):
        make(order)
    assert Payment.select().count() == 0
    assert Article.select().count() == 0
