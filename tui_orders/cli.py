"""The ``tui-orders`` command line.

It only parses arguments and calls the data layer (and, with no sub-command, the app
factory). Every error the user can cause prints one line on stderr and exits non-zero; no
traceback reaches the user (``TUI_ORDERS_DEBUG=1`` shows it, for developers).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .launch import HOMES, LANGS, fail, guarded, run_app, user_errors

EXIT_ERROR = 1
EXIT_DIFFERENCES = 3


class Context:
    """What the group options configure, handed to every sub-command."""

    def __init__(
        self, db: str | None, user: str | None, lang: str | None = None, home: str | None = None
    ) -> None:
        self.db_option = db
        self.user = user
        self.lang = lang
        self.home = home
        self._opened = False

    def open(self) -> None:
        """Open (and migrate) the configured database once."""
        if self._opened:
            return
        from .data import audit
        from .data.db import open_database

        audit.set_user(self.user)
        open_database(self.db_option)
        self._opened = True


#: one line on stderr and a non-zero exit; every error of a command made into that
_fail = fail
_user_errors = user_errors


def _ctx() -> Context:
    return click.get_current_context().find_object(Context)  # type: ignore[return-value]


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="PATH|URL",
    help="Database: a file path, sqlite:///path or postgresql://user@host/name. "
    "Default: $TUI_ORDERS_DB, else a file in your data directory.",
)
@click.option(
    "--user",
    metavar="NAME",
    help="Name recorded in the audit log (default: $TUI_ORDERS_USER, else your login).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGS),
    help="Language of the screens (default: from the locale, else English).",
)
@click.option(
    "--home",
    type=click.Choice(HOMES),
    help="Screen the app opens on (default: the settings file, else orders).",
)
@click.version_option(__version__, prog_name="tui-orders")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, user: str | None, lang: str | None, home: str | None
) -> None:
    """tui-orders: customer orders from the signed contract to the last payment and shipment.

    With no command, opens the terminal app on the configured database.
    """
    ctx.obj = Context(db, user, lang, home)
    if ctx.invoked_subcommand is None:
        with _user_errors():
            _run_app(ctx.obj)


def _run_app(context: Context) -> None:
    run_app(context.db_option, context.user, context.lang, context.home)


# --------------------------------------------------------------------------- demo


@cli.command()
@click.option(
    "--orders",
    "count",
    type=click.IntRange(1, 10_000_000),
    default=1000,
    show_default=True,
    help="How many orders to generate.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same data)."
)
def demo(count: int, seed: int) -> None:
    """Fill an empty database with realistic demo data over three years."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with _user_errors():
        _ctx().open()
        from .data.demo import run_demo

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=not sys.stderr.isatty(),
            console=_stderr_console(),
        ) as progress:
            task = progress.add_task("demo orders", total=count)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            stats = run_demo(count, seed=seed, progress=step)
        click.echo(f"demo: {stats}", err=True)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


# --------------------------------------------------------------------------- import / export


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
def import_cmd(file: str) -> None:
    """Import a JSON interchange FILE (- for stdin): all of it, or nothing."""
    with _user_errors():
        _ctx().open()
        from .data.interchange import import_data, import_file

        if file == "-":
            try:
                obj = json.load(sys.stdin)
            except json.JSONDecodeError as exc:
                _fail(f"stdin: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
            stats = import_data(obj)
        else:
            stats = import_file(file, parallel=True)
        click.echo(f"imported: {stats}", err=True)


@cli.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=str))
def export_cmd(file: str | None) -> None:
    """Export the whole database as JSON interchange to FILE (default: stdout)."""
    with _user_errors():
        _ctx().open()
        from .data.interchange import export_file

        export_file(None if file in (None, "-") else file)


# --------------------------------------------------------------------------- orders


@cli.group()
def order() -> None:
    """Look at orders."""


@order.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the order as interchange JSON.")
def order_show(number: str, as_json: bool) -> None:
    """Show order NUMBER with every computed field."""
    with _user_errors():
        _ctx().open()
        from .data.interchange import export_order
        from .data.orders import get_order
        from .data.risk import delay_causes

        the_order = get_order(number)
        data = export_order(the_order)
        # Not part of the interchange (import ignores nothing it does not know): the risk
        # depends on today, so it is added here, for ``order show`` only.
        causes = delay_causes(the_order.id, dt.date.today())
        data["at_risk"] = bool(causes)
        data["delay_causes"] = causes
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            _print_order(data)
            if causes:
                click.echo("At risk: " + "; ".join(causes))


def _print_order(o: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    cur = o["currency"]

    def line(label: str, value: Any) -> Text:
        text = Text(f"{label}: ", style="bold")
        text.append(str(value))  # user text: never parsed as markup
        return text

    console.print(Text(f"Order {o['number']}", style="bold underline"))
    console.print(line("Client", o["client"]), line("Address", o.get("address") or "-"))
    doc = o.get("document") or {}
    console.print(line("Document", f"{doc.get('kind', '')} {doc.get('ref', '')}".strip()))
    console.print(
        line("Created", o["created"]),
        line("Deadline", o["deadline"]),
        line("Tax", o.get("tax") or "none"),
    )
    console.print(
        line("Status", o["status"]),
        line("Financial status", o["financial_status"]),
        line("Version", o.get("version", "")),
    )
    if o.get("cancelled"):
        console.print(line("Cancel reason", o.get("cancel_reason", "")))
    if o.get("note"):
        console.print(line("Note", o["note"]))
    console.print(
        line("Subtotal", f"{o['subtotal']} {cur}"),
        line("Tax", f"{o['tax_amount']} {cur}"),
        line("Total", f"{o['total']} {cur}"),
    )
    console.print(
        line("Paid", f"{o['paid']} {cur}"),
        line("Unallocated", f"{o['unallocated']} {cur}"),
        *(
            [line("Overpaid", f"{o['overpaid']} {cur}")]
            if o.get("overpaid", "0.00") != "0.00"
            else []
        ),
    )

    def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            return
        t = Table(
            title=title,
            title_justify="left",
            title_style="bold",
            box=None,
            pad_edge=False,
            padding=(0, 1, 0, 0),
            header_style="underline",
        )
        for c in columns:
            t.add_column(c)
        for r in rows:
            t.add_row(*[Text("" if v is None else str(v)) for v in r])
        console.print(t)

    table(
        "Items",
        ["#", "Article", "Qty", "Price", "Delivered", "Specifics"],
        [
            [n, i["article"], i["qty"], i["price"], i["delivered"], i.get("specs", "")]
            for n, i in enumerate(o["items"], 1)
        ],
    )
    table(
        "Payment terms",
        ["Name", "Due", "Amount", "Paid", "Status"],
        [[t["name"], t["due"], t["amount"], t["paid"], t["status"]] for t in o["payment_terms"]],
    )
    # Narrow terminals: the issue date and empty columns give way (all of it is in --json).
    doc_columns = ["type", "number", "amount", "issued", "due", "term", "duplicate_of"]
    if console.width < 110:
        doc_columns.remove("issued")
    doc_columns = [
        c
        for c in doc_columns
        if c not in ("term", "duplicate_of") or any(d.get(c) for d in o["documents"])
    ]
    headings = {"duplicate_of": "Duplicate of"}
    table(
        "Financial documents",
        [headings.get(c, c.capitalize()) for c in doc_columns] + ["Paid", "Status"],
        [[d.get(c) for c in doc_columns] + [d["paid"], d["status"]] for d in o["documents"]],
    )
    table(
        "Payments",
        ["Date", "Amount", "Allocated to", "Note"],
        [
            [
                p["date"],
                p["amount"],
                ", ".join(f"{a['document']} {a['amount']}" for a in p["allocations"]) or "-",
                p.get("note", ""),
            ]
            for p in o["payments"]
        ],
    )
    table(
        "Deliveries",
        ["Kind", "Number", "Date", "Lines", "Cancelled"],
        [
            [
                d["kind"],
                d["number"],
                d["date"],
                ", ".join(f"{ln['article']} x {ln['qty']}" for ln in d["lines"]),
                "yes" if d.get("cancelled") else "",
            ]
            for d in o["deliveries"]
        ],
    )
    table(
        "Linked orders",
        ["Kind", "Number", "Status", "Deadline", "Expected"],
        [
            [x["kind"], x["number"], x["status"], x.get("deadline"), x.get("expected")]
            for x in o["links"]
        ],
    )
    cov = o.get("coverage") or {}
    warnings = []
    for what, c in cov.items():
        if c.get("difference") not in (None, "0.00"):
            warnings.append(
                f"{what}: {c['amount']} against the total {o['total']} "
                f"(difference {c['difference']})"
            )
    if warnings:
        console.print(Text("Coverage", style="bold yellow"))
        for w in warnings:
            console.print(Text(f"  {w}"))


@order.command("list")
@click.option(
    "--status",
    multiple=True,
    type=click.Choice(["new", "in_progress", "ready", "closed", "cancelled", "open"]),
    help="Only these statuses (repeatable); 'open' means not closed and not cancelled. "
    "Default: open.",
)
@click.option(
    "--due-within",
    type=click.IntRange(0, 100_000),
    metavar="DAYS",
    help="Deadline within DAYS from today.",
)
@click.option("--client", metavar="TEXT", help="Client name contains TEXT.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def order_list(
    status: tuple[str, ...], due_within: int | None, client: str | None, limit: int, as_json: bool
) -> None:
    """List orders by deadline (open orders unless --status says otherwise)."""
    with _user_errors():
        _ctx().open()
        from .data.queries import list_orders

        statuses = set(status) or {"open"}
        if "open" in statuses:
            statuses = (statuses - {"open"}) | {"new", "in_progress", "ready"}
        rows = list_orders(
            statuses=sorted(statuses),
            due_within=due_within,
            client=client,
            limit=limit,
            today=dt.date.today(),
        )
        if as_json:
            for r in rows:
                click.echo(json.dumps(r, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        t = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold underline")
        t.add_column("Number", no_wrap=True)
        t.add_column("Client", min_width=8, overflow="ellipsis", no_wrap=True)
        for c in ("Deadline", "Status", "Financial"):
            t.add_column(c, no_wrap=True)
        for c in ("Total", "Paid", "Deliv. %"):
            t.add_column(c, no_wrap=True, justify="right")
        for r in rows:
            t.add_row(
                *[
                    Text(str(v))
                    for v in (
                        r["number"],
                        r["client"],
                        r["deadline"],
                        r["status"],
                        r["financial_status"],
                        f"{r['total']} {r['currency']}",
                        r["paid"],
                        r["delivered_pct"],
                    )
                ]
            )
        Console(highlight=False).print(t)


# --------------------------------------------------------------------------- check


@cli.command()
@click.option("--repair", is_flag=True, help="Write the recomputed values where they differ.")
def check(repair: bool) -> None:
    """Recompute every order from scratch and report stored values that differ.

    Exits 0 when everything matches (or was repaired), 3 when differences were found
    and not repaired.
    """
    with _user_errors():
        _ctx().open()
        from .data.recompute import check as run_check

        progress: Callable[[int, int], None] | None = None
        found = run_check(repair=repair, progress=progress)
        for diff in found[:200]:
            click.echo(str(diff))
        if len(found) > 200:
            click.echo(f"... and {len(found) - 200} more")
        if not found:
            click.echo("check: every stored computed value matches the rules", err=True)
        elif repair:
            click.echo(f"check: repaired {len(found)} value(s)", err=True)
        else:
            click.echo(
                f"check: {len(found)} value(s) differ; run 'tui-orders check --repair' to fix them",
                err=True,
            )
            sys.exit(EXIT_DIFFERENCES)


# --------------------------------------------------------------------------- scan, report
# Sub-commands in modules of their own (imported here, after the helpers they use exist).
from .cli_monitor import monitor  # noqa: E402
from .cli_offers import attach, attachments_cmd, offer  # noqa: E402
from .cli_report import report  # noqa: E402
from .cli_scan import scan  # noqa: E402

report.add_command(monitor)
cli.add_command(report)
cli.add_command(scan)
cli.add_command(offer)
cli.add_command(attach)
cli.add_command(attachments_cmd)


def main(argv: list[str] | None = None) -> None:
    """The command line (``tui-orders`` runs :func:`tui_orders.launch.main`, which comes here
    for anything but opening the app)."""
    guarded(lambda: cli.main(args=argv, prog_name="tui-orders", standalone_mode=True))
