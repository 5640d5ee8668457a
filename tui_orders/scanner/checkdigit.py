"""Check digits of EAN/UPC codes (GS1 mod 10), for camera reads and keyboard-wedge scans alike."""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def gs1_check_digit(body: str) -> int:
    """The GS1 check digit for ``body`` (all digits but the last)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def gtin_valid(code: str) -> bool:
    """True when ``code`` is 8, 12, 13 or 14 digits with a correct check digit."""
    if len(code) not in GTIN_LENGTHS or not code.isascii() or not code.isdigit():
        return False
    return gs1_check_digit(code[:-1]) == int(code[-1])


def upce_to_upca(code: str) -> str | None:
    """Expand an 8-digit UPC-E (number system 0 or 1) to its 12-digit UPC-A; None if not UPC-E."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def looks_like_gtin(code: str) -> bool:
    """A typed code that must pass the check digit: all digits, of an EAN/UPC length."""
    return code.isascii() and code.isdigit() and len(code) in GTIN_LENGTHS


def valid_for(symbology: str, text: str) -> bool:
    """Whether ``text`` is a well-formed code of ``symbology`` (check digits where they exist)."""
    if symbology in ("EAN13", "EAN8", "UPCA"):
        return gtin_valid(text)
    if symbology == "UPCE":
        full = upce_to_upca(text)
        return full is not None and gtin_valid(full)
    return bool(text)
