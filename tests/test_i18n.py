"""Translations: every on-screen string has its Bulgarian text; numbers and dates follow the
language; an unknown language is refused clearly."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from tui_orders import i18n
from tui_orders.cli import cli

PACKAGE = Path(i18n.__file__).parent


def bulgarian() -> set[str]:
    """The msgids with a (non-fuzzy, non-empty) Bulgarian translation."""
    found: set[str] = set()
    for path in (PACKAGE / "locale" / "bg").glob("*.po"):
        with path.open("rb") as fh:
            for message in read_po(fh, locale="bg"):
                if message.id and message.string and not message.fuzzy:
                    found.add(str(message.id))
    return found


def literals(kind: str) -> dict[str, list[str]]:
    """String literals in tui_orders/ -> where: ``kind`` "_" for ``_("...")`` calls,
    "Binding" for the descriptions of key bindings (shown in Help, the palette, the Footer)."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            texts: list[ast.expr] = []
            if kind == "_" and name == "_" and node.args:
                texts = [node.args[0]]
            elif kind == "Binding" and name == "Binding":
                texts = node.args[2:3] + [k.value for k in node.keywords if k.arg == "description"]
            for text in texts:
                if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                    where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                    found.setdefault(text.value, []).append(where)
    return found


def missing(kind: str) -> list[str]:
    have = bulgarian()
    return [
        f"{text!r} ({', '.join(where)})"
        for text, where in literals(kind).items()
        if text not in have
    ]


def test_every_string_passed_to_underscore_has_a_bulgarian_translation() -> None:
    assert literals("_")  # the scan finds the strings at all
    gaps = missing("_")
    assert not gaps, f"{len(gaps)} strings without Bulgarian text:\n" + "\n".join(gaps)


def test_every_key_description_has_a_bulgarian_translation() -> None:
    gaps = missing("Binding")
    assert not gaps, f"{len(gaps)} key descriptions without Bulgarian text:\n" + "\n".join(gaps)


def test_status_words_are_translated() -> None:
    have = bulgarian()
    assert not [w for w in i18n._STATUS_WORDS.values() if w not in have]


@pytest.fixture
def language() -> object:
    yield
    i18n.set_language("en")


def test_bulgarian_numbers_and_dates(language: object) -> None:
    i18n.set_language("bg")
    amount = i18n.format_amount(Decimal("1234.5"))
    # babel groups with a no-break space: the same gap on screen, never a line break
    assert amount.replace("\u00a0", " ") == "1 234,50"
    assert i18n.format_amount(Decimal("1234.5"), "BGN").replace("\u00a0", " ") == "1 234,50 BGN"
    assert i18n.format_date(dt.date(2026, 12, 1)) == "01.12.2026"
    assert i18n._("customer orders") == "клиентски поръчки"
    i18n.set_language("en")
    assert i18n.format_amount(Decimal("1234.5")) == "1,234.50"
    assert i18n.format_date(dt.date(2026, 12, 1)) == "2026-12-01"
    assert i18n._("customer orders") == "customer orders"


def test_unknown_language_is_refused(language: object) -> None:
    with pytest.raises(ValueError, match="unknown language 'xx': choose one of en, bg"):
        i18n.set_language("xx")
    result = CliRunner().invoke(cli, ["--lang", "xx"])
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.output and "'en', 'bg'" in result.output


@pytest.mark.parametrize("lang", ["en", "bg"])
def test_hand_written_number_formats_match_babel(lang: str) -> None:
    """Amounts and quantities are formatted by hand (babel's first call costs ~50 ms at
    start-up); they must read exactly as babel's CLDR patterns write them."""
    from babel.numbers import format_decimal
    from hypothesis import given, settings
    from hypothesis import strategies as st

    locale = {"en": "en_US", "bg": "bg_BG"}[lang]
    i18n.set_language(lang)
    try:
        edge = [
            "0",
            "-0",
            "-0.00",
            "0.005",
            "0.015",
            "-0.005",
            "999.995",
            "1000",
            "-1234567.891",
            "12345678901.25",
            "0.0005",
            "1.0005",
            "100.1200",
        ]
        for text in edge:
            value = Decimal(text)
            assert i18n.format_amount(value) == format_decimal(
                value, format="#,##0.00", locale=locale
            ), text
            assert i18n.format_qty(value) == format_decimal(
                value.normalize(), format="#,##0.###", locale=locale
            ), text

        @settings(max_examples=300, deadline=None)
        @given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False))
        def agree(value: Decimal) -> None:
            assert i18n.format_amount(value) == format_decimal(
                value, format="#,##0.00", locale=locale
            )
            assert i18n.format_qty(value) == format_decimal(
                value.normalize(), format="#,##0.###", locale=locale
            )

        agree()
    finally:
        i18n.set_language("en")


def test_short_po_reader_matches_babel() -> None:
    """The catalogs are read by a short reader (babel's costs ~40 ms at start-up): for every
    Bulgarian catalog it gives exactly babel's translated, non-fuzzy messages."""
    for path in sorted((PACKAGE / "locale" / "bg").glob("*.po")):
        with path.open("rb") as fh:
            expected = {
                str(m.id): str(m.string)
                for m in read_po(fh, locale="bg")
                if m.id and m.string and not m.fuzzy
            }
        assert i18n._read_po(path.read_text(encoding="utf-8")) == expected, path.name
