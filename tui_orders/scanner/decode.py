"""Decoders behind one interface: pyzbar, zxing-cpp, and ``auto`` that uses both.

``make_decoder(name, symbologies).decode(gray)`` returns the codes found in one frame as
:class:`Symbol` objects, canonical and validated:

* Symbology names are the canonical ones of :mod:`.types` (``EAN13``, ``UPCA``, ``QRCODE``...),
  whatever the library calls them.
* **UPC-A convention.** A UPC-A is an EAN-13 whose first digit is 0, and the libraries disagree on
  how to report it (zbar: ``UPCA`` 12 digits when UPC-A is enabled, else ``EAN13`` 13 digits;
  zxing-cpp 3: ``UPC-A`` *or* ``EAN-13`` with 13 digits). Here: when ``UPCA`` is among the
  requested symbologies, such a code is ``UPCA`` with its 12 digits; when only ``EAN13`` is, it is
  ``EAN13`` with 13 digits (leading 0). Both decoders follow that rule, so their reads compare
  equal.
* **UPC-E** is reported as its 8 printed digits (zxing-cpp 3 gives the expanded GTIN-13 as text and
  the 8 digits in ``extra``). :func:`.checkdigit.upce_to_upca` gives the 12-digit UPC-A.
* Only the requested symbologies are decoded (both libraries are told, which makes them several
  times faster) and reported.
* Every read passes :func:`.checkdigit.valid_for` (check digits of EAN/UPC) or is dropped: a decoder
  never reports a code it would have to guess.

Missing pieces are :class:`ScannerError` with a message that says what to install. Nothing global
is changed here (no OpenCV thread count, no file descriptors: see ``quiet.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from .checkdigit import valid_for
from .types import DEFAULT_SYMBOLOGIES, ONE_D, ScannerError, Symbol

if TYPE_CHECKING:  # numpy and OpenCV are imported when a decoder is made, not with this module
    import numpy
    import numpy.typing as npt

    Gray = npt.NDArray[numpy.uint8]

DECODERS: tuple[str, ...] = ("pyzbar", "zxing", "auto")

MISSING_OPENCV = (
    "OpenCV and numpy are needed for the camera scanner: pip install 'tui-orders[scanner]'"
)
MISSING_LIBZBAR = "libzbar is not installed: apt-get install libzbar0 (or pip install zxing-cpp)"
MISSING_PYZBAR = (
    "pyzbar is not installed: pip install 'tui-orders[scanner]' (or pip install zxing-cpp)"
)
MISSING_ZXING = (
    "zxing-cpp is not installed: pip install 'tui-orders[zxing]' (or pip install zxing-cpp)"
)

#: Canonical name -> pyzbar ``ZBarSymbol`` member name.
_ZBAR_NAMES: dict[str, str] = {
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "CODE128": "CODE128",
    "CODE39": "CODE39",
    "CODE93": "CODE93",
    "ITF": "I25",
    "CODABAR": "CODABAR",
    "QRCODE": "QRCODE",
    "PDF417": "PDF417",
    "DATABAR": "DATABAR",
}
_FROM_ZBAR = {v: k for k, v in _ZBAR_NAMES.items()}

#: Canonical name -> zxingcpp ``BarcodeFormat`` member name.
_ZXING_NAMES: dict[str, str] = {
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "CODE128": "Code128",
    "CODE39": "Code39",
    "CODE93": "Code93",
    "ITF": "ITF",
    "CODABAR": "Codabar",
    "QRCODE": "QRCode",
    "DATAMATRIX": "DataMatrix",
    "PDF417": "PDF417",
    "AZTEC": "Aztec",
    "DATABAR": "DataBar",
}
#: zxingcpp ``str(BarcodeFormat)`` (as in ``Barcode.format``) -> canonical name.
_FROM_ZXING_STR: dict[str, str] = {
    "EAN-13": "EAN13",
    "EAN-8": "EAN8",
    "UPC-A": "UPCA",
    "UPC-E": "UPCE",
    "Code 128": "CODE128",
    "Code 39": "CODE39",
    "Code 93": "CODE93",
    "ITF": "ITF",
    "Codabar": "CODABAR",
    "QR Code": "QRCODE",
    "Data Matrix": "DATAMATRIX",
    "PDF417": "PDF417",
    "Aztec": "AZTEC",
    "DataBar": "DATABAR",
}


class Decoder(Protocol):
    """Finds codes in one frame."""

    name: str
    symbologies: frozenset[str]

    def decode(self, gray: Any) -> list[Symbol]:
        """Codes in ``gray`` (2-D uint8; a BGR frame is converted), canonical and validated."""
        ...


def canonical(symbology: str, text: str, allowed: frozenset[str]) -> Symbol | None:
    """The canonical, validated form of a read, or None (invalid, or not an allowed symbology)."""
    if symbology == "EAN13" and len(text) == 13 and text.startswith("0") and "UPCA" in allowed:
        symbology, text = "UPCA", text[1:]
    elif symbology == "UPCA":
        if len(text) == 13 and text.startswith("0"):
            text = text[1:]
        if "UPCA" not in allowed and "EAN13" in allowed:
            symbology, text = "EAN13", "0" + text
    if symbology not in allowed or not valid_for(symbology, text):
        return None
    return Symbol(symbology, text)


def _unique(symbols: Iterable[Symbol]) -> list[Symbol]:
    return list(dict.fromkeys(symbols))


def as_gray(frame: Any) -> Gray:
    """``frame`` as a C-contiguous 2-D uint8 array (BGR and BGRA frames are converted)."""
    try:
        import numpy
    except ImportError as exc:
        raise ScannerError(MISSING_OPENCV) from exc
    array = numpy.asarray(frame)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3:
        cv2 = _cv2()
        code = cv2.COLOR_BGR2GRAY if array.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        array = cv2.cvtColor(array, code)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale or 3-D BGR frame, got shape {array.shape}")
    if array.dtype != numpy.uint8:
        array = numpy.clip(array, 0, 255).astype(numpy.uint8)
    return numpy.ascontiguousarray(array)


def _cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:
        raise ScannerError(MISSING_OPENCV) from exc
    return cv2


def _normalise_symbologies(symbologies: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(s.strip().upper() for s in symbologies)
    if not wanted:
        raise ScannerError("no symbology to decode")
    return wanted


Box = tuple[int, int, int, int]
"""Where a code was found: ``(x0, y0, x1, y1)`` in the frame's pixels."""

Located = tuple[Symbol, Box]

#: Codes of one group are alternatives to each other: a frame region holding an EAN-13 cannot also
#: hold a UPC-E (that is a misread of part of it).
_GROUPS = {"EAN13": "EANUPC", "EAN8": "EANUPC", "UPCA": "EANUPC", "UPCE": "EANUPC"}


#: Modules across an EAN/UPC symbol (without quiet zones).
_MODULES = {"EAN13": 95, "UPCA": 95, "EAN8": 67, "UPCE": 51}

#: Below this many pixels per module, a whole-frame EAN/UPC read that the other library does not
#: confirm is not trusted (zxing-cpp misreads some codes that small the same way frame after frame).
SMALL_MODULE_PX = 1.4


def _conflict(a: Symbol, b: Symbol) -> bool:
    """Two different 1D reads of the same place that cannot both be right."""
    if a == b or a.symbology not in ONE_D or b.symbology not in ONE_D:
        return False
    return _GROUPS.get(a.symbology, a.symbology) == _GROUPS.get(b.symbology, b.symbology)


def _box(xs: Sequence[float], ys: Sequence[float]) -> Box:
    return int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1


class PyzbarDecoder:
    """zbar through pyzbar: reads 1D codes at any angle and at low contrast; slower on noise."""

    name = "pyzbar"

    def __init__(self, symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES) -> None:
        self.symbologies = _normalise_symbologies(symbologies)
        if importlib.util.find_spec("pyzbar") is None:
            raise ScannerError(MISSING_PYZBAR)
        try:
            pyzbar = importlib.import_module("pyzbar.pyzbar")
        except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is missing
            raise ScannerError(MISSING_LIBZBAR) from exc
        self._decode = pyzbar.decode
        enabled = set(self.symbologies)
        if "UPCA" in enabled:
            enabled.add("EAN13")  # zbar reads UPC-A only with EAN-13 enabled
        known = enabled & _ZBAR_NAMES.keys()
        if not known:
            raise ScannerError(f"pyzbar cannot read {', '.join(sorted(enabled))}")
        self._symbols = [getattr(pyzbar.ZBarSymbol, _ZBAR_NAMES[s]) for s in sorted(known)]

    def read(self, gray: Any) -> list[Located]:
        """The codes in ``gray`` with where they are."""
        image = as_gray(gray)
        found: list[Located] = []
        for result in self._decode(image, symbols=self._symbols):
            symbology = _FROM_ZBAR.get(result.type)
            if symbology is None:
                continue
            try:
                text = result.data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            symbol = canonical(symbology, text, self.symbologies)
            if symbol is not None:
                left, top, width, height = result.rect
                found.append((symbol, (left, top, left + width + 1, top + height + 1)))
        return found

    def decode(self, gray: Any) -> list[Symbol]:
        return _unique(symbol for symbol, _ in self.read(gray))


class ZxingDecoder:
    """zxing-cpp: fast (about 2 ms on an empty frame), good on blurred and noisy codes.

    Reads 1D codes only near 0° and 90° (``try_rotate``); ``try_invert`` (light on dark) is off:
    it doubles the time on empty frames for codes a warehouse does not print.
    """

    name = "zxing"

    def __init__(
        self,
        symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES,
        *,
        try_rotate: bool = True,
        try_downscale: bool = True,
        try_invert: bool = False,
    ) -> None:
        self.symbologies = _normalise_symbologies(symbologies)
        try:
            zxingcpp = importlib.import_module("zxingcpp")
        except ImportError as exc:
            raise ScannerError(MISSING_ZXING) from exc
        self._zx = zxingcpp
        known = self.symbologies & _ZXING_NAMES.keys()
        if not known:
            raise ScannerError(f"zxing-cpp cannot read {', '.join(sorted(self.symbologies))}")
        self._formats = [getattr(zxingcpp.BarcodeFormat, _ZXING_NAMES[s]) for s in sorted(known)]
        self._options: dict[str, Any] = {
            "try_rotate": try_rotate,
            "try_downscale": try_downscale,
            "try_invert": try_invert,
        }
        self.fixed_threshold = zxingcpp.Binarizer.FixedThreshold

    def read(self, gray: Any, **options: Any) -> list[Located]:
        """The codes in ``gray`` with where they are; ``options`` go to ``read_barcodes``."""
        image = as_gray(gray)
        found: list[Located] = []
        kwargs = {**self._options, **options}
        for result in self._zx.read_barcodes(image, formats=self._formats, **kwargs):
            symbology = _FROM_ZXING_STR.get(str(result.format))
            if symbology is None:
                continue
            text = result.text
            if symbology == "UPCE":  # zxing-cpp 3 gives the GTIN-13 as text
                extra = result.extra
                text = extra.get("UPCE", "") if isinstance(extra, dict) else ""
            symbol = canonical(symbology, text, self.symbologies)
            if symbol is not None:
                pos = result.position
                corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
                found.append((symbol, _box([p.x for p in corners], [p.y for p in corners])))
        return found

    def decode(self, gray: Any, **options: Any) -> list[Symbol]:
        return _unique(symbol for symbol, _ in self.read(gray, **options))


Step = Callable[[], list[Located]]


class AutoDecoder:
    """Both libraries, cheapest first, then cheap preprocessing while the frame's budget lasts.

    1. zxing-cpp on the frame (about 2 ms even on an empty frame): most codes end here.
    2. pyzbar on the frame, only when zxing found nothing: it reads what zxing misses (1D codes at
       about 30°, low contrast).
    3. Only while ``budget_ms`` is not spent (checked before each step), the *rescue* steps:

       * zxing on the frame halved (INTER_AREA averages noise away; 0.5 ms);
       * the regions with the most edges (found at half resolution: gradient, blur, Otsu, closing,
         the 3 largest blobs) are cut out, turned so that their long side is horizontal
         (zxing reads 1D codes only near 0° and 90°) and enlarged when small (tiny codes), then
         read by zxing with a fixed threshold, plain, and smoothed, and by pyzbar.

    The first step that reads something ends the frame, so a frame with a code costs what the
    cheapest successful step costs; an empty frame costs about the budget.

    Wrong reads that pass the check digit exist (about 1 in 150 reads of degraded frames, mostly
    UPC-E: six data digits, and part of an EAN-13 or UPC-A reads as one), so 1D reads are
    cross-checked cheaply (only on frames where something was read):

    * a read of steps 1-2 is looked at again by the other library on a crop around it: a different
      code of the same group there (EAN/UPC are one group) is a conflict and the read is dropped;
      a UPC-E must be confirmed there or is dropped; an EAN/UPC read by zxing-cpp smaller than
      :data:`SMALL_MODULE_PX` pixels per module must be confirmed there or is left to the rescue
      steps (which read it enlarged); pyzbar's other unconfirmed reads go to the vote of the
      rescue steps;
    * a rescue read is put to the vote of the remaining rescue steps (the vote has a budget of its
      own, so a frame with a code costs at most about twice the budget). A code's votes are the
      libraries that read it (a library repeats its own misreads); a rival of its group with as
      many votes drops it, so a tie reports nothing and the next frame decides.

    A code dropped in a frame is not reported by a later step of that frame. QR codes carry
    Reed-Solomon error correction and are not cross-checked.

    Without libzbar it is zxing-cpp plus the preprocessing; without zxing-cpp, pyzbar plus it
    (``notes`` says what is missing).
    """

    name = "auto"

    def __init__(
        self,
        symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES,
        *,
        budget_ms: float = 20.0,
        cross_check: bool = True,
    ) -> None:
        self.symbologies = _normalise_symbologies(symbologies)
        self.budget_ms = budget_ms
        self.cross_check = cross_check
        self.notes: list[str] = []
        self.zxing: ZxingDecoder | None = None
        self.pyzbar: PyzbarDecoder | None = None
        try:
            self.zxing = ZxingDecoder(self.symbologies)
        except ScannerError as exc:
            self.notes.append(str(exc))
        try:
            self.pyzbar = PyzbarDecoder(self.symbologies)
        except ScannerError as exc:
            self.notes.append(str(exc))
        if self.zxing is None and self.pyzbar is None:
            raise ScannerError("; ".join(self.notes))
        self._cv2 = _cv2()
        #: How often each step was the one that read the frame's code, and the conflicts.
        self.stats: dict[str, int] = {}
        #: The step that read the last frame's codes ("" if none).
        self.last_stage = ""

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    def decode(self, gray: Any) -> list[Symbol]:
        image = as_gray(gray)
        deadline = time.perf_counter() + self.budget_ms / 1000.0
        self.last_stage = ""
        banned: set[Symbol] = set()  # contradicted in this frame: never reported by a later step
        stages = self._stages(image)
        for stage, group, step in stages:
            if group >= -1 and time.perf_counter() > deadline:
                break
            reads = [(s, box) for s, box in step() if s not in banned]
            if not reads:
                continue
            library = "pyzbar" if "pyzbar" in stage else "zxing"
            pending: list[Symbol] = []
            if group == -2 and self.cross_check:  # the whole frame, by one library
                symbols, pending = self._checked(image, reads, stage, banned)
                if not symbols and not pending:
                    continue  # all contradicted: maybe a later step reads them right
            elif group == -2:
                symbols = _unique(symbol for symbol, _ in reads)
            else:
                symbols, pending = [], _unique(symbol for symbol, _ in reads)
            if pending:
                # The vote gets a budget of its own: cut short, it would let misreads through.
                vote_deadline = time.perf_counter() + self.budget_ms / 1000.0
                symbols += self._voted(pending, library, stages, vote_deadline, banned)
            if symbols:
                self.last_stage = stage
                self._count(stage)
            return symbols
        return []

    def _checked(
        self, image: Gray, reads: list[Located], stage: str, banned: set[Symbol]
    ) -> tuple[list[Symbol], list[Symbol]]:
        """``reads`` of the whole frame checked: ``(accepted, to put to the vote)``.

        The check is a second look at a crop around each 1D code (with a margin of the code's size:
        a UPC-E misread inside an EAN-13 sees the whole EAN-13) by the other library. A different
        code of the same group there is a conflict: the code is dropped (and banned from the
        frame). A UPC-E (six data digits, the weakest check of all) must be *confirmed*: read again
        on the crop by the other library, plain or smoothed (pyzbar's reads also by pyzbar on the
        smoothed crop), else it is dropped. pyzbar's reads (zxing read nothing on this frame: a
        hard one) that the second look does not confirm go to the vote of the rescue steps.
        """
        other = self.pyzbar if stage == "zxing" else self.zxing
        if other is None:
            return _unique(symbol for symbol, _ in reads), []
        cv2 = self._cv2
        height, width = image.shape
        accepted: list[Symbol] = []
        pending: list[Symbol] = []
        for symbol, (x0, y0, x1, y1) in reads:
            if symbol.symbology not in ONE_D:
                accepted.append(symbol)
                continue
            margin = max(x1 - x0, y1 - y0) * 3 // 4 + 16
            crop = image[
                max(y0 - margin, 0) : min(y1 + margin, height),
                max(x0 - margin, 0) : min(x1 + margin, width),
            ]
            seen = [s for s, _ in other.read(crop)]
            if any(_conflict(symbol, s) for s in seen):
                self._count("conflict")
                banned.add(symbol)
                continue
            if symbol in seen:
                accepted.append(symbol)
                continue
            modules = _MODULES.get(symbol.symbology)
            small = modules and max(x1 - x0, y1 - y0) < modules * SMALL_MODULE_PX
            if small and stage == "zxing":  # (zbar's box is where its scan lines read: no size)
                # Too small to trust one read: the rescue steps read it again, enlarged.
                self._count("deferred")
                continue
            if stage == "zxing" and symbol.symbology != "UPCE":
                accepted.append(symbol)
                continue
            smooth = cv2.GaussianBlur(crop, (3, 3), 0)
            again = [s for s, _ in other.read(smooth)]
            if stage == "pyzbar" and self.pyzbar is not None:
                again += [s for s, _ in self.pyzbar.read(smooth)]
            if symbol in again:
                accepted.append(symbol)
            elif symbol.symbology == "UPCE" or any(_conflict(symbol, s) for s in again):
                self._count("unconfirmed")
                banned.add(symbol)
            else:
                pending.append(symbol)
        return _unique(accepted), _unique(pending)

    def _voted(
        self,
        first: list[Symbol],
        library: str,
        stages: Iterator[tuple[str, int, Step]],
        deadline: float,
        banned: set[Symbol],
    ) -> list[Symbol]:
        """``first`` (read by ``library``) put to the vote of the remaining rescue steps.

        Steps run until ``deadline``. A code's votes are the libraries that read it (a library
        repeats its own misreads: two reads by one library count once); a 1D code with a rival of
        its group that has as many votes or more is dropped. Regions overlap (a code and a part of
        it), so all of them vote.
        """
        votes: dict[Symbol, set[str]] = {symbol: {library} for symbol in first}
        if self.cross_check and any(s.symbology in ONE_D for s in votes):
            for stage, _, step in stages:
                if time.perf_counter() > deadline:
                    break
                for symbol, _ in step():
                    if symbol not in banned:
                        votes.setdefault(symbol, set()).add(
                            "pyzbar" if "pyzbar" in stage else "zxing"
                        )
        kept = []
        for symbol, libraries in votes.items():
            rivals = [len(libs) for s, libs in votes.items() if _conflict(symbol, s)]
            if rivals and len(libraries) <= max(rivals):
                self._count("conflict")
                continue
            kept.append(symbol)
        return kept

    def _stages(self, image: Gray) -> Iterator[tuple[str, int, Step]]:
        """``(name, group, step)``, cheapest and most productive first, prepared lazily.

        ``group`` is -2 for the whole frame, -1 for the halved frame, else the region's number.
        """
        cv2 = self._cv2
        zx, zb = self.zxing, self.pyzbar
        if zx is not None:
            yield "zxing", -2, partial(zx.read, image)
        if zb is not None:
            yield "pyzbar", -2, partial(zb.read, image)
        half = cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        if zx is not None:
            yield "half/zxing", -1, partial(zx.read, half)
        for n, crop in enumerate(self._regions(image, half)):
            if zx is not None:
                yield "region/zxing-fixed", n, partial(zx.read, crop, binarizer=zx.fixed_threshold)
                yield "region/zxing", n, partial(zx.read, crop)
                smooth = cv2.GaussianBlur(crop, (5, 5), 0)
                yield "region/zxing-smooth", n, partial(zx.read, smooth)
            if zb is not None and n == 0:
                yield "region/pyzbar", n, partial(zb.read, crop)

    def _regions(self, image: Gray, half: Gray, count: int = 3) -> Iterator[Gray]:
        """Up to ``count`` regions with many edges, long side horizontal, enlarged when small.

        Found on ``half`` (the frame at half size), cut from the full frame.
        """
        cv2 = self._cv2
        gx = cv2.convertScaleAbs(cv2.Sobel(half, cv2.CV_16S, 1, 0, ksize=3))
        gy = cv2.convertScaleAbs(cv2.Sobel(half, cv2.CV_16S, 0, 1, ksize=3))
        edges = cv2.blur(cv2.addWeighted(gx, 0.5, gy, 0.5, 0), (9, 9))
        _, mask = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        mask = cv2.dilate(cv2.erode(mask, None, iterations=2), None, iterations=3)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:count]:
            (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
            cx, cy, w, h = cx * 2, cy * 2, w * 2, h * 2
            if w < h:
                w, h, angle = h, w, angle + 90
            if w < 24 or h < 8:
                continue
            w, h = w * 1.3, h * 1.6  # the quiet zone, and corners cut by the blob
            scale = min(max(360.0 / w, 1.0), 3.0)
            matrix = cv2.getRotationMatrix2D((cx, cy), angle, scale)
            matrix[0, 2] += w * scale / 2 - cx
            matrix[1, 2] += h * scale / 2 - cy
            size = (int(w * scale) + 1, int(h * scale) + 1)
            yield cv2.warpAffine(
                image, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
            )


def make_decoder(name: str = "auto", symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES) -> Decoder:
    """The decoder called ``name`` (``pyzbar``, ``zxing`` or ``auto``) for ``symbologies``."""
    if importlib.util.find_spec("numpy") is None or importlib.util.find_spec("cv2") is None:
        raise ScannerError(MISSING_OPENCV)
    if name == "pyzbar":
        return PyzbarDecoder(symbologies)
    if name == "zxing":
        return ZxingDecoder(symbologies)
    if name == "auto":
        return AutoDecoder(symbologies)
    raise ScannerError(f"unknown decoder {name!r}: choose one of {', '.join(DECODERS)}")
