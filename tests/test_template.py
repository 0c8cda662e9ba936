"""The blank agency workbook, as an agency (and the reader) sees it when opening the file.

Everything is checked through openpyxl on the written file, and compared with `workflow.core.form`:
which cell each key names, which labels sit beside and above it, what is locked, validated
and highlighted, and what the workbook says about where it came from.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import fill_workbook
from tests.libreoffice import cell_colours, convert, needs_soffice, pdf_text
from tests.workbook_cells import assert_prints_on_a4
from workflow.core.form import (
    APPLICANT_COLUMNS,
    APPLICANT_HEADER,
    APPLICATION_ROWS,
    BALANCE_NOTE,
    FIELDS,
    FIELDS_BY_KEY,
    FORM_ID,
    LEGAL_PERSON_HEADER,
    LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
    PROSE_PARTS,
    RESULTS_HEADER,
    SECTION2_BLOCKS,
    SECTION_TITLES,
    SUM_RULES,
    TEMPLATE_VERSION,
    FieldType,
)
from workflow.core.text import LINE_PT, wrapped_lines
from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
from workflow.workbook import template
from workflow.workbook.template import (
    META_PROPERTIES,
    META_SHEET,
    SHEET_NAMES,
    alarm_cells,
    template_filename,
    write_template,
)
from workflow.workbook.template_layout import ALARM_FILL, INPUT_FILL
from workflow.workbook.template_sheets import SHEET_APPLICATIONS, SHEET_LITIGATION, SHEET_PROSE

Cell = tuple[str, str]
"""(sheet name, 'B3')"""


@pytest.fixture(scope="module")
def book(blank_workbook: Callable[..., Path]) -> OpenpyxlWorkbook:
    """The seed agency's blank workbook, loaded once; tests only read it."""
    return openpyxl.load_workbook(blank_workbook())


def cell_of(wb: OpenpyxlWorkbook, key: str) -> Cell:
    (sheet, coordinate), *rest = wb.defined_names[key].destinations
    assert not rest, f"{key} points at more than one area"
    return sheet, coordinate.replace("$", "")


def value_at(ws: Worksheet, row: int, col: int) -> object:
    """What a user sees at (row, col): the top-left value for any cell of a merged range."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            return ws.cell(merged.min_row, merged.min_col).value
    return ws.cell(row, col).value


def walk(ws: Worksheet, coordinate: str, d_row: int, d_col: int) -> list[str]:
    """The distinct labels met going from `coordinate` up (d_row=-1) or left (d_col=-1)."""
    col_letter, row = coordinate_from_string(coordinate)
    col = openpyxl.utils.column_index_from_string(col_letter)
    seen: list[str] = []
    row, col = row + d_row, col + d_col
    while row >= 1 and col >= 1:
        value = value_at(ws, row, col)
        if isinstance(value, str) and (not seen or seen[-1] != value):
            seen.append(value)
        row, col = row + d_row, col + d_col
    return seen


def csv_keys() -> list[str]:
    text = resources.files("workflow").joinpath("data/fields-2021.csv").read_text("utf-8")
    return [row["key"] for row in csv.DictReader(text.splitlines())]


def cells_in(ref: str) -> Iterator[tuple[int, int]]:
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            yield row, col


def rc(coordinate: str) -> tuple[int, int]:
    return next(cells_in(coordinate))


# --- defined names ------------------------------------------------------------------------------


def test_every_key_of_the_csv_names_exactly_one_cell(book: OpenpyxlWorkbook) -> None:
    keys = csv_keys()
    assert keys == [f.key for f in FIELDS]
    assert set(book.defined_names) == set(keys)
    for key in keys:
        sheet, coordinate = cell_of(book, key)
        assert sheet in SHEET_NAMES
        assert re.fullmatch(r"[A-Z]+[0-9]+", coordinate), (key, coordinate)


def test_no_two_keys_share_a_cell(book: OpenpyxlWorkbook) -> None:
    cells = [cell_of(book, f.key) for f in FIELDS]
    assert len(set(cells)) == len(cells)


def test_no_key_points_into_the_middle_of_a_merged_range(book: OpenpyxlWorkbook) -> None:
    for field in FIELDS:
        sheet, coordinate = cell_of(book, field.key)
        ws = book[sheet]
        row, col = rc(coordinate)
        for merged in ws.merged_cells.ranges:
            if coordinate in merged:
                assert (merged.min_row, merged.min_col) == (row, col), field.key


# --- labels where the official tables have them -------------------------------------------------


def test_sheets_are_the_five_visible_ones_then_the_hidden_meta(book: OpenpyxlWorkbook) -> None:
    assert book.sheetnames == [*SHEET_NAMES, META_SHEET]
    assert book.sheetnames[0] == "填写说明"
    assert [ws.sheet_state for ws in book.worksheets] == ["visible"] * 5 + ["veryHidden"]
    for name in book.sheetnames:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")


def test_section3_row_labels_appear_in_order(book: OpenpyxlWorkbook) -> None:
    labels = {r.label for r in APPLICATION_ROWS}
    ws = book[SHEET_APPLICATIONS]
    found = [c.value for row in ws.iter_rows() for c in row if c.value in labels]
    assert found == [r.label for r in APPLICATION_ROWS]


def test_section3_labels_headers_and_indentation(book: OpenpyxlWorkbook) -> None:
    ws = book[SHEET_APPLICATIONS]
    assert ws["A1"].value == SECTION_TITLES["applications"]
    assert ws["A2"].value == BALANCE_NOTE
    for arow in APPLICATION_ROWS:
        for column in APPLICANT_COLUMNS:
            sheet, coordinate = cell_of(book, arow.key(column))
            assert sheet == SHEET_APPLICATIONS
            left = [arow.label]
            left += [arow.group] if arow.group else []
            left += [RESULTS_HEADER] if arow.block else []
            assert walk(ws, coordinate, 0, -1) == left
            above = [column.label]
            above += [LEGAL_PERSON_HEADER] if column.is_legal_person else []
            above += [APPLICANT_HEADER, SECTION_TITLES["applications"]]
            assert walk(ws, coordinate, -1, 0) == above
        # The label starts in the column of its level: the official table's indentation.
        row = rc(cell_of(book, arow.key("natural"))[1])[0]
        label_cols = [c.column for c in ws[row] if c.value == arow.label]
        assert label_cols == [arow.level + 1], arow.label


def merged_range_of(ws: Worksheet, label: str) -> tuple[int, int, int, int]:
    """(min_row, min_col, max_row, max_col) of the merged range that shows `label`."""
    hits = [
        (m.min_row, m.min_col, m.max_row, m.max_col)
        for m in ws.merged_cells.ranges
        if ws.cell(m.min_row, m.min_col).value == label
    ]
    assert len(hits) == 1, (label, hits)
    return hits[0]


def columns_of(wb: OpenpyxlWorkbook, keys: list[str]) -> tuple[int, int]:
    cols = [rc(cell_of(wb, k)[1])[1] for k in keys]
    return min(cols), max(cols)


def test_section3_merged_headers(book: OpenpyxlWorkbook) -> None:
    ws = book[SHEET_APPLICATIONS]
    first = APPLICATION_ROWS[0]
    all_cols = columns_of(book, [first.key(c) for c in APPLICANT_COLUMNS])
    legal = columns_of(book, [first.key(c) for c in APPLICANT_COLUMNS if c.is_legal_person])
    r0, c0, r1, c1 = merged_range_of(ws, APPLICANT_HEADER)
    assert (r0, r1) == (2, 2) and (c0, c1) == all_cols
    r0, c0, r1, c1 = merged_range_of(ws, LEGAL_PERSON_HEADER)
    assert (r0, r1) == (3, 3) and (c0, c1) == legal
    for label in ("自然人", "总计"):
        assert merged_range_of(ws, label)[0::2] == (3, 4), f"{label} spans both header rows"
    top, _, bottom, _ = merged_range_of(ws, RESULTS_HEADER)
    rows = [rc(cell_of(book, a.key("natural"))[1])[0] for a in APPLICATION_ROWS if a.block]
    assert (top, bottom) == (min(rows), max(rows))


def test_section4_merged_headers(book: OpenpyxlWorkbook) -> None:
    ws = book[SHEET_LITIGATION]
    for header in dict.fromkeys(g.header for g in LITIGATION_GROUPS):
        keys = [
            g.key(s) for g in LITIGATION_GROUPS if g.header == header for s, _ in LITIGATION_COLUMNS
        ]
        r0, c0, r1, c1 = merged_range_of(ws, header)
        assert r0 == r1 == 2 and (c0, c1) == columns_of(book, keys)
    for group in LITIGATION_GROUPS:
        for suffix, label in LITIGATION_COLUMNS:
            sheet, coordinate = cell_of(book, group.key(suffix))
            assert sheet == SHEET_LITIGATION
            path = [label, *(h for h in (group.subheader, group.header) if h)]
            assert walk(ws, coordinate, -1, 0) == [*path, SECTION_TITLES["litigation"]]
            # Without a sub-header the column header fills both lower header rows.
            row, col = rc(coordinate)
            assert value_at(ws, row - 2, col) == (group.subheader or label)
        if group.subheader:
            keys = [group.key(s) for s, _ in LITIGATION_COLUMNS]
            r0, c0, r1, c1 = merged_range_of(ws, group.subheader)
            assert r0 == r1 == 3 and (c0, c1) == columns_of(book, keys)


def test_section2_blocks(book: OpenpyxlWorkbook) -> None:
    for block in SECTION2_BLOCKS:
        for item in block.rows:
            for column, key in zip(block.columns, item.keys, strict=True):
                sheet, coordinate = cell_of(book, key)
                ws = book[sheet]
                assert sheet == "二、主动公开"
                assert walk(ws, coordinate, 0, -1) == [item.label]
                assert walk(ws, coordinate, -1, 0)[:2] == [column, block.article]
                header_row = rc(coordinate)[0] - 1 - block.rows.index(item)
                assert ws.cell(header_row, 1).value == "信息内容"


def test_prose_parts_under_their_headings(book: OpenpyxlWorkbook) -> None:
    ws = book[SHEET_PROSE]
    for part in PROSE_PARTS:
        sheet, coordinate = cell_of(book, part.key)
        assert sheet == SHEET_PROSE
        label, *_ = walk(ws, coordinate, 0, -1)
        name = part.heading or FIELDS_BY_KEY[part.key].row_label or "正文"
        assert label.startswith(name)
        assert ("必填" in label) == part.required
        assert part.section in walk(ws, coordinate.replace("B", "A"), -1, 0)
        assert ws.row_dimensions[rc(coordinate)[0]].height >= 100, "prose rows are tall"
    # 一 fills its page; 五 starts a new one rather than leaving its heading at the foot.
    heading_row = next(c.row for c in ws["A"] if c.value == SECTION_TITLES["problems"])
    assert [b.id for b in ws.row_breaks.brk] == [heading_row - 1]


def test_agency_and_year_are_filled_and_locked(book: OpenpyxlWorkbook) -> None:
    for key, expected in (("agency_name", SEED_AGENCY), ("report_year", SEED_YEAR)):
        sheet, coordinate = cell_of(book, key)
        cell = book[sheet][coordinate]
        assert cell.value == expected
        assert cell.protection.locked
        assert walk(book[sheet], coordinate, 0, -1) == [FIELDS_BY_KEY[key].row_label]


def test_instructions_say_what_an_agency_needs(book: OpenpyxlWorkbook) -> None:
    text = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    for needle in (
        SEED_AGENCY,
        str(SEED_YEAR),
        "阿拉伯数字",
        "万元",
        "6 位小数",
        "勾稽关系",
        "空白单元格按 0 计算",
        ".xlsx",
        "重命名",
        "Alt+Enter",
        # why a total turns red, and that numbers pasted as text do not make it so
        "合计变红的原因",
        "不能当作数字的文字",
        "全角数字",
    ):
        assert needle in text, needle
    for rule in SUM_RULES:
        assert f"{rule.left_label} = {rule.right_label}" in text


# --- what can be typed where --------------------------------------------------------------------


def test_sheets_are_protected_without_password_rows_and_columns_resizable(
    book: OpenpyxlWorkbook,
) -> None:
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password
    for name in SHEET_NAMES:
        protection = book[name].protection
        assert protection.formatColumns is False and protection.formatRows is False


def test_inputs_are_unlocked_everything_else_locked(book: OpenpyxlWorkbook) -> None:
    inputs = {cell_of(book, f.key) for f in FIELDS if f.key not in ("agency_name", "report_year")}
    for key in ("agency_name", "report_year"):
        assert cell_of(book, key) not in inputs
    for sheet, coordinate in inputs:
        assert book[sheet][coordinate].protection.locked is False, coordinate
    unlocked = {
        (name, cell.coordinate)
        for name in SHEET_NAMES
        for row in book[name].iter_rows()
        for cell in row
        if not isinstance(cell, MergedCell) and not cell.protection.locked
    }
    assert unlocked == inputs


def test_number_formats_and_text_cells(book: OpenpyxlWorkbook) -> None:
    expected = {FieldType.COUNT: "0", FieldType.WAN_YUAN: "0.0000##", FieldType.TEXT: "@"}
    for field in FIELDS:
        if field.key in ("agency_name", "report_year"):
            continue
        sheet, coordinate = cell_of(book, field.key)
        cell = book[sheet][coordinate]
        assert cell.number_format == expected[field.type], field.key
        if field.type is FieldType.TEXT:
            assert cell.alignment.wrap_text


def test_no_cell_holds_a_formula(book: OpenpyxlWorkbook) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)


def test_every_numeric_input_is_validated_by_type(book: OpenpyxlWorkbook) -> None:
    kinds = {FieldType.COUNT: "whole", FieldType.WAN_YUAN: "decimal"}
    for field in FIELDS:
        if not field.is_numeric:
            continue
        sheet, coordinate = cell_of(book, field.key)
        dvs = [dv for dv in book[sheet].data_validations.dataValidation if coordinate in dv.sqref]
        assert len(dvs) == 1, field.key
        dv = dvs[0]
        assert (dv.type, dv.operator, dv.formula1) == (kinds[field.type], "greaterThanOrEqual", "0")
        assert dv.showErrorMessage and dv.showInputMessage
        assert dv.errorStyle in (None, "stop")
        for text in (dv.promptTitle, dv.prompt, dv.errorTitle, dv.error):
            assert text and re.search(r"[\u4e00-\u9fff]", text)


def test_text_inputs_have_a_hint_but_no_restriction(book: OpenpyxlWorkbook) -> None:
    for part in PROSE_PARTS:
        sheet, coordinate = cell_of(book, part.key)
        dvs = [dv for dv in book[sheet].data_validations.dataValidation if coordinate in dv.sqref]
        assert [(dv.type, bool(dv.prompt)) for dv in dvs] in ([(None, True)], [("any", True)])


# --- totals turn red ----------------------------------------------------------------------------

_COUNTED = re.compile(r"SUMPRODUCT\(IFERROR\(--TRIM\(ASC\(([^)]*)\)\),0\)\)")
"""One range counted as the office counts it (template.number_of)."""


def referenced(side: str) -> set[tuple[int, int]]:
    """The cells one side of '<>' counts; None when the side is not a sum of counted ranges."""
    refs = _COUNTED.findall(side)
    if "+".join(f"SUMPRODUCT(IFERROR(--TRIM(ASC({r})),0))" for r in refs) != side:
        return set()
    return {cell for ref in refs for cell in cells_in(ref)}


def test_every_sum_rule_turns_its_total_red(book: OpenpyxlWorkbook) -> None:
    for rule in SUM_RULES:
        sheet = cell_of(book, rule.left[0])[0]
        left = {rc(cell_of(book, k)[1]) for k in rule.left}
        right = {rc(cell_of(book, k)[1]) for k in rule.right}
        for key in alarm_cells(rule):
            coordinate = cell_of(book, key)[1]
            formulas = [
                f
                for cf in book[sheet].conditional_formatting
                if coordinate in cf.sqref
                for cf_rule in cf.rules
                for f in cf_rule.formula
            ]
            sums = [f.split("<>") for f in formulas if f.count("<>") == 1]
            assert (left, right) in [(referenced(a), referenced(b)) for a, b in sums], (
                rule.rule,
                rule.scope,
                key,
            )


def test_the_balance_marks_results_and_carried_over() -> None:
    balance = [r for r in SUM_RULES if r.rule == "sum.balance"]
    assert balance
    for rule in balance:
        assert {k.split("_")[1] for k in alarm_cells(rule)} == {"handled", "carried"}
    for rule in SUM_RULES:
        if rule.rule != "sum.balance":
            assert alarm_cells(rule) == rule.left


# --- where the workbook came from ---------------------------------------------------------------


def test_custom_properties_and_meta_sheet_record_the_issue(book: OpenpyxlWorkbook) -> None:
    expected = {
        "wf_form": FORM_ID,
        "wf_template_version": TEMPLATE_VERSION,
        "wf_agency": SEED_AGENCY,
        "wf_year": str(SEED_YEAR),
    }
    assert set(META_PROPERTIES.values()) == set(expected)
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props == expected
    meta = book[META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    rows = [(a.value, b.value) for a, b in meta["A1:B4"]]
    assert dict(rows) == expected
    assert all(isinstance(v, str) for pair in rows for v in pair)


def test_filled_and_saved_with_openpyxl_keeps_names_properties_and_checks(
    book: OpenpyxlWorkbook, make_workbook: Callable[..., Path]
) -> None:
    filled = openpyxl.load_workbook(make_workbook())
    assert {k: cell_of(filled, k) for k in csv_keys()} == {k: cell_of(book, k) for k in csv_keys()}
    for key, value in seed_values().items():
        sheet, coordinate = cell_of(filled, key)
        assert filled[sheet][coordinate].value == value
    props = {p.name: p.value for p in filled.custom_doc_props.props}
    assert props[META_PROPERTIES["agency"]] == SEED_AGENCY
    assert props[META_PROPERTIES["template_version"]] == TEMPLATE_VERSION
    for name in (SHEET_APPLICATIONS, SHEET_LITIGATION):
        assert filled[name].data_validations.dataValidation
        assert list(filled[name].conditional_formatting)
        assert filled[name].protection.sheet
    assert filled[META_SHEET].sheet_state == "veryHidden"


# --- print setup --------------------------------------------------------------------------------


def test_print_setup_a4_fit_to_width(book: OpenpyxlWorkbook) -> None:
    for name in SHEET_NAMES:
        ws = book[name]
        assert ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight in (0, "0")
    for name in (SHEET_APPLICATIONS, SHEET_LITIGATION):
        assert book[name].page_setup.orientation == "landscape"
    assert book[SHEET_APPLICATIONS].print_title_rows


# --- file names and writing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        ("后河镇人民政府", "后河镇人民政府2021年政府信息公开工作年度报告.xlsx"),
        ("../evil", "_evil2021年政府信息公开工作年度报告.xlsx"),
        ("a/b", "a_b2021年政府信息公开工作年度报告.xlsx"),
        ("a\\b", "a_b2021年政府信息公开工作年度报告.xlsx"),
        ("时间:午", "时间_午2021年政府信息公开工作年度报告.xlsx"),
        ("CON", "CON_2021年政府信息公开工作年度报告.xlsx"),
    ],
)
def test_template_filename(agency: str, expected: str) -> None:
    assert template_filename(agency, 2021) == expected


def test_template_filename_of_a_very_long_name_fits_a_file_system() -> None:
    name = template_filename("某" * 300, 2021)
    assert name.endswith("2021年政府信息公开工作年度报告.xlsx")
    assert len(name.encode("utf-8")) <= 255


def test_write_template_stays_in_its_folder_and_keeps_the_real_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = write_template(out, "../后河镇:党政办", 2022)
    assert path.parent == out and path.exists()
    assert [p.name for p in out.iterdir()] == [path.name]
    wb = openpyxl.load_workbook(path)
    sheet, coordinate = cell_of(wb, "agency_name")
    assert wb[sheet][coordinate].value == "../后河镇:党政办"
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["wf_agency"] == "../后河镇:党政办" and props["wf_year"] == "2022"


def test_write_template_replaces_and_fails_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_template(tmp_path, SEED_AGENCY, SEED_YEAR)
    first.write_bytes(b"old")
    assert write_template(tmp_path, SEED_AGENCY, SEED_YEAR) == first
    before = first.read_bytes()
    assert before != b"old"

    def boom(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(template, "write_template_marks", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_template(tmp_path, SEED_AGENCY, SEED_YEAR)
    assert [p.name for p in tmp_path.iterdir()] == [first.name], "no temp file left behind"
    assert first.read_bytes() == before


@pytest.mark.parametrize(
    ("agency", "year"),
    [("", 2021), ("   ", 2021), ("a\x00b", 2021), (SEED_AGENCY, 21), (SEED_AGENCY, True)],
)
def test_write_template_rejects_what_cannot_be_issued(
    agency: str, year: int, tmp_path: Path
) -> None:
    with pytest.raises(ValueError):
        write_template(tmp_path, agency, year)
    assert not list(tmp_path.iterdir())


# --- what the clerk sees in LibreOffice ---------------------------------------------------------


@pytest.mark.slow
@needs_soffice
def test_totals_count_numbers_typed_as_text_as_the_office_does(
    blank_workbook: Callable[[str, int], Path], tmp_path: Path
) -> None:
    """A total of parts pasted as text ("３", "2 ", "1") is right and stays white; a wrong total
    and a number cell holding "三件" turn red, as LibreOffice renders them."""
    filled = fill_workbook(
        blank_workbook(SEED_AGENCY, SEED_YEAR),
        {
            "apply_new_natural": "３",
            "apply_new_business": "2 ",
            "apply_new_research": "1",
            "apply_new_total": 6,
            "apply_carried_in_natural": 7,
            "apply_carried_in_total": 8,
            "apply_granted_business": "三件",
        },
        tmp_path / "filled.xlsx",
    )
    colours = dict(cell_colours(filled, tmp_path))
    assert colours["6"] == INPUT_FILL
    assert colours["8"] == ALARM_FILL
    assert colours["三件"] == ALARM_FILL
    assert colours["３"] == INPUT_FILL


def test_every_sheet_prints_on_a4_under_the_agency_and_year(
    blank_workbook: Callable[[str, int], Path],
) -> None:
    sheets = assert_prints_on_a4(blank_workbook(SEED_AGENCY, SEED_YEAR), f"{SEED_AGENCY} 2021年")
    assert sheets == list(SHEET_NAMES)


# --- long answers are read whole ----------------------------------------------------------------

LONG_ANSWER = (
    "本年度我镇政府信息公开工作存在的主要问题是：公开内容不够全面，政策解读不够深入，"
    "回应群众关切不够及时。" * 30
)[:960] + "下一步我们将切实改进。"
"""A 971-character section, as a real report has, with an ending to look for."""


def test_prose_rows_start_tall_and_are_fitted_to_what_is_typed(
    blank_workbook: Callable[[str, int], Path], book: OpenpyxlWorkbook
) -> None:
    """Room to type at first, and no height fixed by hand: Excel, WPS and LibreOffice fit the
    row to a long answer as it is typed, instead of showing its first ten lines."""
    prose_rows = {rc(cell_of(book, part.key)[1])[0] for part in PROSE_PARTS}
    with zipfile.ZipFile(blank_workbook(SEED_AGENCY, SEED_YEAR)) as zf:
        index = SHEET_NAMES.index(SHEET_PROSE) + 1
        xml = zf.read(f"xl/worksheets/sheet{index}.xml").decode()
    rows = {int(r): attrs for r, attrs in re.findall(r'<row r="(\d+)"([^>]*)>', xml)}
    for row in prose_rows:
        assert float(re.search(r'ht="([\d.]+)"', rows[row]).group(1)) >= 100  # type: ignore[union-attr]
        assert "customHeight" not in rows[row], row
    fixed = [r for r, attrs in rows.items() if r not in prose_rows and 'ht="' in attrs]
    assert fixed and all('customHeight="1"' in rows[r] for r in fixed)  # labels stay as set


def test_a_long_answer_filled_in_gets_a_row_tall_enough(
    blank_workbook: Callable[[str, int], Path], tmp_path: Path
) -> None:
    assert len(LONG_ANSWER) == 971
    filled = fill_workbook(
        blank_workbook(SEED_AGENCY, SEED_YEAR), {"text_problems": LONG_ANSWER}, tmp_path / "f.xlsx"
    )
    wb = openpyxl.load_workbook(filled)
    try:
        sheet, coordinate = cell_of(wb, "text_problems")
        ws = wb[sheet]
        lines = wrapped_lines(LONG_ANSWER, ws.column_dimensions["B"].width)
        assert lines > 15
        assert ws.row_dimensions[rc(coordinate)[0]].height >= lines * LINE_PT
    finally:
        wb.close()


@pytest.mark.slow
@needs_soffice
def test_a_long_answer_prints_whole(
    blank_workbook: Callable[[str, int], Path], tmp_path: Path
) -> None:
    filled = fill_workbook(
        blank_workbook(SEED_AGENCY, SEED_YEAR), {"text_problems": LONG_ANSWER}, tmp_path / "f.xlsx"
    )
    printed = "".join(pdf_text(convert(filled, "pdf", tmp_path)).split())
    assert "".join(LONG_ANSWER.split()) in printed


def test_the_instructions_and_the_fee_hint_follow_the_office_setting(tmp_path: Path) -> None:
    """An office that keeps fees to the 元 (`[checks] fee_decimals = 4`) issues workbooks that
    say 4 places, in the 填写说明 and in the fee cell's input hint."""
    from click.testing import CliRunner

    from workflow.cli import main

    cfg = tmp_path / "config.toml"
    cfg.write_text('[checks]\nfee_decimals = 4\n[[agencies]]\nname = "甲镇人民政府"\n', "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["template", "--all", "--year", "2021", "--out", str(out), "--config", str(cfg)]
    )
    assert result.exit_code == 0, result.output
    (made,) = out.glob("*.xlsx")
    book = openpyxl.load_workbook(made)
    text = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "最多保留 4 位小数" in text and "6 位小数" not in text
    hints = [v.prompt or "" for ws in book.worksheets for v in ws.data_validations.dataValidation]
    assert any("最多保留4位小数" in h for h in hints)
    assert not any("最多保留6位小数" in h for h in hints)
