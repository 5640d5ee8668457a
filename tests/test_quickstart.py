"""The start-up read of the order list (:mod:`tui_orders.data.quickstart`): the very rows the
ordinary query gives, or None whenever it cannot be sure; and the home screen built from it
without importing the ORM."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_orders.data import audit, queries
from tui_orders.data.db import close_database, open_database
from tui_orders.data.demo import run_demo
from tui_orders.data.quickstart import first_open_orders
from tui_orders.data.version import SCHEMA_VERSION
from tui_orders.widgets.order_table import INITIAL_QUERY, WINDOW

TODAY = dt.date(2026, 5, 15)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo database with orders in every status (closed and cancelled ones among the
    first by deadline, so the filter matters)."""
    path = tmp_path_factory.mktemp("quick") / "demo.db"
    audit.set_user("tester")
    open_database(str(path))
    try:
        run_demo(400, seed=7, today=TODAY, chunk=200, workers=0)
    finally:
        close_database()
    yield path


def _ordinary(path: Path, limit: int) -> tuple[int, list[queries.OrderRow]]:
    open_database(str(path))
    try:
        rows = queries.fetch_orders(INITIAL_QUERY.order_filter(), INITIAL_QUERY.sort, limit=limit)
        return queries.change_marker(), rows
    finally:
        close_database()


@pytest.mark.parametrize("limit", [1, 37, WINDOW, 1000])
def test_the_start_up_read_gives_the_rows_of_the_ordinary_query(demo_db: Path, limit: int) -> None:
    quick = first_open_orders(str(demo_db), limit)
    assert quick is not None
    marker, rows = _ordinary(demo_db, limit)
    assert quick == (marker, rows)
    assert [r.key for r in quick[1]] == [r.key for r in rows]  # not compared by ==
    statuses = {r.status for r in rows}
    assert statuses and not statuses & {"closed", "cancelled"}
    # through a sqlite:/// URL too
    assert first_open_orders(f"sqlite:///{demo_db}", limit) == quick


def test_an_empty_database_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    open_database(str(path))
    close_database()
    assert first_open_orders(str(path), WINDOW) == (0, [])


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://user@localhost/orders",
        "sqlite://relative.db",
        "mysql://x/y",
        ":memory:",
    ],
)
def test_what_it_cannot_read_is_left_to_the_ordinary_opening(url: str) -> None:
    assert first_open_orders(url, WINDOW) is None


def test_a_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "orders.db"
    assert first_open_orders(str(path), WINDOW) is None
    assert not path.exists() and not path.parent.exists()


def test_another_schema_version_is_left_to_the_migration(demo_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    src, dst = sqlite3.connect(demo_db), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION - 1,))
    dst.commit()
    dst.close()
    assert first_open_orders(str(copy), WINDOW) is None


def test_not_a_database_is_none(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database", encoding="utf-8")
    assert first_open_orders(str(path), WINDOW) is None


def test_the_home_screen_is_built_without_the_orm() -> None:
    code = (
        "import sys\n"
        "import tui_orders.app, tui_orders.screens.orders, tui_orders.data.quickstart\n"
        "print(sorted(m for m in sys.modules if m == 'peewee' or m.endswith('.models')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
