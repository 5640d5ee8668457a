"""The scan bar of an order's Items tab: a keyboard-wedge scanner types a code and Enter here;
the camera (F6) reads codes into the same path.

A scanner types 13-30 characters within milliseconds. Every key is handled in order in the
input's own message queue: Enter takes the code and empties the field in the same step, so the
first characters of the next code, already queued behind it, can never be lost or glued to the
previous code (Textual's Enter binding runs only after the key has bubbled up to the app).
The field is mounted once and never recomposed; reloading the list does not move the focus.

``5*`` typed before a code (digits, then ``*``) sets the quantity of the next scan, shown as
``5 ×``; it is used by one scan, typed or read by the camera.

The camera runs ``tui_orders.scanner.capture.Scanner(...).run(emit, stop)`` in a thread
worker, imported only when the camera is switched on (OpenCV takes a while to import); its
events come back as messages. A missing camera or library is a notification, never a crash.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from ..data.errors import ValidationError
from ..data.money import parse_qty
from ..i18n import _, format_qty
from ..scanner.types import CodeRead, PreviewFrame, ScanEvent, ScannerError, SourceStatus

#: what may stand before ``*`` as the quantity of the next scan
_QTY = re.compile(r"\d{1,6}(?:[.,]\d{1,3})?")

#: environment variable naming the camera: an index, a device, a video file or a stream URL
CAMERA_ENV = "TUI_ORDERS_CAMERA"
#: environment variable naming the decoder (``pyzbar``, ``zxing``, ``auto``)
DECODER_ENV = "TUI_ORDERS_DECODER"


class ScanInput(Input):
    """The field a keyboard-wedge scanner types into. Enter posts :class:`ScanBar.Scanned`."""

    DEFAULT_CSS = """
    ScanInput { width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)
        #: the quantity of the next scan (None: 1)
        self.multiplier: Decimal | None = None

    def take_quantity(self) -> Decimal:
        """The quantity of this scan; the multiplier counts for one scan only."""
        qty = self.multiplier or Decimal(1)
        self.set_multiplier(None)
        return qty

    def set_multiplier(self, qty: Decimal | None) -> None:
        self.multiplier = qty
        self.post_message(ScanBar.QuantitySet(qty))

    async def _on_key(self, event: events.Key) -> None:
        # handled here, in order with the characters around them (see the module docstring)
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            code = self.value.strip()
            self.value = ""
            if code:
                self.post_message(ScanBar.Scanned(code, self.take_quantity(), "keyboard"))
            return
        if event.character == "*" and _QTY.fullmatch(self.value.strip()):
            event.stop()
            event.prevent_default()
            text = self.value.strip()
            self.value = ""
            try:
                qty = parse_qty(text.replace(",", "."))
            except ValidationError as exc:
                self.post_message(ScanBar.Problem(_(exc.message)))
                return
            self.set_multiplier(qty)


class HalfBlocks:
    """A picture as terminal cells: ``▀`` with the top pixel as foreground, the bottom one as
    background (Rich segments; no markup involved)."""

    def __init__(self, frame: PreviewFrame) -> None:
        self.frame = frame

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        styles: dict[tuple[Any, Any], Style] = {}
        for row in self.frame.rows:
            for top, bottom in row:
                style = styles.get((top, bottom))
                if style is None:
                    style = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
                    styles[(top, bottom)] = style
                yield Segment("▀", style)
            yield Segment.line()


class AimPreview(Static):
    """The aiming preview: the last picture of the camera, the last code read and its time."""

    DEFAULT_CSS = """
    AimPreview { width: auto; height: auto; padding: 0 1; display: none; }
    AimPreview.-shown { display: block; }
    """

    def show_frame(self, frame: PreviewFrame) -> None:
        self.update(_PreviewWithCaption(frame))


class _PreviewWithCaption:
    def __init__(self, frame: PreviewFrame) -> None:
        self.frame = frame

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield HalfBlocks(self.frame)
        last = self.frame.last
        if last is None:
            yield Text(_("no code read yet"), style="dim")
        else:
            at = dt.datetime.fromtimestamp(last.at).strftime("%H:%M:%S")
            yield Text(f"{last.symbol} · {at}")


@dataclass
class CameraMessage(Message):
    """An event of the camera thread (posted from the thread; Message posting is thread-safe)."""

    event: ScanEvent


@dataclass
class CameraStopped(Message):
    """The camera thread ended; ``error`` says why when it could not run."""

    error: str


class ScanBar(Vertical):
    """Scan mode of the Items tab: the input, the last result, the camera's state."""

    DEFAULT_CSS = """
    ScanBar {
        height: auto;
        border-top: solid $accent;
        background: $boost;
        padding: 0 1;
    }
    ScanBar > Horizontal { height: 1; }
    ScanBar #scan-label { width: auto; color: $accent; text-style: bold; padding-right: 1; }
    ScanBar #scan-qty { width: auto; color: $warning; text-style: bold; padding-right: 1; }
    ScanBar #scan-status { height: 1; }
    ScanBar #scan-status.-error { color: $error; }
    ScanBar #scan-camera { height: auto; color: $text-muted; display: none; }
    ScanBar #scan-camera.-shown { display: block; }
    ScanBar #scan-camera.-warning { color: $warning; }
    ScanBar #scan-keys { height: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done", "Done scanning", id="scan_done"),
        Binding("f6", "camera", "Camera", id="scan_camera"),
        Binding("f7", "preview", "Aiming preview", id="scan_preview"),
    ]

    @dataclass
    class Scanned(Message):
        """A code to add: typed by a scanner or read by the camera."""

        code: str
        qty: Decimal
        source: str  # "keyboard" or "camera"

    @dataclass
    class QuantitySet(Message):
        """The quantity of the next scan was set (None: back to 1)."""

        qty: Decimal | None

    @dataclass
    class Problem(Message):
        """Something typed in the bar cannot be used (shown in the bar, with a bell)."""

        message: str

    class Closed(Message):
        """The operator left scan mode (Escape)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stop: threading.Event | None = None
        self._scanner: Any = None  # the running capture.Scanner
        self._last_status = ""  # the kind of the camera's last SourceStatus
        self.camera_on = False

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(_("Scan"), id="scan-label")
            yield Static("", id="scan-qty", markup=False)
            yield ScanInput(id="scan-input", placeholder=_("scan or type a code, then Enter"))
        yield Static("", id="scan-status", markup=False)
        yield Static("", id="scan-camera", markup=False)
        yield AimPreview(id="scan-preview")
        yield Static(
            _("5* before a code: quantity 5 · Esc: done · F6: camera · F7: aiming preview"),
            id="scan-keys",
            markup=False,
        )

    @property
    def input(self) -> ScanInput:
        return self.query_one(ScanInput)

    def start(self) -> None:
        """Show the bar and give its input the focus."""
        self.display = True
        self.input.focus()

    def stop(self) -> None:
        """Hide the bar; the camera stops; the quantity of the next scan goes back to 1."""
        self.stop_camera()
        self.input.value = ""
        if self.input.multiplier is not None:
            self.input.set_multiplier(None)
        self.display = False

    def action_done(self) -> None:
        self.post_message(self.Closed())

    # ------------------------------------------------------------------ messages shown

    def show_status(self, text: Text | str, *, error: bool = False) -> None:
        status = self.query_one("#scan-status", Static)
        status.update(text if isinstance(text, Text) else Text(text))
        status.set_class(error, "-error")

    def show_camera(self, text: str, *, warning: bool = False) -> None:
        line = self.query_one("#scan-camera", Static)
        line.update(Text(text))
        line.set_class(bool(text), "-shown")
        line.set_class(warning, "-warning")

    @on(QuantitySet)
    def _quantity_set(self, event: QuantitySet) -> None:
        event.stop()
        label = "" if event.qty is None else _("{qty} ×").format(qty=format_qty(event.qty))
        self.query_one("#scan-qty", Static).update(Text(label))

    @on(Problem)
    def _problem(self, event: Problem) -> None:
        event.stop()
        self.app.bell()
        self.show_status(event.message, error=True)

    # ------------------------------------------------------------------ the camera

    @staticmethod
    def camera_source(app: Any) -> str | None:
        """The camera: the app's setting, else ``$TUI_ORDERS_CAMERA``; None: the settings
        file's ``[scanner] camera`` (read in the camera thread), else the first camera."""
        setting = getattr(app, "camera_source", None)
        return str(setting or os.environ.get(CAMERA_ENV, "").strip()) or None

    @staticmethod
    def camera_decoder(app: Any) -> str | None:
        """The decoder: the app's setting, else ``$TUI_ORDERS_DECODER``, else the scanner's own
        default."""
        setting = getattr(app, "camera_decoder", None)
        return str(setting or os.environ.get(DECODER_ENV, "").strip()) or None

    def action_camera(self) -> None:
        if self.camera_on:
            self.stop_camera()
            self.show_camera(_("Camera off"))
            return
        source, decoder = self.camera_source(self.app), self.camera_decoder(self.app)
        stop = threading.Event()
        self._stop = stop
        self._last_status = ""
        self.camera_on = True
        self.refresh_bindings()
        self.show_camera(
            _("Camera: starting {source}…").format(source=source)
            if source
            else _("Camera: starting…")
        )
        preview = self.query_one(AimPreview).has_class("-shown")
        self.run_worker(
            lambda: self._run_camera(source, decoder, preview, stop),
            thread=True,
            group="camera",
            exclusive=False,
            exit_on_error=False,
            description="camera",
        )

    def stop_camera(self) -> None:
        self.query_one(AimPreview).remove_class("-shown")
        if self._stop is not None:
            self._stop.set()
        self._stop = None
        self._scanner = None
        self.camera_on = False
        self.refresh_bindings()

    def _run_camera(
        self, source: str | None, decoder: str | None, preview: bool, stop: threading.Event
    ) -> None:
        """The camera thread: import the capture module (late), run it until ``stop``."""
        error = ""
        try:
            from ..scanner.capture import Scanner

            def emit(event: ScanEvent) -> None:
                if not stop.is_set():
                    self.post_message(CameraMessage(event))

            from ..settings import load_settings

            configured = load_settings().scanner
            options: dict[str, Any] = {
                "preview": preview,
                "decoder": decoder or configured.decoder,
                "symbologies": configured.symbologies,
            }
            scanner = Scanner(source or configured.camera, **options)
            self._scanner = scanner
            scanner.run(emit, stop)
        except ScannerError as exc:
            error = str(exc)
        except ImportError as exc:
            error = _("The camera needs OpenCV and pyzbar ({error}): install tui-orders[scanner]")
            error = error.format(error=exc)
        except Exception as exc:  # the camera must never take the app down
            error = f"{type(exc).__name__}: {exc}"
        if not stop.is_set() or error:
            self.post_message(CameraStopped(error))

    @on(CameraMessage)
    def _camera_event(self, message: CameraMessage) -> None:
        message.stop()
        if not self.camera_on:
            return  # switched off meanwhile
        event = message.event
        if isinstance(event, CodeRead):
            self.post_message(self.Scanned(event.symbol.text, self.input.take_quantity(), "camera"))
        elif isinstance(event, SourceStatus):
            self._camera_status(event)
        elif isinstance(event, PreviewFrame):
            preview = self.query_one(AimPreview)
            if preview.has_class("-shown"):
                preview.show_frame(event)

    def _camera_status(self, status: SourceStatus) -> None:
        self._last_status = status.kind
        if status.kind == "lost":
            text = _("Camera lost — still trying; keyboard scanning works")
            self.app.bell()
        elif status.kind == "back":
            text = _("Camera back")
        elif status.kind == "opened":
            text = _("Camera on")
        elif status.kind == "ended":
            text = _("Camera: the video ended")
        else:
            text = _("Camera error")
            self.notify(
                status.message,
                title=_("The camera cannot be used"),
                severity="error",
                markup=False,
                timeout=10,
            )
        if status.message:
            text = f"{text}: {status.message}"
        self.show_camera(text, warning=status.kind in ("lost", "error"))

    @on(CameraStopped)
    def _camera_stopped(self, message: CameraStopped) -> None:
        message.stop()
        self.camera_on = False
        self._stop = None
        self._scanner = None
        if message.error:
            self.show_camera(_("Camera off: {error}").format(error=message.error), warning=True)
            self.notify(
                message.error,
                title=_("The camera cannot be used"),
                severity="error",
                markup=False,
                timeout=10,
            )
        elif self._last_status not in ("ended", "error"):
            self.show_camera(_("Camera off"))
        self.refresh_bindings()

    def action_preview(self) -> None:
        preview = self.query_one(AimPreview)
        preview.toggle_class("-shown")
        if self._scanner is not None:  # a plain attribute the capture loop reads
            self._scanner.preview_enabled = preview.has_class("-shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "preview":
            return True if self.camera_on else None
        return True

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop.set()


__all__ = ["CAMERA_ENV", "AimPreview", "HalfBlocks", "ScanBar", "ScanInput"]
