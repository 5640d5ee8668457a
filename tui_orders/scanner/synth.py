"""Synthetic barcode pictures for the decoder tests and ``bench/bench_scanner.py``.

Draws EAN-13, EAN-8, UPC-A, UPC-E (own drawing, so a wrong check digit can be drawn too),
Code 128 (modules from python-barcode) and QR codes (segno) onto a 640x480 grayscale frame,
then degrades the frame like a webcam would: rotation, perspective, blur, noise, low contrast,
small codes, JPEG. Everything is deterministic for a given seed.

Needs numpy and OpenCV (the ``scanner`` extra) plus python-barcode and segno (dev extra): they are
imported when a picture is drawn, never when this module is imported... except numpy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy
import numpy.typing as npt

from .checkdigit import gs1_check_digit, upce_to_upca
from .types import Symbol

Gray = npt.NDArray[numpy.uint8]

WIDTH, HEIGHT = 640, 480


def _f32(values: Any) -> npt.NDArray[numpy.float32]:
    return numpy.array(values, dtype=numpy.float32)


def _u8(image: Any) -> Gray:
    """An OpenCV result as the uint8 array it is (no copy)."""
    return numpy.asarray(image, dtype=numpy.uint8)


# --- EAN / UPC modules ------------------------------------------------------------------------

_L = ("0001101", "0011001", "0010011", "0111101", "0100011",
      "0110001", "0101111", "0111011", "0110111", "0001011")  # fmt: skip
_R = tuple("".join("1" if c == "0" else "0" for c in code) for code in _L)
_G = tuple(code[::-1] for code in _R)
_EAN13_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
                 "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")  # fmt: skip
_UPCE_PARITY_NS0 = ("GGGLLL", "GGLGLL", "GGLLGL", "GGLLLG", "GLGGLL",
                    "GLLGGL", "GLLLGG", "GLGLGL", "GLGLLG", "GLLGLG")  # fmt: skip


def _digit(d: str, parity: str) -> str:
    table = {"L": _L, "G": _G, "R": _R}[parity]
    return table[int(d)]


def ean13_modules(code: str) -> str:
    """The bars (``1``) and spaces (``0``) of a 13-digit EAN (check digit drawn as given)."""
    assert len(code) == 13 and code.isdigit()
    parity = _EAN13_PARITY[int(code[0])]
    left = "".join(_digit(d, p) for d, p in zip(code[1:7], parity, strict=True))
    right = "".join(_digit(d, "R") for d in code[7:])
    return "101" + left + "01010" + right + "101"


def ean8_modules(code: str) -> str:
    assert len(code) == 8 and code.isdigit()
    left = "".join(_digit(d, "L") for d in code[:4])
    right = "".join(_digit(d, "R") for d in code[4:])
    return "101" + left + "01010" + right + "101"


def upca_modules(code: str) -> str:
    assert len(code) == 12 and code.isdigit()
    return ean13_modules("0" + code)


def upce_modules(code: str) -> str:
    """An 8-digit UPC-E (number system 0 or 1, six data digits, check digit)."""
    assert len(code) == 8 and code.isdigit() and code[0] in "01"
    parity = _UPCE_PARITY_NS0[int(code[7])]
    if code[0] == "1":
        parity = "".join("L" if p == "G" else "G" for p in parity)
    body = "".join(_digit(d, p) for d, p in zip(code[1:7], parity, strict=True))
    return "101" + body + "010101"


def code128_modules(text: str) -> str:
    import barcode  # python-barcode

    modules: list[str] = barcode.get("code128", text).build()
    return modules[0]


def qr_matrix(text: str) -> Gray:
    """The QR code's modules, 1 = dark, without quiet zone."""
    import segno

    qr = segno.make_qr(text, error="m")
    return numpy.array([list(row) for row in qr.matrix], dtype=numpy.uint8)


def with_check(body: str) -> str:
    return body + str(gs1_check_digit(body))


def random_code(symbology: str, rng: random.Random) -> Symbol:
    """A random valid code of ``symbology``, in the canonical form the decoders report."""
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if symbology == "EAN13":
        # A leading 0 would be a UPC-A: decoders report it as such (see decode.py).
        return Symbol("EAN13", with_check(rng.choice("123456789") + digits(11)))
    if symbology == "EAN8":
        return Symbol("EAN8", with_check(digits(7)))
    if symbology == "UPCA":
        return Symbol("UPCA", with_check(rng.choice("0123456789") + digits(10)))
    if symbology == "UPCE":
        # Number system 1 is rare on real packs (and zbar does not read it).
        body = ("1" if rng.random() < 0.1 else "0") + digits(6)
        full = upce_to_upca(body + "0")
        assert full is not None
        return Symbol("UPCE", body + str(gs1_check_digit(full[:-1])))
    if symbology == "CODE128":
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        prefix = rng.choice(("ORD-", "ART-", "LOT ", "", "SN"))
        return Symbol("CODE128", prefix + "".join(rng.choice(alphabet) for _ in range(6)))
    if symbology == "QRCODE":
        kind = rng.randrange(3)
        if kind == 0:
            return Symbol("QRCODE", f"https://example.com/a/{digits(8)}")
        if kind == 1:
            return Symbol("QRCODE", f"ART-{digits(6)};QTY={rng.randint(1, 99)}")
        return Symbol("QRCODE", with_check("4" + digits(11)))
    raise ValueError(f"cannot draw {symbology}")


def modules_for(symbol: Symbol, check_override: str | None = None) -> str:
    """1D modules for ``symbol``; ``check_override`` replaces an EAN/UPC check digit."""
    text = symbol.text if check_override is None else symbol.text[:-1] + check_override
    return {
        "EAN13": ean13_modules,
        "EAN8": ean8_modules,
        "UPCA": upca_modules,
        "UPCE": upce_modules,
        "CODE128": code128_modules,
    }[symbol.symbology](text)


# --- drawing ------------------------------------------------------------------------------------


def draw_symbol(
    symbol: Symbol, module_px: int = 3, height_px: int = 0, check_override: str | None = None
) -> Gray:
    """A sharp black-on-white picture of the code with its quiet zone, ``module_px`` per module."""
    if symbol.symbology == "QRCODE":
        matrix = qr_matrix(symbol.text)
        quiet = 4
        padded = numpy.pad(matrix, quiet)
        img = numpy.where(padded == 1, 0, 255).astype(numpy.uint8)
        return numpy.repeat(numpy.repeat(img, module_px, axis=0), module_px, axis=1)
    modules = modules_for(symbol, check_override)
    quiet = 12
    row = numpy.array([0 if m == "1" else 255 for m in "0" * quiet + modules + "0" * quiet])
    row = numpy.repeat(row, module_px).astype(numpy.uint8)
    h = height_px or max(int(len(modules) * module_px * 0.45), 20)
    # A margin above and below so rotations keep some white around the bars.
    img = numpy.full((h + 2 * quiet * module_px // 2, row.size), 255, dtype=numpy.uint8)
    top = quiet * module_px // 2
    img[top : top + h, :] = row
    return img


def background(rng: random.Random, textured: bool = False) -> Gray:
    """A light, uneven background; ``textured`` adds shapes, lines and text (the empty frames)."""
    import cv2

    base = rng.randint(150, 235)
    gx = numpy.linspace(-1.0, 1.0, WIDTH)[None, :] * rng.uniform(-25, 25)
    gy = numpy.linspace(-1.0, 1.0, HEIGHT)[:, None] * rng.uniform(-25, 25)
    img = numpy.clip(base + gx + gy, 0, 255).astype(numpy.uint8)
    if textured:
        nrng = numpy.random.default_rng(rng.randrange(2**32))
        for _ in range(rng.randint(3, 12)):
            color = rng.randint(0, 255)
            p1 = (rng.randrange(WIDTH), rng.randrange(HEIGHT))
            p2 = (rng.randrange(WIDTH), rng.randrange(HEIGHT))
            kind = rng.randrange(4)
            if kind == 0:
                cv2.rectangle(img, p1, p2, color, rng.choice((-1, 1, 3)))
            elif kind == 1:
                cv2.line(img, p1, p2, color, rng.randint(1, 8))
            elif kind == 2:
                cv2.circle(img, p1, rng.randint(5, 120), color, rng.choice((-1, 2)))
            else:
                cv2.putText(
                    img,
                    "".join(rng.choice("ABCDEFGH0123456789 ") for _ in range(rng.randint(3, 14))),
                    p1,
                    cv2.FONT_HERSHEY_SIMPLEX,
                    rng.uniform(0.4, 2.0),
                    color,
                    rng.randint(1, 3),
                )
        if rng.random() < 0.5:  # stripes: a keyboard, a shelf, a radiator...
            period = rng.randint(3, 14)
            stripes = (numpy.arange(WIDTH) // period) % 2 * rng.randint(30, 90)
            y0, h = rng.randrange(HEIGHT // 2), rng.randint(30, 200)
            band = img[y0 : y0 + h, :].astype(int) - stripes[None, :]
            img[y0 : y0 + h, :] = numpy.clip(band, 0, 255).astype(numpy.uint8)
        noise = nrng.normal(0, 12, (HEIGHT, WIDTH))
        noise = numpy.asarray(cv2.GaussianBlur(noise, (0, 0), 3), dtype=numpy.float64)
        img = numpy.clip(img + noise, 0, 255).astype(numpy.uint8)
    return img


def place(
    code: Gray,
    canvas: Gray,
    rng: random.Random,
    *,
    width_px: float,
    angle: float = 0.0,
    perspective: float = 0.0,
) -> Gray:
    """Paste ``code`` scaled to ``width_px`` wide, rotated by ``angle`` degrees, maybe tilted.

    ``perspective`` (0..~0.4) moves the corners like a code held at an angle to the camera.
    """
    import cv2

    h, w = code.shape
    scale = width_px / w
    src = _f32([[0, 0], [w, 0], [w, h], [0, h]])
    # Corners around the origin, scaled, tilted, rotated, then moved into the frame.
    pts = (src - _f32([w / 2, h / 2])) * scale
    if perspective:
        # One side nearer to the camera than the other.
        k = perspective * rng.choice((-1.0, 1.0))
        if rng.random() < 0.5:  # left/right
            pts[:, 1] *= _f32([1 - k, 1 + k, 1 + k, 1 - k])
        else:  # top/bottom
            pts[:, 0] *= _f32([1 - k, 1 - k, 1 + k, 1 + k])
    a = math.radians(angle)
    rot = _f32([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = pts @ rot.T
    span_x = float(pts[:, 0].max() - pts[:, 0].min())
    span_y = float(pts[:, 1].max() - pts[:, 1].min())
    cx = rng.uniform(min(span_x / 2, WIDTH / 2), max(WIDTH - span_x / 2, WIDTH / 2))
    cy = rng.uniform(min(span_y / 2, HEIGHT / 2), max(HEIGHT - span_y / 2, HEIGHT / 2))
    dst = (pts + _f32([cx, cy])).astype(numpy.float32)
    if scale < 1.0:  # pre-filter, so that shrinking does not alias
        code = _u8(cv2.GaussianBlur(code, (0, 0), 0.45 / scale))
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(
        code, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderValue=0
    )
    mask = cv2.warpPerspective(
        numpy.full_like(code, 255), matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR, borderValue=0
    )
    # The printed label is paper: a bit darker than pure white, on the background.
    paper = warped.astype(numpy.float32) * rng.uniform(0.85, 1.0)
    alpha = mask.astype(numpy.float32) / 255.0
    out = canvas.astype(numpy.float32) * (1 - alpha) + paper * alpha
    return numpy.clip(out, 0, 255).astype(numpy.uint8)


def blur(img: Gray, sigma: float) -> Gray:
    import cv2

    return _u8(cv2.GaussianBlur(img, (0, 0), sigma))


def motion_blur(img: Gray, length: int, angle: float) -> Gray:
    import cv2

    kernel = numpy.zeros((length, length), numpy.float32)
    kernel[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1.0)
    kernel = _f32(cv2.warpAffine(kernel, rot, (length, length)))
    kernel /= max(float(kernel.sum()), 1e-6)
    return _u8(cv2.filter2D(img, -1, kernel))


def noise(img: Gray, sigma: float, rng: random.Random) -> Gray:
    nrng = numpy.random.default_rng(rng.randrange(2**32))
    out = img.astype(numpy.float32) + nrng.normal(0.0, sigma, img.shape).astype(numpy.float32)
    return numpy.clip(out, 0, 255).astype(numpy.uint8)


def contrast(img: Gray, low: int, high: int) -> Gray:
    """Squeeze the grey levels into ``low..high``."""
    out = low + img.astype(numpy.float32) * ((high - low) / 255.0)
    return numpy.clip(out, 0, 255).astype(numpy.uint8)


def jpeg(img: Gray, quality: int) -> Gray:
    import cv2

    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return _u8(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE))


# --- the corpus ---------------------------------------------------------------------------------

#: Degradation tags, in the order frames cycle through them.
TAGS: tuple[str, ...] = (
    "clean",
    "rot30",
    "rot90",
    "rot_any",
    "blur",
    "motion",
    "noise",
    "lowcontrast",
    "perspective",
    "small",
    "tiny",
    "webcam",
    "webcam_hard",
    "empty",
)

CORPUS_SYMBOLOGIES: tuple[str, ...] = ("EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "QRCODE")


def make_frame(tag: str, symbology: str, rng: random.Random) -> tuple[Gray, Symbol | None]:
    """One degraded 640x480 frame of ``tag`` showing a random ``symbology`` code."""
    if tag == "empty":
        return background(rng, textured=True), None
    symbol = random_code(symbology, rng)
    qr = symbology == "QRCODE"
    canvas = background(rng, textured=rng.random() < 0.3)
    # Pixels per module of a code well in view: ~2..3.5 for 1D, ~4..8 for QR.
    normal = (4.0, 8.0) if qr else (2.0, 3.5)
    steps: list[Callable[[Gray], Gray]] = []
    angle = rng.uniform(-6, 6)
    persp = 0.0
    size = normal
    if tag == "rot30":
        angle = rng.choice((-1, 1)) * rng.uniform(25, 35)
    elif tag == "rot90":
        angle = rng.choice((90.0, -90.0, 180.0)) + rng.uniform(-3, 3)
    elif tag == "rot_any":
        angle = rng.uniform(0, 360)
    elif tag == "blur":
        sigma = rng.uniform(1.0, 2.2) * (1.6 if qr else 1.0)
        steps.append(lambda im: blur(im, sigma))
    elif tag == "motion":
        length, mangle = rng.randint(5, 11), rng.uniform(0, 180)
        steps.append(lambda im: motion_blur(im, length, mangle))
    elif tag == "noise":
        sigma = rng.uniform(18, 40)
        steps.append(lambda im: noise(im, sigma, rng))
    elif tag == "lowcontrast":
        lo = rng.randint(60, 140)
        hi = lo + rng.randint(18, 40)
        steps.append(lambda im: contrast(im, lo, hi))
    elif tag == "perspective":
        persp = rng.uniform(0.15, 0.4)
        angle = rng.uniform(-20, 20)
    elif tag == "small":
        size = (2.0, 3.0) if qr else (1.2, 1.7)
    elif tag == "tiny":
        size = (1.3, 2.0) if qr else (0.85, 1.2)
    elif tag in ("webcam", "webcam_hard"):
        hard = tag == "webcam_hard"
        angle = rng.uniform(-15, 15) if not hard else rng.uniform(-35, 35)
        persp = rng.uniform(0.0, 0.2)
        size = (normal[0] * 0.8, normal[1]) if not hard else (normal[0] * 0.7, normal[1] * 0.9)
        bsigma = rng.uniform(0.6, 1.4) * (1.2 if hard else 1.0)
        lo = rng.randint(40, 100)
        hi = lo + rng.randint(40, 90) if not hard else lo + rng.randint(35, 60)
        nsigma = rng.uniform(4, 10) * (1.3 if hard else 1.0)
        quality = rng.randint(25, 60)
        steps += [
            lambda im: blur(im, bsigma),
            lambda im: contrast(im, lo, hi),
            lambda im: noise(im, nsigma, rng),
            lambda im: jpeg(im, quality),
        ]
    img = draw_symbol(symbol, module_px=4)
    modules = img.shape[1] / 4  # with the quiet zone
    frame = place(
        img, canvas, rng, width_px=modules * rng.uniform(*size), angle=angle, perspective=persp
    )
    for step in steps:
        frame = step(frame)
    return frame, symbol


def make_corpus(
    n: int = 868, seed: int = 1, symbologies: tuple[str, ...] = CORPUS_SYMBOLOGIES
) -> list[tuple[Gray, Symbol | None, str]]:
    """``n`` frames ``(gray, expected symbol or None, tag)``, the same for the same seed.

    Frame ``i`` depends only on ``(seed, i)``: a short corpus is the start of a long one. Tags cycle
    through :data:`TAGS`; symbologies through ``symbologies`` (shifted each round of tags).
    """
    out: list[tuple[Gray, Symbol | None, str]] = []
    for i in range(n):
        tag = TAGS[i % len(TAGS)]
        symbology = symbologies[(i // len(TAGS) + i % len(TAGS)) % len(symbologies)]
        rng = random.Random(f"{seed}:{i}")
        frame, expected = make_frame(tag, symbology, rng)
        out.append((frame, expected, tag))
    return out


def next_frame(frame: Gray, rng: random.Random) -> Gray:
    """The camera's next frame of the same scene: moved by up to 1.5 px, with fresh sensor noise."""
    import cv2

    dx, dy = rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)
    matrix = _f32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(
        frame, matrix, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REPLICATE
    )
    return noise(_u8(moved), 3.0, rng)
