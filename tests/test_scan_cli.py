"""``tui-orders scan``: codes on stdout, one a line; everything else on stderr; clean errors.

Run as a real process (``python -m tui_orders scan``): a video file written with
``cv2.VideoWriter``, and a live MJPEG-over-HTTP stream served by the test (what a phone used
as an IP camera sends) for Ctrl+C and a stream that drops and comes back.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")
pytest.importorskip("tui_orders.scanner.decode")

EAN = "4006381333931"
QR = "ORD-2024-0042"
W, H = 320, 240


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


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scan") / "codes.avi"
    ean, qr, empty = with_ean13(EAN), with_qr(QR), blank()
    frames = [ean] * 6 + [empty] * 8 + [ean] * 6 + [empty] * 2 + [qr] * 4 + [empty]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), 10.0, (W, H))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TUI_ORDERS_SCANNER_LOG": str(tmp_path / "scanner.log"),
        "TUI_ORDERS_CONFIG": str(tmp_path / "settings.toml"),  # never the tester's own
    }


def scan(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_orders", "scan", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_a_video_file_prints_its_codes_and_ends(video: Path, env: dict[str, str]) -> None:
    done = scan("--source", str(video), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"EAN13 {EAN}\nEAN13 {EAN}\nQRCODE {QR}\n"
    assert "scan: opened:" in done.stderr and "scan: ended:" in done.stderr
    assert "Traceback" not in done.stderr


def test_another_decoder(video: Path, env: dict[str, str]) -> None:
    # (auto is the default above; the capture tests run pyzbar alone)
    for name in ("zxing",):
        done = scan("--source", str(video), "--decoder", name, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [f"EAN13 {EAN}", f"EAN13 {EAN}", f"QRCODE {QR}"], name
        assert f"({name})" in done.stderr


def test_symbologies_restrict_what_is_read(video: Path, env: dict[str, str]) -> None:
    """Only the chosen codes are read: from --symbologies, else the settings file."""
    done = scan("--source", str(video), "--symbologies", "qrcode", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"QRCODE {QR}\n"

    Path(env["TUI_ORDERS_CONFIG"]).write_text(
        f'[scanner]\ncamera = "{video}"\nsymbologies = ["EAN13"]\n', encoding="utf-8"
    )
    done = scan(env=env)  # source and symbologies from the settings
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"EAN13 {EAN}\nEAN13 {EAN}\n"

    done = scan("--source", str(video), "--symbologies", "EAN13,KLINGON", env=env)
    assert done.returncode == 1
    assert one_line_error(done).startswith("tui-orders: --symbologies: symbology 'KLINGON'")


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-orders: "), done.stderr
    return lines[0]


def test_errors_are_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    missing = tmp_path / "nope.avi"
    assert one_line_error(scan("--source", str(missing), env=env)) == (
        f"tui-orders: no such video file: {missing}"
    )
    line = one_line_error(scan("--source", "97", env=env))
    assert line == (
        "tui-orders: no camera at index 97: is it plugged in? "
        "`tui-orders scan --list` shows the cameras"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    line = one_line_error(scan("--source", f"http://127.0.0.1:{port}/video", env=env))
    assert line.startswith(f"tui-orders: cannot connect to http://127.0.0.1:{port}/video")
    assert time.monotonic() - start < 10


def test_bad_options(env: dict[str, str]) -> None:
    done = scan("--decoder", "nope", env=env)
    assert done.returncode == 2 and "Invalid value for '--decoder'" in done.stderr


def test_list_cameras(env: dict[str, str]) -> None:
    done = scan("--list", env=env)
    assert done.returncode == 0, done.stderr
    if not done.stdout:  # no camera on this machine: said so, cleanly
        assert done.stderr.startswith("scan: no cameras found")
    for line in done.stdout.splitlines():
        index, path, _ = line.split("\t")
        assert index.isdigit() and path


def test_the_command_module_stays_light() -> None:
    code = "import sys, tui_orders.cli; print('cv2' in sys.modules, 'numpy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False False"


# --------------------------------------------------------------------------- a live stream


class MjpegServer:
    """An MJPEG-over-HTTP camera (multipart/x-mixed-replace), 30 frames a second."""

    def __init__(self, frame: Any) -> None:
        ok, jpeg = cv2.imencode(".jpg", frame)
        assert ok
        self.jpeg = jpeg.tobytes()
        self.port = 0
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._live = threading.Event()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(4)
        self.port = server.getsockname()[1]
        self._server = server
        self._live.set()
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        """Drop everything, as a phone whose camera app was closed."""
        self._live.clear()
        for sock in [self._server, *self._conns]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the threads blocked on it
                sock.close()
        self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while self._live.is_set():
            try:
                conn = server.accept()[0]
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._send, args=(conn,), daemon=True).start()

    def _send(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.0 200 OK\r\n"
                b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n"
            )
            while self._live.is_set():
                head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                conn.sendall(head % len(self.jpeg) + self.jpeg + b"\r\n")
                time.sleep(1 / 30)
        except OSError:
            pass
        finally:
            conn.close()


@pytest.fixture
def camera() -> Iterator[MjpegServer]:
    server = MjpegServer(with_ean13(EAN))
    server.start()
    yield server
    server.stop()


class Lines:
    """A process's output, line by line, as it comes."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} in {self.seen}") from None
            self.seen.append(line)
            if text in line:
                return line


def test_a_stream_that_drops_and_comes_back_then_ctrl_c(
    camera: MjpegServer, env: dict[str, str]
) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_orders",
            "scan",
            "--source",
            f"http://127.0.0.1:{camera.port}/video",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        out, err = Lines(proc.stdout), Lines(proc.stderr)
        assert out.wait_for("EAN13") == f"EAN13 {EAN}"  # flushed at once, not at exit
        err.wait_for("scan: opened:")
        camera.stop()
        err.wait_for("scan: lost:")
        camera.start()
        err.wait_for("scan: back:")
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        err.wait_for("scan: stopped")
        time.sleep(0.1)
        assert out.lines.empty()  # the code still in view after the drop did not count twice
        while not err.lines.empty():
            err.seen.append(err.lines.get())
        # FFmpeg's and OpenCV's own complaints went to the scanner log, not to the terminal
        assert all(line.startswith("scan: ") for line in err.seen), err.seen
        assert "scanner started" in Path(env["TUI_ORDERS_SCANNER_LOG"]).read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_without_opencv(video: Path, env: dict[str, str]) -> None:
    code = (
        "import sys; sys.modules['cv2'] = None\n"
        "from tui_orders.cli import main\n"
        f"main(['scan', '--source', {str(video)!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert one_line_error(done) == (
        "tui-orders: OpenCV is not installed: pip install 'tui-orders[scanner]'"
    )
