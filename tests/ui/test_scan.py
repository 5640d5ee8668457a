"""Scan mode of the order's Items tab: a keyboard-wedge scanner types a code and Enter into
the scan bar, the camera reads codes into the same path.

The "soon" order of ``seed()`` holds one line, CBL-1 x 40. Barcodes: 4006381333931 is BLT-1
(Болт M8, unit бр), 5901234123457 is PMP-1 (Pump [red]X[/]); CBL-1 has none.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.console import Console
from rich.segment import Segment
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from textual.worker import WorkerCancelled

from tui_orders.app import OrdersApp
from tui_orders.data import audit, masterdata, orders
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import Article, Order, OrderItem
from tui_orders.scanner.types import CodeRead, PreviewFrame, SourceStatus, Symbol
from tui_orders.screens.forms.unknown_code import (
    AttachBarcodeForm,
    NewArticleForBarcode,
    UnknownCodeModal,
)
from tui_orders.screens.order import OrderScreen
from tui_orders.widgets.scan_bar import AimPreview, HalfBlocks, ScanBar, ScanInput

from .conftest import settle as settle_once

BOLT = "4006381333931"
PUMP = "5901234123457"
FREE = "9780201379624"  # a valid EAN-13 no article carries


async def settle(pilot: Pilot[None]) -> None:
    """Workers done, screen repainted. A reload may cancel a reload still running (one group,
    exclusive); waiting for that one raises WorkerCancelled: wait again."""
    for _ in range(20):
        try:
            await settle_once(pilot)
            return
        except WorkerCancelled:
            await pilot.pause(0.01)
    await settle_once(pilot)


@asynccontextmanager
async def scanning(
    make_app: Callable[..., OrdersApp], url: str, number: str, **options: Any
) -> AsyncIterator[tuple[Pilot[None], OrderScreen]]:
    """The order ``number`` on screen, in scan mode (``b``); ``app.bells`` counts the bells."""
    audit.set_user("tester")
    open_database(url)
    order_id = Order.get(Order.number == number).id
    options.setdefault("poll_seconds", 3600)
    app = make_app(url, open_db=False, **options)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    app.bells = bells  # type: ignore[attr-defined]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = OrderScreen(order_id)
            app.push_screen(screen)
            await pilot.pause()
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            yield pilot, screen
    finally:
        close_database()
        audit.set_user(None)


async def scan(pilot: Pilot[None], code: str, *, wait: bool = True) -> None:
    """Type ``code`` and Enter as a scanner does: no pause between the keys."""
    await pilot.press(*code, "enter")
    if wait:
        await settle(pilot)


def burst(app: Any, text: str) -> None:
    """Keys posted straight into the app's queue, faster than any pilot step."""
    for ch in text:
        if ch == "\n":
            app.post_message(events.Key("enter", "\r"))
        else:
            app.post_message(events.Key(ch, ch))


def items(number: str) -> dict[str, Decimal]:
    rows = (
        OrderItem.select(OrderItem, Article)
        .join(Article)
        .join_from(OrderItem, Order)
        .where(Order.number == number)
    )
    found: dict[str, Decimal] = {}
    for row in rows:
        found[row.article.code] = found.get(row.article.code, Decimal(0)) + row.qty
    return found


def status(screen: OrderScreen) -> str:
    return str(screen.query_one("#scan-status", Static).content)


def notifications(app: Any) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def highlighted(screen: OrderScreen) -> str:
    table = screen.query_one("#items-table", DataTable)
    return str(table.get_row_at(table.cursor_row)[1])


async def test_a_known_code_adds_the_article_then_raises_its_row(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        field = screen.query_one(ScanInput)
        assert screen.focused is field
        assert screen.query_one(ScanBar).display
        await scan(pilot, BOLT)
        assert items(roles["soon"]) == {"CBL-1": Decimal(40), "BLT-1": Decimal(1)}
        assert status(screen) == "+1 Болт M8 → 1 бр  (new line)"
        assert highlighted(screen) == "BLT-1"
        await scan(pilot, BOLT)
        assert items(roles["soon"])["BLT-1"] == Decimal(2)
        assert status(screen) == "+1 Болт M8 → 2 бр"
        assert screen.query_one("#items-table", DataTable).row_count == 2
        assert screen.focused is field and field.value == ""
        # markup in an article name is shown as typed
        await scan(pilot, PUMP)
        assert status(screen).startswith("+1 Pump [red]X[/] → 1")
        assert highlighted(screen) == "PMP-1"
        assert pilot.app.bells == []  # type: ignore[attr-defined]


async def test_quantity_for_the_next_scan(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        await pilot.press("5", "asterisk")
        await pilot.pause()
        assert str(screen.query_one("#scan-qty", Static).content) == "5 ×"
        assert screen.query_one(ScanInput).value == ""
        await scan(pilot, BOLT)
        assert items(roles["soon"])["BLT-1"] == Decimal(5)
        assert str(screen.query_one("#scan-qty", Static).content) == ""  # one scan only
        await scan(pilot, BOLT)
        assert items(roles["soon"])["BLT-1"] == Decimal(6)
        # typed in one go, as "12*" then the scan; a fraction for goods sold by the metre
        await scan(pilot, "12*" + PUMP)
        await scan(pilot, "2,5*" + BOLT)
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal("8.5"),
            "PMP-1": Decimal(12),
        }
        await pilot.press("0", "asterisk")  # not a quantity: refused, with a bell
        await pilot.pause()
        assert pilot.app.bells  # type: ignore[attr-defined]
        assert str(screen.query_one("#scan-qty", Static).content) == ""


async def test_a_burst_while_the_list_refreshes_loses_nothing(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"], poll_seconds=0.05) as (pilot, screen):
        field = screen.query_one(ScanInput)
        # keys pressed one after another, no waiting; the list reloads in the middle
        await pilot.press(*BOLT[:6])
        screen.action_reload()
        await pilot.press(*BOLT[6:], "enter")
        # then a raw burst straight into the app queue, a reload racing with it
        burst(pilot.app, PUMP[:7])
        screen.action_reload()
        burst(pilot.app, PUMP[7:] + "\n")
        await settle(pilot)
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal(1),
            "PMP-1": Decimal(1),
        }
        assert screen.focused is field and field.value == ""
        assert pilot.app.bells == []  # type: ignore[attr-defined]
        # the polls running meanwhile never take our own scans for another terminal's change
        assert "another terminal" not in notifications(pilot.app)


async def test_scans_in_quick_succession_all_count(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    """The next code arrives while the previous one is still being saved: queued, counted."""
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        burst(pilot.app, f"{BOLT}\n{BOLT}\n3*{PUMP}\n{BOLT}\n")
        await settle(pilot)
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal(3),
            "PMP-1": Decimal(3),
        }
        await scan(pilot, BOLT, wait=False)
        await scan(pilot, BOLT, wait=False)
        await settle(pilot)
        assert items(roles["soon"])["BLT-1"] == Decimal(5)
        assert status(screen) == "+1 Болт M8 → 5 бр"
        assert highlighted(screen) == "BLT-1"
        # no spurious "changed in another terminal": the versions chain
        assert "another terminal" not in notifications(pilot.app)


async def test_back_right_after_a_burst_saves_the_scans_first(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui_orders.data import scanning as scanning_service

    slow_scan = scanning_service.scan_into_order

    def slow(*args: Any) -> Any:
        time.sleep(0.2)  # a busy database: the scans are still being saved at Back
        return slow_scan(*args)

    monkeypatch.setattr(scanning_service, "scan_into_order", slow)
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        burst(pilot.app, f"{BOLT}\n{PUMP}\n{BOLT}\n")
        await pilot.press("escape", "escape")  # leave scan mode and the order, at once
        await settle(pilot)
        assert not screen.is_attached
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal(2),
            "PMP-1": Decimal(1),
        }


@pytest.mark.parametrize("key", ["f2", "f3"])
async def test_another_screen_right_after_a_burst_saves_the_scans_first(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
) -> None:
    """F2 (the list) or F3 (clients) while scans are still being saved: they are saved, then
    the screen changes."""
    from tui_orders.data import scanning as scanning_service
    from tui_orders.screens.clients import ClientsScreen
    from tui_orders.screens.orders import OrdersScreen

    slow_scan = scanning_service.scan_into_order

    def slow(*args: Any) -> Any:
        time.sleep(0.2)  # a busy database: the scans are still being saved at F2
        return slow_scan(*args)

    monkeypatch.setattr(scanning_service, "scan_into_order", slow)
    url, roles = seeded_sqlite
    audit.set_user("tester")
    open_database(url)
    order_id = Order.get(Order.number == roles["soon"]).id
    close_database()
    app = make_app(url, poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):  # the home screen, the database open
            await pilot.pause()
            if isinstance(app.screen, OrdersScreen) and app.db_ready:
                break
        await settle(pilot)
        screen = OrderScreen(order_id)
        app.push_screen(screen)
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        burst(app, f"{BOLT}\n{PUMP}\n{BOLT}\n")
        await pilot.press("escape", key)  # leave scan mode, then another screen, at once
        await settle(pilot)
        assert not screen.is_attached
        assert isinstance(app.screen, OrdersScreen if key == "f2" else ClientsScreen)
    open_database(url)
    try:
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal(2),
            "PMP-1": Decimal(1),
        }
    finally:
        close_database()
        audit.set_user(None)


async def test_a_wrong_check_digit_is_a_misread(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        await scan(pilot, BOLT[:-1] + "2")
        assert pilot.app.bells == [1]  # type: ignore[attr-defined]
        assert "Misread: 4006381333932 has a wrong check digit" in status(screen)
        assert not isinstance(pilot.app.screen, UnknownCodeModal)  # never looked up
        assert items(roles["soon"]) == {"CBL-1": Decimal(40)}
        await scan(pilot, BOLT)  # the next scan goes on as usual
        assert items(roles["soon"])["BLT-1"] == Decimal(1)


async def test_unknown_code_creates_a_new_article(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        await pilot.press("4", "asterisk")
        await scan(pilot, FREE)
        assert pilot.app.bells == [1]  # type: ignore[attr-defined]
        assert f"Unknown code {FREE}" in status(screen)
        assert f"Unknown code {FREE}" in notifications(pilot.app)
        assert isinstance(pilot.app.screen, UnknownCodeModal)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, NewArticleForBarcode)
        await pilot.press(*"BK-1", "tab", *"Book [b]", "tab", *"12,40", "tab")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        article = masterdata.article_by_barcode(FREE)
        assert article is not None and (article.code, article.name) == ("BK-1", "Book [b]")
        assert article.price == Decimal("12.40") and article.unit == "pcs"
        # the item is added too, with the quantity set before the scan
        assert items(roles["soon"])["BK-1"] == Decimal(4)
        assert status(screen) == "+4 Book [b] → 4 pcs  (new line)"
        assert screen.focused is screen.query_one(ScanInput)
        await scan(pilot, FREE)  # known now
        assert items(roles["soon"])["BK-1"] == Decimal(5)


async def test_unknown_code_attached_to_an_existing_article(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        await scan(pilot, FREE)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AttachBarcodeForm)
        await pilot.press(*"CBL-1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        article = masterdata.article_by_barcode(FREE)
        assert article is not None and article.code == "CBL-1"
        assert items(roles["soon"]) == {"CBL-1": Decimal(41)}
        assert highlighted(screen) == "CBL-1"


async def test_unknown_code_skipped_and_scans_meanwhile_kept(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        await scan(pilot, FREE)
        modal = pilot.app.screen
        assert isinstance(modal, UnknownCodeModal)
        asked: UnknownCodeModal = modal
        # the operator scans on while the question is open: neither a choice nor lost
        burst(pilot.app, f"{BOLT}\n{PUMP}\n")
        await settle(pilot)
        assert pilot.app.screen is modal
        assert asked.scanned == [BOLT, PUMP]
        await pilot.press("s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert masterdata.article_by_barcode(FREE) is None
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal(1),
            "PMP-1": Decimal(1),
        }
        # Escape in the question skips too
        await scan(pilot, FREE)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen and screen.query_one(ScanBar).display
        assert "Skipped: " + FREE in status(screen)


async def test_a_scan_after_a_change_in_another_terminal_still_counts(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        assert screen.view is not None
        audit.set_user("maria")
        orders.update_order(roles["soon"], screen.view.version, note="call first")
        audit.set_user("tester")
        await scan(pilot, BOLT)
        assert "changed by maria" in notifications(pilot.app)
        assert items(roles["soon"])["BLT-1"] == Decimal(1)
        assert Order.get(Order.number == roles["soon"]).note == "call first"
        header = str(screen.query_one("#order-header", Static).content)
        assert "call first" in header


async def test_escape_leaves_scan_mode_and_keys_come_back(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        assert screen.check_action("new_line", ()) is False  # typed into the scan field
        await pilot.press("5", "asterisk", "escape")
        await pilot.pause()
        assert not screen.query_one(ScanBar).display
        assert screen.focused is screen.query_one("#items-table")
        assert screen.check_action("scan", ()) is True
        await pilot.press("b")  # back in: the field kept its place, the quantity was reset
        await settle(pilot)
        assert screen.focused is screen.query_one(ScanInput)
        assert str(screen.query_one("#scan-qty", Static).content) == ""
        # from another tab, b goes to the Items tab
        await pilot.press("escape", "3", "b")
        await settle(pilot)
        assert screen.current_tab == "items" and screen.focused is screen.query_one(ScanInput)


async def test_bulgarian_scan_bar(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"], lang="bg") as (pilot, screen):
        await scan(pilot, BOLT)
        assert status(screen) == "+1 Болт M8 → 1 бр  (нов ред)"
        await scan(pilot, FREE)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, NewArticleForBarcode)
        assert pilot.app.screen.field("unit").value == "бр"


# --------------------------------------------------------------------------- the camera


class FakeScanner:
    """Stands in for capture.Scanner: plays a script of events, then waits to be stopped."""

    script: ClassVar[list[Any]] = []
    made: ClassVar[list[FakeScanner]] = []

    def __init__(self, source: str, **options: Any) -> None:
        self.source = source
        self.options = options
        self.preview_enabled = options.get("preview", False)
        self.stopped = threading.Event()
        FakeScanner.made.append(self)

    def run(self, emit: Callable[[Any], None], stop: threading.Event) -> None:
        for event in self.script:
            emit(event)
        stop.wait(10)
        self.stopped.set()


@pytest.fixture
def fake_scanner(monkeypatch: pytest.MonkeyPatch) -> type[FakeScanner]:
    from tui_orders.scanner import capture

    monkeypatch.setattr(capture, "Scanner", FakeScanner)
    FakeScanner.made = []
    return FakeScanner


async def wait_for(pilot: Pilot[None], check: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    await settle(pilot)
    assert check()


async def test_camera_codes_status_and_preview(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    fake_scanner: type[FakeScanner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TUI_ORDERS_CAMERA", "/dev/video7")
    red, blue = (255, 0, 0), (0, 0, 255)
    rows = (((red, blue), (blue, red)), ((blue, red), (red, blue)))
    frame = PreviewFrame(rows, 0.0, CodeRead(Symbol("EAN13", BOLT), 0.0, 3))
    fake_scanner.script = [
        SourceStatus("opened", "reading /dev/video7"),
        CodeRead(Symbol("EAN13", BOLT), 0.0, 1),
        SourceStatus("lost", "/dev/video7 stopped delivering video"),
        frame,
    ]
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        await pilot.press("3", "asterisk", "f7", "f6")  # quantity 3, preview, camera
        await wait_for(pilot, lambda: items(roles["soon"]).get("BLT-1") == Decimal(3))
        scanner = fake_scanner.made[0]
        assert scanner.source == "/dev/video7"
        camera = str(screen.query_one("#scan-camera", Static).content)
        assert "Camera lost — still trying; keyboard scanning works" in camera
        await scan(pilot, BOLT)  # the keyboard still works
        assert items(roles["soon"])["BLT-1"] == Decimal(4)
        assert screen.focused is screen.query_one(ScanInput)
        # leaving scan mode stops the camera thread
        await pilot.press("escape")
        await wait_for(pilot, scanner.stopped.is_set, 5)
        assert not screen.query_one(ScanBar).camera_on


async def test_camera_preview_toggle_and_rendering(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    fake_scanner: type[FakeScanner],
) -> None:
    red, blue = (255, 0, 0), (0, 0, 255)
    rows = (((red, blue), (blue, red)), ((blue, red), (red, blue)))
    frame = PreviewFrame(rows, 0.0, CodeRead(Symbol("EAN13", BOLT), 0.0, 3))
    fake_scanner.script = [SourceStatus("opened", "camera 0"), frame]
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        bar = screen.query_one(ScanBar)
        assert bar.check_action("preview", ()) is None  # no camera: greyed
        await pilot.press("f6")
        await wait_for(pilot, lambda: bool(fake_scanner.made))
        assert bar.check_action("preview", ()) is True
        await pilot.press("f7")
        assert fake_scanner.made[0].preview_enabled  # the capture loop is told
        preview = screen.query_one(AimPreview)
        preview.show_frame(frame)
        await pilot.pause()
        assert preview.display
        await pilot.press("f6")  # off again
        await wait_for(pilot, fake_scanner.made[0].stopped.is_set, 5)
        assert not preview.has_class("-shown")
    # the picture: one ▀ per cell, top pixel as foreground, bottom as background
    segments = list(Console(width=10).render(HalfBlocks(frame)))
    cells = [s for s in segments if s.text == "▀"]
    assert len(cells) == 4
    first = cells[0].style
    assert first is not None and first.color is not None and first.bgcolor is not None
    assert first.color.triplet is not None and tuple(first.color.triplet) == red
    assert first.bgcolor.triplet is not None and tuple(first.bgcolor.triplet) == blue
    assert Segment.line() in segments


async def test_no_camera_is_a_message_not_a_crash(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    pytest.importorskip("cv2")
    monkeypatch.setenv("TUI_ORDERS_CAMERA", str(tmp_path / "missing.avi"))
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        bar = screen.query_one(ScanBar)
        await pilot.press("f6")
        await wait_for(pilot, lambda: not bar.camera_on)
        assert "The camera cannot be used" in "\n".join(
            str(n.title) for n in pilot.app._notifications
        )
        assert "Camera" in str(screen.query_one("#scan-camera", Static).content)
        await scan(pilot, BOLT)  # scanning by keyboard goes on
        assert items(roles["soon"])["BLT-1"] == Decimal(1)


def write_video(path: Path, codes: list[str | None], frames_each: int = 6) -> None:
    """An MJPG AVI showing each EAN-13 of ``codes`` (None: an empty frame) for a few frames."""
    cv2 = pytest.importorskip("cv2")
    numpy = pytest.importorskip("numpy")
    synth = pytest.importorskip("tui_orders.scanner.synth")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    assert writer.isOpened()
    try:
        for code in codes:
            canvas = numpy.full((480, 640), 235, dtype=numpy.uint8)
            if code is not None:
                picture = synth.draw_symbol(Symbol("EAN13", code), module_px=3)
                h, w = picture.shape
                y, x = (480 - h) // 2, (640 - w) // 2
                canvas[y : y + h, x : x + w] = picture
            for _ in range(frames_each):
                writer.write(cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR))
    finally:
        writer.release()


async def test_camera_reads_a_video_file_into_the_order(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    pytest.importorskip("tui_orders.scanner.capture")
    video = tmp_path / "shelf.avi"
    # BOLT, away, BOLT again (counts twice), PUMP
    write_video(video, [None, BOLT, None, None, BOLT, None, PUMP, None])
    monkeypatch.setenv("TUI_ORDERS_CAMERA", str(video))
    monkeypatch.delenv("TUI_ORDERS_DECODER", raising=False)
    url, roles = seeded_sqlite
    async with scanning(make_app, url, roles["soon"]) as (pilot, screen):
        bar = screen.query_one(ScanBar)
        await pilot.press("f6")
        await wait_for(pilot, lambda: not bar.camera_on and "PMP-1" in items(roles["soon"]))
        await settle(pilot)
        assert items(roles["soon"]) == {
            "CBL-1": Decimal(40),
            "BLT-1": Decimal(2),
            "PMP-1": Decimal(1),
        }
        assert "Camera: the video ended" in str(screen.query_one("#scan-camera", Static).content)
        assert screen.focused is screen.query_one(ScanInput)
