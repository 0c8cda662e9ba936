"""Workbooks packed in a .zip or in Outlook's winmail.dat, taken out as if attached directly.

Agencies zip a workbook "to keep it safe", and Outlook with rich text sends every attachment
inside `winmail.dat` (TNEF, application/ms-tnef). Both are opened here; each workbook inside
goes on like an attachment, the other files are only named (the reply says what was found).

A .zip from Chinese Windows writes its entry names in GBK without the UTF-8 flag (bit 11);
`zipfile` then decodes them as cp437. Such a name is taken back to its bytes and decoded as
UTF-8, else GB18030 (`filenames.decode_bytes`). TNEF names are decoded with the file's own
code page (936 on Chinese Windows), or the long Unicode name where Outlook wrote one.

Refused, with a reason the reply gives (nothing is extracted; the limits are far above any
real submission): more than `MAX_ENTRIES` entries; a declared unpacked size above the message
limit (`[mail] max_message_mb`); an archive inside the archive (no nesting, so no recursive
bomb); an encrypted or damaged archive. `zipfile` stops reading an entry at its declared size
and checks its CRC, so a header that lies about the size is a damaged archive, not a bomb.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from workflow.intake.mail.filenames import decode_bytes

__all__ = ["MAX_ENTRIES", "Packed", "is_tnef", "is_zip", "unpack"]

_Predicate = Callable[[str], bool]

MAX_ENTRIES = 200
_ZIP_SUFFIXES = (".zip",)
_TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
_NESTED = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


@dataclass(slots=True)
class Packed:
    """What one container held: (name, data) of each workbook, the names of other files, and
    the reason it could not be opened ("" when it was)."""

    workbooks: list[tuple[str, bytes]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    problem: str = ""


def is_zip(name: str) -> bool:
    return name.lower().endswith(_ZIP_SUFFIXES)


def is_tnef(name: str, content_type: str) -> bool:
    return name.lower() == "winmail.dat" or content_type.lower() in _TNEF_TYPES


def _entry_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # decoded by a metadata_encoding already
        return info.filename
    return decode_bytes(raw)


def _basename(name: str) -> str:
    return name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _refused(packed: Packed, problem: str) -> Packed:
    """`packed` given up on part way: the reason, no workbooks (the other files' names found
    so far are kept)."""
    packed.problem = problem
    packed.workbooks.clear()
    return packed


def _unzip(data: bytes, limit: int, is_workbook: _Predicate) -> Packed:
    packed = Packed()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        packed.problem = "压缩包已损坏或不是 zip 格式，无法打开"
        return packed
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        infos = [i for i in infos if not _entry_name(i).replace("\\", "/").startswith("__MACOSX/")]
        if len(infos) > MAX_ENTRIES:
            packed.problem = f"压缩包中有 {len(infos)} 个文件，超过 {MAX_ENTRIES} 个，未打开"
            return packed
        if sum(i.file_size for i in infos) > limit:
            packed.problem = f"压缩包解压后超过 {limit / 1024 / 1024:g} MB，未打开"
            return packed
        for info in infos:
            name = _basename(_entry_name(info))
            if not name or name.startswith("._"):
                continue
            if name.lower().endswith(_NESTED):
                return _refused(packed, f"压缩包中又有压缩包（{name}），程序不打开多层压缩包")
            if not is_workbook(name):
                packed.others.append(name)
                continue
            if info.flag_bits & _ENCRYPTED_FLAG:
                return _refused(packed, f"压缩包已加密（设置了密码），无法取出 {name}")
            try:
                packed.workbooks.append((name, archive.read(info)))
            except NotImplementedError:  # e.g. Deflate64, which Windows writes for big files
                return _refused(packed, f"压缩包使用了不支持的压缩方式，无法取出 {name}")
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
                return _refused(packed, f"压缩包已损坏，无法取出 {name}")
    return packed


def _tnef_name(attachment: object, codepage: str | None) -> str:
    try:
        name = attachment.long_filename()  # type: ignore[attr-defined]
    except UnicodeDecodeError:  # a title in the file's code page, which tnefparse reads as UTF-8
        name = None
    if isinstance(name, bytes):
        name = decode_bytes(name, codepage)
    if not name:
        raw = getattr(attachment, "_name", b"")
        name = decode_bytes(raw, codepage) if isinstance(raw, bytes) else str(raw)
    return _basename(str(name).strip("\x00").strip())


def _untnef(data: bytes, is_workbook: _Predicate) -> Packed:
    from tnefparse.tnef import TNEF

    packed = Packed()
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception:  # any malformed structure: the library raises what it meets
        packed.problem = "winmail.dat 已损坏，无法打开"
        return packed
    attachments = list(tnef.attachments)
    if len(attachments) > MAX_ENTRIES:
        packed.problem = (
            f"winmail.dat 中有 {len(attachments)} 个文件，超过 {MAX_ENTRIES} 个，未打开"
        )
        return packed
    for attachment in attachments:
        name = _tnef_name(attachment, tnef.codepage)
        body = attachment.data if isinstance(attachment.data, bytes) else b""
        if not name:
            continue
        if is_workbook(name):  # one too large is refused like any attachment: too_big
            packed.workbooks.append((name, body))
        else:
            packed.others.append(name)
    return packed


def unpack(
    name: str, content_type: str, data: bytes, *, limit: int, is_workbook: _Predicate
) -> Packed | None:
    """What the container `name` holds; None when it is no container we open. Never raises
    for a bad container: whatever fails is its `problem`, and the reply says so."""
    try:
        if is_tnef(name, content_type):
            return _untnef(data, is_workbook)
        if is_zip(name):
            return _unzip(data, limit, is_workbook)
    except Exception:  # a malformed archive met a path the checks above did not foresee
        return Packed(problem=f"{name} 无法打开（文件已损坏或格式不受支持）")
    return None
