"""Translations and locale-aware formatting of the screens.

Every string shown on screen goes through :func:`_`, the data layer's error messages too
(translated when raised: a module-level text would be read before the language is chosen).
Catalogs are gettext ``.po`` files,
``tui_orders/locale/<lang>/*.po`` (one per area of the app), read at start-up (no compiled
``.mo`` to keep in step). English is the
source language; ``bg`` uses the terms of the domain (DOMAIN.md). Amounts and dates are
formatted for the chosen language (numbers as babel's CLDR patterns have them, written out
here: babel's locale data and catalog reader cost ~50 ms each at start-up).
"""

from __future__ import annotations

import datetime as dt
import locale
import os
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "bg")

_lang = "en"
_catalog: dict[str, str] = {}


@cache
def _load(lang: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.po")):
        text = path.read_text(encoding="utf-8")
        try:
            messages.update(_read_po(text))
        except ValueError:  # something the short reader below does not know: babel does
            messages.update(_read_po_babel(path, lang))
    return messages


def _read_po_babel(path: Path, lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    messages: dict[str, str] = {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    for m in catalog:
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy:
            messages[m.id] = str(m.string)
    return messages


_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
_PO_ESCAPE = re.compile(r'\\([\\trn"])')


def _po_string(quoted: str) -> str:
    quoted = quoted.strip()
    if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
        raise ValueError(f"not a quoted string: {quoted!r}")
    return _PO_ESCAPE.sub(lambda m: _PO_ESCAPES[m.group(1)], quoted[1:-1])


def _read_po(text: str) -> dict[str, str]:
    """The translated, non-fuzzy singular messages of a ``.po`` file: what babel's
    ``read_po`` gives for them, without importing babel's catalog machinery (~40 ms of
    start-up in Bulgarian). Raises ValueError on anything else (plurals, obsolete
    entries), for babel to read the file instead."""
    messages: dict[str, str] = {}
    fields: dict[str, str] = {}
    current: str | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy, current
        msgid, msgstr = fields.get("msgid"), fields.get("msgstr")
        if msgid and msgstr and not fuzzy:
            messages[msgid] = msgstr
        fields.clear()
        current, fuzzy = None, False

    for line in text.splitlines():
        line = line.strip()
        if not line:
            if "msgstr" in fields:
                flush()
            continue
        if line.startswith("#"):
            if "msgstr" in fields:
                flush()
            if line.startswith("#~") or line.startswith("#|"):
                raise ValueError("obsolete or previous entries")
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                fuzzy = True
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"a string outside an entry: {line!r}")
            fields[current] += _po_string(line)
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword not in ("msgctxt", "msgid", "msgstr"):
            raise ValueError(f"not read here: {keyword!r}")
        if keyword in ("msgctxt", "msgid") and "msgstr" in fields:
            flush()
        if keyword in fields:
            raise ValueError(f"{keyword} twice in one entry")
        current = keyword
        fields[keyword] = _po_string(rest)
    if "msgstr" in fields:
        flush()
    return messages


def detect_language() -> str:
    """The language of the environment (LC_ALL, LC_MESSAGES, LANG), if we ship it."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            code = value.split(":")[0].split(".")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
    try:
        code = (locale.getlocale()[0] or "").split("_")[0].lower()
    except ValueError:
        code = ""
    return code if code in LANGUAGES else "en"


def set_language(lang: str | None) -> str:
    """Switch the language (``None``: from the environment); returns the one in force."""
    global _lang, _catalog
    chosen = (lang or detect_language()).lower()
    if chosen not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    _lang = chosen
    _catalog = _load(chosen) if chosen != "en" else {}
    return _lang


def language() -> str:
    return _lang


def _(message: str) -> str:
    """The message in the current language (the English text when untranslated)."""
    return _catalog.get(message, message)


#: (group, decimal) separators of the number formats of each language, as babel's CLDR data
#: has them for en_US and bg_BG (checked against babel in the tests); formatting by hand costs
#: a few µs a number where babel's first call loads its locale data (~50 ms at start-up)
_SEPARATORS = {"en": (",", "."), "bg": ("\xa0", ",")}


def _localized(text: str) -> str:
    """``1,234.50`` (Python's format) with the separators of the current language."""
    group, decimal = _SEPARATORS[_lang]
    if group == "," and decimal == ".":
        return text
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def format_amount(value: Decimal, currency: str | None = None) -> str:
    """``1 234,50 лв.``-style for bg, ``1,234.50`` for en; always 2 decimals, exact."""
    if _lang in _SEPARATORS:
        # babel's "#,##0.00": rounded half-even, the sign kept on a negative zero
        text = _localized(format(value, ",.2f"))
    else:  # pragma: no cover - every shipped language has its separators above
        from babel.numbers import format_decimal

        text = format_decimal(value, format="#,##0.00", locale=_babel_locale())
    return f"{text} {currency}" if currency else text


def format_count(value: int) -> str:
    """A whole number with the digit grouping of the language (``100,000``, ``100 000``)."""
    return _localized(f"{value:,}")


def format_qty(value: Decimal) -> str:
    """Up to 3 decimals, no trailing zeros (babel's ``#,##0.###``)."""
    if _lang in _SEPARATORS:
        text = format(value, ",.3f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return _localized(text)
    from babel.numbers import format_decimal  # pragma: no cover

    return format_decimal(value.normalize(), format="#,##0.###", locale=_babel_locale())


def format_date(value: dt.date | None) -> str:
    """``01.12.2026`` in Bulgarian, ``2026-12-01`` in English; empty for None."""
    if value is None:
        return ""
    if _lang == "bg":
        return value.strftime("%d.%m.%Y")
    return value.isoformat()


def _babel_locale() -> str:
    return {"bg": "bg_BG", "en": "en_US"}[_lang]


def status_label(status: str) -> str:
    """An order status or financial status in words of the current language."""
    return _(_STATUS_WORDS.get(status, status))


#: the English words of the stored status codes (translated through the catalog)
_STATUS_WORDS = {
    "new": "new",
    "in_progress": "in progress",
    "ready": "ready",
    "closed": "closed",
    "cancelled": "cancelled",
    "unpaid": "unpaid",
    "partially_paid": "partially paid",
    "paid": "paid",
    "planned": "planned",
    "done": "done",
    "proforma": "proforma",
    "invoice": "invoice",
    "foreign_invoice": "foreign invoice",
    "sale": "sale",
    "shipment": "shipment",
    "production": "production",
    "purchase": "purchase",
    "contract": "contract",
    "offer": "offer",
    "other": "other",
}
