"""Writing report rows as a terminal table, CSV, JSON or an Excel workbook.

Generic: a report is a list of row dicts and a list of :class:`Column` saying each key's
heading and kind. Amounts (``kind="money"``) are ``Decimal``: JSON and CSV write them as
strings with two decimals, xlsx as numeric cells, the table right-aligned. No textual here;
rich, csv and json are imported when used, openpyxl only for xlsx.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

FORMATS = ("table", "csv", "json", "xlsx")
NUMERIC_KINDS = ("money", "int", "number")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the row key, its heading, and what kind of value it holds.

    ``kind``: ``text``, ``money`` (Decimal, 2 places), ``int``, ``number`` (Decimal shown as
    is), ``date``. ``table=False`` leaves the column out of the terminal table only (it stays
    in csv, json and xlsx), for narrow terminals.
    """

    key: str
    header: str = ""
    kind: str = "text"
    table: bool = True

    @property
    def heading(self) -> str:
        return self.header or self.key.replace("_", " ").capitalize()


def _columns(columns: Sequence[Column | str]) -> list[Column]:
    return [c if isinstance(c, Column) else Column(c) for c in columns]


def plain(value: Any, kind: str = "text") -> Any:
    """A value as JSON/CSV want it: money as a string with 2 decimals, dates ISO, ints as
    ints, Decimals as strings, None as None; lists and dicts converted inside."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if kind == "money":
            return str(value.quantize(Decimal("0.01")))
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def json_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column | str]) -> list[dict]:
    """Rows with every value in its JSON form (amounts as strings)."""
    cols = _columns(columns)
    return [{c.key: plain(r.get(c.key), c.kind) for c in cols} for r in rows]


def write_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column | str],
    fmt: str = "table",
    output: str | None = None,
    *,
    title: str = "",
    extra: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Write ``rows`` (dicts keyed by the columns' keys) in ``fmt``.

    ``output``: a file path (required for xlsx; ``None`` or ``-`` is standard output for the
    others). ``extra``: more top-level JSON keys next to ``rows`` (e.g. a forecast's
    ``backtest``), converted like the rows. ``notes``: lines printed under the table and
    written to a second sheet ``Notes`` of a workbook (csv and json leave them out; put them in
    ``extra`` for json).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    cols = _columns(columns)
    if fmt == "xlsx":
        if not output or output == "-":
            raise ValueError("xlsx needs --output FILE (a workbook is not written to a terminal)")
        _write_xlsx(rows, cols, output, title, notes)
        return
    to_file = bool(output) and output != "-"
    if to_file:
        assert output is not None
        with open(output, "w", encoding="utf-8", newline="") as handle:
            _write_text(rows, cols, fmt, handle, title, extra, notes, to_file=True)
    else:
        _write_text(rows, cols, fmt, stream or sys.stdout, title, extra, notes, to_file=False)


def _write_text(
    rows: Sequence[Mapping[str, Any]],
    cols: list[Column],
    fmt: str,
    out: IO[str],
    title: str,
    extra: Mapping[str, Any] | None,
    notes: Sequence[str],
    *,
    to_file: bool,
) -> None:
    if fmt == "json":
        import json

        doc: dict[str, Any] = {"rows": json_rows(rows, cols)}
        for key, value in (extra or {}).items():
            doc[key] = plain(value)
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.key for c in cols])
        for r in rows:
            writer.writerow(["" if v is None else v for v in json_rows([r], cols)[0].values()])
    else:
        _write_table(rows, cols, out, title, notes, to_file=to_file)


def _cell_text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money" and isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def fit_widths(natural: list[int], flexible: list[bool], available: int) -> list[int]:
    """Column widths that fit ``available`` characters: only flexible (text) columns give way,
    the widest first, down to 6 characters; numbers and dates are never cut."""
    widths = list(natural)
    while sum(widths) > available:
        candidates = [i for i, w in enumerate(widths) if flexible[i] and w > 6]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _write_table(
    rows: Sequence[Mapping[str, Any]],
    cols: list[Column],
    out: IO[str],
    title: str,
    notes: Sequence[str],
    *,
    to_file: bool,
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # A terminal: its width; a pipe or a file: 80 columns, so it reads anywhere.
    console = Console(file=out, highlight=False, width=None if out.isatty() else 80)
    shown = [c for c in cols if c.table]
    cells = [[_cell_text(r.get(c.key), c.kind) for c in shown] for r in rows]
    natural = [
        max([len(c.heading)] + [len(line[n]) for line in cells]) for n, c in enumerate(shown)
    ]
    flexible = [c.kind == "text" for c in shown]
    gaps = max(0, len(shown) - 1)
    widths = fit_widths(natural, flexible, console.width - gaps)
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold underline")
    for c, width in zip(shown, widths, strict=True):
        numeric = c.kind in NUMERIC_KINDS
        table.add_column(
            c.heading,
            justify="right" if numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=width,
        )
    for line in cells:
        table.add_row(*[Text(v) for v in line])
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)
    if not rows:
        console.print(Text("(no rows)"))
    for text in notes:
        console.print(Text(text))


def _write_xlsx(
    rows: Sequence[Mapping[str, Any]],
    cols: list[Column],
    output: str,
    title: str,
    notes: Sequence[str],
) -> None:
    # openpyxl ships no type hints (and pyproject's mypy section is not this module's to edit)
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_name(title or "Report"))

    bold = Font(bold=True)

    def header(text: str) -> Any:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    sheet.append([header(c.heading) for c in cols])
    formats = {"money": "#,##0.00", "int": "0", "date": "yyyy-mm-dd"}
    for r in rows:
        line = []
        for c in cols:
            value = r.get(c.key)
            if c.kind not in NUMERIC_KINDS and c.kind != "date" and value is not None:
                value = str(value)
            cell = WriteOnlyCell(sheet, value=value)
            if c.kind in formats and value is not None:
                cell.number_format = formats[c.kind]
            line.append(cell)
        sheet.append(line)
    if notes:
        extra = book.create_sheet("Notes")
        for text in notes:
            extra.append([text])
    book.save(output)


def _sheet_name(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Report")[:31]


__all__ = ["FORMATS", "Column", "json_rows", "plain", "write_rows"]
