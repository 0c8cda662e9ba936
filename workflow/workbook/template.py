"""The blank agency workbook: one per agency and year, issued by the office, filled in, sent back.

The workbook looks like the official tables so that an agency recognises its report, and it is
built for the reader as much as for the agency:

- every field of `form.FIELDS` is a workbook-scoped defined name on exactly one cell, named by
  its key, so the reader never depends on the layout;
- agency name and year are filled in and locked, labels are locked, every sheet is protected
  (no password: protection prevents slips, it is not security) and only the inputs are open;
- numeric inputs carry data validation and number formats, prose inputs are text-formatted so
  that '=…' stays text; no cell holds a formula;
- conditional formats derived from `form.SUM_RULES` turn a total red while it disagrees with its
  parts, so most 勾稽关系 errors are fixed before the file is sent. They count what the office
  counts (`number_of`): a number pasted or typed as text ('3, "3 ", full-width "３") counts as
  its number, as the reader takes it, where SUM would skip it and turn a right total red; a
  number cell holding text that is no number ("三件") turns red itself, so the clerk sees why;
- which form, template version, agency and year the workbook was issued for is recorded as
  custom document properties (`META_PROPERTIES`) and, as a fallback, in a very hidden,
  protected sheet `META_SHEET` (A1:B4, name / value as text).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from itertools import groupby
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from workflow.core.atomic import atomic_path
from workflow.core.cell_values import FEE_DECIMALS
from workflow.core.form import (
    FIELDS,
    FIELDS_BY_KEY,
    FORM_ID,
    REPORT_TITLE_SUFFIX,
    SUM_RULES,
    TEMPLATE_VERSION,
    FieldType,
    SumRule,
)
from workflow.core.names import safe_name
from workflow.workbook.mark_names import META_PROPERTIES, META_SHEET
from workflow.workbook.template_instructions import (
    INSTRUCTION_WIDTHS,
    SHEET_INSTRUCTIONS,
    write_instructions,
)
from workflow.workbook.template_layout import Placed, Sheet, Styles, let_rows_grow, rectangles
from workflow.workbook.template_sheets import (
    APPLICATION_WIDTHS,
    LITIGATION_WIDTHS,
    PROACTIVE_WIDTHS,
    PROSE_WIDTHS,
    SHEET_APPLICATIONS,
    SHEET_LITIGATION,
    SHEET_PROACTIVE,
    SHEET_PROSE,
    write_applications,
    write_litigation,
    write_proactive,
    write_prose,
)

__all__ = [
    "META_PROPERTIES",
    "META_SHEET",
    "NOT_A_NUMBER",
    "SHEET_NAMES",
    "alarm_cells",
    "number_of",
    "template_filename",
    "write_template",
    "write_template_marks",
]

SHEET_NAMES: tuple[str, ...] = (
    SHEET_INSTRUCTIONS,
    SHEET_PROSE,
    SHEET_PROACTIVE,
    SHEET_APPLICATIONS,
    SHEET_LITIGATION,
)
"""The visible sheets, in order (the very hidden `META_SHEET` comes last)."""

_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
_VALIDATIONS: dict[FieldType, dict[str, object]] = {
    FieldType.COUNT: {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "input_title": "填写件数",
        "input_message": "请填写不小于0的整数（阿拉伯数字）。没有的填0或留空，留空按0计算。"
        "填了文字的单元格和与分项之和不符的合计会变红，见“填写说明”第6条。",
        "error_title": "件数填写有误",
        "error_message": "这里只能填写不小于0的整数，例如 0、3、12。请不要填写文字、小数或负数。",
    },
    FieldType.WAN_YUAN: {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "input_title": "填写金额（单位：万元）",
        "input_message": "单位是万元，不是元；不小于0，最多保留{places}位小数，例如3500元填0.35。"
        "没有收费的填0或留空。",
        "error_title": "金额填写有误",
        "error_message": "这里只能填写不小于0的数字，单位为万元，最多保留{places}位小数。",
    },
}


def template_filename(agency: str, year: int) -> str:
    """'后河镇人民政府2021年政府信息公开工作年度报告.xlsx': the agency sees at once whose it is."""
    return f"{safe_name(agency)}{year}{REPORT_TITLE_SUFFIX}.xlsx"


def write_template(out_dir: Path, agency: str, year: int, fee_decimals: int = FEE_DECIMALS) -> Path:
    """Write the blank workbook for `agency` and `year` into `out_dir`; return its path.
    `fee_decimals` is the office's ``[checks] fee_decimals``, which the 填写说明 and the fee's
    input hint state.

    The file is built under a temp name and renamed into place, so a half-written workbook
    is never mailed out; an existing workbook of the same name is replaced.
    """
    agency = _clean_agency(agency)
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
        raise ValueError(f"year must be a four-digit year, got {year!r}")
    target = Path(out_dir) / template_filename(agency, year)
    with atomic_path(target) as tmp:
        with Workbook(str(tmp), _WORKBOOK_OPTIONS) as workbook:
            growing = _build(workbook, agency, year, fee_decimals)
        let_rows_grow(tmp, growing)
    return target


def _clean_agency(agency: str) -> str:
    """One line, no control characters: the name goes into a cell, a title and XML properties."""
    cleaned = " ".join(agency.split())
    if not cleaned:
        raise ValueError("agency name is empty")
    bad = [c for c in cleaned if unicodedata.category(c) in ("Cc", "Cs")]
    if bad:
        raise ValueError(f"agency name contains control characters: {agency!r}")
    return cleaned


def _build(
    workbook: Workbook, agency: str, year: int, fee_decimals: int = FEE_DECIMALS
) -> dict[int, frozenset[int]]:
    """Write every sheet; return the rows to fit to their text, by 1-based sheet number."""
    styles = Styles(workbook)
    placed: dict[str, Placed] = {}
    writers: tuple[tuple[str, tuple[float, ...], Callable[[Sheet], None]], ...] = (
        (
            SHEET_INSTRUCTIONS,
            INSTRUCTION_WIDTHS,
            lambda s: write_instructions(s, agency, year, fee_decimals),
        ),
        (SHEET_PROSE, PROSE_WIDTHS, lambda s: write_prose(s, agency, year)),
        (SHEET_PROACTIVE, PROACTIVE_WIDTHS, write_proactive),
        (SHEET_APPLICATIONS, APPLICATION_WIDTHS, write_applications),
        (SHEET_LITIGATION, LITIGATION_WIDTHS, write_litigation),
    )
    sheets: list[Sheet] = []
    for name, widths, write in writers:
        sheets.append(Sheet(workbook, name, widths, styles, placed, f"{agency} {year}年"))
        write(sheets[-1])

    missing = [f.key for f in FIELDS if f.key not in placed]
    if missing:
        raise ValueError(f"fields without a cell: {missing}")
    for key, cell in placed.items():
        if workbook.define_name(key, f"='{cell.sheet}'!{cell.absolute}") == -1:
            raise ValueError(f"cannot define name {key!r}")
    by_sheet = {s.name: s for s in sheets}
    _add_validations(by_sheet, placed, fee_decimals)
    _add_sum_alarms(by_sheet, placed, styles)
    for each in sheets:
        each.finish()
        each.protect()
    write_template_marks(workbook, agency, year)
    workbook.set_properties(
        {
            "title": f"{agency}{year}{REPORT_TITLE_SUFFIX}",
            "subject": "政府信息公开工作年度报告填报工作簿",
            "comments": "由政务公开办统一下发，请在浅黄色单元格中填写后发回。",
        }
    )
    return {n: sheet.growing_rows for n, sheet in enumerate(sheets, 1) if sheet.growing_rows}


def write_template_marks(workbook: Workbook, agency: str, year: int) -> None:
    """The marks by which the reader knows our workbook (form, template version, agency,
    year): as custom document properties and in the very hidden, protected `META_SHEET`.
    The agency workbook and the office's summary workbook both carry them."""
    values = {
        "form": FORM_ID,
        "template_version": TEMPLATE_VERSION,
        "agency": agency,
        "year": str(year),
    }
    marks = {META_PROPERTIES[role]: value for role, value in values.items()}
    for name, value in marks.items():
        workbook.set_custom_property(name, value, "text")
    ws = workbook.add_worksheet(META_SHEET)
    text = workbook.add_format({"num_format": "@"})
    for row, (name, value) in enumerate(marks.items()):
        ws.write_string(row, 0, name, text)
        ws.write_string(row, 1, value, text)
    ws.very_hidden()
    ws.protect()


def _add_validations(
    sheets: Mapping[str, Sheet], placed: Mapping[str, Placed], fee_decimals: int
) -> None:
    """One validation per sheet and type over all its inputs; prose gets an input hint only.
    The fee's messages name the office's limit of places (``[checks] fee_decimals``)."""

    def kind(cell: Placed) -> tuple[str, FieldType]:
        return cell.sheet, FIELDS_BY_KEY[cell.key].type

    inputs = sorted((c for c in placed.values() if kind(c)[1] in _VALIDATIONS), key=kind)
    for (sheet_name, field_type), run in groupby(inputs, key=kind):
        cells = list(run)
        ranges = rectangles(cells)
        options = {
            **{
                k: v.format(places=fee_decimals) if isinstance(v, str) else v
                for k, v in _VALIDATIONS[field_type].items()
            },
            "multi_range": " ".join(ranges),
        }
        first = cells[0]
        if sheets[sheet_name].ws.data_validation(
            first.row, first.col, first.row, first.col, options
        ):
            raise ValueError(f"invalid data validation on {sheet_name}: {options}")
    for cell in placed.values():
        field = FIELDS_BY_KEY[cell.key]
        if field.type is not FieldType.TEXT or cell.key == "agency_name":
            continue
        hint = "必填。" if field.required else "可不填。"
        options = {
            "validate": "any",
            "input_title": (field.row_label or field.section)[:32],
            "input_message": f"{hint}直接输入文字，需要分段时按 Alt+Enter 换行。",
        }
        ws = sheets[cell.sheet].ws
        if ws.data_validation(cell.row, cell.col, cell.row, cell.col, options):
            raise ValueError(f"invalid input message for {cell.key}: {options}")


def alarm_cells(rule: SumRule) -> tuple[str, ...]:
    """The keys whose cells turn red when `rule` fails.

    The total of a sum, or, for the balance 一+二 = （七）总计+四 (two keys on each side), the
    right-hand side: 一 and 二 are typed first, the results after, so that is where it shows.
    """
    return rule.left if len(rule.left) == 1 else rule.right


def number_of(ref: str) -> str:
    """A formula for the sum of `ref` (one cell or range) as the office reads it.

    ASC turns full-width digits and spaces half-width, TRIM drops the spaces around, "--" makes
    the text a number; IFERROR counts a blank (or text that is no number, reported by the
    office on its own cell) as 0; SUMPRODUCT takes it over the range. Numbers pass through
    unchanged (3 -> "3" -> 3). Conditional-format formulas are evaluated as array formulas by
    Excel and WPS; LibreOffice's rendering is checked by the tests (tests/libreoffice.py).
    """
    return f"SUMPRODUCT(IFERROR(--TRIM(ASC({ref})),0))"


NOT_A_NUMBER = "AND(ISTEXT({cell}),LEN(TRIM(ASC({cell})))>0,ISERROR(--TRIM(ASC({cell}))))"
"""True for a number cell holding text that no reading makes a number ("三件", "约10")."""


def _add_sum_alarms(
    sheets: Mapping[str, Sheet], placed: Mapping[str, Placed], styles: Styles
) -> None:
    """A conditional format per `SUM_RULES` entry: red while the parts and the total, counted
    as the office counts them (`number_of`), disagree; and red on every number cell that holds
    text no reading makes a number, which the office reports as an error of its own.
    """
    for rule in SUM_RULES:
        marked = [placed[k] for k in alarm_cells(rule)]
        sheet_name = marked[0].sheet
        if any(placed[k].sheet != sheet_name for k in (*rule.left, *rule.right)):
            raise ValueError(f"rule {rule.rule} spans sheets")
        left = "+".join(map(number_of, rectangles((placed[k] for k in rule.left), absolute=True)))
        right = "+".join(map(number_of, rectangles((placed[k] for k in rule.right), absolute=True)))
        first = marked[0]
        options = {
            "type": "formula",
            "criteria": f"={left}<>{right}",
            "format": styles.alarm,
            "multi_range": " ".join(rectangles(marked)),
        }
        ws = sheets[sheet_name].ws
        if ws.conditional_format(first.row, first.col, first.row, first.col, options):
            raise ValueError(f"invalid conditional format for {rule.rule}: {options}")
    numeric = sorted(
        (c for c in placed.values() if FIELDS_BY_KEY[c.key].type in _VALIDATIONS),
        key=lambda c: (c.sheet, c.row, c.col),
    )
    for sheet_name, run in groupby(numeric, key=lambda c: c.sheet):
        cells = list(run)
        ranges = rectangles(cells)
        top_left = min(cells, key=lambda c: (c.row, c.col))
        anchor = xl_rowcol_to_cell(top_left.row, top_left.col)
        options = {
            "type": "formula",
            "criteria": "=" + NOT_A_NUMBER.format(cell=anchor),
            "format": styles.alarm,
            "multi_range": " ".join(ranges),
        }
        ws = sheets[sheet_name].ws
        if ws.conditional_format(top_left.row, top_left.col, top_left.row, top_left.col, options):
            raise ValueError(f"invalid conditional format for text in {sheet_name}: {options}")
