"""The barcode decoders on generated pictures: pyzbar, zxing-cpp and ``auto`` (real libraries).

Pictures come from :mod:`tui_orders.scanner.synth` (own drawing of EAN/UPC, python-barcode's
Code 128 modules, segno's QR codes), degraded like a webcam frame.
"""

from __future__ import annotations

import importlib
import random
import sys
from types import SimpleNamespace

import numpy
import pytest

from tui_orders.scanner.types import DEFAULT_SYMBOLOGIES, ScannerError, Symbol

cv2 = pytest.importorskip("cv2")
pytest.importorskip("zxingcpp")
pytest.importorskip("pyzbar.pyzbar")  # skips without libzbar (CI installs libzbar0)

from tui_orders.scanner import decode, synth  # noqa: E402
from tui_orders.scanner.decode import AutoDecoder, canonical, make_decoder  # noqa: E402

DECODERS = ["pyzbar", "zxing", "auto"]

SAMPLES = {
    "EAN13": Symbol("EAN13", "4006381333931"),
    "EAN8": Symbol("EAN8", "96385074"),
    "UPCA": Symbol("UPCA", "036000291452"),
    "UPCE": Symbol("UPCE", "04252614"),
    "CODE128": Symbol("CODE128", "ORD-2024-0042"),
    "QRCODE": Symbol("QRCODE", "https://example.com/a/4006381333931"),
}


def frame(
    symbol: Symbol,
    *,
    px: float = 2.5,
    angle: float = 0.0,
    seed: int = 7,
    check_override: str | None = None,
    base: numpy.ndarray | None = None,
) -> numpy.ndarray:
    """``symbol`` drawn on a 640x480 frame at ``px`` pixels per module, turned by ``angle``."""
    rng = random.Random(seed)
    img = synth.draw_symbol(symbol, module_px=4, check_override=check_override)
    canvas = synth.background(rng) if base is None else base
    return synth.place(img, canvas, rng, width_px=img.shape[1] / 4 * px, angle=angle)


def decoder(name: str, symbologies: tuple[str, ...] = DEFAULT_SYMBOLOGIES) -> decode.Decoder:
    if name == "auto":  # a budget large enough that a loaded machine changes nothing
        return AutoDecoder(symbologies, budget_ms=2000)
    return make_decoder(name, symbologies)


@pytest.mark.parametrize("name", DECODERS)
@pytest.mark.parametrize("symbology", list(SAMPLES))
def test_each_symbology_is_read_in_canonical_form(name: str, symbology: str) -> None:
    symbol = SAMPLES[symbology]
    px = 5.0 if symbology == "QRCODE" else 2.5
    assert decoder(name).decode(frame(symbol, px=px)) == [symbol]


@pytest.mark.parametrize("name", DECODERS)
def test_name_and_a_bgr_frame(name: str) -> None:
    d = make_decoder(name)
    assert d.name == name
    bgr = cv2.cvtColor(frame(SAMPLES["EAN13"]), cv2.COLOR_GRAY2BGR)
    assert d.decode(bgr) == [SAMPLES["EAN13"]]
    assert d.decode(numpy.full((480, 640), 200, numpy.uint8)) == []


@pytest.mark.parametrize("name", DECODERS)
def test_upca_convention_follows_the_requested_symbologies(name: str) -> None:
    upca = frame(SAMPLES["UPCA"])
    assert decoder(name).decode(upca) == [Symbol("UPCA", "036000291452")]
    assert decoder(name, ("EAN13",)).decode(upca) == [Symbol("EAN13", "0036000291452")]
    assert decoder(name, ("UPCA",)).decode(upca) == [Symbol("UPCA", "036000291452")]


def test_canonical_forms() -> None:
    both = frozenset({"EAN13", "UPCA"})
    assert canonical("EAN13", "0036000291452", both) == Symbol("UPCA", "036000291452")
    assert canonical("UPCA", "0036000291452", both) == Symbol("UPCA", "036000291452")
    assert canonical("UPCA", "036000291452", frozenset({"EAN13"})) == Symbol(
        "EAN13", "0036000291452"
    )
    assert canonical("EAN13", "4006381333931", both) == Symbol("EAN13", "4006381333931")
    # Wrong check digits, a symbology not asked for.
    assert canonical("EAN13", "4006381333932", both) is None
    assert canonical("UPCE", "04252615", frozenset({"UPCE"})) is None
    assert canonical("EAN8", "96385074", both) is None


@pytest.mark.parametrize("name", DECODERS)
def test_a_wrong_check_digit_is_never_reported(name: str) -> None:
    d = decoder(name)
    for symbology, wrong in (("EAN13", "2"), ("EAN8", "5"), ("UPCA", "3"), ("UPCE", "5")):
        picture = frame(SAMPLES[symbology], check_override=wrong)
        assert d.decode(picture) == [], symbology


def test_a_library_read_with_a_wrong_check_digit_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should a library report a bad code, the decoder still drops it."""
    pz = decode.PyzbarDecoder()
    rect = (10, 10, 100, 40)
    fake = [
        SimpleNamespace(type="EAN13", data=b"4006381333932", rect=rect),
        SimpleNamespace(type="EAN8", data=b"96385074", rect=rect),
    ]
    monkeypatch.setattr(pz, "_decode", lambda image, symbols: fake)
    assert pz.decode(numpy.zeros((48, 64), numpy.uint8)) == [Symbol("EAN8", "96385074")]


@pytest.mark.parametrize("name", DECODERS)
def test_symbology_restriction(name: str) -> None:
    """A frame with an EAN-13 and a QR code: each decoder reports only what it is asked for."""
    canvas = numpy.full((480, 640), 210, numpy.uint8)
    ean = synth.draw_symbol(SAMPLES["EAN13"], module_px=3)
    qr = synth.draw_symbol(SAMPLES["QRCODE"], module_px=5)
    canvas[20 : 20 + ean.shape[0], 20 : 20 + ean.shape[1]] = ean
    canvas[260 : 260 + qr.shape[0], 400 : 400 + qr.shape[1]] = qr
    assert set(decoder(name).decode(canvas)) == {SAMPLES["EAN13"], SAMPLES["QRCODE"]}
    assert decoder(name, ("QRCODE",)).decode(canvas) == [SAMPLES["QRCODE"]]
    assert decoder(name, ("EAN13", "CODE128")).decode(canvas) == [SAMPLES["EAN13"]]
    assert decoder(name, ("EAN8", "UPCE")).decode(canvas) == []


@pytest.mark.parametrize("name", DECODERS)
def test_rotated_90_degrees(name: str) -> None:
    for symbology in ("EAN13", "CODE128"):
        picture = frame(SAMPLES[symbology], angle=90)
        assert decoder(name).decode(picture) == [SAMPLES[symbology]], symbology


@pytest.mark.parametrize("name", ["pyzbar", "auto"])
def test_rotated_30_degrees(name: str) -> None:
    """zxing-cpp reads 1D codes only near 0° and 90°; pyzbar reads EAN-13 at any angle.

    zbar scans rows and columns: a long, flat Code 128 at 30° has no row that crosses it all, and
    with EAN-8 enabled it misses this UPC-A at 30° (it reads it with EAN-13 and UPC-A alone).
    auto reads them all: its regions are turned upright for zxing-cpp.
    """
    symbologies = ["EAN13", "CODE128", "UPCA"] if name == "auto" else ["EAN13"]
    for symbology in symbologies:
        picture = frame(SAMPLES[symbology], px=3.0, angle=30)
        assert decoder(name).decode(picture) == [SAMPLES[symbology]], symbology


@pytest.mark.parametrize("name", ["zxing", "auto"])
def test_blurred_and_noisy_qr(name: str) -> None:
    rng = random.Random(5)
    picture = frame(SAMPLES["QRCODE"], px=5.0)
    picture = synth.noise(synth.blur(picture, 1.6), 14, rng)
    assert decoder(name).decode(picture) == [SAMPLES["QRCODE"]]


@pytest.mark.parametrize("name", ["pyzbar", "auto"])
def test_low_contrast(name: str) -> None:
    picture = synth.contrast(frame(SAMPLES["EAN8"]), 100, 125)
    assert decoder(name).decode(picture) == [SAMPLES["EAN8"]]


def test_auto_reads_tiny_and_rotated_codes_neither_library_reads_alone() -> None:
    """Cheap preprocessing (regions turned upright, enlarged) reads what both libraries miss."""
    rescued = 0
    for seed in range(6):
        picture = frame(SAMPLES["EAN13"], px=1.0, angle=20 + 10 * seed, seed=seed)
        alone = make_decoder("pyzbar").decode(picture) + make_decoder("zxing").decode(picture)
        found = decoder("auto").decode(picture)
        assert found in ([], [SAMPLES["EAN13"]])
        rescued += not alone and found == [SAMPLES["EAN13"]]
    assert rescued >= 2


def test_a_small_corpus_read_rate_and_no_wrong_code() -> None:
    corpus = synth.make_corpus(28, seed=11)
    assert len(corpus) == 28 and {tag for _, _, tag in corpus} == set(synth.TAGS)
    assert sum(expected is None for _, expected, _ in corpus) == 2
    assert all(f.shape == (480, 640) and f.dtype == numpy.uint8 for f, _, _ in corpus)
    # Deterministic, and frame i depends only on (seed, i).
    again = synth.make_corpus(5, seed=11)
    assert all(
        numpy.array_equal(a[0], b[0]) and a[1:] == b[1:]
        for a, b in zip(corpus, again, strict=False)
    )
    reads = {name: [decoder(name).decode(f) for f, _, _ in corpus] for name in DECODERS}
    for name, found in reads.items():
        wrong = [
            (s, e) for (_, e, _), got in zip(corpus, found, strict=True) for s in got if s != e
        ]
        assert wrong == [], name
    ok = {
        name: {i for i, got in enumerate(found) if corpus[i][1] in got}
        for name, found in reads.items()
    }
    union = ok["pyzbar"] | ok["zxing"]
    assert len(ok["auto"] & union) >= 0.95 * len(union)
    assert len(ok["auto"]) > len(union)


def test_libzbar_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyzbar without libzbar: a clear message; auto falls back to zxing-cpp."""
    zbar_library = importlib.import_module("pyzbar.zbar_library")

    def no_library() -> None:
        raise ImportError("Unable to find zbar shared library")

    monkeypatch.setattr(zbar_library, "load", no_library)
    for module in ("pyzbar.pyzbar", "pyzbar.wrapper"):
        monkeypatch.delitem(sys.modules, module)
    wrapper_attr = sys.modules["pyzbar"].__dict__
    for attr in ("pyzbar", "wrapper"):
        if attr in wrapper_attr:
            monkeypatch.delattr(sys.modules["pyzbar"], attr)
    with pytest.raises(ScannerError) as failure:
        make_decoder("pyzbar")
    assert str(failure.value) == (
        "libzbar is not installed: apt-get install libzbar0 (or pip install zxing-cpp)"
    )
    auto = make_decoder("auto")
    assert isinstance(auto, AutoDecoder)
    assert auto.pyzbar is None and auto.notes == [str(failure.value)]
    assert auto.decode(frame(SAMPLES["EAN13"])) == [SAMPLES["EAN13"]]


def test_zxing_missing_and_both_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    with pytest.raises(ScannerError, match="pip install"):
        make_decoder("zxing")
    auto = make_decoder("auto")
    assert isinstance(auto, AutoDecoder) and auto.zxing is None
    assert auto.decode(frame(SAMPLES["EAN8"])) == [SAMPLES["EAN8"]]
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    with pytest.raises(ScannerError, match="libzbar is not installed"):
        make_decoder("auto")


def test_opencv_missing_and_unknown_names(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScannerError, match="unknown decoder"):
        make_decoder("zbar")
    with pytest.raises(ScannerError, match="cannot read"):
        make_decoder("pyzbar", ["AZTEC"])
    for module in ("cv2", "numpy"):
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, module, None)
            with pytest.raises(ScannerError) as failure:
                make_decoder("auto")
            assert "pip install 'tui-orders[scanner]'" in str(failure.value)
