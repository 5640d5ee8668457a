"""The user's settings: a small TOML file, read at start-up and written from the app.

The file is ``$TUI_ORDERS_CONFIG`` when set, else ``settings.toml`` in the user's config
directory (platformdirs ``user_config_dir("tui-orders")``: ``~/.config/tui-orders/`` on Linux).
Keys:

* ``home = "orders" | "monitor"``: the screen the app opens on (``--home`` overrides it).
* ``[scanner]`` ``camera`` (an index, a device, a video file or a stream URL; default ``"0"``),
  ``decoder`` (``"auto"``, ``"pyzbar"`` or ``"zxing"``) and ``symbologies`` (the codes to
  read, default EAN-13, EAN-8, UPC-A, UPC-E, Code 128 and QR: fewer is faster). The
  environment (``$TUI_ORDERS_CAMERA``, ``$TUI_ORDERS_DECODER``) and ``tui-orders scan``'s
  options override them.

A missing file means the defaults. A file that cannot be read, or a bad value, never stops the
app: the default is used instead and :attr:`Settings.problems` says what was wrong, in a
sentence the app shows. No Textual here: the command line and the tests use it too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .scanner.types import DEFAULT_SYMBOLOGIES, KNOWN_SYMBOLOGIES

#: the home screens one can choose
HOMES = ("orders", "monitor")
DEFAULT_HOME = "orders"
#: the environment variable naming the settings file
ENV_VAR = "TUI_ORDERS_CONFIG"


DECODERS = ("auto", "pyzbar", "zxing")


class SettingsError(ValueError):
    """A setting with a value it cannot have (the message says which and what is allowed)."""


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    camera: str = "0"
    decoder: str = "auto"
    symbologies: tuple[str, ...] = DEFAULT_SYMBOLOGIES


@dataclass(frozen=True, slots=True)
class Settings:
    home: str = DEFAULT_HOME
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    #: what was wrong with the file, in sentences (the defaults were used for those keys)
    problems: tuple[str, ...] = field(default=(), compare=False)


def settings_path() -> Path:
    """Where the settings live: ``$TUI_ORDERS_CONFIG``, else the user's config directory."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("tui-orders", appauthor=False)) / "settings.toml"


def check_home(value: object) -> str:
    """``value`` as a home screen name, or :class:`SettingsError` saying what is allowed."""
    if isinstance(value, str) and value.strip().lower() in HOMES:
        return value.strip().lower()
    raise SettingsError(
        f"home = {value!r} is not a home screen: choose one of {', '.join(map(repr, HOMES))}"
    )


def check_decoder(value: object) -> str:
    if isinstance(value, str) and value.strip().lower() in DECODERS:
        return value.strip().lower()
    raise SettingsError(
        f"decoder = {value!r} is not a decoder: choose one of {', '.join(map(repr, DECODERS))}"
    )


def check_symbologies(value: object) -> tuple[str, ...]:
    """A list of symbology names (``["EAN13", "QRCODE"]`` or ``"EAN13,QRCODE"``), checked."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise SettingsError('symbologies must be a list of names, such as ["EAN13", "QRCODE"]')
    names: list[str] = []
    for item in items:
        name = str(item).strip().upper().replace("-", "").replace("_", "")
        if name not in KNOWN_SYMBOLOGIES:
            raise SettingsError(
                f"symbology {item!r} is unknown: choose among {', '.join(KNOWN_SYMBOLOGIES)}"
            )
        if name not in names:
            names.append(name)
    return tuple(names)


def _scanner_settings(data: object, where: Path, problems: list[str]) -> ScannerSettings:
    default = ScannerSettings()
    if not isinstance(data, dict):
        problems.append(f"{where}: [scanner] must be a table; defaults used")
        return default
    camera, decoder, symbologies = default.camera, default.decoder, default.symbologies
    if "camera" in data:
        if isinstance(data["camera"], str | int) and str(data["camera"]).strip():
            camera = str(data["camera"]).strip()
        else:
            problems.append(f"{where}: scanner camera = {data['camera']!r} is not a source; "
                            f"{default.camera!r} used")  # fmt: skip
    for key, check in (("decoder", check_decoder), ("symbologies", check_symbologies)):
        if key in data:
            try:
                value = check(data[key])
            except SettingsError as exc:
                problems.append(f"{where}: scanner {exc}; the default used")
                continue
            if key == "decoder":
                decoder = str(value)
            else:
                symbologies = tuple(value)
    return ScannerSettings(camera, decoder, symbologies)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """The settings in ``path`` (default :func:`settings_path`); defaults where missing or bad."""
    import tomllib

    where = Path(path) if path is not None else settings_path()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Settings(problems=(f"{where}: cannot read the settings ({reason}); defaults used",))
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(problems=(f"{where}: not valid TOML ({exc}); defaults used",))
    problems: list[str] = []
    home = DEFAULT_HOME
    if "home" in data:
        try:
            home = check_home(data["home"])
        except SettingsError as exc:
            problems.append(f"{where}: {exc}; {DEFAULT_HOME!r} used")
    scanner = ScannerSettings()
    if "scanner" in data:
        scanner = _scanner_settings(data["scanner"], where, problems)
    return Settings(home=home, scanner=scanner, problems=tuple(problems))


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def save_settings(settings: Settings, path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``settings`` to ``path`` (default :func:`settings_path`), creating its folder; the
    file is replaced in one step (never left half-written). Returns the path written."""
    check_home(settings.home)
    where = Path(path) if path is not None else settings_path()
    where.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# tui-orders settings (see the README)\n"
        '# home: the screen the app opens on, "orders" or "monitor"\n'
        f"home = {_toml_string(settings.home)}\n"
    )
    if settings.scanner != ScannerSettings():
        scanner = settings.scanner
        text += (
            "\n[scanner]\n"
            f"camera = {_toml_string(scanner.camera)}\n"
            f"decoder = {_toml_string(check_decoder(scanner.decoder))}\n"
            "symbologies = ["
            + ", ".join(_toml_string(s) for s in check_symbologies(list(scanner.symbologies)))
            + "]\n"
        )
    temp = where.with_name(f".{where.name}.part")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, where)
    finally:
        temp.unlink(missing_ok=True)
    return where


def set_home(home: str, path: str | os.PathLike[str] | None = None) -> Settings:
    """Make ``home`` the home screen in the settings file; returns the settings saved."""
    chosen = check_home(home)
    settings = replace(load_settings(path), home=chosen, problems=())
    save_settings(settings, path)
    return settings


__all__ = [
    "DEFAULT_HOME",
    "ENV_VAR",
    "HOMES",
    "Settings",
    "SettingsError",
    "check_home",
    "load_settings",
    "save_settings",
    "set_home",
    "settings_path",
]
