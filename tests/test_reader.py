"""`read_workbook`: our template in, a `Submission` out; anything else a `RejectedFile` whose
Chinese message names the file and says what to send instead. Never a traceback."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import defusedxml
import lxml.etree
import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import StringProperty

from tests.conftest import MakeWorkbook
from tests.hostile import EXTERNAL_ENTITY, prepend_doctype, rewrite_member, truncated
from workflow.core.errors import RejectedFile
from workflow.core.form import FIELDS, TEMPLATE_VERSION
from workflow.core.submission import CellRef
from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
from workflow.workbook import reader
from workflow.workbook.fill import fill_by_name
from workflow.workbook.meta import SUPPORTED_VERSIONS
from workflow.workbook.reader import read_workbook
from workflow.workbook.template_sheets import SHEET_APPLICATIONS, SHEET_PROSE

Blank = Callable[..., Path]


def rejected(path: Path, rule: str, *fragments: str) -> str:
    """Assert `path` is rejected with `rule` and a message that names it, says what to do
    (every file.* message has a 请… sentence) and holds each fragment."""
    with pytest.raises(RejectedFile) as caught:
        read_workbook(path)
    message = str(caught.value)
    assert caught.value.rule == rule, message
    assert f"“{path.name}”" in message
    assert "请" in message
    for fragment in fragments:
        assert fragment in message
    return message


def edited(src: Path, dst: Path, change: Callable[[openpyxl.Workbook], object]) -> Path:
    """A copy of `src` changed with openpyxl, the way an agency's script (or Excel) might."""
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(dst)
    return dst


def set_property(name: str, value: str | None) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        props = [p for p in wb.custom_doc_props.props if p.name != name]
        if value is not None:
            props.append(StringProperty(name=name, value=value))
        wb.custom_doc_props.props = props

    return change


def patch_xml(src: Path, dst: Path, old: bytes, new: bytes) -> Path:
    """Replace `old` by `new` in the one member (worksheet, shared strings) that contains it:
    for what openpyxl will not write, like a cached formula result or a 40,000-char string."""
    with zipfile.ZipFile(src) as archive:
        member = next(n for n in archive.namelist() if old in archive.read(n))
    return rewrite_member(src, dst, member, lambda xml: xml.replace(old, new))


# --- the template read back ---------------------------------------------------------------------


def test_blank_template(blank_workbook: Blank) -> None:
    path = blank_workbook()
    sub = read_workbook(path)
    assert set(sub.values) == {f.key for f in FIELDS}
    assert sub.problems == {}
    assert sub.formulas == {}
    assert (sub.template_version, sub.issued_agency, sub.issued_year) == (
        TEMPLATE_VERSION,
        SEED_AGENCY,
        SEED_YEAR,
    )
    assert sub.source == path
    assert sub.values["agency_name"] == SEED_AGENCY
    assert sub.values["report_year"] == SEED_YEAR
    assert sub.values["apply_new_total"] == 0
    assert sub.values["fees_amount"] == Decimal(0)
    assert sub.values["text_problems"] == ""


def test_every_cell_is_where_its_defined_name_points(blank_workbook: Blank) -> None:
    path = blank_workbook()
    wb = openpyxl.load_workbook(path)
    expected = {}
    for field in FIELDS:
        sheet, coordinate = next(iter(wb.defined_names[field.key].destinations))
        expected[field.key] = CellRef(sheet, coordinate.replace("$", ""))
    assert read_workbook(path).cells == expected
    assert str(expected["agency_name"]) == f"{SHEET_PROSE}!B3"


def test_seed_report(make_workbook: MakeWorkbook) -> None:
    sub = read_workbook(make_workbook())
    assert sub.values == seed_values()
    assert sub.raw["penalty_decisions"] == 3
    assert sub.problems == {}
    assert sub.agency == SEED_AGENCY
    assert sub.year == SEED_YEAR


def test_supported_versions_is_the_template_version() -> None:
    assert reader.SUPPORTED_VERSIONS == SUPPORTED_VERSIONS == {TEMPLATE_VERSION}


# --- values as agencies type them ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value", "problem"),
    [
        ("３", 3, None),
        (" 3 ", 3, None),
        ("3.0", 3, None),
        (3.0, 3, None),
        ("1,234", 1234, None),
        (None, 0, None),
        ("", 0, None),
        ("三件", None, "value.not_number"),
        ("约10", None, "value.not_number"),
        ("-1", None, "value.negative"),
        (-1, None, "value.negative"),
        ("1.5", None, "value.not_whole"),
    ],
)
def test_counts(make_workbook: MakeWorkbook, typed: object, value: object, problem: str) -> None:
    sub = read_workbook(make_workbook(apply_new_natural=typed))
    assert sub.values["apply_new_natural"] == value
    assert sub.problems.get("apply_new_natural") == problem
    assert sub.raw["apply_new_natural"] == typed or typed == ""  # openpyxl keeps "" as None


def test_fee_and_year(make_workbook: MakeWorkbook) -> None:
    sub = read_workbook(make_workbook(fees_amount="0.35", report_year="２０２１年"))
    assert sub.values["fees_amount"] == Decimal("0.35")
    assert sub.values["report_year"] == 2021
    sub = read_workbook(make_workbook(fees_amount=1.23456, report_year="去年"))
    # the places are the checks' business ([checks] fee_decimals): the reader keeps them all
    assert sub.problems == {"report_year": "value.not_number"}
    assert sub.values["fees_amount"] == Decimal("1.23456")
    sub = read_workbook(make_workbook(fees_amount=0.1 + 0.2))
    assert sub.values["fees_amount"] == Decimal("0.3")  # float noise is not six more places


def test_text_is_normalised(make_workbook: MakeWorkbook) -> None:
    sub = read_workbook(
        make_workbook(
            text_overview="  第一段\r\n第二段\r\n  ",
            text_problems="第一段_x000D_\n第二段",  # how Excel stores a pasted CR LF
            text_other=2021,
            agency_name=" 后河镇人民政府\n",
        )
    )
    assert sub.values["text_overview"] == "第一段\n第二段"
    assert sub.values["text_problems"] == "第一段\n第二段"
    assert sub.values["text_other"] == "2021"
    assert sub.values["agency_name"] == "后河镇人民政府"
    assert sub.raw["text_other"] == 2021
    assert sub.problems == {}


def test_text_starting_with_equals_stays_text(blank_workbook: Blank, tmp_path: Path) -> None:
    """Typed into a text-formatted cell, '=HYPERLINK(…)' is a string, not a formula."""
    typed = '=HYPERLINK("http://x","点此")'
    path = fill_by_name(blank_workbook(), {"text_other": typed}, tmp_path / "report.xlsx")
    sub = read_workbook(path)
    assert sub.values["text_other"] == typed
    assert sub.formulas == {}
    assert sub.problems == {}


def test_huge_prose(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    """40,000 characters: more than Excel allows in a cell (32,767, and openpyxl truncates what
    it writes), so they are put into the XML directly, as another program could."""
    prose = ("我镇按照要求及时公开政府信息内容。" * 2500)[:40_000]
    src = make_workbook(text_problems="PLACEHOLDER")
    path = patch_xml(src, tmp_path / "huge.xlsx", b"PLACEHOLDER", prose.encode())
    sub = read_workbook(path)
    assert sub.values["text_problems"] == prose
    assert len(prose) == 40_000


def test_large_workbook(blank_workbook: Blank, tmp_path: Path) -> None:
    """An agency that pasted its whole register into an extra sheet: still read, still safe."""

    def add_rows(wb: openpyxl.Workbook) -> None:
        ws = wb.create_sheet("台账")
        for row in range(5000):
            ws.append([row, "依申请公开", row % 7, 0, 1, 2, 3, 4, 5, 6])

    path = edited(blank_workbook(), tmp_path / "report.xlsx", add_rows)
    assert read_workbook(path).problems == {}


# --- formulas -----------------------------------------------------------------------------------


def test_formula_without_cached_value(make_workbook: MakeWorkbook) -> None:
    sub = read_workbook(make_workbook(apply_new_natural="=1+2"))
    assert sub.values["apply_new_natural"] is None
    assert sub.problems == {"apply_new_natural": "value.formula_no_value"}
    assert sub.raw["apply_new_natural"] == "=1+2"
    assert sub.formulas == {"apply_new_natural": "=1+2"}


def test_formula_with_cached_value(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    src = make_workbook(apply_new_natural="=2+3")
    path = patch_xml(src, tmp_path / "cached.xlsx", b"<f>2+3</f><v></v>", b"<f>2+3</f><v>5</v>")
    sub = read_workbook(path)
    assert sub.values["apply_new_natural"] == 5
    assert sub.raw["apply_new_natural"] == 5
    assert sub.formulas == {"apply_new_natural": "=2+3"}
    assert sub.problems == {}


def test_cached_value_is_still_parsed(make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    src = make_workbook(apply_new_natural="=2/4")
    path = patch_xml(src, tmp_path / "cached.xlsx", b"<f>2/4</f><v></v>", b"<f>2/4</f><v>0.5</v>")
    sub = read_workbook(path)
    assert sub.problems == {"apply_new_natural": "value.not_whole"}
    assert sub.raw["apply_new_natural"] == 0.5


def test_second_load_only_when_a_field_holds_a_formula(
    make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    load = reader._load

    def counting(path: Path, name: str, *, data_only: bool) -> openpyxl.Workbook:
        calls.append(data_only)
        return load(path, name, data_only=data_only)

    monkeypatch.setattr(reader, "_load", counting)
    read_workbook(make_workbook())
    assert calls == [False]
    read_workbook(make_workbook("f.xlsx", apply_new_natural="=1+2"))
    assert calls == [False, False, True]


# --- not our template ---------------------------------------------------------------------------


def test_plain_workbook_is_not_the_template(tmp_path: Path) -> None:
    path = tmp_path / "自制表格.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "本年新收政府信息公开申请数量"
    wb.save(path)
    rejected(
        path, "file.not_template", "没有找到标准工作簿的标记和字段名称", "索取本单位的标准工作簿"
    )


def test_another_form_is_not_the_template(blank_workbook: Blank, tmp_path: Path) -> None:
    path = edited(blank_workbook(), tmp_path / "r.xlsx", set_property("wf_form", "other-form"))
    rejected(path, "file.not_template", "other-form")


def test_other_template_version(blank_workbook: Blank, tmp_path: Path) -> None:
    change = set_property("wf_template_version", "2019.3")
    path = edited(blank_workbook(), tmp_path / "r.xlsx", change)
    rejected(path, "file.template_version", "“2019.3”", f"“{TEMPLATE_VERSION}”", "最新的标准工作簿")


def test_version_missing_from_properties_is_found_in_meta_sheet(
    blank_workbook: Blank, tmp_path: Path
) -> None:
    def drop_properties(wb: openpyxl.Workbook) -> None:
        wb.custom_doc_props.props = []

    sub = read_workbook(edited(blank_workbook(), tmp_path / "r.xlsx", drop_properties))
    assert (sub.template_version, sub.issued_agency, sub.issued_year) == (
        TEMPLATE_VERSION,
        SEED_AGENCY,
        SEED_YEAR,
    )


def test_properties_win_over_the_meta_sheet(blank_workbook: Blank, tmp_path: Path) -> None:
    def disagree(wb: openpyxl.Workbook) -> None:
        wb["_meta"]["B3"] = "别的单位"
        wb["_meta"]["B4"] = "明年"

    sub = read_workbook(edited(blank_workbook(), tmp_path / "r.xlsx", disagree))
    assert (sub.issued_agency, sub.issued_year) == (SEED_AGENCY, SEED_YEAR)


def test_no_version_anywhere(blank_workbook: Blank, tmp_path: Path) -> None:
    def drop_version(wb: openpyxl.Workbook) -> None:
        set_property("wf_template_version", None)(wb)
        wb["_meta"]["B2"] = None

    path = edited(blank_workbook(), tmp_path / "r.xlsx", drop_version)
    rejected(path, "file.template_version", "“未标明”")


def test_deleted_sheet(blank_workbook: Blank, tmp_path: Path) -> None:
    def delete(wb: openpyxl.Workbook) -> None:
        del wb[SHEET_APPLICATIONS]

    path = edited(blank_workbook(), tmp_path / "r.xlsx", delete)
    rejected(path, "file.template_damaged", f"缺少工作表“{SHEET_APPLICATIONS}”", "不要删除、重命名")


def test_chart_sheet_in_place_of_a_worksheet(blank_workbook: Blank, tmp_path: Path) -> None:
    def replace(wb: openpyxl.Workbook) -> None:
        del wb[SHEET_APPLICATIONS]
        chart = BarChart()
        chart.add_data(Reference(wb[SHEET_PROSE], min_col=1, min_row=1, max_row=2))
        wb.create_chartsheet(SHEET_APPLICATIONS).add_chart(chart)

    path = edited(blank_workbook(), tmp_path / "r.xlsx", replace)
    rejected(path, "file.template_damaged", f"缺少工作表“{SHEET_APPLICATIONS}”")


def test_renamed_sheet(blank_workbook: Blank, tmp_path: Path) -> None:
    def rename(wb: openpyxl.Workbook) -> None:
        wb[SHEET_APPLICATIONS].title = "依申请"

    path = edited(blank_workbook(), tmp_path / "r.xlsx", rename)
    rejected(path, "file.template_damaged", f"缺少工作表“{SHEET_APPLICATIONS}”")


def test_missing_defined_names(blank_workbook: Blank, tmp_path: Path) -> None:
    gone = ["apply_new_natural", "apply_new_business", "apply_new_research", "apply_new_social"]

    def drop(wb: openpyxl.Workbook) -> None:
        for key in gone:
            del wb.defined_names[key]

    path = edited(blank_workbook(), tmp_path / "r.xlsx", drop)
    rejected(path, "file.template_damaged", "找不到字段：apply_new_natural、", "等 4 项")


@pytest.mark.parametrize(
    "reference",
    ["#REF!", "#REF!$D$5", f"'{SHEET_APPLICATIONS}'!$D$5:$E$6", f"'{SHEET_APPLICATIONS}'!$ZZZ$5"],
)
def test_defined_name_not_on_one_cell(
    blank_workbook: Blank, tmp_path: Path, reference: str
) -> None:
    def point(wb: openpyxl.Workbook) -> None:
        wb.defined_names["apply_new_total"].attr_text = reference

    path = edited(blank_workbook(), tmp_path / "r.xlsx", point)
    rejected(path, "file.template_damaged", "字段位置失效", "apply_new_total")


def test_names_without_marks_are_accepted(blank_workbook: Blank, tmp_path: Path) -> None:
    """An office suite that drops custom properties and hidden sheets keeps the names: read."""

    def strip_marks(wb: openpyxl.Workbook) -> None:
        wb.custom_doc_props.props = []
        del wb["_meta"]

    sub = read_workbook(edited(blank_workbook(), tmp_path / "r.xlsx", strip_marks))
    assert sub.template_version is None
    assert sub.issued_year is None
    assert sub.values["agency_name"] == SEED_AGENCY


def test_file_name_does_not_matter(blank_workbook: Blank, tmp_path: Path) -> None:
    """The daemon may hold a file under any name; only the display name reaches messages."""
    path = tmp_path / "inbox-0001.tmp"
    path.write_bytes(blank_workbook().read_bytes())
    assert read_workbook(path, "后河镇.XLSX").values["agency_name"] == SEED_AGENCY
    (tmp_path / "empty.tmp").write_bytes(b"")
    with pytest.raises(RejectedFile, match=r"“后河镇\.XLSX”是空文件"):
        read_workbook(tmp_path / "empty.tmp", "后河镇.XLSX")


# --- damaged and hostile ------------------------------------------------------------------------


def test_truncated_template(blank_workbook: Blank, tmp_path: Path) -> None:
    rejected(truncated(blank_workbook(), tmp_path / "报告.xlsx"), "file.damaged", "重新保存")


def test_bad_crc_found_by_openpyxl(blank_workbook: Blank, tmp_path: Path) -> None:
    """A flipped byte deep inside a stored member passes the sniffer (it reads only the first
    kilobytes) and fails openpyxl's CRC check: file.damaged, not a BadZipFile traceback."""
    stored = tmp_path / "stored.xlsx"
    with (
        zipfile.ZipFile(blank_workbook()) as zin,
        zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    data = bytearray(stored.read_bytes())
    marker = data.find(b"</sheetData>")
    data[marker - 20] ^= 0x01
    path = tmp_path / "报告.xlsx"
    path.write_bytes(bytes(data))
    rejected(path, "file.damaged")


def test_malformed_xml(blank_workbook: Blank, tmp_path: Path) -> None:
    path = rewrite_member(
        blank_workbook(),
        tmp_path / "报告.xlsx",
        "xl/workbook.xml",
        lambda xml: xml.replace(b"</workbook>", b"<unclosed></workbook>"),
    )
    rejected(path, "file.damaged")


def without_member(src: Path, dst: Path, member: str) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info.filename, zin.read(info))
    return dst


@pytest.mark.parametrize(
    "member",
    [
        "xl/sharedStrings.xml",  # KeyError
        "xl/_rels/workbook.xml.rels",  # KeyError
        "[Content_Types].xml",  # KeyError
        "xl/styles.xml",  # IndexError
    ],
)
def test_missing_part(blank_workbook: Blank, tmp_path: Path, member: str) -> None:
    rejected(without_member(blank_workbook(), tmp_path / "报告.xlsx", member), "file.damaged")


def test_missing_worksheet_part(blank_workbook: Blank, tmp_path: Path) -> None:
    """openpyxl skips a worksheet whose part is missing; its fields are then gone."""
    path = without_member(blank_workbook(), tmp_path / "报告.xlsx", "xl/worksheets/sheet2.xml")
    rejected(path, "file.template_damaged", f"缺少工作表“{SHEET_PROSE}”")


@pytest.mark.parametrize(
    "error",
    [
        zipfile.BadZipFile("Bad CRC-32"),
        KeyError("xl/worksheets/sheet9.xml"),
        OSError("read error"),
        ValueError("Unable to read workbook"),
        TypeError("expected <class 'int'>"),
        AttributeError("'NoneType' object has no attribute 'get'"),
        IndexError("list index out of range"),
        ET.ParseError("not well-formed"),
        lxml.etree.XMLSyntaxError("bad", 1, 1, 1, "x.xml"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_openpyxl_failures_are_damaged(
    blank_workbook: Blank, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(openpyxl, "load_workbook", fail)
    with pytest.raises(RejectedFile) as caught:
        read_workbook(blank_workbook(), "报告.xlsx")
    assert caught.value.rule == "file.damaged"
    assert caught.value.__cause__ is error
    assert "“报告.xlsx”已损坏" in str(caught.value)


def test_defusedxml_refusal_wrapped_by_openpyxl_is_unsafe(
    blank_workbook: Blank, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        try:
            raise defusedxml.EntitiesForbidden("lol", None, None, None, None, None)
        except ValueError as exc:
            raise ValueError("Unable to read workbook") from exc  # what openpyxl does

    monkeypatch.setattr(openpyxl, "load_workbook", fail)
    with pytest.raises(RejectedFile) as caught:
        read_workbook(blank_workbook(), "报告.xlsx")
    assert caught.value.rule == "file.unsafe"


def test_entity_in_worksheet_refused_by_openpyxl_itself(
    blank_workbook: Blank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: with the sniffer switched off, defusedxml inside openpyxl refuses
    an external entity, and the reader maps that to file.unsafe."""
    assert openpyxl.xml.DEFUSEDXML is True
    path = rewrite_member(
        blank_workbook(),
        tmp_path / "报告.xlsx",
        "xl/worksheets/sheet2.xml",
        prepend_doctype(EXTERNAL_ENTITY, b"&xxe;"),
    )
    rejected(path, "file.unsafe", "DOCTYPE/ENTITY")  # the sniffer
    monkeypatch.setattr(reader, "inspect_file", lambda *args: None)
    rejected(path, "file.unsafe", "DOCTYPE/ENTITY")  # openpyxl's defusedxml


def test_random_corruption_never_escapes(blank_workbook: Blank, tmp_path: Path) -> None:
    """Bytes flipped anywhere: a Submission or a RejectedFile, never another exception."""
    original = blank_workbook().read_bytes()
    rng = random.Random(20211231)
    for i in range(25):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"corrupt{i}.xlsx"
        path.write_bytes(bytes(data))
        try:
            read_workbook(path)
        except RejectedFile as exc:
            assert exc.rule in {"file.damaged", "file.unsafe", "file.not_workbook"}, exc.rule
