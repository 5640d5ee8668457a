"""The scanner's shared vocabulary: symbols read, events from the capture loop, errors.

Symbology names are canonical upper-case strings, whatever the decoder calls them:
``EAN13``, ``EAN8``, ``UPCA``, ``UPCE``, ``CODE128``, ``CODE39``, ``ITF``, ``QRCODE``,
``DATAMATRIX``... ``tui-orders scan`` prints ``EAN13 4006381333931``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DEFAULT_SYMBOLOGIES: tuple[str, ...] = ("EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "QRCODE")
#: every symbology one of the decoders can read (the settings may choose among these)
KNOWN_SYMBOLOGIES: tuple[str, ...] = (
    "EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "CODE93", "ITF", "CODABAR",
    "DATABAR", "PDF417", "QRCODE", "DATAMATRIX", "AZTEC",
)  # fmt: skip
ONE_D: frozenset[str] = frozenset(
    {"EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "CODE93", "ITF", "CODABAR"}
)


class ScannerError(Exception):
    """A problem the operator can act on (no camera, libzbar missing...); str() is the message."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """One code found in one frame."""

    symbology: str
    text: str

    def __str__(self) -> str:
        return f"{self.symbology} {self.text}"


@dataclass(frozen=True, slots=True)
class CodeRead:
    """A new code: confirmed (1D codes in two consecutive frames) and debounced."""

    symbol: Symbol
    at: float  # time.time() when it was accepted
    frame: int  # index of the frame that confirmed it


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What happened to the source: opened, lost (unplugged, stream dropped), back, ended, error."""

    kind: Literal["opened", "lost", "back", "ended", "error"]
    message: str


@dataclass(frozen=True, slots=True)
class PreviewFrame:
    """A small picture for the aiming preview: ``rows`` of ``(top_rgb, bottom_rgb)`` cells.

    Each cell is one terminal character drawn as an upper half block (``▀``) with the top
    pixel as foreground and the bottom pixel as background.
    """

    rows: tuple[tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...], ...]
    at: float
    last: CodeRead | None = field(default=None)


ScanEvent = CodeRead | SourceStatus | PreviewFrame
