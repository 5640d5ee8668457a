"""Translations and locale-aware formatting of the screens.

Every string shown on screen goes through :func:`_`. Catalogs are gettext ``.po`` files,
``tui_orders/locale/<lang>/*.po`` (one per area of the app), read at start-up (no compiled
``.mo`` to keep in step). English is the
source language; ``bg`` uses the terms of the domain (DOMAIN.md). Amounts and dates are
formatted for the chosen language with babel.
"""

from __future__ import annotations

import datetime as dt
import locale
import os
from decimal import Decimal
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "bg")

_lang = "en"
_catalog: dict[str, str] = {}


@cache
def _load(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    messages: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for m in catalog:
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy:
                messages[m.id] = str(m.string)
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


def format_amount(value: Decimal, currency: str | None = None) -> str:
    """``1 234,50 лв.``-style for bg, ``1,234.50`` for en; always 2 decimals, exact."""
    from babel.numbers import format_decimal

    text = format_decimal(value, format="#,##0.00", locale=_babel_locale())
    return f"{text} {currency}" if currency else text


def format_qty(value: Decimal) -> str:
    from babel.numbers import format_decimal

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
