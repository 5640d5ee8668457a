"""Helpers of the form tests: an app that opens the database and shows no home screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tui_orders
from tui_orders.app import OrdersApp

from .conftest import TODAY


class FormsApp(OrdersApp):
    """The real app without the home screen: forms are pushed on it directly."""

    CSS_PATH = str(Path(tui_orders.__file__).parent / "app.tcss")

    def _database_opened(self) -> None:
        self.db_ready = True


def forms_app(url: str, **options: Any) -> FormsApp:
    options.setdefault("today", TODAY)
    options.setdefault("lang", "en")
    options.setdefault("user", "tester")
    options.setdefault("poll_seconds", 0.5)
    return FormsApp(url, **options)
