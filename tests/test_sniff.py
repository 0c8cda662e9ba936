"""`inspect_file`: every kind of file an agency (or an attacker) may send, refused before
openpyxl sees it, with a Chinese message that names the file and says what to send instead."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import msoffcrypto.format.ooxml
import openpyxl
import pytest
import xlsxwriter

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
from workflow.core.errors import RejectedFile
from workflow.workbook import sniff
from workflow.workbook.sniff import inspect_file


def rejected(path: Path, rule: str, *fragments: str, display_name: str | None = None) -> str:
    """Assert `path` is rejected with `rule`, and that its message names the file, tells the
    agency what to do (every file.* message has a 请… sentence) and holds each fragment."""
    with pytest.raises(RejectedFile) as caught:
        inspect_file(path, display_name)
    error = caught.value
    message = str(error)
    assert error.rule == rule, message
    assert f"“{display_name or path.name}”" in message
    assert "请" in message
    for fragment in fragments:
        assert fragment in message
    return message


@pytest.fixture(scope="module")
def plain_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small valid workbook with shared strings (not our template: the sniffer does not care)."""
    path = tmp_path_factory.mktemp("plain") / "plain.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("基本信息")
        ws.write("A1", "单位名称")
        ws.write("B1", "后河镇人民政府")
        ws.write("B2", 2021)
    return path


# --- files we may open --------------------------------------------------------------------------


def test_a_valid_workbook_passes(plain_xlsx: Path) -> None:
    inspect_file(plain_xlsx)


def test_a_large_legitimate_workbook_passes(tmp_path: Path) -> None:
    path = tmp_path / "large.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    for row in range(5000):
        ws.append([row, row * 2, 0, 0, 0, 0, 1.5, "后河镇", 0, row % 7])
    ws.append(["长文本" * 20_000])
    wb.save(path)
    inspect_file(path)


# --- not a workbook -----------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "报告.xlsx"
    path.write_bytes(b"")
    rejected(path, "file.empty", "0 字节", "重新发送")


def test_display_name_is_what_the_agency_sees(tmp_path: Path) -> None:
    path = tmp_path / "inbox-0001.xlsx"
    path.write_bytes(b"")
    message = rejected(path, "file.empty", display_name="后河镇2021年报.xlsx")
    assert "inbox-0001" not in message


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "看起来是 PDF 文件"),
        ("单位名称,报告年度\n后河镇人民政府,2021\n".encode(), "看起来是 CSV 或文本文件"),
        ("单位名称,报告年度\n后河镇人民政府,2021\n".encode("gbk"), "看起来是 CSV 或文本文件"),
        ("单位名称\t报告年度\r\n".encode("utf-16"), "看起来是 CSV 或文本文件"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页（HTML）"),
        (
            b'<?xml version="1.0"?>\n'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "Excel 2003 XML 表格",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "看起来是图片"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "看起来是图片"),
        (b"{\\rtf1\\ansi\\ansicpg936", "RTF 文档"),
        (b"Rar!\x1a\x07\x01\x00", "RAR 压缩包"),
    ],
)
def test_other_file_types_are_named(tmp_path: Path, content: bytes, detail: str) -> None:
    path = tmp_path / "报告.xlsx"
    path.write_bytes(content)
    message = rejected(path, "file.not_workbook", detail, "以 .xlsx 格式原样发回")
    assert "不是 Excel 工作簿（.xlsx），看起来是" in message


def test_unknown_binary_is_not_a_workbook_without_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "报告.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    message = rejected(path, "file.not_workbook")
    assert "不是 Excel 工作簿（.xlsx）。请使用" in message


def test_a_long_csv_cut_inside_a_character_is_still_text(tmp_path: Path) -> None:
    path = tmp_path / "报告.xlsx"
    path.write_bytes(("a" + "后河镇," * 3000).encode())  # 4096 falls inside a character
    rejected(path, "file.not_workbook", "CSV 或文本文件")


def test_docx_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "报告.docx"
    document = docx.Document()
    document.add_paragraph("后河镇人民政府2021年政府信息公开工作年度报告")
    document.save(path)
    renamed = path.rename(tmp_path / "报告.xlsx")
    rejected(renamed, "file.not_workbook", "看起来是 Word 文档")


def test_plain_zip_and_ods(tmp_path: Path) -> None:
    plain = tmp_path / "打包.xlsx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("报告.txt", "见附件")
    rejected(plain, "file.not_workbook", "普通压缩包")

    ods = tmp_path / "表格.xlsx"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    message = rejected(ods, "file.ods", "OpenDocument 表格（.ods）")
    # The clerk who saved it is told how to save an .xlsx, in LibreOffice's words too.
    assert "Excel、WPS 或 LibreOffice" in message and "Excel 2007-365 (.xlsx)" in message
    assert "不必重新填写" in message


# --- OLE compound files -------------------------------------------------------------------------


def test_legacy_xls_header_only(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "报告.xlsx")
    message = rejected(path, "file.legacy_xls", "Excel 97-2003 格式（.xls）", "另存为")
    assert "保存类型选“Excel 工作簿 (.xlsx)”" in message and "不必重新填写" in message
    assert "下发的 .xlsx 工作簿中填写" not in message  # the old advice: fill it all in again


def test_wps_et_is_named_as_such(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "后河镇人民政府2021年报告.et", ("Workbook",))
    message = rejected(path, "file.legacy_xls", "WPS 表格格式（.et）")
    assert "Excel 97-2003" not in message


def test_legacy_xls_with_workbook_stream(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "报告.xls", ("Workbook", "\x05SummaryInformation"))
    rejected(path, "file.legacy_xls")


def test_word_97_document_is_not_called_xls(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "报告.xlsx", ("WordDocument", "1Table"))
    rejected(path, "file.not_workbook", "Word 97-2003 文档（.doc）")


def test_handmade_encrypted_package(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "报告.xlsx", ("EncryptionInfo", "EncryptedPackage"))
    rejected(path, "file.encrypted", "取消密码")


def test_workbook_encrypted_with_a_password(tmp_path: Path, plain_xlsx: Path) -> None:
    path = tmp_path / "加密.xlsx"
    out = io.BytesIO()
    with plain_xlsx.open("rb") as source:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("1234", out)
    path.write_bytes(out.getvalue())
    rejected(path, "file.encrypted", "设置了打开密码", "重新发送")


def test_zip_level_password_is_encrypted(tmp_path: Path, plain_xlsx: Path) -> None:
    path = tmp_path / "加密.xlsx"
    path.write_bytes(plain_xlsx.read_bytes())
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit of every central-directory entry, as a zip tool would.
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    rejected(path, "file.encrypted")


# --- damaged ------------------------------------------------------------------------------------


def test_truncated_workbook(tmp_path: Path, plain_xlsx: Path) -> None:
    path = truncated(plain_xlsx, tmp_path / "报告.xlsx")
    rejected(path, "file.damaged", "已损坏或不完整", "重新保存")


def test_zip_magic_then_garbage(tmp_path: Path) -> None:
    path = tmp_path / "报告.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    rejected(path, "file.damaged")


def test_corrupt_member_data(tmp_path: Path, plain_xlsx: Path) -> None:
    data = bytearray(plain_xlsx.read_bytes())
    start = data.find(b"xl/workbook.xml") + len("xl/workbook.xml")  # first local header's data
    data[start : start + 40] = b"\xff" * 40
    path = tmp_path / "报告.xlsx"
    path.write_bytes(bytes(data))
    rejected(path, "file.damaged")


def test_unreadable_path(tmp_path: Path) -> None:
    folder = tmp_path / "报告.xlsx"
    folder.mkdir()
    rejected(folder, "file.damaged")


# --- hostile ------------------------------------------------------------------------------------


def test_zip_bomb_is_refused_by_its_directory(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "报告.xlsx", megabytes=300)
    assert path.stat().st_size < 1 << 20
    rejected(path, "file.unsafe", "解压后体积异常大", "重新填写后发送")


def test_member_with_extreme_ratio_is_refused(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "报告.xlsx", megabytes=sniff.RATIO_MIN_BYTES // (1 << 20) + 2)
    rejected(path, "file.unsafe", "解压后体积异常大")


def test_too_many_members(tmp_path: Path) -> None:
    path = zip_with_members(tmp_path / "报告.xlsx", sniff.MAX_MEMBERS + 1)
    rejected(path, "file.unsafe", "文件数量异常")


def test_too_many_members_in_a_zip64_directory(tmp_path: Path) -> None:
    """Over 65,535 members the count lives in the zip64 end record: read there too."""
    path = zip_with_members(tmp_path / "报告.xlsx", 0x10000 + 1)
    rejected(path, "file.unsafe", f"文件数量异常（{0x10000 + 1} 个）")


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "报告.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(sniff.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    rejected(path, "file.unsafe", "文件大小异常")


def test_too_many_members_seen_by_zipfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the end record lies (or cannot be found), the parsed directory is counted too."""
    path = zip_with_members(tmp_path / "报告.xlsx", 50)
    monkeypatch.setattr(sniff, "_declared_members", lambda handle, size: None)
    monkeypatch.setattr(sniff, "MAX_MEMBERS", 20)
    rejected(path, "file.unsafe", "文件数量异常（50 个）")


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/sharedStrings.xml"])
def test_billion_laughs(tmp_path: Path, plain_xlsx: Path, member: str) -> None:
    path = rewrite_member(
        plain_xlsx, tmp_path / "报告.xlsx", member, prepend_doctype(BILLION_LAUGHS, b"&lol9;")
    )
    rejected(path, "file.unsafe", "DOCTYPE/ENTITY")


def test_external_entity(tmp_path: Path, plain_xlsx: Path) -> None:
    path = rewrite_member(
        plain_xlsx,
        tmp_path / "报告.xlsx",
        "xl/worksheets/sheet1.xml",
        prepend_doctype(EXTERNAL_ENTITY, b"&xxe;"),
    )
    rejected(path, "file.unsafe", "DOCTYPE/ENTITY")


def test_doctype_hidden_after_a_long_comment(tmp_path: Path, plain_xlsx: Path) -> None:
    padding = b"<!--" + b" " * 10_000 + b"-->"
    path = rewrite_member(
        plain_xlsx,
        tmp_path / "报告.xlsx",
        "xl/workbook.xml",
        prepend_doctype(padding + EXTERNAL_ENTITY),
    )
    rejected(path, "file.unsafe")


def test_doctype_in_utf16_xml(tmp_path: Path, plain_xlsx: Path) -> None:
    def to_utf16(xml: bytes) -> bytes:
        body = xml[xml.index(b"?>") + 2 :] if xml.startswith(b"<?xml") else xml
        return (
            (b'<?xml version="1.0" encoding="UTF-16"?>' + EXTERNAL_ENTITY + body)
            .decode("utf-8")
            .encode("utf-16")
        )

    path = rewrite_member(plain_xlsx, tmp_path / "报告.xlsx", "xl/styles.xml", to_utf16)
    rejected(path, "file.unsafe", "DOCTYPE/ENTITY")


def test_openpyxl_parses_with_defusedxml() -> None:
    """The second line of defence: openpyxl refuses DTDs itself when defusedxml is importable."""
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_workbook_with_more_xml_than_a_report_can_hold(
    tmp_path: Path, blank_workbook: Callable[[str, int], Path]
) -> None:
    """Our own template with a 600,000-entry shared-strings part: valid and well compressed
    (no bomb), but 12.6 MB of XML that would cost openpyxl several seconds and hundreds of MB;
    refused at once as 文件异常, with the size and the limit. Under a higher limit it passes."""
    from tests.huge import with_shared_strings

    path = with_shared_strings(blank_workbook(), tmp_path / "报告.xlsx", 600_000)
    assert path.stat().st_size < 2 << 20
    message = rejected(path, "file.oversized", "解压后的表格内容有 12.6 MB，超过上限 10 MB")
    assert "文件异常" not in message  # the title is the rule's; the message says what to do
    inspect_file(path, max_xml_bytes=20 << 20)
