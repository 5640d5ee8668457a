"""Reports: expected receipts, overdue payments, the forecast of receipts, the order book.

The same parameters as ``tui-orders report ...`` in a form (only those the chosen report
takes), the rows in a table (amounts per currency, never summed across currencies), a summary
under it, a bar chart drawn with Unicode blocks for receipts and the forecast, and an export to
CSV, JSON or Excel written by :func:`~tui_orders.report_output.write_rows` from the rows that
:mod:`tui_orders.report_rows` builds for the command line too.

A report runs in a thread worker; the elapsed time shows while it runs and Escape cancels
it: the connection of the worker's thread is interrupted (SQLite: ``interrupt()`` and a
progress handler that stops every further statement of the run; PostgreSQL: ``cancel()``),
and whatever the worker still returns is discarded. A new run cancels the one before.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import (
    DataTable,
    Header,
    Input,
    Label,
    LoadingIndicator,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from ..data.errors import OrdersError
from ..i18n import _, format_amount, format_count, format_date, status_label
from ..report_output import NUMERIC_KINDS, Column
from ..report_rows import KINDS, Output, ReportParams, report_output, report_title, run_report
from ..widgets.fields import DateInput, FieldInput
from .common import plain

#: which form fields each report takes
FIELDS: dict[str, tuple[str, ...]] = {
    "receipts": ("from", "to", "as_of", "by", "client", "currency"),
    "overdue": ("as_of", "client", "currency"),
    "forecast": ("as_of", "months", "client", "currency"),
    "book": ("from", "to", "as_of", "client", "currency"),
}
#: the reports that have a chart
CHARTS = ("receipts", "forecast")
#: rows shown in the table at most (the export writes them all)
MAX_TABLE_ROWS = 2000
#: export formats, by the file's extension
EXPORT_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx"}


def report_names() -> dict[str, str]:
    return {
        "receipts": _("Expected receipts"),
        "overdue": _("Overdue payments"),
        "forecast": _("Forecast of receipts"),
        "book": _("Order book"),
    }


def headings() -> dict[str, str]:
    """Column headings on screen, by row key (files keep the command line's English ones)."""
    return {
        "period": _("Period"),
        "currency": _("Cur."),
        "expected": _("Expected"),
        "overdue": _("Overdue"),
        "order": _("Order"),
        "client": _("Client"),
        "name": _("Term / document"),
        "due": _("Due"),
        "days_overdue": _("Days"),
        "bucket": _("Age"),
        "remaining": _("Remaining"),
        "scheduled": _("Scheduled"),
        "predicted": _("Predicted"),
        "status": _("Status"),
        "financial_status": _("Financial"),
        "orders": _("Orders"),
        "total": _("Total"),
        "paid": _("Paid"),
        "deadline_this_week": _("This week"),
        "deadline_this_month": _("This month"),
        "late": _("Late"),
    }


def cell(value: Any, column: Column) -> Text:
    """A table cell: amounts formatted for the language and right-aligned, user text as is."""
    if value is None:
        return Text("")
    if column.kind == "money":
        return Text(format_amount(Decimal(value)), justify="right", no_wrap=True)
    if column.kind in NUMERIC_KINDS:
        return Text(str(value), justify="right", no_wrap=True)
    if column.kind == "date":
        return Text(format_date(value), no_wrap=True)
    if column.key in ("status", "financial_status"):
        return Text(status_label(str(value)))
    return plain(value)


def summary_lines(kind: str, rep: Any) -> list[str]:
    """The summary under the table, in the screen's language (per currency, never summed)."""
    lines: list[str] = []
    if kind == "receipts":
        for cur, (expected, overdue) in sorted(rep.totals().items()):
            lines.append(
                _("Total {currency}: expected {expected}, overdue {overdue}").format(
                    currency=cur,
                    expected=format_amount(expected),
                    overdue=format_amount(overdue),
                )
            )
    elif kind == "overdue":
        from ..data.reports import BUCKETS

        if not rep.rows:
            lines.append(_("Nothing overdue as of {date}.").format(date=format_date(rep.as_of)))
        for s in rep.summary:
            buckets = ", ".join(f"{b}: {format_amount(s.buckets[b])}" for b in BUCKETS)
            lines.append(
                _("{currency}: not yet due {not_yet_due}; overdue {overdue} ({buckets})").format(
                    currency=s.currency,
                    not_yet_due=format_amount(s.not_yet_due),
                    overdue=format_amount(s.overdue),
                    buckets=buckets,
                )
            )
    elif kind == "forecast":
        lines.extend(verdict_lines(rep.backtest))
    elif kind == "book":
        lines.append(
            _(
                "This week: deadlines {week_from}..{week_to}; this month: {month_from}..{month_to};"
                " late: new or in progress with the deadline passed."
            ).format(
                week_from=format_date(rep.week[0]),
                week_to=format_date(rep.week[1]),
                month_from=format_date(rep.month[0]),
                month_to=format_date(rep.month[1]),
            )
        )
    return lines


def verdict_lines(bt: Any) -> list[str]:
    """The forecast's backtest: does the method beat the seasonal-naive forecast?"""
    won = [c.currency for c in bt.currencies if c.beats_naive]
    lost = [c.currency for c in bt.currencies if c.beats_naive is False]
    unknown = [c.currency for c in bt.currencies if c.beats_naive is None]
    parts = []
    if won:
        parts.append(
            _("the method beats the seasonal-naive forecast in {currencies}").format(
                currencies=", ".join(won)
            )
        )
    if lost:
        parts.append(
            _("the method does NOT beat the seasonal-naive forecast in {currencies}").format(
                currencies=", ".join(lost)
            )
        )
    if unknown:
        parts.append(
            _("the method cannot be backtested in {currencies} (not enough history)").format(
                currencies=", ".join(unknown)
            )
        )
    if not parts:
        return [_("No receipts to backtest the forecast on.")]
    lines = [
        _("Backtest {first}..{last} (mean absolute error):").format(
            first=bt.test_from, last=bt.test_to
        )
        + " "
        + "; ".join(parts)
        + "."
    ]
    for c in bt.currencies:
        if c.method is None or c.naive is None:
            continue
        lines.append(
            "  "
            + _(
                "{currency}: method {method} (sMAPE {method_smape}%), naive {naive}"
                " (sMAPE {naive_smape}%)"
            ).format(
                currency=c.currency,
                method=format_amount(c.method.mae),
                method_smape=c.method.smape,
                naive=format_amount(c.naive.mae),
                naive_smape=c.naive.smape,
            )
        )
    return lines


# --------------------------------------------------------------------------- the chart


@dataclass(frozen=True, slots=True)
class Series:
    """One part of a stacked bar: its row key, its name, its glyph and its component class."""

    key: str
    name: str
    glyph: str
    component: str


def chart_series(kind: str) -> list[Series]:
    if kind == "receipts":
        return [
            Series("expected", _("expected"), "█", "bar-chart--first"),
            Series("overdue", _("overdue"), "▓", "bar-chart--alert"),
        ]
    return [
        Series("scheduled", _("scheduled"), "█", "bar-chart--first"),
        Series("predicted", _("predicted"), "▒", "bar-chart--second"),
    ]


def bar_cells(values: Sequence[Decimal], top: Decimal, width: int) -> list[int]:
    """How many cells each stacked part gets: the cumulative sums rounded (so the parts add up
    to the whole bar's length); a bar with money in it is at least one cell long."""
    if top <= 0 or width <= 0:
        return [0 for _v in values]
    cells: list[int] = []
    running = Decimal(0)
    drawn = 0
    for value in values:
        running += max(Decimal(0), value)
        end = max(drawn, min(width, int((running * width / top).to_integral_value())))
        if end == drawn and value > 0 and drawn < width:
            end = drawn + 1
        cells.append(end - drawn)
        drawn = end
    return cells


class BarChart(Widget):
    """Horizontal stacked bars, one a period: the label, the bar, the total."""

    DEFAULT_CSS = """
    BarChart { height: auto; padding: 0 1; }
    BarChart > .bar-chart--first { color: $primary; }
    BarChart > .bar-chart--second { color: $accent; }
    BarChart > .bar-chart--alert { color: $error; }
    BarChart > .bar-chart--muted { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bar-chart--first",
        "bar-chart--second",
        "bar-chart--alert",
        "bar-chart--muted",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = ""
        self.series: list[Series] = []
        #: (label, one value a series)
        self.bars: list[tuple[str, list[Decimal]]] = []

    def show(self, title: str, series: list[Series], bars: list[tuple[str, list[Decimal]]]) -> None:
        self.title, self.series, self.bars = title, series, bars
        self.refresh(layout=True)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return 2 + max(1, len(self.bars))

    def render(self) -> Text:
        return self.draw(self.content_size.width or self.size.width or 80)

    def draw(self, width: int) -> Text:
        out = Text(no_wrap=True, overflow="crop")
        out.append(self.title, style="bold")
        out.append("\n")
        for n, s in enumerate(self.series):
            if n:
                out.append("   ")
            out.append(s.glyph * 2, style=self.get_component_rich_style(s.component))
            out.append(" " + s.name)
        if not self.bars:
            out.append("\n" + _("No rows."))
            return out
        labels = [label for label, _v in self.bars]
        totals = [sum(values, Decimal(0)) for _l, values in self.bars]
        amounts = [format_amount(t) for t in totals]
        label_w = max(len(label) for label in labels)
        amount_w = max(len(a) for a in amounts)
        bar_w = max(4, width - label_w - amount_w - 2)
        top = max(totals)
        for (label, values), amount in zip(self.bars, amounts, strict=True):
            out.append("\n" + label.ljust(label_w) + " ")
            cells = bar_cells(values, top, bar_w)
            for s, count in zip(self.series, cells, strict=True):
                out.append(s.glyph * count, style=self.get_component_rich_style(s.component))
            out.append(" " * (bar_w - sum(cells)) + " ")
            out.append(amount.rjust(amount_w))
        return out


# --------------------------------------------------------------------------- a run


class _Run:
    """One run of a report in a worker thread, and the means to stop it from the UI thread."""

    def __init__(self, generation: int, params: ReportParams) -> None:
        self.generation = generation
        self.params = params
        self.started = time.monotonic()
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._connection: Any = None
        self._sqlite = True

    def attach(self, connection: Any, sqlite: bool) -> None:
        with self._lock:
            self._connection, self._sqlite = connection, sqlite

    def detach(self) -> None:
        with self._lock:
            self._connection = None

    def cancel(self) -> None:
        """Stop the statement running now (and, on SQLite, every later one of this run)."""
        self.cancelled.set()
        with self._lock:  # never interrupts a statement of a later job on the same thread
            connection = self._connection
            if connection is None:
                return
            try:
                if self._sqlite:
                    connection.interrupt()
                else:
                    connection.cancel()
            except Exception:  # pragma: no cover - closed meanwhile: nothing to stop
                pass

    def execute(self) -> tuple[Any, Output] | None:
        """The report and its rows (in the worker thread); None when cancelled."""
        from ..data.db import database, is_sqlite

        db = database.obj
        connection = db.connection() if db is not None else None
        sqlite = db is not None and is_sqlite(db)
        if sqlite and connection is not None:
            connection.set_progress_handler(lambda: 1 if self.cancelled.is_set() else 0, 10_000)
        self.attach(connection, sqlite)
        try:
            if self.cancelled.is_set():
                return None
            rep = run_report(self.params)
            if self.cancelled.is_set():
                return None
            return rep, report_output(self.params.kind, rep)
        except Exception:
            if self.cancelled.is_set():
                return None  # interrupted: what it raised is the cancel itself
            raise
        finally:
            self.detach()
            if sqlite and connection is not None:
                connection.set_progress_handler(None, 0)


@dataclass(frozen=True, slots=True)
class ReportResult:
    params: ReportParams
    report: Any
    output: Output
    seconds: float

    @property
    def title(self) -> str:
        return report_title(self.params.kind, self.report)


# --------------------------------------------------------------------------- the screen


class ReportsScreen(Screen[None]):
    """Choose a report, fill in its parameters, run it; the table, the chart, the export."""

    DEFAULT_CSS = """
    ReportsScreen #reports-form { height: auto; padding: 0 1; }
    ReportsScreen .form-row { height: auto; }
    ReportsScreen .field { width: auto; height: auto; margin-right: 2; }
    ReportsScreen .field Label { padding: 0 1 0 0; }
    ReportsScreen #report-kind { width: 28; }
    ReportsScreen #by { width: 16; }
    ReportsScreen #months { width: 6; }
    ReportsScreen #currency { width: 8; }
    ReportsScreen #client { width: 36; }
    ReportsScreen #reports-state-row { height: 1; padding: 0 1; }
    ReportsScreen #reports-loading { width: 4; height: 1; display: none; }
    ReportsScreen #reports-loading.running { display: block; }
    ReportsScreen #reports-state { width: 1fr; color: $text-muted; }
    ReportsScreen #reports-state.error { color: $text-error; }
    ReportsScreen #reports-views { height: 1fr; }
    ReportsScreen #reports-table { height: 1fr; }
    ReportsScreen #reports-notes { height: auto; max-height: 6; padding: 0 1; background: $boost; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_run", "Cancel the report", id="reports_cancel"),
        Binding("escape", "back", "Back", id="reports_back"),
        Binding("ctrl+r", "run", "Run", id="reports_run"),
        Binding("ctrl+t", "toggle_view", "Table / chart", id="reports_view"),
        Binding("c", "next_currency", "Next currency", show=False, id="reports_currency"),
        Binding("ctrl+s", "export", "Export", id="reports_export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = _("Reports")
        self._generation = 0
        self._run: _Run | None = None
        #: the result shown (None: none yet, or cleared)
        self.result: ReportResult | None = None
        self._chart_currency = 0
        self._ticker: Any = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        from ..widgets.footer import Footer

        names = report_names()
        yield Header()
        with Vertical(id="reports-form"):
            with Horizontal(classes="form-row"):
                with Horizontal(classes="field"):
                    yield Label(_("Report"))
                    yield Select(
                        [(names[k], k) for k in KINDS],
                        value="receipts",
                        allow_blank=False,
                        compact=True,
                        id="report-kind",
                    )
                with Horizontal(classes="field", id="by-field"):
                    yield Label(_("By"))
                    yield Select(
                        [(_("month"), "month"), (_("week"), "week"), (_("day"), "day")],
                        value="month",
                        allow_blank=False,
                        compact=True,
                        id="by",
                    )
                with Horizontal(classes="field", id="months-field"):
                    yield Label(_("Months"))
                    yield FieldInput("12", id="months")
            with Horizontal(classes="form-row"):
                with Horizontal(classes="field", id="from-field"):
                    yield Label(_("From"), id="from-label")
                    yield DateInput(required=False, id="from")
                with Horizontal(classes="field", id="to-field"):
                    yield Label(_("To"))
                    yield DateInput(required=False, id="to")
                with Horizontal(classes="field", id="as_of-field"):
                    yield Label(_("As of"))
                    yield DateInput(format_date(self.app_today()), id="as_of")
            with Horizontal(classes="form-row"):
                with Horizontal(classes="field", id="client-field"):
                    yield Label(_("Client"))
                    yield FieldInput(placeholder=_("part of the name"), id="client")
                with Horizontal(classes="field", id="currency-field"):
                    yield Label(_("Currency"))
                    yield FieldInput(id="currency", max_length=3)
        with Horizontal(id="reports-state-row"):
            yield LoadingIndicator(id="reports-loading")
            yield Static(id="reports-state", markup=False)
        with TabbedContent(id="reports-views"):
            with TabPane(_("Table"), id="tab-table"):
                yield DataTable(id="reports-table", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Chart"), id="tab-chart"), VerticalScroll(id="reports-chart-scroll"):
                yield BarChart(id="reports-chart")
        yield Static(id="reports-notes", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._apply_kind()
        self._set_state(_("Enter or Ctrl+R: run the report · Ctrl+S: export · Escape: back"))
        self.query_one("#report-kind", Select).focus()

    def app_today(self) -> Any:
        import datetime as dt

        today = getattr(self.app, "today", None)
        return today() if callable(today) else dt.date.today()

    @property
    def kind(self) -> str:
        value = self.query_one("#report-kind", Select).value
        return str(value) if isinstance(value, str) else "receipts"

    @property
    def running(self) -> bool:
        return self._run is not None

    def _apply_kind(self) -> None:
        """Show the fields the chosen report takes, the others hidden."""
        kind = self.kind
        for name in ("from", "to", "as_of", "by", "client", "currency", "months"):
            self.query_one(f"#{name}-field").display = name in FIELDS[kind]
        label = _("Created from") if kind == "book" else _("Due from")
        self.query_one("#from-label", Label).update(label)

    @on(Select.Changed, "#report-kind")
    def _kind_changed(self) -> None:
        self._apply_kind()
        if self.result is not None and self.result.params.kind != self.kind:
            self._clear_result()
        self.refresh_bindings()

    # ------------------------------------------------------------------ parameters

    def read_params(self) -> ReportParams | None:
        """The form's parameters; None (the field focused, the error shown) when invalid."""
        kind = self.kind
        wanted = FIELDS[kind]
        dates: dict[str, Any] = {}
        for name in ("from", "to", "as_of"):
            field = self.query_one(f"#{name}", DateInput)
            if name not in wanted or not field.value.strip():
                dates[name] = None
                continue
            result = field.validate(field.value)
            if result is not None and not result.is_valid:
                return self._invalid(field, "; ".join(result.failure_descriptions))
            dates[name] = field.date
        if dates["from"] and dates["to"] and dates["to"] < dates["from"]:
            return self._invalid(
                self.query_one("#to", DateInput),
                _("The period ends before it starts"),
            )
        months = 12
        if "months" in wanted:
            field_m = self.query_one("#months", FieldInput)
            try:
                months = int(field_m.value.strip() or "12")
            except ValueError:
                months = 0
            if not 1 <= months <= 60:
                return self._invalid(field_m, _("Months: a whole number from 1 to 60"))
        by = self.query_one("#by", Select).value
        client = self.query_one("#client", Input).value.strip() or None
        currency = self.query_one("#currency", Input).value.strip().upper() or None
        return ReportParams(
            kind,
            dates["as_of"] or self.app_today(),
            date_from=dates["from"],
            date_to=dates["to"],
            by=str(by) if "by" in wanted and isinstance(by, str) else "month",
            client=client if "client" in wanted else None,
            currency=currency if "currency" in wanted else None,
            months=months,
        )

    def _invalid(self, field: Widget, message: str) -> ReportParams | None:
        """Say what is wrong with ``field`` and focus it; None (no parameters)."""
        self._set_state(message, error=True)
        field.focus()
        return None

    # ------------------------------------------------------------------ running

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def action_run(self) -> None:
        params = self.read_params()
        if params is None:
            return
        self.start(params)

    def start(self, params: ReportParams) -> None:
        """Run the report in a worker (the one running is cancelled first)."""
        self._cancel_current()
        self._generation += 1
        run = _Run(self._generation, params)
        self._run = run
        self.query_one("#reports-loading").add_class("running")
        self._tick()
        if self._ticker is None:
            self._ticker = self.set_interval(0.2, self._tick)
        else:
            self._ticker.resume()
        app = self.app

        def body() -> None:
            try:
                result = run.execute()
            except OrdersError as exc:
                self._from_thread(app, self._failed, run, str(exc))
                return
            except Exception as exc:  # shown, never crashes the app
                self._from_thread(app, self._failed, run, f"{type(exc).__name__}: {exc}")
                return
            if result is not None:
                self._from_thread(app, self._done, run, result)

        self.run_worker(
            body,
            thread=True,
            group="report",
            exclusive=False,
            exit_on_error=False,
            description=f"report {params.kind}",
        )
        self.refresh_bindings()

    @staticmethod
    def _from_thread(app: Any, callback: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app has ended meanwhile
            app.call_from_thread(callback, *args)

    def _current(self, run: _Run) -> bool:
        return run is self._run and not run.cancelled.is_set() and self.is_attached

    def _done(self, run: _Run, result: tuple[Any, Output]) -> None:
        if not self._current(run):
            return  # cancelled, or a newer run started: discarded
        self._finished()
        rep, output = result
        seconds = time.monotonic() - run.started
        self.show_result(ReportResult(run.params, rep, output, seconds))

    def _failed(self, run: _Run, message: str) -> None:
        if not self._current(run):
            return
        self._finished()
        self._set_state(message, error=True)

    def _finished(self) -> None:
        self._run = None
        self.query_one("#reports-loading").remove_class("running")
        if self._ticker is not None:
            self._ticker.pause()
        self.refresh_bindings()

    def _cancel_current(self) -> bool:
        run = self._run
        if run is None:
            return False
        run.cancel()
        for worker in self.workers:
            if worker.node is self and worker.group == "report" and worker.is_running:
                worker.cancel()
        self._finished()
        return True

    def action_cancel_run(self) -> None:
        if self._cancel_current():
            self._set_state(_("Cancelled: no result shown."), error=True)

    def _tick(self) -> None:
        run = self._run
        if run is None:
            return
        elapsed = time.monotonic() - run.started
        self._set_state(
            _("Running {report}… {seconds} s · Escape: cancel").format(
                report=report_names()[run.params.kind], seconds=f"{elapsed:.1f}"
            )
        )

    def _set_state(self, message: str, *, error: bool = False) -> None:
        state = self.query_one("#reports-state", Static)
        state.update(Text(message))
        state.set_class(error, "error")

    # ------------------------------------------------------------------ showing

    def _clear_result(self) -> None:
        self.result = None
        self.query_one("#reports-table", DataTable).clear(columns=True)
        self.query_one("#reports-notes", Static).update("")
        self.query_one(BarChart).show("", [], [])

    def show_result(self, result: ReportResult) -> None:
        self.result = result
        rows = result.output[0]
        self._fill_table()
        lines = summary_lines(result.params.kind, result.report)
        if not rows:
            lines.insert(0, _("No rows."))
        elif len(rows) > MAX_TABLE_ROWS:
            lines.insert(
                0,
                _(
                    "The table shows the first {shown} of {count} rows; the export has them all."
                ).format(shown=format_count(MAX_TABLE_ROWS), count=format_count(len(rows))),
            )
        self.query_one("#reports-notes", Static).update(Text("\n".join(lines)))
        self._chart_currency = 0
        self._draw_chart()
        self._set_state(
            _("{report}: {count} rows in {seconds} s").format(
                report=report_names()[result.params.kind],
                count=len(rows),
                seconds=f"{result.seconds:.1f}",
            )
        )
        self.refresh_bindings()

    def _fill_table(self) -> None:
        """The result's rows (at most :data:`MAX_TABLE_ROWS`) in columns that fit the width:
        text columns give way (cut with an ellipsis), amounts and dates never do."""
        from rich.cells import cell_len

        from ..report_output import fit_widths

        table: DataTable[Any] = self.query_one("#reports-table", DataTable)
        result = self.result
        if result is None:
            table.clear(columns=True)
            return
        rows, columns, _extra, _notes = result.output
        names = headings()
        shown = [c for c in columns if c.table]
        titles = [names.get(c.key, c.heading) for c in shown]
        cells = [[cell(row.get(c.key), c) for c in shown] for row in rows[:MAX_TABLE_ROWS]]
        natural = [
            max([cell_len(title)] + [line[n].cell_len for line in cells])
            for n, title in enumerate(titles)
        ]
        flexible = [c.kind == "text" for c in shown]
        # each cell has a space either side; a vertical scrollbar may take two more
        available = (table.size.width or self.app.size.width) - 2 * len(shown) - 2
        widths = fit_widths(natural, flexible, available)
        self._table_width = self.app.size.width
        for line in cells:
            for text in line:
                text.no_wrap, text.overflow = True, "ellipsis"
        with self.app.batch_update():
            table.clear(columns=True)
            for c, title, width in zip(shown, titles, widths, strict=True):
                numeric = c.kind in NUMERIC_KINDS
                heading = Text(title, justify="right" if numeric else "left", overflow="ellipsis")
                table.add_column(heading, key=c.key, width=width)
            for line in cells:
                table.add_row(*line)

    _table_width = 0

    def on_resize(self) -> None:
        if self.result is not None and self.app.size.width != self._table_width:
            self.call_after_refresh(self._fill_table)

    def chart_currencies(self) -> list[str]:
        if self.result is None or self.result.params.kind not in CHARTS:
            return []
        return sorted({str(r["currency"]) for r in self.result.output[0]})

    def _draw_chart(self) -> None:
        chart = self.query_one(BarChart)
        result = self.result
        if result is None:
            chart.show("", [], [])
            return
        kind = result.params.kind
        if kind not in CHARTS:
            chart.show(_("No chart for this report."), [], [])
            return
        currencies = self.chart_currencies()
        if not currencies:
            chart.show(report_names()[kind], chart_series(kind), [])
            return
        self._chart_currency %= len(currencies)
        currency = currencies[self._chart_currency]
        series = chart_series(kind)
        bars = [
            (str(r["period"]), [Decimal(r[s.key]) for s in series])
            for r in result.output[0]
            if r["currency"] == currency
        ]
        title = f"{report_names()[kind]} · {currency}"
        if len(currencies) > 1:
            title += " " + _("({n} of {count}; c: next currency)").format(
                n=self._chart_currency + 1, count=len(currencies)
            )
        chart.show(title, series, bars)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return self.running
        if action == "back":
            return not self.running
        if action == "export":
            return self.result is not None
        if action == "next_currency":
            return len(self.chart_currencies()) > 1 and self._chart_shown()
        if action == "toggle_view":
            return True
        return True

    def _chart_shown(self) -> bool:
        return self.query_one(TabbedContent).active == "tab-chart"

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_view(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = "tab-table" if tabs.active == "tab-chart" else "tab-chart"
        self.refresh_bindings()

    def action_next_currency(self) -> None:
        self._chart_currency += 1
        self._draw_chart()

    def action_export(self) -> None:
        result = self.result
        if result is None:
            return
        default = Path.cwd() / f"{result.params.kind}-{result.params.as_of.isoformat()}.csv"
        self.app.push_screen(ExportModal(result, str(default)), self._exported)

    def _exported(self, path: str | None) -> None:
        if path:
            self.app.notify(_("Written to {path}").format(path=path), markup=False)

    def on_unmount(self) -> None:
        run = self._run
        if run is not None:
            run.cancel()


# --------------------------------------------------------------------------- export


def export_format(path: str) -> str | None:
    """csv, json or xlsx from the file's extension (None: none of those)."""
    return EXPORT_FORMATS.get(Path(path).suffix.lower())


def write_export(result: ReportResult, path: str, *, overwrite: bool = False) -> str:
    """Write the result to ``path`` (the format by its extension). Returns ``"exists"`` when
    the file is there and ``overwrite`` is false, else ``"written"``; raises OSError with a
    message for the user (a missing folder, no permission) and ValueError for a bad path."""
    from ..report_output import write_rows

    fmt = export_format(path)
    if fmt is None:
        raise ValueError(_("Use a file name ending in .csv, .json or .xlsx"))
    target = Path(path).expanduser()
    if target.is_dir():
        raise ValueError(_("{path} is a folder: add a file name").format(path=target))
    folder = target.parent
    if not folder.is_dir():
        raise ValueError(_("The folder {folder} does not exist").format(folder=folder))
    if target.exists() and not overwrite:
        return "exists"
    rows, columns, extra, notes = result.output
    try:
        write_rows(rows, columns, fmt, str(target), title=result.title, extra=extra, notes=notes)
    except PermissionError:
        raise ValueError(_("No permission to write {path}").format(path=target)) from None
    except OSError as exc:
        raise ValueError(
            _("Could not write {path}: {reason}").format(
                path=target, reason=exc.strerror or str(exc)
            )
        ) from None
    return "written"


class ExportModal(ModalScreen[str | None]):
    """The path to export to (the format by its extension); asks before replacing a file.
    Returns the path written, None on Escape."""

    DEFAULT_CSS = """
    ExportModal { align: center middle; }
    ExportModal > Vertical {
        width: 76; max-width: 100%; height: auto; border: thick $primary;
        background: $surface; padding: 1 2;
    }
    ExportModal #export-error { color: $error; height: auto; }
    ExportModal .hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="export_back"),
    ]

    def __init__(self, result: ReportResult, path: str) -> None:
        super().__init__()
        self.result = result
        self._path = path
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(_("Export the report"), style="bold"), markup=False)
            yield Label(_("File (.csv, .json or .xlsx)"), markup=False)
            yield Input(value=self._path, id="export-path")
            yield Label("", id="export-error", markup=False)
            yield Label(_("Enter: export · Escape: back"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def path_text(self) -> str:
        return self.query_one("#export-path", Input).value.strip()

    def show_error(self, message: str) -> None:
        self._busy = False
        self.query_one("#export-error", Label).update(message)
        self.query_one("#export-path", Input).focus()

    @on(Input.Changed, "#export-path")
    def _changed(self) -> None:
        self.query_one("#export-error", Label).update("")

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._busy:
            return
        if not self.path_text:
            self.show_error(_("Type a path"))
            return
        if export_format(self.path_text) is None:
            self.show_error(_("Use a file name ending in .csv, .json or .xlsx"))
            return
        self.write(self.path_text)

    def write(self, path: str, overwrite: bool = False) -> None:
        self._busy = True
        result, app = self.result, self.app

        def body() -> None:
            try:
                outcome = write_export(result, path, overwrite=overwrite)
            except (ValueError, OSError) as exc:
                app.call_from_thread(self.show_error, str(exc))
                return
            app.call_from_thread(self._written, path, outcome)

        self.run_worker(body, thread=True, group="report-export", exit_on_error=False)

    def _written(self, path: str, outcome: str) -> None:
        if outcome == "exists":
            from .order import ConfirmModal

            question = Text(_("{path} exists. Replace it?").format(path=path))

            def answer(yes: bool | None) -> None:
                if yes:
                    self.write(path, overwrite=True)
                else:
                    self.show_error(_("Not replaced: choose another file name"))

            self.app.push_screen(ConfirmModal(question), answer)
            return
        self.dismiss(path)


__all__ = [
    "BarChart",
    "ExportModal",
    "ReportResult",
    "ReportsScreen",
    "bar_cells",
    "export_format",
    "summary_lines",
    "write_export",
]
