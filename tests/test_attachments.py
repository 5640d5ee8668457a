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
