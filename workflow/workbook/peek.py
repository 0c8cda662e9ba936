"""Our marks (`wf_agency`, `wf_year`), read from a file that was refused, to know whose it is.

A refused file may still say whom the office issued it to: a workbook whose structure was
changed, one of an older template version, one damaged in a sheet but not in its properties,
or our workbook saved by LibreOffice or WPS as .ods (LibreOffice keeps custom properties as
`meta:user-defined` in meta.xml). Only the one small properties member is read, with
defusedxml, and only from a zip whose directory opens; anything odd gives None. The file was
refused, so nothing here may raise.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from workflow.workbook.mark_names import META_PROPERTIES

__all__ = ["MAX_MEMBER_BYTES", "peek_marks"]

MAX_MEMBER_BYTES = 256 * 1024
"""A properties part is a few hundred bytes; anything larger is not read."""

_AGENCY, _YEAR = META_PROPERTIES["agency"], META_PROPERTIES["year"]
_OOXML_PROPS = "docProps/custom.xml"
_ODF_META = "meta.xml"
_ODF_NS = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def peek_marks(path: Path) -> dict[str, str]:
    """`{"wf_agency": …, "wf_year": …}` as far as the file holds them (empty when it holds none
    or cannot be read)."""
    try:
        if not zipfile.is_zipfile(path):
            return {}
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for member, parse in ((_OOXML_PROPS, _ooxml_marks), (_ODF_META, _odf_marks)):
                if member in names:
                    info = archive.getinfo(member)
                    if info.file_size > MAX_MEMBER_BYTES or info.compress_size > MAX_MEMBER_BYTES:
                        return {}
                    return parse(SafeET.fromstring(archive.read(member)))
    except Exception:  # a refused file: whatever fails here only means "no marks"
        return {}
    return {}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _ooxml_marks(root: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in root:
        name = prop.get("name")
        if _local(prop.tag) == "property" and name in (_AGENCY, _YEAR):
            text = "".join(prop.itertext()).strip()
            if text:
                found[name] = text
    return found


def _odf_marks(root: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in root.iter(f"{_ODF_NS}user-defined"):
        name = node.get(f"{_ODF_NS}name")
        if name in (_AGENCY, _YEAR):
            text = "".join(node.itertext()).strip()
            if text:
                found[name] = text
    return found
