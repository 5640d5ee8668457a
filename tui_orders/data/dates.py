"""Dates as operators type them: ``2026-12-01``, ``1.12.2026``, ``t`` (today), ``+14``, ``-3``."""

from __future__ import annotations

import datetime as dt
import re

from ..i18n import _
from .errors import ValidationError

_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})$")
_RELATIVE = re.compile(r"^([+-])\s*(\d{1,5})$")


def parse_user_date(text: str, today: dt.date | None = None, *, what: str = "date") -> dt.date:
    """Parse a typed date.

    Accepts ISO ``2026-12-01``; day first ``1.12.2026``, ``01.12.26`` or ``1/12/2026``;
    ``t`` or ``today`` (also ``д``/``днес``); ``+14`` / ``-3`` days from today.
    Raises :class:`ValidationError` naming the accepted forms.
    """
    day = today or dt.date.today()
    value = text.strip().lower()
    if value in ("t", "today", "д", "днес"):
        return day
    m = _RELATIVE.match(value)
    if m:
        delta = int(m.group(2))
        return day + dt.timedelta(days=delta if m.group(1) == "+" else -delta)
    m = _DOTTED.match(value)
    try:
        if m:
            year = int(m.group(3))
            if year < 100:
                year += 2000
            return dt.date(year, int(m.group(2)), int(m.group(1)))
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            y, mo, d = (int(p) for p in value.split("-"))
            return dt.date(y, mo, d)
    except ValueError:
        raise ValidationError(
            _("{what} {text!r} is not a real date").format(what=_(what), text=text)
        ) from None
    raise ValidationError(
        _("{what} {text!r} is not a date: write 2026-12-01, 1.12.2026, t (today) or +14").format(
            what=_(what), text=text
        )
    )
