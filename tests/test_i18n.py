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


# --------------------------------------------------------------------------- the data layer


def test_the_scan_covers_the_data_layer() -> None:
    """The data layer's messages go through ``_`` too (tui_orders/locale/bg/data.po)."""
    where = [w for places in literals("_").values() for w in places]
    for module in ("orders", "offers", "money", "dates", "scanning", "attachments", "db"):
        assert any(w.startswith(f"tui_orders/data/{module}.py:") for w in where), module


def test_translations_use_only_the_values_the_message_has() -> None:
    """A Bulgarian text names only placeholders its English message fills (a typo would raise
    KeyError where the error is raised); ``kind_word(s)`` is the kind in words, given beside
    the stored code ``kind`` by the data layer."""
    import string

    fields = string.Formatter()
    bad = []
    for path in sorted((PACKAGE / "locale" / "bg").glob("*.po")):
        for msgid, msgstr in i18n._read_po(path.read_text(encoding="utf-8")).items():
            have = {f[1] for f in fields.parse(msgid) if f[1]}
            if "kind" in have:
                have |= {"kind_word", "kind_words"}
            used = {f[1].split("!")[0] for f in fields.parse(msgstr) if f[1]}
            if not used <= have:
                bad.append(f"{path.name}: {msgid!r} -> {msgstr!r}")
    assert not bad, "\n".join(bad)


def test_a_bad_amount_or_date_typed_in_a_form_reads_in_bulgarian(language: object) -> None:
    from tui_orders.data.dates import parse_user_date
    from tui_orders.data.errors import ValidationError
    from tui_orders.data.money import parse_money, parse_qty

    i18n.set_language("bg")
    with pytest.raises(ValidationError) as bad:
        parse_money("abc")
    assert bad.value.message == "сума 'abc' не е число"
    with pytest.raises(ValidationError) as bad:
        parse_qty("-2")
    assert bad.value.message == "количество '-2' не може да е отрицателно число"
    with pytest.raises(ValidationError) as bad:
        parse_user_date("31.02.2026", what="deadline")
    assert bad.value.message == "краен срок '31.02.2026' не е съществуваща дата"
    i18n.set_language("en")  # the English text is the very one it always was
    with pytest.raises(ValidationError, match=r"^amount 'abc' is not a number$"):
        parse_money("abc")


def test_a_stale_order_edit_reads_in_bulgarian(db: object, language: object) -> None:
    from tui_orders.data import masterdata, orders
    from tui_orders.data.errors import ConflictError, ValidationError

    masterdata.create_client("Acme Ltd", "EUR")
    masterdata.create_article("A", "Widget", "10.00")
    order = orders.create_order("Acme Ltd", "2026-06-30", created="2026-03-01")
    stale = order.version
    orders.update_order(order.id, stale, note="someone else")
    i18n.set_language("bg")
    with pytest.raises(ConflictError) as conflict:
        orders.update_order(order.id, stale, note="mine")
    text = str(conflict.value)
    assert text.startswith(f"поръчка {order.number} е променена от ")
    assert text.endswith(
        ", откакто я отворихте; нищо не е записано: презаредете я и направете промяната отново"
    )
    orders.add_term(order.id, "Аванс", "2026-04-01", "10.00")
    with pytest.raises(ValidationError) as twice:
        orders.add_term(order.id, "Аванс", "2026-04-01", "10.00")
    assert str(twice.value) == f"поръчка {order.number} вече има условие на плащане 'Аванс'"
    orders.add_document(order.id, "foreign_invoice", "F-1", "10.00", "2026-03-02")
    with pytest.raises(ValidationError) as again:
        orders.add_document(order.id, "foreign_invoice", "F-1", "10.00", "2026-03-02")
    assert str(again.value) == f"инвойс F-1 вече съществува (поръчка {order.number})"
    i18n.set_language("en")
    with pytest.raises(ConflictError, match=r"^order .* was changed by .* since you opened it;"):
        orders.update_order(order.id, stale, note="mine")
    with pytest.raises(ValidationError) as again:
        orders.add_document(order.id, "foreign_invoice", "F-1", "10.00", "2026-03-02")
    assert str(again.value) == f"foreign_invoice F-1 already exists (order {order.number})"


@pytest.mark.parametrize(
    ("options", "env"),
    [([], {"LANG": "en_US.UTF-8", "LC_ALL": None}), (["--lang", "bg"], {"LANG": "bg_BG.UTF-8"})],
    ids=["english-locale", "lang-bg"],
)
def test_the_command_line_prints_the_data_layer_in_english(
    tmp_path: Path, options: list[str], env: dict[str, str | None]
) -> None:
    """The command line's own text is English, and so are the data layer's messages it prints,
    whatever the locale or ``--lang`` (which chooses the language of the screens)."""
    db = str(tmp_path / "cli.db")
    result = CliRunner().invoke(cli, ["--db", db, *options, "order", "show", "NOPE"], env=env)
    assert result.exit_code == 1
    assert "tui-orders: no order 'NOPE'" in result.output
    assert i18n.language() == "en"


def test_a_stale_master_data_edit_reads_in_bulgarian(db: object, language: object) -> None:
    """A client, article or tax changed in another terminal meanwhile: the refusal, and the
    other master-data messages, in Bulgarian; in English as they always were."""
    from tui_orders.data import masterdata
    from tui_orders.data.errors import ConflictError, NotFound, ValidationError

    client = masterdata.create_client("Acme Ltd", "EUR")
    article = masterdata.create_article("A-1", "Widget", "10.00")
    tax = masterdata.create_tax("ДДС 20%", "20")
    masterdata.update_client(client.id, vat_id="BG1", expected_version=client.version)
    masterdata.update_article(article.id, price="11.00", expected_version=article.version)
    masterdata.update_tax(tax.id, name="ДДС 20 %", expected_version=tax.version)
    later = (
        ", откакто го отворихте; нищо не е записано: презаредете го и направете промяната отново"
    )
    i18n.set_language("bg")
    with pytest.raises(ConflictError) as conflict:
        masterdata.save_client(
            client.id, name="Acme Ltd", currency="EUR", expected_version=client.version
        )
    assert str(conflict.value) == "клиент 'Acme Ltd' е променен от друг терминал" + later
    with pytest.raises(ConflictError) as conflict:
        masterdata.add_barcode(article.id, "123", expected_version=article.version)
    assert str(conflict.value) == "артикул 'A-1' е променен от друг терминал" + later
    with pytest.raises(ConflictError) as conflict:
        masterdata.save_tax(tax.id, name="ДДС", rate="20", expected_version=tax.version)
    assert str(conflict.value) == "данък 'ДДС 20 %' е променен от друг терминал" + later
    with pytest.raises(ValidationError) as bad:
        masterdata.create_client("Acme Ltd", "EUR")
    assert bad.value.message == "клиент с име 'Acme Ltd' вече съществува"
    with pytest.raises(ValidationError) as bad:
        masterdata.create_client("  ", "EUR")
    assert bad.value.message == "име на клиента: задължително поле"
    with pytest.raises(ValidationError) as bad:
        masterdata.create_client("Beta", "EURO")
    assert bad.value.message == "валута: повече от 3 знака"
    with pytest.raises(NotFound) as missing:
        masterdata.get_tax("ДДС 9%")
    assert str(missing.value) == "няма данък 'ДДС 9%'"
    i18n.set_language("en")  # the English text is the very one it always was
    with pytest.raises(ConflictError) as conflict:
        masterdata.save_client(
            client.id, name="Acme Ltd", currency="EUR", expected_version=client.version
        )
    assert str(conflict.value) == (
        "client 'Acme Ltd' was changed in another terminal since you opened it; nothing was "
        "saved: reload it and make your change again"
    )
    with pytest.raises(ValidationError, match=r"^client name is required$"):
        masterdata.create_client("  ", "EUR")
    with pytest.raises(ValidationError, match=r"^currency is longer than 3 characters$"):
        masterdata.create_client("Beta", "EURO")


def test_every_field_named_in_a_text_check_has_a_bulgarian_name() -> None:
    """masterdata's text check names its field (``_text(value, "client name")``), for
    orders.py and offers.py too; so does ``_NAMED_BY``: each name has its Bulgarian word, or a
    Bulgarian message would carry an English one."""
    from tui_orders.data import masterdata

    names = {what for what, _key in masterdata._NAMED_BY.values()}
    for path in sorted((PACKAGE / "data").glob("*.py")):
        if path.name == "bulk.py":  # its own _text, with the path in an import file
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_text"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                names.add(str(node.args[1].value))
    assert {"client name", "currency", "term name", "offer number"} <= names
    assert sorted(names - bulgarian()) == []
