"""Agency workbook → `Submission`: every field by its defined name, parsed by its type.

The steps, each refusing the file with a `RejectedFile` whose Chinese message tells the agency
what to send instead:

1. `sniff.inspect_file`: is it a safe .xlsx at all (not .xls, not encrypted, not a bomb)?
2. openpyxl loads it read-only (defined names and custom properties are there too; cells are
   streamed). Whatever openpyxl or the XML and zip layers under it raise on a damaged file
   becomes ``file.damaged``; defusedxml's refusal of a DTD becomes ``file.unsafe``.
3. `meta.locate_fields`: our template, a version we know, every defined name intact.
4. Each cell is read and parsed with `core.cell_values`. Bad values are not errors here: they
   are kept in `Submission.problems` for the checks to report.

Formulas: an agency may type ``=3+2`` in a count. Its cached result (what Excel showed) is used
when the file has one; a formula saved without one (written by a script, or with calculation
set to manual) is recorded with ``value.formula_no_value``. Cached values need a second load
(``data_only=True``), done only when some field holds a formula, to keep the common case fast.
Text typed into a text-formatted cell is a string even when it starts with "=", and stays text.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.escape import unescape
from openpyxl.workbook.workbook import Workbook

from workflow.core.cell_values import Parsed, display_raw, parse_count, parse_fee, parse_year
from workflow.core.errors import RejectedFile
from workflow.core.form import FIELDS_BY_KEY, FieldType
from workflow.core.submission import CellRef, Submission
from workflow.workbook.meta import SUPPORTED_VERSIONS, locate_fields, read_identity
from workflow.workbook.sniff import MAX_XML_BYTES, UNSAFE_XML, inspect_file

__all__ = ["SUPPORTED_VERSIONS", "read_workbook"]

FORMULA_NO_VALUE = "value.formula_no_value"

_PARSERS: dict[FieldType, Callable[[object], Parsed]] = {
    FieldType.COUNT: parse_count,
    FieldType.WAN_YUAN: lambda raw: parse_fee(raw, places=None),  # limit: checks.values
    FieldType.YEAR: parse_year,
}


def read_workbook(
    path: Path, display_name: str | None = None, max_xml_bytes: int = MAX_XML_BYTES
) -> Submission:
    """Read one agency workbook; raise `RejectedFile` if it is not one we can read.

    `display_name` is the name the agency knows the file by (the attachment's name), used in
    messages; it defaults to the file's own name. `max_xml_bytes`: see `sniff.MAX_XML_BYTES`.
    """
    name = display_name or path.name
    inspect_file(path, name, max_xml_bytes)
    with _workbook(path, name, data_only=False) as wb:
        identity = read_identity(wb)
        cells = locate_fields(wb, name, identity)
        held = _read_cells(wb, cells, name)
    sub = Submission(
        values={},
        cells=cells,
        source=path,
        template_version=identity.version,
        issued_agency=identity.agency,
        issued_year=identity.year,
    )
    sub.formulas = {k: _formula_text(v) for k, (v, kind) in held.items() if kind == "f"}
    cached: dict[str, tuple[object, str]] = {}
    if sub.formulas:
        with _workbook(path, name, data_only=True) as wb:
            cached = _read_cells(wb, {k: cells[k] for k in sub.formulas}, name)
    for key, (value, _) in held.items():
        if key not in sub.formulas:
            _store(sub, key, value)
        elif cached.get(key, (None, ""))[0] is not None:
            _store(sub, key, cached[key][0])
        else:
            sub.raw[key] = sub.formulas[key]
            sub.values[key] = None
            sub.problems[key] = FORMULA_NO_VALUE
    return sub


def _store(sub: Submission, key: str, raw: object) -> None:
    """Keep what the cell held and its value parsed by the field's type (and any problem)."""
    sub.raw[key] = raw
    kind = FIELDS_BY_KEY[key].type
    if kind is FieldType.TEXT:
        sub.values[key] = _text(raw)
        return
    parsed = _PARSERS[kind](raw)
    sub.values[key] = parsed.value
    if parsed.problem:
        sub.problems[key] = parsed.problem


@contextmanager
def _workbook(path: Path, name: str, *, data_only: bool) -> Iterator[Workbook]:
    """The workbook, read-only (cells are streamed from the zip, which is several times
    cheaper than binding every style and merged cell), closed with its file on exit.

    A file object, not the path: openpyxl would refuse a sound workbook whose name does not
    end in .xlsx, and a read-only workbook reads from it until it is closed.
    """
    with path.open("rb") as handle:
        wb = _load(handle, name, data_only=data_only)
        try:
            yield wb
        finally:
            wb.close()


def _load(handle: BinaryIO, name: str, *, data_only: bool) -> Workbook:
    """openpyxl.load_workbook, with every failure of a bad file turned into `RejectedFile`."""
    with _refusing_bad_files(name), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(
            handle,
            read_only=True,
            data_only=data_only,
            keep_vba=False,
            keep_links=False,
            rich_text=False,
        )


@contextmanager
def _refusing_bad_files(name: str) -> Iterator[None]:
    """Around openpyxl calls only: whatever they raise on a damaged or hostile file becomes a
    `RejectedFile`.

    The catch is deliberately broad: on a damaged or hostile file openpyxl and the zip and XML
    layers raise almost anything (BadZipFile on a bad CRC, KeyError for a missing part, lxml
    syntax errors, ValueError, TypeError, AttributeError, IndexError …), and no traceback may
    reach the agency. Only openpyxl's own work is guarded, so our bugs are not hidden by it.
    Warnings (unsupported extensions, data validation, …) say nothing to an agency: silenced.
    (`warnings.catch_warnings` is process-wide: fine for one reader at a time, as the daemon
    runs; threads reading in parallel could briefly silence each other's warnings.)
    """
    try:
        yield
    except RejectedFile:
        raise
    except Exception as exc:
        if _is_defused(exc):
            raise RejectedFile("file.unsafe", name, UNSAFE_XML) from exc
        raise RejectedFile("file.damaged", name, "（文件内部结构有误）") from exc


def _is_defused(exc: BaseException) -> bool:
    """True if defusedxml refused the XML; openpyxl re-raises it as a plain ValueError."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DefusedXmlException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _read_cells(wb: Workbook, refs: dict[str, CellRef], name: str) -> dict[str, tuple[object, str]]:
    """key -> (value, openpyxl data type) for every ref, streaming each sheet's rows once over
    the smallest rectangle that holds its fields."""
    by_sheet: dict[str, dict[tuple[int, int], str]] = defaultdict(dict)
    for key, ref in refs.items():
        by_sheet[ref.sheet][coordinate_to_tuple(ref.coordinate)] = key
    found: dict[str, tuple[object, str]] = {}
    with _refusing_bad_files(name), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sheet, wanted in by_sheet.items():
            rows = [r for r, _ in wanted]
            cols = [c for _, c in wanted]
            top, left = min(rows), min(cols)
            grid = wb[sheet].iter_rows(
                min_row=top, max_row=max(rows), min_col=left, max_col=max(cols)
            )
            for r, row in enumerate(grid, top):
                for c, cell in enumerate(row, left):
                    at = wanted.get((r, c))
                    if at is not None:
                        found[at] = (cell.value, getattr(cell, "data_type", "n"))
    return {key: found.get(key, (None, "n")) for key in refs}


def _formula_text(value: object) -> str:
    """'=1+2' for a plain formula; array and data-table formulas carry their text inside."""
    return value if isinstance(value, str) else str(getattr(value, "text", None) or value)


def _text(raw: object) -> str:
    """Prose as the agency typed it: Excel's _xHHHH_ escapes decoded, line breaks as \\n,
    surrounding white space stripped; a number typed into a text field becomes its digits."""
    text = unescape(raw) if isinstance(raw, str) else display_raw(raw)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
