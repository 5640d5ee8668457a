"""``tui-orders`` opens the app without the command line's modules when it is given nothing
but the app's options, and leaves everything else to the command line, with its messages."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from tui_orders import cli, launch


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {}),
        (["--db", "x.db"], {"--db": "x.db"}),
        (
            ["--db=sqlite:///x.db", "--lang", "bg", "--home=monitor"],
            {"--db": "sqlite:///x.db", "--lang": "bg", "--home": "monitor"},
        ),
        (["--user", "ivan", "--lang=en"], {"--user": "ivan", "--lang": "en"}),
        (["--db"], None),  # no value: the command line says so
        (["--db", "--user"], None),
        (["--lang", "fr"], None),  # not a choice
        (["--home", "reports"], None),
        (["--db", "a", "--db", "b"], None),
        (["--help"], None),
        (["--version"], None),
        (["check"], None),
        (["--db", "x.db", "order", "show", "2026-00001"], None),
        (["--lang="], None),
    ],
)
def test_only_the_app_options_take_the_short_road(
    argv: list[str], expected: dict[str, str] | None
) -> None:
    assert launch.app_options(argv) == expected


def test_both_roads_open_the_app_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(launch, "run_app", lambda *args: calls.append(args))
    monkeypatch.setattr(cli, "run_app", lambda *args: calls.append(args))
    argv = ["--db", "x.db", "--user", "ivan", "--lang", "bg", "--home", "monitor"]
    launch.main(argv)
    result = CliRunner().invoke(cli.cli, argv)
    assert result.exit_code == 0, result.output
    assert calls == [("x.db", "ivan", "bg", "monitor")] * 2


def test_the_short_road_skips_the_command_line() -> None:
    code = (
        "import sys\n"
        "from tui_orders import launch\n"
        "launch.run_app = lambda *args: print(args)\n"
        "launch.main(['--db', 'x.db', '--lang=bg'])\n"
        "print('click' in sys.modules, 'tui_orders.cli' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["('x.db', None, 'bg', None)", "False False"]


def test_anything_else_gets_the_command_lines_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        launch.main(["--lang", "fr"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--lang'" in err and "'fr' is not one of 'en', 'bg'" in err


def test_an_error_of_the_app_is_one_line_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tui_orders.data.errors import DatabaseError

    with pytest.raises(SystemExit) as exit_info, launch.user_errors():
        raise DatabaseError("cannot open the database: disk I/O error")
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "tui-orders: cannot open the database: disk I/O error\n"
    # a bug is not dressed up as a user error
    with pytest.raises(ValueError), launch.user_errors():
        raise ValueError("bug")
