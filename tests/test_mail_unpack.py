"""Workbooks inside a .zip or winmail.dat, taken out as attachments; zip bombs refused."""

from __future__ import annotations

import io
import zipfile

from tests.conftest import MakeWorkbook
from tests.mail_helpers import gbk_zip, plain_part, raw_mail, tnef
from workflow.intake.mail.message import is_workbook_name, parse_message
from workflow.intake.mail.unpack import MAX_ENTRIES, unpack

NAME = "后河镇堃报告.xlsx"


def _zip(entries: list[tuple[str, bytes]], **options: object) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **options) as archive:  # type: ignore[arg-type]
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _open(name: str, data: bytes, limit: int = 10 * 1024 * 1024) -> object:
    return unpack(name, "application/octet-stream", data, limit=limit, is_workbook=is_workbook_name)


def test_a_gbk_entry_name_without_the_utf8_flag_is_read_as_chinese() -> None:
    packed = _open("报告.zip", gbk_zip([(NAME, b"book"), ("说明.docx", b"x")]))
    assert packed.workbooks == [(NAME, b"book")]  # type: ignore[attr-defined]
    assert packed.others == ["说明.docx"]  # type: ignore[attr-defined]


def test_a_utf8_entry_name_is_read_as_written() -> None:
    packed = _open("报告.zip", _zip([(f"文件夹/{NAME}", b"book")]))
    assert packed.workbooks == [(NAME, b"book")]  # type: ignore[attr-defined]


def test_too_many_entries_are_refused() -> None:
    entries = [(f"{i}.txt", b"") for i in range(MAX_ENTRIES + 1)]
    packed = _open("a.zip", _zip([(NAME, b"book"), *entries]))
    assert packed.workbooks == [] and f"超过 {MAX_ENTRIES} 个" in packed.problem  # type: ignore[attr-defined]


def test_an_archive_unpacking_beyond_the_limit_is_refused() -> None:
    bomb = _zip([(NAME, b"\0" * (3 * 1024 * 1024))])  # a few kB packed
    assert len(bomb) < 50_000
    packed = _open("a.zip", bomb, limit=1024 * 1024)
    assert packed.workbooks == [] and "解压后超过 1 MB" in packed.problem  # type: ignore[attr-defined]


def test_an_archive_inside_the_archive_is_not_opened() -> None:
    inner = _zip([(NAME, b"book")])
    packed = _open("a.zip", _zip([(NAME, b"book"), ("inner.zip", inner)]))
    assert packed.workbooks == [] and "多层压缩包" in packed.problem  # type: ignore[attr-defined]


def test_a_damaged_archive_is_refused_with_a_reason() -> None:
    packed = _open("a.zip", b"PK\x03\x04 not really")
    assert "已损坏" in packed.problem  # type: ignore[attr-defined]


def test_a_lying_size_header_is_a_damaged_archive_not_a_bomb() -> None:
    data = bytearray(_zip([(NAME, b"x" * 5000)]))
    at = data.rfind(b"PK\x01\x02")  # the central directory's uncompressed size: 4 bytes at +24
    data[at + 24 : at + 28] = (10).to_bytes(4, "little")
    packed = _open("a.zip", bytes(data))
    assert packed.workbooks == [] and "已损坏" in packed.problem  # type: ignore[attr-defined]


def test_winmail_dat_gives_its_workbooks_with_names_in_the_code_page() -> None:
    data = tnef([(NAME.encode("gbk"), b"book"), ("照片.jpg".encode("gbk"), b"jpg")])
    packed = unpack(
        "winmail.dat", "application/ms-tnef", data, limit=10**7, is_workbook=is_workbook_name
    )
    assert packed is not None
    assert packed.workbooks == [(NAME, b"book")] and packed.others == ["照片.jpg"]


def test_a_broken_winmail_dat_is_refused_with_a_reason() -> None:
    packed = unpack(
        "winmail.dat",
        "application/ms-tnef",
        b"\x78\x9f\x3e\x22\x01",
        limit=10**7,
        is_workbook=is_workbook_name,
    )
    assert packed is not None and "winmail.dat" in packed.problem


def test_a_workbook_attached_twice_or_zipped_too_is_one_attachment(
    make_workbook: MakeWorkbook,
) -> None:
    book = make_workbook("r.xlsx").read_bytes()
    mail = parse_message(
        raw_mail(
            attachments=[
                plain_part("r.xlsx", book),
                plain_part("r (1).xlsx", book),
                plain_part("r.zip", gbk_zip([(NAME, book)])),
            ]
        )
    )
    assert [a.name for a in mail.workbooks] == ["r.xlsx"]


def test_other_files_are_named_and_embedded_images_are_not() -> None:
    logo = (
        b'Content-Type: image/png; name="logo.png"\r\n'
        b"Content-Disposition: inline\r\nContent-ID: <l@x>"
    )
    mail = parse_message(
        raw_mail(
            attachments=[
                (logo, b"png"),
                plain_part("说明.docx", b"doc"),
                plain_part("材料.zip", gbk_zip([("照片.jpg", b"jpg")])),
            ]
        )
    )
    assert mail.workbooks == []
    assert mail.other_files == ["说明.docx", "材料.zip 中的 照片.jpg"]


def test_an_entry_in_a_compression_we_cannot_read_is_refused_with_that_reason() -> None:
    data = bytearray(_zip([(NAME, b"x" * 5000)]))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(signature)  # the compression method: 9 = Deflate64
        data[at + offset : at + offset + 2] = (9).to_bytes(2, "little")
    packed = _open("a.zip", bytes(data))
    assert packed.workbooks == [] and "不支持的压缩方式" in packed.problem  # type: ignore[attr-defined]
