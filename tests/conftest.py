"""Shared fixtures: a fresh database per test (SQLite file; PostgreSQL where marked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from peewee import Database

from tui_orders.data import audit
from tui_orders.data.db import close_database, open_database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An empty tui-orders database in a file under ``tmp_path`` (models bound to it)."""
    audit.set_user("tester")
    database = open_database(str(tmp_path / "orders.db"))
    try:
        yield database
    finally:
        close_database()
        audit.set_user(None)
