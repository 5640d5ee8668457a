"""The order screen's Files tab (7): attach a file from a path, see it listed, save it back
out (an existing file is replaced only after a yes), remove it (after a yes); the service's
errors (no such file, too big) shown in the modal. Also the at-risk line of the order screen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Static, TabbedContent

from tui_orders.app import OrdersApp
from tui_orders.data import attachments, audit
from tui_orders.data.attachments import list_attachments
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import Order
from tui_orders.screens.forms.attachment import AttachFileModal, SaveAttachmentModal
from tui_orders.screens.order import ConfirmModal, OrderScreen

from .conftest import settle


@asynccontextmanager
async def order_screen(
    make_app: Callable[..., OrdersApp], url: str, number: str, **options: Any
) -> AsyncIterator[tuple[Pilot[None], OrderScreen]]:
    """The app on ``url`` showing the order ``number`` (database opened by the test)."""
    audit.set_user("tester")
    open_database(url)
    order_id = Order.get(Order.number == number).id
    app = make_app(url, open_db=False, **options)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            app.db_ready = True
            screen = OrderScreen(order_id)
            app.push_screen(screen)
            await pilot.pause()
            await settle(pilot)
            yield pilot, screen
    finally:
        close_database()
        audit.set_user(None)


async def type_path(pilot: Pilot[None], path: str | Path) -> None:
    field = pilot.app.screen.query_one("#path", Input)
    field.value = str(path)
    await pilot.press("enter")
    await pilot.pause()
    await settle(pilot)


def modal_error(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one("#path-error", Label).content)


def files(screen: OrderScreen) -> list[str]:
    table = screen.query_one("#files-table", DataTable)
    return [str(table.get_row_at(r)[0]) for r in range(table.row_count)]


async def test_attach_list_save_and_remove(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, roles = seeded_sqlite
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(b"%PDF-1.4 signed contract\n" * 40)
    monkeypatch.setattr(attachments, "MAX_BYTES", 2000)  # "too big" without a big file
    big = tmp_path / "scan.tiff"
    big.write_bytes(b"x" * 3000)
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        await pilot.press("7")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "files"
        assert files(screen) == []
        keys = {b.binding.id for b in screen.active_bindings.values() if b.enabled}
        assert "order_attach_file" in keys and "order_new_line" not in keys
        assert screen.check_action("save_file", ()) is None  # nothing to save yet
        version = screen.view.version  # type: ignore[union-attr]

        # attach: a missing file, then a too big one, are explained in the modal
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AttachFileModal)
        await type_path(pilot, tmp_path / "nothing.pdf")
        assert isinstance(pilot.app.screen, AttachFileModal)
        assert "nothing.pdf: no such file" in modal_error(pilot)
        await type_path(pilot, big)
        assert "attachments are limited to" in modal_error(pilot)
        await type_path(pilot, contract)
        assert pilot.app.screen is screen
        assert files(screen) == ["contract.pdf"]
        table = screen.query_one("#files-table", DataTable)
        assert str(table.get_row_at(0)[1]) == "1000 B"
        assert str(table.get_row_at(0)[3]) == "tester"
        assert screen.view.version > version  # type: ignore[union-attr]

        # save it back out: a new path is written as is
        out = tmp_path / "out"
        out.mkdir()
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaveAttachmentModal)
        await type_path(pilot, out)  # a folder: the file keeps its name there
        assert pilot.app.screen is screen
        assert (out / "contract.pdf").read_bytes() == contract.read_bytes()

        # an existing file: asked first; "no" leaves it untouched
        taken = tmp_path / "taken.pdf"
        taken.write_bytes(b"keep me")
        await pilot.press("enter")  # Enter on the row saves a copy too
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaveAttachmentModal)
        await type_path(pilot, taken)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaveAttachmentModal)
        assert "already exists" in modal_error(pilot)
        assert taken.read_bytes() == b"keep me"
        # ... and "yes" replaces it
        await type_path(pilot, taken)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert taken.read_bytes() == contract.read_bytes()

        # remove: asked first
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("escape")
        await settle(pilot)
        assert files(screen) == ["contract.pdf"]
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert files(screen) == []
        assert list_attachments(Order.get(Order.number == roles["late"])) == []
        # the history names the file
        await pilot.press("6")
        await settle(pilot)
        history = screen.query_one("#history-table", DataTable)
        changes = " ".join(str(history.get_row_at(r)[4]) for r in range(history.row_count))
        assert "contract.pdf" in changes


async def test_file_keys_are_off_in_the_other_tabs(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (_pilot, screen):
        for action in ("attach_file", "save_file", "remove_file"):
            assert screen.check_action(action, ()) is False
        keys = {b.binding.id for b in screen.active_bindings.values() if b.enabled}
        assert "order_new_line" in keys and "order_attach_file" not in keys


async def test_at_risk_line_names_the_causes(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (_pilot, screen):
        risk = screen.query_one("#order-risk", Static)
        assert str(risk.content) == "⚠ At risk: 7 days past the deadline, 59.4% delivered"
        assert risk.display
    async with order_screen(make_app, url, roles["markup"]) as (_pilot, screen):
        assert not screen.query_one("#order-risk", Static).display  # closed: never at risk


async def test_at_risk_line_in_bulgarian(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    from tui_orders import i18n

    url, roles = seeded_sqlite
    try:
        async with order_screen(make_app, url, roles["soon"], lang="bg") as (_pilot, screen):
            text = str(screen.query_one("#order-risk", Static).content)
            assert text == "⚠ В риск: краен срок след 4 дни, доставени 0%"
    finally:
        i18n.set_language("en")
