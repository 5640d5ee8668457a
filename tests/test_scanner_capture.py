"""The camera capture loop: video files through the real loop, debounce, lost/back, errors.

Video files are written with ``cv2.VideoWriter`` (FFV1 in an .avi: lossless, in the headless
build) from frames with EAN-13 (python-barcode's modules) and QR codes (segno) drawn on them.
The lost-camera path uses a fake capture object whose ``read()`` starts failing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

from tui_orders.scanner.capture import (  # noqa: E402
    Debouncer,
    Scanner,
    list_cameras,
    open_source,
    parse_source,
    redact,
)
from tui_orders.scanner.preview import half_blocks, to_ansi  # noqa: E402
from tui_orders.scanner.types import (  # noqa: E402
    CodeRead,
    PreviewFrame,
    ScanEvent,
    ScannerError,
    SourceStatus,
    Symbol,
)

EAN = "4006381333931"
EAN_2 = "5901234123457"
QR = "ORD-2024-0042"
W, H = 320, 240


# --------------------------------------------------------------------------- drawing


def blank() -> Any:
    return np.full((H, W, 3), 255, np.uint8)


def with_ean13(code: str) -> Any:
    import barcode

    frame = blank()
    modules = barcode.get("ean13", code[:12]).build()[0]
    x0 = (W - len(modules) * 2) // 2
    for i, bit in enumerate(modules):
        if bit == "1":
            frame[60:180, x0 + 2 * i : x0 + 2 * i + 2] = 0
    return frame


def with_qr(text: str) -> Any:
    import segno

    frame = blank()
    matrix = np.array(segno.make(text, micro=False).matrix, dtype=bool)
    cells = np.where(np.kron(matrix, np.ones((6, 6), dtype=bool)), 0, 255).astype(np.uint8)
    h, w = cells.shape
    y0, x0 = (H - h) // 2, (W - w) // 2
    frame[y0 : y0 + h, x0 : x0 + w] = cells[:, :, None]
    return frame


def write_video(path: Path, frames: list[Any], fps: float = 10.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (W, H))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def real_decoder() -> Any:
    """The project's pyzbar decoder (``decode.make_decoder``), else a minimal one of our own."""
    try:
        from tui_orders.scanner.decode import make_decoder
    except ImportError:
        return _PyzbarOnly()
    return make_decoder("pyzbar")


class _PyzbarOnly:
    name = "pyzbar (test)"

    def decode(self, gray: Any) -> list[Symbol]:
        from pyzbar import pyzbar

        return [Symbol(r.type, r.data.decode()) for r in pyzbar.decode(gray)]


def run_to_end(scanner: Scanner) -> list[ScanEvent]:
    events: list[ScanEvent] = []
    scanner.run(events.append, threading.Event())
    return events


def codes(events: list[ScanEvent]) -> list[str]:
    return [str(e.symbol) for e in events if isinstance(e, CodeRead)]


def statuses(events: list[ScanEvent]) -> list[str]:
    return [e.kind for e in events if isinstance(e, SourceStatus)]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    ean, ean2, qr, empty = with_ean13(EAN), with_ean13(EAN_2), with_qr(QR), blank()
    return {
        # held 8 frames, away 1 s, back 8 frames, then a QR code: EAN, EAN, QR
        "again": write_video(
            folder / "again.avi", [ean] * 8 + [empty] * 10 + [ean] * 8 + [empty] * 2 + [qr] * 6
        ),
        # a 1D code in one isolated frame (never reported), a QR code in one (reported at once),
        # another 1D code in two consecutive frames (reported)
        "isolated": write_video(
            folder / "isolated.avi",
            [empty] * 3 + [ean] + [empty] * 3 + [qr] + [empty] * 3 + [ean2] * 2 + [empty] * 2,
        ),
        # away only 0.2 s: still the same scan
        "flicker": write_video(folder / "flicker.avi", [ean] * 5 + [empty] * 2 + [ean] * 5),
    }


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The scanner log of this test; this process's stderr streams are put back afterwards."""
    from tui_orders.scanner import quiet

    path = tmp_path / "scanner.log"
    monkeypatch.setenv("TUI_ORDERS_SCANNER_LOG", str(path))
    monkeypatch.setattr(sys, "__stderr__", sys.__stderr__)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setattr(quiet, "_terminal", None)
    monkeypatch.setattr(quiet, "_original", None)
    return path


# --------------------------------------------------------------------------- the real loop


def test_a_held_code_counts_once_and_again_after_it_was_away(
    videos: dict[str, Path], log: Path
) -> None:
    events = run_to_end(Scanner(str(videos["again"]), real_decoder()))
    assert codes(events) == [f"EAN13 {EAN}", f"EAN13 {EAN}", f"QRCODE {QR}"]
    assert statuses(events) == ["opened", "ended"]
    assert isinstance(events[0], SourceStatus) and events[0].kind == "opened"
    assert isinstance(events[-1], SourceStatus) and events[-1].kind == "ended"
    reads = [e for e in events if isinstance(e, CodeRead)]
    assert [r.frame for r in reads] == [1, 19, 28]  # 1D: the second frame; QR: the first
    assert all(r.at > 0 for r in reads)


def test_a_code_away_for_a_moment_is_the_same_scan(videos: dict[str, Path], log: Path) -> None:
    events = run_to_end(Scanner(str(videos["flicker"]), real_decoder()))
    assert codes(events) == [f"EAN13 {EAN}"]


def test_a_1d_code_in_one_isolated_frame_is_not_reported(
    videos: dict[str, Path], log: Path
) -> None:
    events = run_to_end(Scanner(str(videos["isolated"]), real_decoder()))
    assert codes(events) == [f"QRCODE {QR}", f"EAN13 {EAN_2}"]


def test_the_decoder_by_name(videos: dict[str, Path], log: Path) -> None:
    pytest.importorskip("tui_orders.scanner.decode")
    events = run_to_end(Scanner(str(videos["again"]), "auto"))
    assert codes(events) == [f"EAN13 {EAN}", f"EAN13 {EAN}", f"QRCODE {QR}"]


def test_the_aiming_preview(videos: dict[str, Path], log: Path) -> None:
    scanner = Scanner(str(videos["again"]), real_decoder(), preview=True, preview_interval=0.0)
    events = run_to_end(scanner)
    previews = [e for e in events if isinstance(e, PreviewFrame)]
    assert len(previews) == 34  # every frame, with no rate limit
    assert len(previews[0].rows) == 15 and all(len(row) == 40 for row in previews[0].rows)
    assert previews[0].last is None
    last = previews[-1].last
    assert last is not None and str(last.symbol) == f"QRCODE {QR}"
    # rate-limited (4 a second by default) and off unless asked for
    events = run_to_end(Scanner(str(videos["again"]), real_decoder(), preview=True))
    assert 1 <= sum(isinstance(e, PreviewFrame) for e in events) <= 3
    events = run_to_end(Scanner(str(videos["again"]), real_decoder()))
    assert not any(isinstance(e, PreviewFrame) for e in events)


def test_half_blocks() -> None:
    frame = np.zeros((60, 80, 3), np.uint8)
    frame[:30] = (0, 0, 255)  # red on top (BGR)
    frame[30:] = (255, 0, 0)  # blue below
    cells = half_blocks(frame, 4, 2)
    assert len(cells) == 2 and all(len(row) == 4 for row in cells)
    assert cells[0][0] == ((255, 0, 0), (255, 0, 0))
    assert cells[1][3] == ((0, 0, 255), (0, 0, 255))
    g = (128, 128, 128)
    assert half_blocks(np.full((10, 10), 128, np.uint8), 2, 1) == (((g, g), (g, g)),)
    assert "▀" in to_ansi(cells) and to_ansi(cells).count("\n") == 1


# --------------------------------------------------------------------------- fakes: lost, back


class FakeDecoder:
    """Frames are small arrays whose first pixel indexes ``table``."""

    name = "fake"

    def __init__(self, table: dict[int, list[Symbol]], fail_on: int | None = None) -> None:
        self.table = table
        self.fail_on = fail_on

    def decode(self, gray: Any) -> list[Symbol]:
        key = int(gray[0, 0])
        if key == self.fail_on:
            raise RuntimeError("decoder hiccup")
        return list(self.table.get(key, []))


class FakeCapture:
    """Delivers ``frames`` (then failing reads), or frames forever when ``repeat``."""

    def __init__(self, keys: list[int], repeat: int | None = None) -> None:
        self.keys = list(keys)
        self.repeat = repeat
        self.released = False

    def read(self) -> tuple[bool, Any]:
        if self.keys:
            key = self.keys.pop(0)
        elif self.repeat is not None:
            time.sleep(0.002)  # a live source's own rate
            key = self.repeat
        else:
            return False, None
        return True, np.full((4, 4), key, np.uint8)

    def get(self, prop_id: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released = True


A, B = Symbol("EAN13", EAN), Symbol("EAN13", EAN_2)


def run_in_thread(scanner: Scanner) -> tuple[list[ScanEvent], threading.Event, threading.Thread]:
    events: list[ScanEvent] = []
    stop = threading.Event()
    thread = threading.Thread(target=scanner.run, args=(events.append, stop), daemon=True)
    thread.start()
    return events, stop, thread


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_a_camera_that_stops_delivering_is_lost_then_back(log: Path) -> None:
    attempts: list[str] = []
    first = FakeCapture([1] * 5)  # A in view, then unplugged
    second = FakeCapture([1] * 3, repeat=2)  # back: A still there, then B forever

    def opener(spec: str) -> FakeCapture:
        attempts.append(spec)
        if len(attempts) == 1:
            return first
        if len(attempts) < 4:
            raise ScannerError("no camera at index 0")
        return second

    scanner = Scanner(
        "0", FakeDecoder({1: [A], 2: [B]}), opener=opener, reopen_interval=0.01, forget_after=0.5
    )
    events, stop, thread = run_in_thread(scanner)
    wait_for(lambda: len(codes(events)) == 2)
    assert thread.is_alive()
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert statuses(events) == ["opened", "lost", "back"]
    assert codes(events) == [f"EAN13 {EAN}", f"EAN13 {EAN_2}"]  # A still in view: not twice
    assert attempts == ["0"] * 4 and first.released and second.released
    lost = next(e for e in events if isinstance(e, SourceStatus) and e.kind == "lost")
    assert "camera 0" in lost.message


def test_a_lost_camera_keeps_being_retried_until_stopped(log: Path) -> None:
    calls = 0

    def opener(spec: str) -> FakeCapture:
        nonlocal calls
        calls += 1
        if calls == 1:
            return FakeCapture([1] * 3)
        raise ScannerError("no camera at index 0")

    scanner = Scanner("0", FakeDecoder({1: [A]}), opener=opener, reopen_interval=0.01)
    events, stop, thread = run_in_thread(scanner)
    wait_for(lambda: calls >= 5)
    assert thread.is_alive()
    stop.set()
    thread.join(2)
    assert not thread.is_alive()
    assert statuses(events) == ["opened", "lost"]
    assert "reopen camera 0: no camera at index 0" in log.read_text()


def test_a_decoder_error_on_one_frame_does_not_end_the_scan(log: Path) -> None:
    scanner = Scanner(
        "0",
        FakeDecoder({1: [A], 2: [B]}, fail_on=9),
        opener=lambda spec: FakeCapture([1, 1, 9, 2, 2]),
        reopen_interval=10,
    )
    events, stop, thread = run_in_thread(scanner)
    wait_for(lambda: "lost" in statuses(events))
    stop.set()
    thread.join(2)
    assert codes(events) == [f"EAN13 {EAN}", f"EAN13 {EAN_2}"]
    assert scanner.decode_errors == 1
    assert "decoder hiccup" in log.read_text()


def test_an_error_in_emit_is_not_swallowed(log: Path) -> None:
    def emit(event: ScanEvent) -> None:
        if isinstance(event, CodeRead):
            raise BrokenPipeError("reader gone")

    scanner = Scanner("0", FakeDecoder({1: [A]}), opener=lambda spec: FakeCapture([1, 1]))
    with pytest.raises(BrokenPipeError):
        scanner.run(emit, threading.Event())


def test_the_preview_can_be_toggled_while_running(log: Path) -> None:
    scanner = Scanner(
        "0", FakeDecoder({}), opener=lambda spec: FakeCapture([], repeat=0), preview_interval=0.01
    )
    events, stop, thread = run_in_thread(scanner)
    wait_for(lambda: scanner.frames > 5)
    assert not any(isinstance(e, PreviewFrame) for e in events)
    scanner.preview_enabled = True
    wait_for(lambda: sum(isinstance(e, PreviewFrame) for e in events) >= 2)
    stop.set()
    thread.join(2)


# --------------------------------------------------------------------------- debounce


def test_debounce_rules() -> None:
    d = Debouncer(forget_after=0.5, min_absent_frames=2)
    qr = Symbol("QRCODE", "x")
    assert d.update([A], 0.0, 0) == []  # 1D: not yet
    assert d.update([A, qr], 0.1, 1) == [A, qr]  # 1D confirmed, QR at once
    assert d.update([A, qr], 0.2, 2) == []
    assert d.update([], 0.6, 3) == []  # away 0.4 s: still the same
    assert d.update([A], 0.65, 4) == []
    assert d.update([], 1.2, 5) == []
    assert d.update([], 1.3, 6) == []  # away 0.65 s and 2 frames: forgotten
    assert d.update([A], 1.4, 7) == []
    assert d.update([A], 1.5, 8) == [A]
    # a slow camera: 2 s between frames, but one frame away is not enough
    d = Debouncer(forget_after=0.5, min_absent_frames=2)
    d.update([qr], 0, 0)
    d.update([], 2, 1)
    assert d.update([qr], 4, 2) == []


# --------------------------------------------------------------------------- opening


def test_sources_are_told_apart() -> None:
    assert parse_source("0").kind == "camera" and parse_source(" 2 ").index == 2
    assert parse_source("/dev/video2").kind == "device"
    assert parse_source("rtsp://cam/stream").kind == "url"
    assert parse_source("HTTP://phone:8080/video").live
    assert parse_source("codes.avi").kind == "file" and not parse_source("codes.avi").live
    assert parse_source("file:///tmp/x.avi").spec == "/tmp/x.avi"
    with pytest.raises(ScannerError, match="unsupported URL scheme 'ftp'"):
        parse_source("ftp://host/x.avi")
    assert redact("rtsp://admin:s3cret@10.0.0.5:554/live") == "rtsp://admin:***@10.0.0.5:554/live"
    assert redact("http://10.0.0.5:8080/video") == "http://10.0.0.5:8080/video"


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScannerError, match=r"no such video file: .*nope\.avi"):
        open_source(str(tmp_path / "nope.avi"))
    with pytest.raises(ScannerError, match="is a directory"):
        open_source(str(tmp_path))
    text = tmp_path / "notes.txt"
    text.write_text("not a video\n")
    with pytest.raises(ScannerError, match=r"cannot read .*notes\.txt as a video"):
        open_source(str(text))


def test_no_such_camera() -> None:
    with pytest.raises(ScannerError, match=r"no camera at index 97: is it plugged in\? .*--list"):
        open_source("97")
    with pytest.raises(ScannerError, match="no camera at /dev/video97"):
        open_source("/dev/video97")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_url_that_refuses_fails_fast() -> None:
    start = time.monotonic()
    with pytest.raises(ScannerError, match=r"cannot connect to http://127\.0\.0\.1:\d+/video"):
        open_source(f"http://127.0.0.1:{free_port()}/video")
    assert time.monotonic() - start < 3


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def test_a_url_that_does_not_answer_times_out(silent_server: int, log: Path) -> None:
    start = time.monotonic()
    with pytest.raises(ScannerError, match=r"no video stream from .* \(waited up to 0\.5 s\)"):
        open_source(f"http://127.0.0.1:{silent_server}/video", timeout=0.5)
    assert time.monotonic() - start < 4


def test_run_reports_an_unusable_source_as_its_last_event(tmp_path: Path, log: Path) -> None:
    events = run_to_end(Scanner(str(tmp_path / "nope.avi"), FakeDecoder({})))
    assert len(events) == 1
    assert isinstance(events[0], SourceStatus) and events[0].kind == "error"
    assert "no such video file" in events[0].message


def test_list_cameras(tmp_path: Path) -> None:
    assert list_cameras(devices=str(tmp_path / "video*")) == []
    for n in (2, 0, 10):
        (tmp_path / f"video{n}").write_text("")
        (tmp_path / "sys" / f"video{n}").mkdir(parents=True)
        (tmp_path / "sys" / f"video{n}" / "name").write_text(f"Webcam {n}\n")
    found = list_cameras(devices=str(tmp_path / "video*"), sysfs=str(tmp_path / "sys"))
    assert [(i, Path(p).name, d) for i, p, d in found] == [
        (0, "video0", "Webcam 0"),
        (2, "video2", "Webcam 2"),
        (10, "video10", "Webcam 10"),
    ]
    assert isinstance(list_cameras(), list)  # this machine's: often none, never an error


# --------------------------------------------------------------------------- fd 2 and the terminal


QUIET_SCRIPT = """
import ctypes, sys
from tui_orders.scanner.quiet import protect_terminal_stderr, redirect_c_stderr
libc = ctypes.CDLL(None)
protect_terminal_stderr()
with redirect_c_stderr(sys.argv[1]) as path:
    libc.write(2, b"C-NOISE-1\\n", 10)
    print("python-stderr", file=sys.stderr)
    sys.__stderr__.write("terminal-writer\\n")
    sys.__stderr__.flush()
    with redirect_c_stderr():
        libc.write(2, b"C-NOISE-2\\n", 10)
libc.write(2, b"C-AFTER\\n", 8)
import cv2
print("cv2 log level", cv2.utils.logging.getLogLevel(), file=sys.stderr)
"""


def test_c_stderr_goes_to_the_log_and_python_still_reaches_the_terminal(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "scanner.log"
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-c", QUIET_SCRIPT, str(log_file)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    logged = log_file.read_text()
    assert "C-NOISE-1" in logged and "C-NOISE-2" in logged and "scanner started" in logged
    assert "C-NOISE" not in done.stderr
    for line in ("python-stderr", "terminal-writer", "C-AFTER", "cv2 log level 0"):
        assert line in done.stderr
    assert "C-AFTER" not in logged


TEXTUAL_APP = """
import ctypes, sys, time
from tui_orders.scanner.quiet import protect_terminal_stderr, redirect_c_stderr
if sys.argv[2] == "protect":
    protect_terminal_stderr()
from textual.app import App
from textual.widgets import Static
libc = ctypes.CDLL(None)

class Probe(App):
    def compose(self):
        yield Static("STARTED")

    def on_mount(self):
        self.run_worker(self.work, thread=True)

    def work(self):
        with redirect_c_stderr(sys.argv[1]):
            libc.write(2, b"C-NOISE-XYZ\\n", 12)
            self.call_from_thread(self.query_one(Static).update, "DRAWN-AFTER-NOISE")
            time.sleep(0.3)
        self.call_from_thread(self.exit)

Probe().run()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
@pytest.mark.parametrize("mode", ["protect", "late"])
def test_a_textual_app_keeps_its_screen(tmp_path: Path, mode: str) -> None:
    """In a real terminal (a pty): the screen is drawn while fd 2 goes to the log."""
    import pty
    import select

    log_file = tmp_path / "scanner.log"
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(sys.executable, [sys.executable, "-c", TEXTUAL_APP, str(log_file), mode])
    out = b""
    end = time.monotonic() + 30
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:  # still running after 30 s: do not leave it behind
        time.sleep(1)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, out.decode(errors="replace")[-2000:]
    assert b"DRAWN-AFTER-NOISE" in out
    if mode == "protect":
        assert b"C-NOISE-XYZ" not in out
        assert "C-NOISE-XYZ" in log_file.read_text()
    else:  # protected too late: fd 2 is left alone rather than blanking the screen
        assert not log_file.exists()


def test_the_scanner_package_imports_stay_cheap() -> None:
    code = textwrap.dedent(
        """
        import sys
        import tui_orders.scanner.capture, tui_orders.scanner.quiet, tui_orders.scanner.preview
        heavy = [m for m in ("cv2", "numpy", "pyzbar", "zxingcpp", "textual") if m in sys.modules]
        print(heavy)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
