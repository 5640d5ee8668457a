"""The capture loop: frames from a camera, a video file or a stream, codes out as events.

A source is a camera index (``0``), a device path (``/dev/video2``), a video file or a stream
URL (``rtsp://``, ``http(s)://``: a phone used as an IP camera). :func:`open_source` opens it
or raises :class:`ScannerError` with a message the operator can act on.

:class:`Scanner` ``.run(emit, stop)`` is the blocking loop, meant for a thread (the app runs it
in a thread worker and posts a message per event; ``tui-orders scan`` calls it directly). It
calls ``emit`` from that thread with:

- :class:`SourceStatus` ``opened`` once the source delivers; ``lost`` when a live source stops
  delivering (camera unplugged, stream dropped) -- the loop then tries to reopen it every
  second and says ``back`` when it returns; ``ended`` when a video file reaches its last frame
  (``run`` then returns); ``error`` when the scanner cannot work (no camera, no decoder, a bug),
  always the last event before ``run`` returns. ``run`` never raises, except for an exception
  raised by ``emit`` itself (and ``KeyboardInterrupt``).
- :class:`CodeRead` for a **new** code only: a 1D code must be read in two consecutive frames
  (a QR code counts at once), and a code held in view counts once; once it has been out of view
  for ``forget_after`` seconds (0.5 s, and at least two frames) it counts again.
- :class:`PreviewFrame` at most ``1 / preview_interval`` times a second while
  ``scanner.preview_enabled`` is true (a plain attribute: toggle it from any thread).

Video files are read as fast as the decoder allows (their time is the frame's position in the
video, so debouncing works the same); live sources at their own rate. A decoder error on one
frame is written to the scanner log and the loop goes on. While ``run`` is active, fd 2 is
redirected to the scanner log (see :mod:`tui_orders.scanner.quiet`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from .quiet import log_line, redirect_c_stderr, silence_opencv
from .types import (
    DEFAULT_SYMBOLOGIES,
    ONE_D,
    CodeRead,
    PreviewFrame,
    ScanEvent,
    ScannerError,
    SourceStatus,
    Symbol,
)

MISSING_OPENCV = "OpenCV is not installed: pip install 'tui-orders[scanner]'"
LIST_HINT = "`tui-orders scan --list` shows the cameras"
URL_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "srt"})
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "rtmp": 1935, "http": 80, "https": 443}


class FrameDecoder(Protocol):
    """What the loop needs of a decoder (``decode.make_decoder`` returns one)."""

    @property
    def name(self) -> str: ...

    def decode(self, gray: Any) -> list[Symbol]: ...


class FrameSource(Protocol):
    """What the loop needs of a source: the part of ``cv2.VideoCapture`` it uses."""

    def read(self) -> tuple[bool, Any]: ...

    def get(self, prop_id: int) -> float: ...

    def release(self) -> None: ...


Emit = Callable[[ScanEvent], None]


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class Source:
    """A parsed ``--source``: what kind of source it is and how to name it in messages."""

    kind: Literal["camera", "device", "file", "url"]
    spec: str

    @property
    def live(self) -> bool:
        """Cameras and streams: a failed read means "lost", not "ended"."""
        return self.kind != "file"

    @property
    def index(self) -> int:
        return int(self.spec)

    def describe(self) -> str:
        if self.kind == "camera":
            return f"camera {self.spec}"
        if self.kind == "url":
            return redact(self.spec)
        return self.spec


def parse_source(spec: str | int) -> Source:
    """Tell a camera index, a device path, a URL and a video file apart."""
    text = str(spec).strip()
    if not text:
        raise ScannerError("no source given: a camera index (0), a video file or a URL")
    if text.isdigit():
        return Source("camera", str(int(text)))
    if text.startswith("/dev/"):
        return Source("device", text)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if match:
        scheme = match.group(1).lower()
        if scheme == "file":
            return Source("file", urlsplit(text).path)
        if scheme not in URL_SCHEMES:
            raise ScannerError(
                f"cannot read {redact(text)}: unsupported URL scheme {scheme!r} "
                "(use rtsp://, http:// or https://)"
            )
        return Source("url", text)
    return Source("file", text)


def redact(url: str) -> str:
    """``url`` without its password (a phone's RTSP address often carries one)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else host
    return urlunsplit(parts._replace(netloc=netloc))


def import_cv2() -> Any:
    """``cv2``, quiet (log level silent), or a :class:`ScannerError` saying what to install."""
    silence_opencv()
    try:
        import cv2
    except ImportError as exc:
        raise ScannerError(MISSING_OPENCV) from exc
    silence_opencv()
    return cv2


def open_source(spec: str | int, *, timeout: float = 5.0) -> Any:
    """An opened ``cv2.VideoCapture`` for ``spec``, or a :class:`ScannerError` saying why not.

    ``timeout`` (seconds) bounds opening and reading a stream URL, so a URL that does not answer
    never hangs for long.
    """
    source = parse_source(spec)
    cv2 = import_cv2()
    if source.kind == "camera":
        return _open_camera(cv2, source)
    if source.kind == "device":
        return _open_device(cv2, source)
    if source.kind == "url":
        return _open_url(cv2, source, timeout)
    return _open_file(cv2, source)


def _opened(cap: Any) -> Any | None:
    if cap is not None and cap.isOpened():
        return cap
    if cap is not None:
        cap.release()
    return None


def _open_camera(cv2: Any, source: Source) -> Any:
    index = source.index
    missing = f"no camera at index {index}: is it plugged in? {LIST_HINT}"
    if sys.platform.startswith("linux"):
        device = f"/dev/video{index}"
        if not os.path.exists(device):
            raise ScannerError(missing)
        _check_access(device)
        cap = _opened(cv2.VideoCapture(index, cv2.CAP_V4L2))
    else:
        cap = _opened(cv2.VideoCapture(index))
    if cap is None:
        raise ScannerError(f"camera {index} does not deliver video (in use by another program?)")
    return cap


def _open_device(cv2: Any, source: Source) -> Any:
    path = source.spec
    if not os.path.exists(path):
        raise ScannerError(f"no camera at {path}: is it plugged in? {LIST_HINT}")
    _check_access(path)
    backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
    cap = _opened(cv2.VideoCapture(path, backend))
    if cap is None:
        raise ScannerError(
            f"{path} does not deliver video (not a capture device, or in use by another "
            f"program?) {LIST_HINT}"
        )
    return cap


def _check_access(device: str) -> None:
    if not os.access(device, os.R_OK | os.W_OK):
        raise ScannerError(
            f"no permission to open {device}: add your user to the 'video' group "
            "(sudo usermod -aG video $USER, then log in again)"
        )


def _open_file(cv2: Any, source: Source) -> Any:
    path = Path(source.spec).expanduser()
    if not path.exists():
        raise ScannerError(f"no such video file: {source.spec}")
    if path.is_dir():
        raise ScannerError(f"{source.spec} is a directory, not a video file")
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        raise ScannerError(f"cannot read {source.spec}: {exc.strerror or exc}") from exc
    cap = _opened(cv2.VideoCapture(str(path), cv2.CAP_FFMPEG))
    if cap is None:
        cap = _opened(cv2.VideoCapture(str(path)))
    if cap is None:
        raise ScannerError(f"cannot read {source.spec} as a video (not a video file?)")
    return cap


def _open_url(cv2: Any, source: Source, timeout: float) -> Any:
    url = source.spec
    shown = redact(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError as exc:
        raise ScannerError(f"bad URL {shown}: {exc}") from exc
    if not parts.hostname:
        raise ScannerError(f"bad URL {shown}: no host")
    if port is not None and scheme not in ("udp", "srt"):
        # A quick TCP check first: a clear message for a wrong address or a phone app not running.
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                pass
        except TimeoutError as exc:
            raise ScannerError(
                f"no answer from {shown} within {timeout:g} s: "
                "is the camera on, and on this network?"
            ) from exc
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ScannerError(
                f"cannot connect to {shown}: {reason} (is the camera app running?)"
            ) from exc
    msec = int(timeout * 1000)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, msec, cv2.CAP_PROP_READ_TIMEOUT_MSEC, msec]
    try:
        cap = _opened(cv2.VideoCapture(url, cv2.CAP_FFMPEG, params))
    except cv2.error:
        cap = None
    if cap is None:
        raise ScannerError(
            f"no video stream from {shown} (waited up to {timeout:g} s): check the address' "
            "path, e.g. http://PHONE:8080/video"
        )
    return cap


# --------------------------------------------------------------------------- cameras


def list_cameras(
    devices: str = "/dev/video*", sysfs: str = "/sys/class/video4linux"
) -> list[tuple[int, str, str]]:
    """The cameras this machine can see: ``(index, device path, description)``.

    On Linux, the ``/dev/video*`` devices that can capture (metadata-only nodes are left out);
    elsewhere, the first camera indexes OpenCV can open.
    """
    if not sys.platform.startswith("linux"):
        return _probe_indexes()
    found = []
    for path in glob.glob(devices):
        match = re.search(r"(\d+)$", path)
        if match is None:
            continue
        index = int(match.group(1))
        name = _read_text(Path(sysfs) / Path(path).name / "name")
        capture = _v4l2_can_capture(path)
        if capture is False:
            continue
        description = name or "video device"
        if capture is None and not os.access(path, os.R_OK | os.W_OK):
            description += " (no permission: add your user to the 'video' group)"
        found.append((index, path, description))
    return sorted(found)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _v4l2_can_capture(path: str) -> bool | None:
    """Whether a V4L2 device captures video (VIDIOC_QUERYCAP), None when it cannot be asked."""
    try:
        import fcntl
        import struct

        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except (ImportError, OSError):
        return None
    try:
        buf = bytearray(104)  # struct v4l2_capability
        fcntl.ioctl(fd, 0x80685600, buf)  # VIDIOC_QUERYCAP
        capabilities, device_caps = struct.unpack_from("<II", buf, 84)
        caps = device_caps if capabilities & 0x80000000 else capabilities  # V4L2_CAP_DEVICE_CAPS
        return bool(caps & (0x1 | 0x1000))  # VIDEO_CAPTURE | VIDEO_CAPTURE_MPLANE
    except OSError:
        return None
    finally:
        os.close(fd)


def _probe_indexes(count: int = 5) -> list[tuple[int, str, str]]:
    cv2 = import_cv2()
    found = []
    with redirect_c_stderr():
        for index in range(count):
            cap = _opened(cv2.VideoCapture(index))
            if cap is not None:
                found.append((index, str(index), cap.getBackendName()))
                cap.release()
    return found


# --------------------------------------------------------------------------- debounce


class Debouncer:
    """Turns the codes found in each frame into new reads.

    A 1D code counts when found in two consecutive frames (a single-frame misread never does),
    a 2D code at once; a counted code counts again only after it was out of view for
    ``forget_after`` seconds and at least ``min_absent_frames`` frames.
    """

    def __init__(self, forget_after: float = 0.5, min_absent_frames: int = 2) -> None:
        self.forget_after = forget_after
        self.min_absent_frames = min_absent_frames
        self._previous: set[Symbol] = set()
        self._active: dict[Symbol, tuple[float, int]] = {}  # counted, last seen (time, frame)

    def update(self, symbols: Iterable[Symbol], t: float, frame: int) -> list[Symbol]:
        """The codes of this frame (at time ``t``, number ``frame``) that are new reads."""
        found = list(dict.fromkeys(symbols))
        new = []
        for symbol in found:
            if symbol not in self._active and (
                symbol.symbology not in ONE_D or symbol in self._previous
            ):
                new.append(symbol)
            if symbol in self._active or symbol in new:
                self._active[symbol] = (t, frame)
        for symbol, (seen, seen_frame) in list(self._active.items()):
            if (
                t - seen >= self.forget_after - 1e-9
                and frame - seen_frame >= self.min_absent_frames
            ):
                del self._active[symbol]
        self._previous = set(found)
        return new

    def gap(self, t: float, frame: int) -> None:
        """The source was lost and is back: codes counted before are not counted again if
        they are still in view, and the frames before the gap no longer confirm a 1D code."""
        self._previous = set()
        for symbol in self._active:
            self._active[symbol] = (t, frame)


# --------------------------------------------------------------------------- the loop


class _EmitFailed(Exception):
    pass


class Scanner:
    """Reads codes from ``source`` until stopped (or, for a video file, its end).

    ``decoder`` is a name for ``decode.make_decoder`` (``auto``, ``pyzbar``, ``zxing``) or a
    decoder object. ``opener`` replaces :func:`open_source` (tests); ``quiet`` redirects fd 2
    to the scanner log while running (``log_path``, default in :mod:`.quiet`). The constructor
    is cheap (no OpenCV) and raises :class:`ScannerError` only for a malformed ``source``.

    Threading: call :meth:`run` in one thread (a Textual thread worker); ``emit`` is called in
    that thread, so in the app it must be thread-safe (``post_message``). Stop it from any
    thread with ``stop.set()``: it returns after the current frame (or the current reopen
    attempt). ``preview_enabled`` may be flipped from any thread; ``last``, ``frames`` and
    ``decode_errors`` may be read from any thread.
    """

    def __init__(
        self,
        source: str | int = "0",
        decoder: str | FrameDecoder = "auto",
        *,
        symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES,
        preview: bool = False,
        preview_size: tuple[int, int] = (40, 15),
        preview_interval: float = 0.25,
        forget_after: float = 0.5,
        reopen_interval: float = 1.0,
        open_timeout: float = 5.0,
        quiet: bool = True,
        log_path: str | os.PathLike[str] | None = None,
        opener: Callable[[str], FrameSource] | None = None,
    ) -> None:
        self.source = parse_source(source)
        self.decoder = decoder
        self.symbologies = tuple(symbologies)
        self.preview_enabled = preview
        self.preview_size = preview_size
        self.preview_interval = preview_interval
        self.forget_after = forget_after
        self.reopen_interval = reopen_interval
        self.open_timeout = open_timeout
        self.quiet = quiet
        self.log_path = log_path
        self._opener = opener
        self.last: CodeRead | None = None  # the last code read
        self.frames = 0  # frames read since run() started
        self.decode_errors = 0  # frames whose decoding raised

    # ------------------------------------------------------------------ public

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """The blocking loop (see the module docstring for the events and the contract)."""

        def send(event: ScanEvent) -> None:
            try:
                emit(event)
            except BaseException as exc:
                raise _EmitFailed() from exc

        try:
            redirect = redirect_c_stderr(self.log_path) if self.quiet else contextlib.nullcontext()
            with redirect:
                try:
                    self._run(send, stop)
                except ScannerError as exc:
                    log_line(f"error: {exc}")
                    send(SourceStatus("error", str(exc)))
                except _EmitFailed:
                    raise
                except Exception as exc:
                    log_line("".join(traceback.format_exception(exc)))
                    send(SourceStatus("error", f"the scanner stopped: {type(exc).__name__}: {exc}"))
        except _EmitFailed as failed:
            assert failed.__cause__ is not None
            raise failed.__cause__ from None

    # ------------------------------------------------------------------ inside

    def _make_decoder(self) -> FrameDecoder:
        if not isinstance(self.decoder, str):
            return self.decoder
        from .decode import make_decoder

        return make_decoder(self.decoder, self.symbologies)

    def _open(self) -> FrameSource:
        if self._opener is not None:
            return self._opener(self.source.spec)
        return open_source(self.source.spec, timeout=self.open_timeout)

    def _reopen(self, stop: threading.Event) -> FrameSource | None:
        """Try to open the source again every ``reopen_interval`` seconds, until stopped."""
        while not stop.wait(self.reopen_interval):
            try:
                return self._open()
            except ScannerError as exc:
                log_line(f"reopen {self.source.describe()}: {exc}")
            except Exception as exc:  # a backend error: keep trying
                log_line(f"reopen {self.source.describe()}: {type(exc).__name__}: {exc}")
        return None

    def _run(self, send: Callable[[ScanEvent], None], stop: threading.Event) -> None:
        cv2 = import_cv2()
        decoder = self._make_decoder()
        cap = self._open()
        try:
            fps = 0.0 if self.source.live else float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            send(SourceStatus("opened", f"reading {self.source.describe()} ({decoder.name})"))
            debounce = Debouncer(self.forget_after)
            index = 0
            last_preview = 0.0
            self.frames = 0
            while not stop.is_set():
                try:
                    ok, frame = cap.read()
                except Exception as exc:  # cv2.error from a dying backend
                    log_line(f"read: {type(exc).__name__}: {exc}")
                    ok, frame = False, None
                if not ok or frame is None:
                    if not self.source.live:
                        send(SourceStatus("ended", f"{self.source.describe()}: {index} frames"))
                        return
                    send(
                        SourceStatus(
                            "lost",
                            f"{self.source.describe()} stopped delivering video: "
                            "trying to reopen it every second",
                        )
                    )
                    cap.release()
                    reopened = self._reopen(stop)
                    if reopened is None:
                        return
                    cap = reopened
                    debounce.gap(self._time(index, fps), index)
                    send(SourceStatus("back", f"{self.source.describe()} is back"))
                    continue
                self.frames += 1
                t = self._time(index, fps)
                try:
                    symbols = decoder.decode(self._gray(cv2, frame))
                except Exception as exc:  # one bad frame must not end the scan
                    self.decode_errors += 1
                    symbols = []
                    if self.decode_errors <= 20 or self.decode_errors % 1000 == 0:
                        log_line(f"decode frame {index}: {type(exc).__name__}: {exc}")
                for symbol in debounce.update(symbols, t, index):
                    self.last = CodeRead(symbol, time.time(), index)
                    send(self.last)
                if self.preview_enabled:
                    now = time.monotonic()
                    if now - last_preview >= self.preview_interval:
                        last_preview = now
                        send(self._preview(frame))
                index += 1
        finally:
            cap.release()

    @staticmethod
    def _time(index: int, fps: float) -> float:
        """A video file's own clock (its frame position), else the wall clock."""
        return index / fps if fps > 0 else time.monotonic()

    @staticmethod
    def _gray(cv2: Any, frame: Any) -> Any:
        if frame.ndim == 3:
            code = cv2.COLOR_BGRA2GRAY if frame.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            return cv2.cvtColor(frame, code)
        return frame

    def _preview(self, frame: Any) -> PreviewFrame:
        from .preview import half_blocks

        cols, rows = self.preview_size
        return PreviewFrame(half_blocks(frame, cols, rows), time.time(), self.last)
