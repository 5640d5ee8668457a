"""``tui-orders offer list|show|confirm``, ``tui-orders attach`` and ``tui-orders attachments``.

Thin: arguments in, data-layer calls, plain or JSON text out. Every error is one line on stderr
and a non-zero exit (``cli._user_errors``).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from .cli import _ctx, _user_errors


def _table(columns: list[str], rows: list[list[Any]], right: tuple[str, ...] = ()) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    t = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold underline")
    for c in columns:
        t.add_column(c, no_wrap=True, justify="right" if c in right else "left")
    for r in rows:
        t.add_row(*[Text("" if v is None else str(v)) for v in r])
    Console(highlight=False, width=_width()).print(t)


def _width() -> int | None:
    """The terminal's width; piped into a file or a mail, wide enough not to cut columns."""
    return None if sys.stdout.isatty() else 240


# --------------------------------------------------------------------------- offers


@click.group("offer")
def offer() -> None:
    """Offers: list them, show one, confirm one into an order."""


@offer.command("list")
@click.option("--text", default="", metavar="TEXT", help="Number or client name contains TEXT.")
@click.option("--no-expired", is_flag=True, help="Leave out expired offers.")
@click.option("--no-confirmed", is_flag=True, help="Leave out offers already confirmed.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def offer_list(text: str, no_expired: bool, no_confirmed: bool, limit: int, as_json: bool) -> None:
    """List offers, newest first, with their status (open, confirmed, expired)."""
    with _user_errors():
        _ctx().open()
        from .data.money import format_money
        from .data.offers import list_offers

        rows = list_offers(
            text,
            include_expired=not no_expired,
            include_confirmed=not no_confirmed,
            today=dt.date.today(),
            limit=limit,
        )
        plain = [
            {
                "number": r.number,
                "client": r.client,
                "created": r.created.isoformat(),
                "valid_until": r.valid_until.isoformat() if r.valid_until else None,
                "status": r.status,
                "order": r.order_number or None,
                "lines": r.lines,
                "total": format_money(r.total),
                "currency": r.currency,
            }
            for r in rows
        ]
        if as_json:
            for p in plain:
                click.echo(json.dumps(p, ensure_ascii=False))
            return
        _table(
            ["Number", "Client", "Created", "Valid until", "Status", "Order", "Total"],
            [
                [
                    p["number"],
                    p["client"],
                    p["created"],
                    p["valid_until"] or "-",
                    p["status"],
                    p["order"] or "",
                    f"{p['total']} {p['currency']}",
                ]
                for p in plain
            ],
            right=("Total",),
        )


def _offer_dict(number: str) -> dict[str, Any]:
    from .data.money import format_money, format_price, format_qty
    from .data.offers import offer_detail

    d = offer_detail(number, dt.date.today())
    return {
        "number": d.number,
        "version": d.version,
        "client": d.client,
        "address": d.address_label or None,
        "created": d.created.isoformat(),
        "valid_until": d.valid_until.isoformat() if d.valid_until else None,
        "status": d.status,
        "order": d.order_number or None,
        "note": d.note,
        "currency": d.currency,
        "lines": [
            {
                "article": ln.article_code,
                "name": ln.article_name,
                "qty": format_qty(ln.qty),
                "price": format_price(ln.price),
                "amount": format_money(ln.amount),
                "specs": ln.specs,
            }
            for ln in d.lines
        ],
        "total": format_money(d.total),
    }


@offer.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the offer as JSON.")
def offer_show(number: str, as_json: bool) -> None:
    """Show offer NUMBER: its lines, total, status and the order it became."""
    with _user_errors():
        _ctx().open()
        data = _offer_dict(number)
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        click.echo(f"Offer {data['number']} ({data['status']})")
        click.echo(f"Client: {data['client']}   Address: {data['address'] or '-'}")
        click.echo(f"Created: {data['created']}   Valid until: {data['valid_until'] or '-'}")
        if data["order"]:
            click.echo(f"Order: {data['order']}")
        if data["note"]:
            click.echo(f"Note: {data['note']}")
        _table(
            ["#", "Article", "Qty", "Price", "Amount", "Specifics"],
            [
                [n, ln["article"], ln["qty"], ln["price"], ln["amount"], ln["specs"]]
                for n, ln in enumerate(data["lines"], 1)
            ],
            right=("Qty", "Price", "Amount"),
        )
        click.echo(f"Total: {data['total']} {data['currency']}")


@offer.command("confirm")
@click.argument("number")
@click.option(
    "--deadline",
    metavar="DATE",
    help="The order's deadline (2026-12-01, 1.12.2026, +30). Default: 30 days from today.",
)
@click.option(
    "--version",
    "expected_version",
    type=int,
    metavar="N",
    help="Refuse if the offer changed since version N was read.",
)
def offer_confirm(number: str, deadline: str | None, expected_version: int | None) -> None:
    """Confirm offer NUMBER: create its order (printed on stdout)."""
    with _user_errors():
        _ctx().open()
        from .data.dates import parse_user_date
        from .data.offers import confirm_offer

        day = parse_user_date(deadline, what="deadline") if deadline else None
        order = confirm_offer(number, expected_version, deadline=day)
        click.echo(order.number)
        click.echo(
            f"offer {number} confirmed: order {order.number}, deadline "
            f"{order.deadline.isoformat()}",
            err=True,
        )


# --------------------------------------------------------------------------- attachments


@click.command("attach")
@click.argument("order_number", metavar="ORDER")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option("--name", metavar="NAME", help="Store it under this name (default: its own).")
@click.option("--note", default="", metavar="TEXT", help="A note on the file.")
def attach(order_number: str, path: str, name: str | None, note: str) -> None:
    """Store the file at PATH with order ORDER (in the database, up to 50 MB)."""
    with _user_errors():
        _ctx().open()
        from .data.attachments import attach_file

        info = attach_file(order_number, path, name=name, note=note)
        click.echo(
            f"attached {info.name} ({info.size} bytes, id {info.id}) to order {order_number}"
        )


@click.command("attachments")
@click.argument("order_number", metavar="ORDER")
@click.option("--save", "save_ref", metavar="ID|NAME", help="Save this attachment to --to.")
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=str),
    metavar="PATH",
    help="Where --save writes (a folder keeps the file's name). Default: the current folder.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing file with --save.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def attachments_cmd(
    order_number: str, save_ref: str | None, target: str | None, overwrite: bool, as_json: bool
) -> None:
    """List the files of order ORDER, or save one of them back out (--save)."""
    with _user_errors():
        _ctx().open()
        from .data.attachments import list_attachments, save_attachment
        from .data.errors import NotFound

        files = list_attachments(order_number)
        if save_ref is not None:
            chosen = [f for f in files if str(f.id) == save_ref.strip()] or [
                f for f in files if f.name == save_ref.strip()
            ]
            if not chosen:
                raise NotFound(f"order {order_number} has no attachment {save_ref!r}")
            if len(chosen) > 1:
                raise NotFound(f"{len(chosen)} attachments are named {save_ref!r}: give the id")
            written = save_attachment(chosen[0].id, target or ".", overwrite=overwrite)
            click.echo(str(written))
            return
        plain = [
            {
                "id": f.id,
                "name": f.name,
                "size": f.size,
                "sha256": f.sha256,
                "added": f.added.isoformat(timespec="seconds"),
                "user": f.user,
                "note": f.note,
            }
            for f in files
        ]
        if as_json:
            for p in plain:
                click.echo(json.dumps(p, ensure_ascii=False))
            return
        _table(
            ["Id", "Name", "Size", "Added", "By", "Note"],
            [[p["id"], p["name"], p["size"], p["added"], p["user"], p["note"]] for p in plain],
            right=("Id", "Size"),
        )
