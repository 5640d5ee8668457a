"""Barcode reading: check digits, decoders (pyzbar, zxing-cpp), the camera capture loop.

Never imports textual (an import-linter contract checks it). Importing this package is cheap and
needs neither numpy, OpenCV nor libzbar: those are imported by the modules that use them, and a
missing one is a :class:`ScannerError` with a message that names what to install.
"""

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

__all__ = [
    "DEFAULT_SYMBOLOGIES",
    "ONE_D",
    "CodeRead",
    "PreviewFrame",
    "ScanEvent",
    "ScannerError",
    "SourceStatus",
    "Symbol",
]
