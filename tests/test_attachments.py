"""Attachments: files stored with an order in the database, listed, saved back out (never over
an existing file unless asked), removed; size limit; audit; version; on both backends."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from peewee import Database

from tui_orders.cli import cli
from tui_orders.data import attachments, masterdata, orders
from tui_orders.data.errors import ConflictError, NotFound, ValidationError
from tui_orders.data.models import Attachment, Order

CONTENT = bytes(range(256)) * 40 + "подписан договор".encode()


@pytest.fixture
def order(db: Database) -> Order:
    masterdata.create_client("Acme Ltd", "EUR")
    return orders.create_order("Acme Ltd", "2026-12-31", created="2026-01-10")


@pytest.fixture
def files(tmp_path: Path) -> SimpleNamespace:
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(CONTENT)
    po = tmp_path / "поръчка клиент.txt"
    po.write_text("PO 4711", encoding="utf-8")
    return SimpleNamespace(contract=contract, po=po, out=tmp_path / "out")


def test_attach_list_save_round_trip(order: Order, files: SimpleNamespace) -> None:
    first = attachments.attach_file(order, files.contract, note="signed")
    second = attachments.attach_file(order.number, str(files.po), expected_version=2)
    assert (first.name, first.size, first.note, first.user) == (
        "contract.pdf",
        len(CONTENT),
        "signed",
        "tester",
    )
    assert first.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert [a.name for a in attachments.list_attachments(order)] == [
        "contract.pdf",
        "поръчка клиент.txt",
    ]
    files.out.mkdir()
    written = attachments.save_attachment(first.id, files.out)  # a folder: keeps the name
    assert written == files.out / "contract.pdf"
    assert written.read_bytes() == CONTENT
    target = files.out / "copy.txt"
    attachments.save_attachment(second.id, target)
    assert target.read_text(encoding="utf-8") == "PO 4711"
    assert attachments.attachment_content(first.id) == CONTENT
    # the original may vanish: the database keeps the file
    files.contract.unlink()
    again = attachments.save_attachment(first.id, files.out / "again.pdf")
    assert again.read_bytes() == CONTENT
    assert orders.get_order(order.id).version == 3


def test_save_never_overwrites_unless_asked(order: Order, files: SimpleNamespace) -> None:
    att = attachments.attach_file(order, files.po)
    target = files.po.parent / "existing.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(ValidationError, match="already exists: choose another name or overwrite"):
        attachments.save_attachment(att.id, target)
    assert target.read_text(encoding="utf-8") == "mine"
    attachments.save_attachment(att.id, target, overwrite=True)
    assert target.read_text(encoding="utf-8") == "PO 4711"
    assert not list(files.po.parent.glob(".*.part"))
    with pytest.raises(ValidationError, match="no such folder"):
        attachments.save_attachment(att.id, files.po.parent / "nowhere" / "x.txt")


def test_refused_files(
    order: Order, files: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        attachments.attach_file(order, files.po.parent / "missing.pdf")
    with pytest.raises(ValidationError, match="is a folder"):
        attachments.attach_file(order, files.po.parent)
    monkeypatch.setattr(attachments, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError, match=r"contract.pdf is 0\.0 MB: attachments are limited"):
        attachments.attach_file(order, files.contract)
    with pytest.raises(ValidationError, match="not a file name"):
        attachments.attach_file(order, files.po, name="../evil")
    with pytest.raises(NotFound):
        attachments.attach_file("2099-99999", files.po)
    assert Attachment.select().count() == 0
    assert orders.get_order(order.id).version == 1


def test_conflict_remove_and_audit(order: Order, files: SimpleNamespace) -> None:
    att = attachments.attach_file(order, files.po)
    with pytest.raises(ConflictError):
        attachments.attach_file(order, files.contract, expected_version=1)
    attachments.remove_attachment(att.id, expected_version=2)
    assert attachments.list_attachments(order) == []
    with pytest.raises(NotFound):
        attachments.remove_attachment(att.id)
    entries = [(e.action, e.entity, e.user, json.loads(e.changes)) for e in orders.history(order)]
    digest = hashlib.sha256(b"PO 4711").hexdigest()
    assert entries[1:] == [
        ("attach", "attachment", "tester", {"name": files.po.name, "sha256": digest, "size": 7}),
        ("remove", "attachment", "tester", {"name": files.po.name, "sha256": digest, "size": 7}),
    ]


def test_attachments_go_with_their_order(order: Order, files: SimpleNamespace) -> None:
    attachments.attach_file(order, files.po)
    Order.delete().where(Order.id == order.id).execute()
    assert Attachment.select().count() == 0  # ON DELETE CASCADE


def test_attach_commands(order: Order, files: SimpleNamespace, db_url: str) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "attached contract.pdf" in run("attach", order.number, str(files.contract))
    listed = [json.loads(line) for line in run("attachments", order.number, "--json").splitlines()]
    assert [(a["name"], a["size"]) for a in listed] == [("contract.pdf", len(CONTENT))]
    files.out.mkdir()
    out = run("attachments", order.number, "--save", "contract.pdf", "--to", str(files.out))
    assert Path(out.strip()).read_bytes() == CONTENT
    result = CliRunner().invoke(
        cli, ["--db", db_url, "attachments", order.number, "--save", "1", "--to", str(files.out)]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_order_view_lists_the_files(order: Order, files: SimpleNamespace) -> None:
    from tui_orders.data.views import order_view

    att = attachments.attach_file(order, files.po, note="from the client")
    [shown] = order_view(order.id).attachments
    assert (shown.id, shown.name, shown.size, shown.note) == (att.id, files.po.name, 7, att.note)


# --------------------------------------------------------------------------- export / import


def test_files_travel_with_the_export(order: Order, files: SimpleNamespace, tmp_path: Path) -> None:
    """An export carries each order's files (base64, with size and checksum); imported into
    an empty database they are the same bytes, and the export of that database is the same."""
    from tui_orders.data import interchange
    from tui_orders.data.db import close_database, open_database

    attachments.attach_file(order, files.contract, note="signed")
    attachments.attach_file(order, files.po, name="PO 4711.txt")
    first = interchange.export_data()
    exported = next(o for o in first["orders"] if o["number"] == order.number)
    assert [a["name"] for a in exported["attachments"]] == ["contract.pdf", "PO 4711.txt"]
    assert exported["attachments"][0]["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert exported["attachments"][0]["note"] == "signed"
    assert all("attachments" not in o for o in first["orders"] if o["number"] != order.number)
    shown = interchange.export_order(order.number)  # order show --json: the list, no bytes
    assert [a["name"] for a in shown["attachments"]] == ["contract.pdf", "PO 4711.txt"]
    assert all("content" not in a for a in shown["attachments"])
    before = [
        (a.name, a.size, a.sha256, bytes(a.content), a.added, a.user, a.note)
        for a in Attachment.select().order_by(Attachment.id)
    ]

    close_database()
    open_database(str(tmp_path / "second.db"))
    try:
        interchange.import_data(json.loads(json.dumps(first)))  # through real JSON text
        after = [
            (a.name, a.size, a.sha256, bytes(a.content), a.added, a.user, a.note)
            for a in Attachment.select().order_by(Attachment.id)
        ]
        assert after == before
        second = interchange.export_data()
    finally:
        close_database()
    # the order's version counts its changes in the app (two files attached): an import
    # starts it at 1 (docs/interchange.md); everything else is the same
    for data in (first, second):
        for o in data["orders"]:
            o.pop("version")
    assert second == first


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"content": "not base64!"}, "attachments[0].content", "is not valid base64"),
        ({"content": 12}, "attachments[0].content", "base64 text"),
        ({"sha256": "0" * 64}, "attachments[0].sha256", "does not match the content"),
        ({"size": 3}, "attachments[0].size", "the content has"),
        ({"name": " "}, "attachments[0].name", "must not be empty"),
        ({"added": "yesterday"}, "attachments[0].added", "date and time"),
        ({"colour": "red"}, "attachments[0].colour", "unknown key"),
    ],
)
def test_a_bad_file_in_an_import_is_named_and_nothing_is_written(
    order: Order, files: SimpleNamespace, change: dict[str, object], path: str, message: str
) -> None:
    from tui_orders.data import interchange

    attachments.attach_file(order, files.po)
    data = interchange.export_data()
    record = next(o for o in data["orders"] if o["number"] == order.number)
    del record["number"]  # imported as a new order of the same database
    record["attachments"][0].update(change)
    data = {"orders": [record]}
    orders_before, files_before = Order.select().count(), Attachment.select().count()
    with pytest.raises(ValidationError) as info:
        interchange.import_data(data)
    assert str(info.value).startswith(f"orders[0].{path}: ")
    assert message in str(info.value)
    assert (Order.select().count(), Attachment.select().count()) == (orders_before, files_before)


def test_a_file_over_the_limit_is_refused_on_import(
    order: Order, files: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui_orders.data import interchange

    attachments.attach_file(order, files.contract)
    data = interchange.export_data()
    record = next(o for o in data["orders"] if o["number"] == order.number)
    del record["number"]
    monkeypatch.setattr(attachments, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError) as info:
        interchange.import_data({"orders": [record]})
    assert str(info.value) == (
        f"orders[0].attachments[0].content: is {len(CONTENT):,} bytes, over the limit of 1,000"
    )


def test_an_export_holds_a_bounded_amount_of_file_content_at_once(
    order: Order, files: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orders with files are written in smaller batches (a batch of 2 000 orders with
    10 MB files each would otherwise sit in memory at once); the export is the same."""
    from tui_orders.data import interchange

    for n in range(4):
        other = orders.create_order("Acme Ltd", "2026-12-31", created="2026-01-10")
        if n % 2 == 0:
            attachments.attach_file(other, files.contract)
    attachments.attach_file(order, files.contract)
    whole = interchange.export_data()
    monkeypatch.setattr(interchange, "EXPORT_FILE_BYTES", len(CONTENT) + 1)  # one file a batch
    batches = list(interchange._order_batches(interchange._Names()))
    # orders 1, 2 and 4 have a file: [1], [2, 3], [4, 5]
    assert [[o["number"] for o in b] for b in batches] == [
        [o["number"] for o in whole["orders"][i:j]] for i, j in ((0, 1), (1, 3), (3, 5))
    ]
    assert all(len([a for o in b for a in o.get("attachments", [])]) == 1 for b in batches)
    assert interchange.export_data() == whole
