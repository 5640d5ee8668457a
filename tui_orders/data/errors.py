"""Errors the data layer raises for the user to read.

Every one carries a message meant for an operator; the command line prints it on stderr and
exits non-zero, the screens show it beside the field or in a notification. The message is in
the current language: the data layer writes it with :func:`tui_orders.i18n._` when it raises
(never at import, before the language is chosen); the Bulgarian texts are in
``locale/bg/data.po``. The command line never chooses a language: it stays English.
"""

from __future__ import annotations


class OrdersError(Exception):
    """Base of every error whose message is meant for the user."""


class ValidationError(OrdersError):
    """Bad input: a form field, an import record, a command-line argument.

    ``path`` names where the bad value is (``orders[3].items[0].qty`` in an import file,
    a field name in a form); :meth:`__str__` puts it in front of the message.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def at(self, prefix: str) -> ValidationError:
        """The same error, located one level further out (``prefix`` + its path)."""
        if not self.path:
            path = prefix
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        return ValidationError(self.message, path)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class NotFound(OrdersError):
    """A record the user named does not exist."""


class ConflictError(OrdersError):
    """Another terminal changed the record since it was read; nothing was saved."""


class DatabaseError(OrdersError):
    """The database cannot be opened or used (bad URL, missing driver, newer schema)."""
