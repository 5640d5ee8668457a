"""The settings file: where it is, reading and writing it, bad values falling back clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tui_orders import settings
from tui_orders.settings import (
    Settings,
    SettingsError,
    check_home,
    load_settings,
    save_settings,
    set_home,
    settings_path,
)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "settings.toml"
    monkeypatch.setenv(settings.ENV_VAR, str(path))
    return path


def test_path_from_the_environment_else_the_config_dir(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings_path() == config
    monkeypatch.delenv(settings.ENV_VAR)
    import platformdirs

    expected = Path(platformdirs.user_config_dir("tui-orders", appauthor=False))
    assert settings_path() == expected / "settings.toml"


def test_missing_file_gives_the_defaults(config: Path) -> None:
    assert not config.exists()
    got = load_settings()
    assert got == Settings() and got.home == "orders" and got.problems == ()


def test_write_then_read(config: Path) -> None:
    written = save_settings(Settings(home="monitor"))
    assert written == config and config.exists()
    assert 'home = "monitor"' in config.read_text(encoding="utf-8")
    assert load_settings().home == "monitor"
    assert set_home("orders").home == "orders"
    assert load_settings().home == "orders"
    assert not list(config.parent.glob(".*.part"))  # no temporary file left behind


def test_an_explicit_path(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    set_home("Monitor ", path)  # case and spaces forgiven
    assert load_settings(path).home == "monitor"


def test_bad_value_is_named_and_the_default_used(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text('home = "dashboard"\n', encoding="utf-8")
    got = load_settings()
    assert got.home == "orders"
    assert len(got.problems) == 1
    problem = got.problems[0]
    assert str(config) in problem and "'dashboard'" in problem
    assert "'orders', 'monitor'" in problem and "'orders' used" in problem
    config.write_text("home = 3\n", encoding="utf-8")
    assert load_settings().home == "orders" and "home = 3" in load_settings().problems[0]


def test_broken_file_is_named_and_the_defaults_used(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text('home = "monitor\n', encoding="utf-8")
    got = load_settings()
    assert got.home == "orders"
    assert "not valid TOML" in got.problems[0] and "defaults used" in got.problems[0]
    config.write_bytes(b'home = "\xff"\n')
    assert load_settings().problems and load_settings().home == "orders"


def test_unknown_keys_are_ignored(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text('home = "monitor"\ncolour = "blue"\n', encoding="utf-8")
    got = load_settings()
    assert got.home == "monitor" and got.problems == ()


def test_saving_a_bad_value_is_refused(config: Path) -> None:
    with pytest.raises(SettingsError, match="choose one of 'orders', 'monitor'"):
        set_home("dashboard")
    with pytest.raises(SettingsError):
        save_settings(Settings(home="dashboard"))
    assert not config.exists()
    assert check_home("ORDERS") == "orders"


def test_settings_module_never_imports_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tui_orders.settings as s; s.load_settings('/nonexistent/x.toml'); "
        "print(any(m.startswith('textual') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_home_option_is_checked_by_the_command_line() -> None:
    from tui_orders.cli import cli

    result = CliRunner().invoke(cli, ["--home", "dashboard"])
    assert result.exit_code != 0
    assert "'dashboard' is not one of 'orders', 'monitor'" in result.output


def test_app_refuses_an_unknown_home() -> None:
    from tui_orders.app import create_app

    with pytest.raises(SettingsError, match="not a home screen"):
        create_app("unused.db", home="dashboard", open_db=False)


def test_scanner_settings_read_checked_and_written(config: Path) -> None:
    """The [scanner] table: camera, decoder and symbologies; a bad value is named, its default
    kept, the other keys still read; saving writes the table back."""
    config.parent.mkdir(parents=True)
    config.write_text(
        'home = "monitor"\n[scanner]\ncamera = "rtsp://phone:8554/cam"\ndecoder = "ZXING"\n'
        'symbologies = ["ean-13", "QRCODE", "EAN13"]\n',
        encoding="utf-8",
    )
    loaded = load_settings()
    assert loaded.problems == ()
    assert loaded.scanner.camera == "rtsp://phone:8554/cam"
    assert loaded.scanner.decoder == "zxing"
    assert loaded.scanner.symbologies == ("EAN13", "QRCODE")
    save_settings(loaded)
    assert load_settings() == loaded

    config.write_text(
        '[scanner]\ncamera = 2\ndecoder = "zbar"\nsymbologies = ["EAN13", "MAXICODE"]\n',
        encoding="utf-8",
    )
    loaded = load_settings()
    assert loaded.scanner.camera == "2"
    assert loaded.scanner.decoder == "auto"
    assert loaded.scanner.symbologies == settings.ScannerSettings().symbologies
    assert len(loaded.problems) == 2
    assert "'zbar' is not a decoder" in loaded.problems[0]
    assert "'MAXICODE' is unknown" in loaded.problems[1]
