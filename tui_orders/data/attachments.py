"""Attachments: the files an order is kept with, stored in the database itself.

Decision: the content goes into the ``attachment`` table as a BLOB (BYTEA on PostgreSQL), not
into a folder beside the database: it travels with every backup and copy of the database, it
is written in the same transaction as its audit entry, and it can never vanish or go stale
like a path. The price is database size, hence a limit per file (:data:`MAX_BYTES`, 50 MB).
Lists read the name, size and checksum only, never the content.

Attaching or removing a file is a change to the order: the order's version moves (a stale
``expected_version`` is a conflict) and the audit log names the file and its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _
from . import audit
from .db import transactional
from .errors import NotFound, ValidationError
from .models import Attachment, Order
from .orders import Ref, _touch, get_order

#: The largest file accepted (bytes).
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: int
    order_id: int
    name: str
    size: int
    sha256: str
    added: dt.datetime
    user: str
    note: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _read(path: Path) -> bytes:
    if not path.exists():
        raise ValidationError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise ValidationError(_("{path} is a folder, not a file").format(path=path))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValidationError(
            _("{name} is {size}: attachments are limited to {limit} each").format(
                name=path.name, size=_megabytes(size), limit=_megabytes(MAX_BYTES)
            )
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            _("cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    if len(data) > MAX_BYTES:  # it grew meanwhile
        raise ValidationError(
            _("{name} is {size}: attachments are limited to {limit} each").format(
                name=path.name, size=_megabytes(len(data)), limit=_megabytes(MAX_BYTES)
            )
        )
    return data


def attach_file(
    order_ref: Ref | Order,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> AttachmentInfo:
    """Store the file at ``path`` with the order (under ``name``, default its file name).

    The file is read before the transaction starts (a slow disk never holds the write lock).
    """
    source = Path(path).expanduser()
    data = _read(source)
    file_name = (name or source.name).strip()
    if not file_name or "/" in file_name or "\\" in file_name or file_name in (".", ".."):
        raise ValidationError(_("{name!r} is not a file name").format(name=file_name))
    if len(file_name) > 255:
        raise ValidationError(_("the file name is longer than 255 characters"))
    return _store(order_ref, file_name, data, note, expected_version)


@transactional
def _store(
    order_ref: Ref | Order, file_name: str, data: bytes, note: str, expected_version: int | None
) -> AttachmentInfo:
    order = _touch(get_order(order_ref).id, expected_version)
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment.create(
        order=order.id,
        name=file_name,
        size=len(data),
        sha256=digest,
        content=data,
        added=dt.datetime.now(),
        user=audit.current_user(),
        note=note or "",
    )
    audit.record(
        "attach",
        "attachment",
        att.id,
        order.id,
        {"name": file_name, "size": len(data), "sha256": digest},
    )
    return _info(att.id)


_INFO_FIELDS = (
    Attachment.id,
    Attachment.order,
    Attachment.name,
    Attachment.size,
    Attachment.sha256,
    Attachment.added,
    Attachment.user,
    Attachment.note,
)


def _info(att_id: int) -> AttachmentInfo:
    row = Attachment.select(*_INFO_FIELDS).where(Attachment.id == att_id).tuples().first()
    if row is None:
        raise NotFound(_("no attachment with id {id}").format(id=att_id))
    return AttachmentInfo(*row)


def list_attachments(order_ref: Ref | Order) -> list[AttachmentInfo]:
    """The order's files, oldest first (without their content)."""
    return order_attachments(
        order_ref.id if isinstance(order_ref, Order) else get_order(order_ref).id
    )


def order_attachments(order_id: int) -> list[AttachmentInfo]:
    """The files of the order with id ``order_id``, oldest first (without their content)."""
    return [
        AttachmentInfo(*row)
        for row in Attachment.select(*_INFO_FIELDS)
        .where(Attachment.order == order_id)
        .order_by(Attachment.id)
        .tuples()
    ]


def attachment_content(att_id: int) -> bytes:
    value = Attachment.select(Attachment.content).where(Attachment.id == att_id).scalar()
    if value is None:
        raise NotFound(_("no attachment with id {id}").format(id=att_id))
    return bytes(value)  # PostgreSQL gives a memoryview


def save_attachment(att_id: int, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the attachment's content to ``path`` (a folder: the file keeps its name there).

    An existing file is never replaced unless ``overwrite``; the written bytes are checked
    against the stored SHA-256. Returns the path written.
    """
    info = _info(att_id)
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / info.name
    if target.exists() and not overwrite:
        raise ValidationError(
            _("{path} already exists: choose another name or overwrite it").format(path=target)
        )
    if not target.parent.is_dir():
        raise ValidationError(_("{path}: no such folder").format(path=target.parent))
    data = attachment_content(att_id)
    if hashlib.sha256(data).hexdigest() != info.sha256:  # pragma: no cover - a damaged database
        raise ValidationError(
            _("attachment {name} is damaged: its checksum does not match").format(name=info.name)
        )
    try:
        if overwrite:
            temp = target.with_name(f".{target.name}.part")
            try:
                temp.write_bytes(data)
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
        else:
            with target.open("xb") as out:  # fails if the file appeared meanwhile
                out.write(data)
    except FileExistsError:
        raise ValidationError(
            _("{path} already exists: choose another name or overwrite it").format(path=target)
        ) from None
    except OSError as exc:
        raise ValidationError(
            _("cannot write {path}: {error}").format(path=target, error=exc.strerror or exc)
        ) from None
    return target


@transactional
def remove_attachment(att_id: int, expected_version: int | None = None) -> None:
    info = _info(att_id)
    _touch(info.order_id, expected_version)
    Attachment.delete().where(Attachment.id == att_id).execute()
    audit.record(
        "remove",
        "attachment",
        att_id,
        info.order_id,
        {"name": info.name, "size": info.size, "sha256": info.sha256},
    )


__all__ = [
    "MAX_BYTES",
    "AttachmentInfo",
    "attach_file",
    "attachment_content",
    "list_attachments",
    "order_attachments",
    "remove_attachment",
    "save_attachment",
]
