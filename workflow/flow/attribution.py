"""Whose is a file we refused? So that the office sees that agency as 退回, not 未提交.

A file refused for its format (.xls, .ods, .et, a CSV, a damaged attachment) cannot tell us
its agency through the form, yet somebody sent it. In order of trust:

1. our own marks (`wf_agency`, `wf_year`), when the file still holds them (`workbook.peek`):
   they say whom the office issued this workbook to;
2. the mail sender, when the file came by mail: the mail intake passes the agency it knows the
   sender as (`agency_hint`);
3. the file name: our workbooks are named `<单位><年度>年政府信息公开工作年度报告.xlsx`, and
   clerks rename them but seldom drop the agency. The longest registered name contained in the
   file name wins (spaces and full-/half-width forms ignored, as everywhere); without a
   registered name, a file name of exactly our pattern still names its agency.

The year is the file's mark, else a year in the file name ("2021年" first, else one lone
20xx), else the year before the one the file arrived in: reports of year N are collected in
the first months of N+1. A name that matches nothing gives no attribution at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from workflow.config import Agency
from workflow.core.form import REPORT_TITLE_SUFFIX
from workflow.core.names import agency_key
from workflow.core.outcome import Attribution
from workflow.workbook.mark_names import META_PROPERTIES
from workflow.workbook.peek import peek_marks

__all__ = ["attribute", "registered_name_in", "year_in_name"]

_YEAR_MARKED = re.compile(r"(?<!\d)(20\d\d)\s*年")
_YEAR_BARE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_OUR_NAME = re.compile(r"^(?P<agency>.+?)(?P<year>20\d\d)" + re.escape(REPORT_TITLE_SUFFIX))


def registered_name_in(text: str, registry: Sequence[Agency]) -> str | None:
    """The longest registered agency name contained in `text` (compared by `agency_key`)."""
    key = agency_key(text)
    best: tuple[int, str] | None = None
    for agency in registry:
        name_key = agency_key(agency.name)
        if name_key and name_key in key and (best is None or len(name_key) > best[0]):
            best = (len(name_key), agency.name)
    return best[1] if best else None


def year_in_name(name: str) -> int | None:
    """'…2021年…' -> 2021; else a lone four-digit 20xx; else None (full-width digits count)."""
    name = unicodedata.normalize("NFKC", name)
    marked = {int(y) for y in _YEAR_MARKED.findall(name)}
    if len(marked) == 1:
        return marked.pop()
    bare = {int(y) for y in _YEAR_BARE.findall(name)}
    return bare.pop() if len(bare) == 1 and not marked else None


def _year(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 2000 <= int(text) <= 2999 else None


def _registered(name: str, registry: Sequence[Agency]) -> str:
    """The registry's spelling of `name` when it is registered (or contains a registered name)."""
    return registered_name_in(name, registry) or " ".join(name.split())


def attribute(
    path: Path,
    display_name: str,
    registry: Sequence[Agency],
    *,
    agency_hint: str | None = None,
    received_at: datetime | None = None,
    read_marks: bool = True,
) -> Attribution | None:
    """Whom the refused file at `path` (sent as `display_name`) most likely belongs to.

    `read_marks=False` skips opening the file (a file refused as unsafe is not opened again).
    """
    stem = Path(display_name).name
    marks = peek_marks(path) if read_marks else {}
    name_year = year_in_name(stem)
    fallback_year = (received_at or datetime.now()).year - 1
    marked_agency = marks.get(META_PROPERTIES["agency"], "").strip()
    year = _year(marks.get(META_PROPERTIES["year"])) or name_year or fallback_year
    if marked_agency:
        return Attribution(_registered(marked_agency, registry), year, "marks")
    if agency_hint and agency_hint.strip():
        return Attribution(_registered(agency_hint, registry), year, "mail")
    found = registered_name_in(stem, registry)
    if found is None and (ours := _OUR_NAME.match(stem)):
        found = " ".join(ours["agency"].split()) or None
    return Attribution(found, year, "file_name") if found else None
