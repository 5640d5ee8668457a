"""The corpus of degraded 640x480 frames for ``bench_scanner.py`` (and a look at it).

Usage::

    python bench/scanner_corpus.py [N] [--seed S] [--out DIR]    # writes N PNG frames to look at

``make_corpus(n, seed)`` returns ``[(gray frame, expected Symbol or None, tag)]``; the drawing
and the degradations live in :mod:`tui_orders.scanner.synth` so that the tests can use them
without ``bench/`` on the path. Tags (one frame each, in turn, symbologies rotating):

* ``clean``: a code well in view, slightly tilted; ``rot30`` (±25-35°), ``rot90`` (90°, -90°,
  180°), ``rot_any`` (any angle);
* ``blur`` (Gaussian, sigma 1-2.2, more for QR), ``motion`` (5-11 px), ``noise`` (sigma 18-40),
  ``lowcontrast`` (18-40 grey levels), ``perspective`` (tilted 15-40%);
* ``small`` (1D 1.2-1.7 px per module, QR 2-3), ``tiny`` (1D 0.85-1.2 px per module, QR 1.3-2);
* ``webcam``: blur + low contrast + noise + JPEG 25-60, a little perspective and rotation;
  ``webcam_hard``: the same, smaller, more rotated and flatter;
* ``empty``: textured frames (shapes, lines, text, stripes, noise) without any code.

Frame ``i`` depends only on ``(seed, i)``, so ``make_corpus(60)`` is the start of
``make_corpus(868)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tui_orders.scanner.synth import TAGS, Gray, make_corpus
from tui_orders.scanner.types import Symbol

__all__ = ["TAGS", "make_corpus"]

Corpus = list[tuple[Gray, Symbol | None, str]]

DEFAULT_FRAMES = 868  # 62 frames of each of the 14 tags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=DEFAULT_FRAMES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("scanner-corpus"))
    args = parser.parse_args()
    import cv2

    args.out.mkdir(parents=True, exist_ok=True)
    for i, (frame, expected, tag) in enumerate(make_corpus(args.n, args.seed)):
        label = "none" if expected is None else f"{expected.symbology}-{expected.text}"
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in label)
        cv2.imwrite(str(args.out / f"{i:04d}-{tag}-{safe}.png"), frame)
    print(f"{args.n} frames in {args.out}/")


if __name__ == "__main__":
    main()
