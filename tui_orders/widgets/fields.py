"""Input fields of the forms: dates as operators type them, amounts, prices and quantities.

Each field is an :class:`~textual.widgets.Input` with a :mod:`textual.validation` validator
built on the data layer's own parser, so the screen accepts exactly what the service accepts
("12,50" and "12.50"; "t", "+14", "1.12.2026"). :meth:`hint` is what the form shows beside
the field once the text is valid (a date field shows the date it resolved to).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from textual.validation import ValidationResult, Validator
from textual.widgets import Input
from textual_autocomplete import AutoComplete

from ..data.dates import parse_user_date
from ..data.errors import ValidationError
from ..data.money import parse_money, parse_price, parse_qty
from ..i18n import _, format_date


class Required(Validator):
    """The field must not be empty."""

    def validate(self, value: str) -> ValidationResult:
        if value.strip():
            return self.success()
        return self.failure(_("Required"))


class ParsedBy(Validator):
    """Valid when ``parse(text)`` does not raise the data layer's ValidationError."""

    def __init__(self, parse: Callable[[str], Any], *, required: bool = True) -> None:
        super().__init__()
        self.parse = parse
        self.required = required

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success() if not self.required else self.failure(_("Required"))
        try:
            self.parse(value)
        except ValidationError as exc:
            return self.failure(_(exc.message))
        return self.success()


class FieldInput(Input):
    """A compact single-line input; ``hint`` is shown beside it when the text is valid."""

    DEFAULT_CSS = """
    FieldInput {
        width: 1fr;
    }
    """

    def __init__(self, value: str = "", *, required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        if required and "validators" not in kwargs:
            kwargs["validators"] = [Required()]
        super().__init__(value, **kwargs)
        self.required = required

    def hint(self) -> str:
        return ""


class DateInput(FieldInput):
    """A date: ``2026-12-01``, ``1.12.2026``, ``t`` (today), ``+14``, ``-3``."""

    DEFAULT_CSS = """
    DateInput {
        width: 16;
    }
    """

    def __init__(self, value: str = "", *, required: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("placeholder", _("date, t, +14"))
        super().__init__(
            value,
            required=required,
            validators=[ParsedBy(self._parse, required=required)],
            **kwargs,
        )

    def _today(self) -> dt.date:
        today = getattr(self.app, "today", None)
        return today() if callable(today) else dt.date.today()

    def _parse(self, text: str) -> dt.date:
        return parse_user_date(text, self._today())

    @property
    def date(self) -> dt.date | None:
        """The date typed, or None when empty or invalid."""
        try:
            return self._parse(self.value) if self.value.strip() else None
        except ValidationError:
            return None

    def hint(self) -> str:
        day = self.date
        if day is None or self.value.strip() == format_date(day):
            return ""
        return format_date(day)


class _NumberInput(FieldInput):
    DEFAULT_CSS = """
    _NumberInput {
        width: 18;
    }
    """

    def __init__(
        self, value: str = "", *, required: bool = True, allow_zero: bool = False, **kwargs: Any
    ) -> None:
        self.allow_zero = allow_zero
        super().__init__(
            value,
            required=required,
            validators=[ParsedBy(self.parse, required=required)],
            **kwargs,
        )

    def parse(self, text: str) -> Decimal:
        return parse_money(text)

    @property
    def decimal(self) -> Decimal | None:
        """The number typed, or None when empty or invalid."""
        try:
            return self.parse(self.value) if self.value.strip() else None
        except ValidationError:
            return None


class MoneyInput(_NumberInput):
    """An amount (2 decimals, comma or dot); zero only with ``allow_zero``."""

    def parse(self, text: str) -> Decimal:
        return parse_money(text, allow_zero=self.allow_zero)


class PriceInput(_NumberInput):
    """A unit price (up to 4 decimals, not negative)."""

    def parse(self, text: str) -> Decimal:
        return parse_price(text)


class QtyInput(_NumberInput):
    """A quantity (up to 3 decimals, greater than zero)."""

    def parse(self, text: str) -> Decimal:
        return parse_qty(text)


class Completion(AutoComplete):
    """A completion dropdown that tells ``on_complete(target)`` when a choice was taken
    (the library applies it without an ``Input.Changed``)."""

    def __init__(
        self, target: Input | str, *args: Any, on_complete: Callable[[Input], Any], **kwargs: Any
    ) -> None:
        super().__init__(target, *args, **kwargs)
        self._on_complete = on_complete

    def post_completion(self) -> None:
        super().post_completion()
        self._on_complete(self.target)


__all__ = [
    "Completion",
    "DateInput",
    "FieldInput",
    "MoneyInput",
    "ParsedBy",
    "PriceInput",
    "QtyInput",
    "Required",
]
