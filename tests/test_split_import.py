"""A large import on two processes (:mod:`tui_orders.data.split_import`) writes what the
import on one process writes, row for row; a bad file, a clash between the two parts, a
database that already holds orders or a helper that dies all end on the ordinary road, with
its result or its message, and nothing of the split attempt left behind."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_orders.data import attachments, audit, interchange, split_import
from tui_orders.data.bulk import LoadStats
from tui_orders.data.db import close_database, open_database
from tui_orders.data.demo import run_demo
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import Order

TODAY = dt.date(2026, 5, 15)
Tables = Callable[[Path], dict[str, Any]]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export of a small demo database (every kind of record), one record per line."""
    folder = tmp_path_factory.mktemp("split")
    audit.set_user("tester")
    open_database(str(folder / "demo.db"))
    try:
        run_demo(240, seed=5, today=TODAY, chunk=120, workers=0)
        # files on an order of each part (their bytes go through the child's scratch file)
        scan = folder / "scan.bin"
        scan.write_bytes(bytes(range(256)) * 8)
        first, last = (
            Order.select().order_by(Order.id).first(),
            Order.select().order_by(Order.id.desc()).first(),
        )
        attachments.attach_file(first, scan, note="signed")
        attachments.attach_file(last, scan, name="delivery note.bin")
        path = folder / "export.json"
        interchange.export_file(path)
    finally:
        close_database()
    return path


@pytest.fixture
def split_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[Any]]:
    """Let the split run on small files (and under pytest-xdist, whose worker has a thread of
    its own); the scratch files go to ``tmp_path``. Yields what each ``load_split`` returned."""
    monkeypatch.setattr(split_import, "MIN_CHARS", 0)
    monkeypatch.setattr(split_import, "can_fork", lambda: True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    results: list[Any] = []
    original = split_import.load_split

    def spy(text: str, parse: Any) -> LoadStats | None:
        result = original(text, parse)
        results.append(result)
        return result

    monkeypatch.setattr(split_import, "load_split", spy)
    yield results
    assert list(scratch.iterdir()) == []  # the scratch file is always removed


def _import(db: Path, source: Path, parallel: bool) -> LoadStats:
    audit.set_user("tester")
    open_database(str(db))
    try:
        return interchange.import_file(source, parallel=parallel)
    finally:
        close_database()


def _error(db: Path, source: Path, parallel: bool) -> str:
    with pytest.raises(ValidationError) as info:
        _import(db, source, parallel)
    open_database(str(db))
    try:
        assert not Order.select().exists()  # all or nothing
    finally:
        close_database()
    return str(info.value)


def test_two_processes_write_what_one_writes(
    export: Path, tmp_path: Path, split_on: list[Any], sqlite_tables: Tables
) -> None:
    one = _import(tmp_path / "one.db", export, parallel=False)
    assert split_on == []
    two = _import(tmp_path / "two.db", export, parallel=True)
    assert split_on and split_on[0] is two  # the split did the import
    assert (two.orders, two.rows, two.numbers) == (one.orders, one.rows, one.numbers)
    a, b = sqlite_tables(tmp_path / "one.db"), sqlite_tables(tmp_path / "two.db")
    assert a.keys() == b.keys()
    for table in a:
        assert a[table] == b[table], table
    assert b["order"] and b["offer"] and b["allocation"] and b["delivery_line"]
    assert len(b["attachment"]) == 2
    # and the export of the result is the file imported
    open_database(str(tmp_path / "two.db"))
    try:
        again, exported = interchange.export_data(), json.loads(export.read_text(encoding="utf-8"))
        # attaching the files moved two orders' versions; an import starts them at 1
        for data in (again, exported):
            for o in data["orders"]:
                o.pop("version")
        assert again == exported
    finally:
        close_database()


def _broken(export: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The export with ``change`` applied, written back one record per line."""
    obj = json.loads(export.read_text(encoding="utf-8"))
    change(obj)
    lines = ["{"]
    for n, key in enumerate(obj):
        records = ",\n".join(json.dumps(r, ensure_ascii=False) for r in obj[key])
        lines.append(f'{"," if n else ""}"{key}": [\n{records}\n]')
    lines.append("}")
    path = tmp_path / "broken.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _first_amount(o: dict[str, Any]) -> None:
    o["payment_terms"][0]["amount"] = "-5"


def _doc_of_the_first_order(obj: dict[str, Any]) -> None:
    # the same document number in an order of each part (the unique index finds it)
    first = next(o for o in obj["orders"] if o["documents"])
    last = next(o for o in reversed(obj["orders"]) if o["documents"])
    last["documents"][-1]["number"] = first["documents"][0]["number"]
    last["documents"][-1]["type"] = first["documents"][0]["type"]


def _number_of_the_first_order(obj: dict[str, Any]) -> None:
    obj["orders"][-1]["number"] = obj["orders"][0]["number"]


FAULTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "first order": lambda obj: _first_amount(next(o for o in obj["orders"] if o["payment_terms"])),
    "last order": lambda obj: _first_amount(
        next(o for o in reversed(obj["orders"]) if o["payment_terms"])
    ),
    "document number in both parts": _doc_of_the_first_order,
    "order number in both parts": _number_of_the_first_order,
    "unknown top-level key": lambda obj: obj.update({"extra": []}),
    "offer naming a missing order": lambda obj: obj["offers"][0].update({"order": "1999-00001"}),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_anywhere_gets_the_message_of_one_process(
    export: Path, tmp_path: Path, split_on: list[Any], fault: str
) -> None:
    path = _broken(export, tmp_path, FAULTS[fault])
    expected = _error(tmp_path / "one.db", path, parallel=False)
    got = _error(tmp_path / "two.db", path, parallel=True)
    assert split_on == [None]  # the split tried, gave up, wrote nothing
    assert got == expected


def test_a_database_with_orders_takes_the_ordinary_road(
    export: Path, tmp_path: Path, split_on: list[Any], sqlite_tables: Tables
) -> None:
    half = _broken(export, tmp_path, lambda obj: obj.update(orders=obj["orders"][:100], offers=[]))
    _import(tmp_path / "one.db", half, parallel=False)
    _import(tmp_path / "two.db", half, parallel=False)
    rest = json.loads(export.read_text(encoding="utf-8"))
    rest["orders"] = rest["orders"][100:]
    del rest["taxes"], rest["clients"], rest["articles"], rest["offers"]
    rest_path = tmp_path / "rest.json"
    rest_path.write_text(json.dumps(rest, ensure_ascii=False, indent=0), encoding="utf-8")
    _import(tmp_path / "one.db", rest_path, parallel=False)
    _import(tmp_path / "two.db", rest_path, parallel=True)
    assert split_on == [None]
    assert sqlite_tables(tmp_path / "one.db") == sqlite_tables(tmp_path / "two.db")


def test_a_helper_that_fails_leaves_the_import_to_one_process(
    export: Path, tmp_path: Path, split_on: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(split_import, "_write_scratch", fail)  # runs in the child
    stats = _import(tmp_path / "two.db", export, parallel=True)
    assert split_on == [None]
    assert stats.orders == 240


# --------------------------------------------------------------------------- the two parts


def _cuts(text: str) -> list[int]:
    return [n + 1 for n in range(len(text)) if text.startswith("},\n", n)]


def _both(text: str, cut: int) -> Any:
    head = split_import.decode_head(text, cut)
    head["orders"] = head["orders"] + split_import.decode_tail(text, cut)
    return head


def test_the_parts_are_json_loads_of_the_whole_or_nothing(export: Path) -> None:
    text = export.read_text(encoding="utf-8")
    whole = json.loads(text)
    cuts = _cuts(text)
    orders_at = text.index('"orders"')
    inside = [c for c in cuts if c > orders_at]
    before = [c for c in cuts if c < orders_at]
    assert inside and before
    for cut in inside[:: max(1, len(inside) // 25)] + inside[-1:]:
        assert _both(text, cut) == whole
    for cut in before[:: max(1, len(before) // 10)]:  # a cut in another list: refused
        with pytest.raises(ValueError):
            _both(text, cut)


@pytest.mark.parametrize(
    "text",
    [
        '{"taxes": [],\n"orders": [\n{"a": 1},\n{"b": 2},\n]\n}',  # a trailing comma
        '{"orders": [\n{"a": 1},\n{"b": 2}\n], "taxes": []}',  # orders not last
        '{"orders": [\n{"a": 1},\n{"b": 2}\n]\n}\n[]',  # more after the document
        '{"orders": [], "orders": [\n{"a": 1},\n{"b": 2}\n]}',  # a second orders list
        '{"taxes": [\n{"a": 1},\n{"b": 2}\n], "orders": []}',  # the cut in taxes
        '{"note": "\\"orders\\": [\n{\\"a\\": 1},\n{\\"b\\": 2}\n]", "orders": []}',  # in text
    ],
)
def test_the_parts_agree_with_json_on_tricky_texts(text: str) -> None:
    try:
        whole: Any = json.loads(text)
    except ValueError:
        whole = ValueError
    for cut in _cuts(text):
        try:
            got: Any = _both(text, cut)
        except ValueError:
            continue  # refused: the ordinary road decodes the whole text
        assert got == whole


def test_orders_without_numbers_are_numbered_on_the_ordinary_road(
    export: Path, tmp_path: Path, split_on: list[Any], sqlite_tables: Tables
) -> None:
    def drop_numbers(obj: dict[str, Any]) -> None:
        obj["offers"] = [dict(o, order=None) for o in obj["offers"]]
        for o in obj["orders"]:
            del o["number"]

    path = _broken(export, tmp_path, drop_numbers)
    one = _import(tmp_path / "one.db", path, parallel=False)
    two = _import(tmp_path / "two.db", path, parallel=True)
    assert split_on == [None]
    assert two.numbers == one.numbers and two.generated == 240
