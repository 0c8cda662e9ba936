"""The hostile-file corpus: every kind of bad, odd or huge file an agency (or an attacker) may
send, generated from code so that anyone can regenerate it and nobody has to trust a binary.

    python tests/corpus.py OUTDIR      writes one file per case and OUTDIR/corpus.json

`build_corpus(outdir)` does the same from a test and returns the cases. Each case says what the
pipeline must make of it: the status (`passed`, `failed`, `rejected`) and, for a file that must
not pass, the rule code of the finding that says why. Workbook cases start from our own template
writer and are filled by defined name, as in the rest of the suite; the bad-file makers come from
`tests/hostile.py`.

Every case gets an agency (and so an outbox folder) of its own and distinct bytes: the corpus is
also dropped into a running daemon all at once, where two cases of one agency would replace each
other's outputs and two files with the same bytes would be one submission.
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests` and `workflow` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msoffcrypto.format.ooxml
import openpyxl

from tests.hostile import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    ole_file,
    prepend_doctype,
    rewrite_member,
    truncated,
    zip_bomb,
    zip_with_members,
)
from workflow.example import SEED_YEAR, seed_values
from workflow.workbook.fill import fill_by_name
from workflow.workbook.sniff import MAX_MEMBERS
from workflow.workbook.template import write_template
from workflow.workbook.template_sheets import SHEET_APPLICATIONS, SHEET_PROSE

__all__ = [
    "FORMULA_MARK",
    "FORMULA_TEXT",
    "MANIFEST",
    "PROSE_CHARS",
    "Case",
    "build_corpus",
    "case_names",
    "main",
]

MANIFEST = "corpus.json"
YEAR = SEED_YEAR

FORMULA_TEXT = '=HYPERLINK("http://evil.example/x","点此查看")'
"""Typed as text into cells: it must stay text in every workbook we write (error workbook,
rejection note, summary), never become a formula a clerk's Excel would run."""
FORMULA_MARK = "=HYPERLINK("
"""What a test looks for: the text survives as text, and never inside a <f> element."""

PROSE_CHARS = 40_000
"""More than Excel allows in a cell (32,767): another program may still write it."""
LARGE_ROWS = 12_000
"""Rows of the register an agency pasted into an extra sheet: a few MB of sheet XML."""


@dataclass(frozen=True, slots=True)
class Case:
    """One file of the corpus and what the pipeline must make of it.

    `expected_rule`: for `rejected`, the rule of its one finding; for `failed`, a rule that must
    be among its errors (others may come with it); None for `passed`. `agency` is the agency
    name the workbook carries, as the reader reads it (None: not a readable workbook), so that
    a test can find its outbox folder and check that the name stayed recognisable.
    """

    name: str
    path: Path
    expected_status: str
    expected_rule: str | None
    agency: str | None = None
    description: str = ""


# --- workbook building blocks ------------------------------------------------------------------


class _Blanks:
    """Blank templates, one per agency (cheap: ~50 ms each), kept in a scratch folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[str, Path] = {}

    def blank(self, agency: str) -> Path:
        if agency not in self.made:
            folder = self.folder / f"blank{len(self.made)}"
            folder.mkdir(parents=True)
            self.made[agency] = write_template(folder, agency, YEAR)
        return self.made[agency]

    def filled(self, agency: str, dst: Path, **overrides: object) -> Path:
        """The published 后河镇 report, issued to and filled in for `agency`, with
        `overrides` by key."""
        values: dict[str, object] = dict(seed_values(), agency_name=agency)
        values.update(overrides)
        return fill_by_name(self.blank(agency), values, dst)


def _edited(src: Path, dst: Path, change: Callable[[openpyxl.Workbook], object]) -> Path:
    """A copy of `src` changed with openpyxl, as an agency's script (or Excel) might."""
    wb = openpyxl.load_workbook(src)
    try:
        change(wb)
        wb.save(dst)
    finally:
        wb.close()
    return dst


def _patch_xml(src: Path, dst: Path, old: bytes, new: bytes) -> Path:
    """Replace `old` by `new` in the member that holds it: for what openpyxl will not write
    (a 40,000-character string)."""
    with zipfile.ZipFile(src) as archive:
        member = next(n for n in archive.namelist() if old in archive.read(n))
    return rewrite_member(src, dst, member, lambda xml: xml.replace(old, new))


def _as_text(src: Path, dst: Path, values: Mapping[str, str]) -> Path:
    """Write each value as a *text* cell whatever the cell's format: what Excel stores when an
    agency types a leading apostrophe ('=HYPERLINK(…)) into a number cell."""

    def change(wb: openpyxl.Workbook) -> None:
        for key, value in values.items():
            sheet, coordinate = next(iter(wb.defined_names[key].destinations))
            cell = wb[sheet][coordinate.replace("$", "")]
            cell.value = value
            cell.data_type = "s"

    return _edited(src, dst, change)


# --- the cases ---------------------------------------------------------------------------------

Maker = Callable[[Path, _Blanks, Path], None]
"""(target path, blanks, scratch folder) -> writes the target."""

_CASES: list[tuple[str, str, str | None, str | None, str, str, Maker]] = []
"""(name, status, rule, agency, file name, description, maker), in the order they are built."""


def _case(
    name: str,
    status: str,
    rule: str | None,
    *,
    agency: str | None = None,
    file_name: str | None = None,
    description: str,
) -> Callable[[Maker], Maker]:
    def register(maker: Maker) -> Maker:
        _CASES.append((name, status, rule, agency, file_name or f"{name}.xlsx", description, maker))
        return maker

    return register


def _agency(tag: str) -> str:
    """A distinct, recognisable agency name per case."""
    return f"语料{tag}镇人民政府"


@_case("empty", "rejected", "file.empty", description="0 bytes: an attachment never downloaded")
def _empty(path: Path, blanks: _Blanks, scratch: Path) -> None:
    path.write_bytes(b"")


@_case(
    "truncated_zip",
    "rejected",
    "file.damaged",
    description="the first half of a filled workbook: cut off in transit",
)
def _truncated_zip(path: Path, blanks: _Blanks, scratch: Path) -> None:
    whole = blanks.filled(_agency("截断"), scratch / "whole.xlsx")
    truncated(whole, path, 0.5)


@_case(
    "xls_renamed",
    "rejected",
    "file.legacy_xls",
    description="an Excel 97-2003 (OLE) file renamed .xlsx",
)
def _xls_renamed(path: Path, blanks: _Blanks, scratch: Path) -> None:
    ole_file(path, ("Workbook", "SummaryInformation"))


@_case(
    "csv_renamed",
    "rejected",
    "file.not_workbook",
    description="a CSV export (GB18030, as WPS writes it) renamed .xlsx",
)
def _csv_renamed(path: Path, blanks: _Blanks, scratch: Path) -> None:
    rows = ["单位名称,报告年度,本年新收申请", "语料表格镇人民政府,2021,3"]
    path.write_bytes("\r\n".join(rows).encode("gb18030"))


@_case(
    "encrypted",
    "rejected",
    "file.encrypted",
    description="our workbook saved with an opening password (msoffcrypto-tool)",
)
def _encrypted(path: Path, blanks: _Blanks, scratch: Path) -> None:
    plain = blanks.filled(_agency("加密"), scratch / "plain.xlsx")
    out = io.BytesIO()
    with plain.open("rb") as source:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("1234", out)
    path.write_bytes(out.getvalue())


@_case(
    "zip_bomb",
    "rejected",
    "file.unsafe",
    description="a workbook-shaped zip whose sheet inflates to 300 MB of zeros",
)
def _zip_bomb(path: Path, blanks: _Blanks, scratch: Path) -> None:
    zip_bomb(path, megabytes=300)


@_case(
    "zip_many_members",
    "rejected",
    "file.unsafe",
    description="a zip directory with more members than any workbook has",
)
def _zip_many_members(path: Path, blanks: _Blanks, scratch: Path) -> None:
    zip_with_members(path, MAX_MEMBERS + 1)


@_case(
    "xml_entity_bomb",
    "rejected",
    "file.unsafe",
    description="billion laughs: our workbook with an entity bomb in a worksheet",
)
def _xml_entity_bomb(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(_agency("实体炸弹"), scratch / "src.xlsx")
    rewrite_member(
        src, path, "xl/worksheets/sheet2.xml", prepend_doctype(BILLION_LAUGHS, b"&lol9;")
    )


@_case(
    "xml_external_entity",
    "rejected",
    "file.unsafe",
    description="our workbook with an external entity that would read /etc/passwd",
)
def _xml_external_entity(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(_agency("外部实体"), scratch / "src.xlsx")
    rewrite_member(src, path, "xl/workbook.xml", prepend_doctype(EXTERNAL_ENTITY, b"&xxe;"))


@_case(
    "not_template",
    "rejected",
    "file.not_template",
    description="a home-made workbook that looks like the report but is not our template",
)
def _not_template(path: Path, blanks: _Blanks, scratch: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度报告"
    ws.append(["单位名称", "语料自制镇人民政府"])
    ws.append(["报告年度", YEAR])
    ws.append(["本年新收政府信息公开申请数量", 3])
    wb.save(path)


@_case(
    "sheet_deleted",
    "rejected",
    "file.template_damaged",
    description="our template, filled, with the applications sheet deleted",
)
def _sheet_deleted(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(_agency("删表"), scratch / "src.xlsx")

    def delete(wb: openpyxl.Workbook) -> None:
        del wb[SHEET_APPLICATIONS]

    _edited(src, path, delete)


@_case(
    "sheet_renamed",
    "rejected",
    "file.template_damaged",
    description="our template, filled, with the applications sheet renamed",
)
def _sheet_renamed(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(_agency("改表名"), scratch / "src.xlsx")

    def rename(wb: openpyxl.Workbook) -> None:
        wb[SHEET_APPLICATIONS].title = "依申请"

    _edited(src, path, rename)


FORMULA_AGENCY = f"{FORMULA_TEXT}语料公式镇人民政府"


@_case(
    "formula_text",
    "failed",
    "value.not_number",
    agency=FORMULA_AGENCY,
    description="=HYPERLINK(…) typed as text into the agency name, prose, a count and the fee",
)
def _formula_text(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(FORMULA_AGENCY, scratch / "src.xlsx")
    typed = dict.fromkeys(("text_overview", "text_other", "apply_new_natural"), FORMULA_TEXT)
    _as_text(src, path, {**typed, "fees_amount": FORMULA_TEXT, "agency_name": FORMULA_AGENCY})


@_case(
    "formula_file_name",
    "rejected",
    "file.not_workbook",
    file_name="=HYPERLINK(1,点此)报告.xlsx",
    description="a file whose name looks like a formula: the rejection note quotes the name",
)
def _formula_file_name(path: Path, blanks: _Blanks, scratch: Path) -> None:
    path.write_text("这不是工作簿，只是一段文字。\n", encoding="utf-8")


_HOSTILE_AGENCIES: tuple[tuple[str, str, str, str], ...] = (
    # (case, typed into the cell, the name it means, what it tries)
    ("agency_dotdot", "../../../逃逸镇人民政府", "", "to climb out of the outbox"),
    ("agency_absolute", "/tmp/斜杠镇人民政府", "", "an absolute path (harmless if it escaped)"),
    ("agency_backslash", "..\\..\\反斜杠镇人民政府", "", "Windows separators"),
    ("agency_colon", "C:冒号镇人民政府", "", "a drive letter / NTFS stream colon"),
    (
        "agency_nul",
        "空字符_x0000_镇_x001F_人民政府",  # how Excel stores control characters in XML
        "空字符\x00镇\x1f人民政府",
        "NUL and a control character",
    ),
    ("agency_con", "CON", "", "a Windows device name"),
    ("agency_300", "超长镇人民政府" + "很长的名字" * 58 + "末尾", "", "300 characters"),
)


def _hostile_agency_maker(index: int, typed: str) -> Maker:
    def make(path: Path, blanks: _Blanks, scratch: Path) -> None:
        # Issued to an ordinary name (the template writer cleans its input), typed over by the
        # agency: the name in the cell is what names the outbox folder.
        src = blanks.filled(_agency(f"异名{index}"), scratch / "src.xlsx")
        _as_text(src, path, {"agency_name": typed})

    return make


for _index, (_name, _typed, _means, _what) in enumerate(_HOSTILE_AGENCIES):
    _case(
        _name,
        "passed",
        None,
        agency=_means or _typed,
        description=f"agency name: {_what} (only a warning: it differs from the issued name)",
    )(_hostile_agency_maker(_index, _typed))


def _prose(tag: str) -> str:
    sentence = f"{tag}按照要求及时公开政府信息内容，不断增强政府信息公开透明度。"
    return (sentence * (PROSE_CHARS // len(sentence) + 1))[:PROSE_CHARS]


@_case(
    "prose_40000",
    "passed",
    None,
    agency=_agency("长文"),
    description="40,000 characters of prose in one cell (beyond Excel's 32,767)",
)
def _prose_40000(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(_agency("长文"), scratch / "src.xlsx", text_problems="PLACEHOLDER")
    _patch_xml(src, path, b"PLACEHOLDER", _prose("我镇").encode())


@_case(
    "prose_40000_failed",
    "failed",
    "sum.balance",
    agency=_agency("长文未通过"),
    description="40,000 characters of prose and a 勾稽关系 error: the error workbook copies it",
)
def _prose_40000_failed(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(
        _agency("长文未通过"),
        scratch / "src.xlsx",
        text_problems="PLACEHOLDER",
        apply_new_natural=2,
    )
    _patch_xml(src, path, b"PLACEHOLDER", _prose("本镇").encode())


@_case(
    "excel_escape_failed",
    "failed",
    "sum.balance",
    agency=_agency("转义字符"),
    description="Excel's escape _xFFFE_ (a character XML forbids) in the prose of a failing "
    "report: the error workbook and the draft must still be written",
)
def _excel_escape_failed(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(
        _agency("转义字符"), scratch / "src.xlsx", text_other="PLACEHOLDER", apply_new_natural=2
    )
    _patch_xml(src, path, b"PLACEHOLDER", "本年度未收取信息处理费。_xFFFE_ _x0007_".encode())


@_case(
    "formula_no_cached_value",
    "failed",
    "value.formula_no_value",
    agency=_agency("无缓存公式"),
    description="a count holding =1+2 saved without its cached result",
)
def _formula_no_cached_value(path: Path, blanks: _Blanks, scratch: Path) -> None:
    blanks.filled(_agency("无缓存公式"), path, apply_new_natural="=1+2")


def _with_register(src: Path, dst: Path) -> Path:
    """An agency that pasted its whole register into an extra sheet."""

    def add_rows(wb: openpyxl.Workbook) -> None:
        ws = wb.create_sheet("台账")
        ws.append(["序号", "申请人", "类别", "收到日期", "办理结果", "备注", "a", "b", "c", "d"])
        for row in range(LARGE_ROWS):
            ws.append([row, f"申请人{row}", row % 7, "2021-03-01", "予以公开", "", 1, 2, 3, 4])

    return _edited(src, dst, add_rows)


@_case(
    "large_register",
    "passed",
    None,
    agency=_agency("大表"),
    description=f"a legitimate workbook with a {LARGE_ROWS}-row register on an extra sheet",
)
def _large_register(path: Path, blanks: _Blanks, scratch: Path) -> None:
    _with_register(blanks.filled(_agency("大表"), scratch / "src.xlsx"), path)


@_case(
    "large_register_failed",
    "failed",
    "sum.balance",
    agency=_agency("大表未通过"),
    description="the large register and a 勾稽关系 error: the error workbook copies it all",
)
def _large_register_failed(path: Path, blanks: _Blanks, scratch: Path) -> None:
    src = blanks.filled(_agency("大表未通过"), scratch / "src.xlsx", apply_new_natural=2)
    _with_register(src, path)


@_case(
    "large_image",
    "passed",
    None,
    agency=_agency("大图"),
    description="a legitimate workbook carrying a 6 MB photograph (incompressible)",
)
def _large_image(path: Path, blanks: _Blanks, scratch: Path) -> None:
    from openpyxl.drawing.image import Image as SheetImage
    from PIL import Image

    rng = random.Random(2021)
    photo = scratch / "photo.png"
    side = 1400
    Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(photo)
    src = blanks.filled(_agency("大图"), scratch / "src.xlsx")

    def add_photo(wb: openpyxl.Workbook) -> None:
        wb[SHEET_PROSE].add_image(SheetImage(str(photo)), "H2")

    _edited(src, path, add_photo)


# --- building -----------------------------------------------------------------------------------


def case_names() -> list[str]:
    """The case names in build order, without building anything (for test parametrisation)."""
    return [entry[0] for entry in _CASES]


def build_corpus(outdir: Path) -> list[Case]:
    """Write every case into `outdir` (created if needed) and the manifest `corpus.json`;
    return the cases in a stable order. Scratch files live in `outdir/.scratch` and are removed."""
    import shutil

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    scratch_root = outdir / ".scratch"
    blanks = _Blanks(scratch_root / "blanks")
    cases = []
    try:
        for name, status, rule, agency, file_name, description, make in _CASES:
            scratch = scratch_root / name
            scratch.mkdir(parents=True)
            path = outdir / file_name
            make(path, blanks, scratch)
            cases.append(Case(name, path, status, rule, agency, description))
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    manifest = {
        c.name: {
            **{k: v for k, v in asdict(c).items() if k not in ("name", "path")},
            "file": c.path.name,
        }
        for c in cases
    }
    (outdir / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return cases


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python tests/corpus.py OUTDIR", file=sys.stderr)
        return 2
    cases = build_corpus(Path(args[0]))
    for case in cases:
        print(f"{case.name:28} {case.expected_status:9} {case.expected_rule or '':26} {case.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
