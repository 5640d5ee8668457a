"""The aiming preview: a camera frame shrunk to a few dozen half-block terminal cells.

Each cell is one character, an upper half block (``▀``) whose foreground is the top pixel and
whose background is the bottom one, so ``cols x rows`` cells show ``cols x 2*rows`` pixels
(40 x 15 cells: a 40 x 30 picture, the 4:3 of a webcam).
"""

from __future__ import annotations

from typing import Any

RGB = tuple[int, int, int]
Cells = tuple[tuple[tuple[RGB, RGB], ...], ...]

HALF_BLOCK = "▀"


def half_blocks(frame: Any, cols: int = 40, rows: int = 15) -> Cells:
    """``frame`` (BGR, BGRA or grayscale uint8, as OpenCV gives it) as ``rows`` of ``cols``
    ``(top_rgb, bottom_rgb)`` cells, for :class:`~tui_orders.scanner.types.PreviewFrame`."""
    import cv2
    import numpy

    if cols < 1 or rows < 1:
        raise ValueError("a preview needs at least one cell")
    image = numpy.asarray(frame)
    if image.dtype != numpy.uint8:
        image = numpy.clip(image, 0, 255).astype(numpy.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    else:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    small = cv2.resize(image, (cols, rows * 2), interpolation=cv2.INTER_AREA)
    pixels: list[list[list[int]]] = small.tolist()
    return tuple(
        tuple((_rgb(pixels[2 * r][c]), _rgb(pixels[2 * r + 1][c])) for c in range(cols))
        for r in range(rows)
    )


def _rgb(pixel: list[int]) -> RGB:
    return (pixel[0], pixel[1], pixel[2])


def to_ansi(cells: Cells) -> str:
    """The cells as 24-bit ANSI text (for a plain terminal; the app draws them with Rich)."""
    lines = []
    for row in cells:
        parts = [
            f"\x1b[38;2;{t[0]};{t[1]};{t[2]}m\x1b[48;2;{b[0]};{b[1]};{b[2]}m{HALF_BLOCK}"
            for t, b in row
        ]
        lines.append("".join(parts) + "\x1b[0m")
    return "\n".join(lines)
