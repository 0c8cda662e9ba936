"""What the checks know beyond the workbook: the office's settings, the agency's kind, the
registry of agencies and last year's accepted report.

It lives apart from the check modules so that every check can import it without importing the
package that runs them all. The kind of an agency decides how it must call itself in its prose
(a 镇 says 我镇, a 局 says 我局); the registry's `kind` wins, and when it is empty the kind is
inferred from the name, because most registries are filled with names only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from workflow.config import Config
from workflow.core.cell_values import FEE_DECIMALS, stored_number

__all__ = [
    "KINDS",
    "CheckContext",
    "PreviousReport",
    "context_from_config",
    "infer_agency_kind",
    "normalise_kind",
]

KINDS: tuple[str, ...] = ("镇", "乡", "街道", "部门", "政府")
"""The kinds the self-reference check knows; '' means unknown (nothing is checked)."""

_TOWNSHIP_STREET = re.compile(r"街道(?:办事处|办|党工委|工委)?$")
_TOWN = re.compile(r"镇(?:人民政府|政府)?$")
_VILLAGE_TOWNSHIP = re.compile(r"乡(?:人民政府|政府)?$")
_GOVERNMENT = re.compile(r"(?:省|市|县|区|州|旗|盟)(?:人民政府|政府)$")
_DEPARTMENT = re.compile(
    r"(?:局|委员会|委|办公室|办|厅|中心|院|所|站|队|馆|会|社|部|处|署|室|团|台|校|公司)$"
)


@dataclass(frozen=True)
class PreviousReport:
    """Last year's accepted report of the same agency, for the cross-year warnings."""

    values: Mapping[str, object]
    """Values by field key, as accepted last year (ints, Decimals or their text)."""
    source: str
    """Last year's file name, quoted in messages so the clerk can find it."""
    year: int
    basis: str = ""
    """Which of last year's reports this is, in Chinese: '已通过校验的', '导入的（该报告
    本身未通过校验）' … ; '' says nothing more than the file name."""

    @property
    def cited(self) -> str:
        """How a message names it: '已通过校验的“2021.xlsx”', or just the file name."""
        return f"{self.basis}“{self.source}”" if self.basis else self.source

    def number(self, key: str) -> int | Decimal | None:
        """Last year's number under `key`; None when unknown (missing or unreadable)."""
        return stored_number(key, self.values.get(key))


@dataclass(frozen=True)
class CheckContext:
    fee_yuan_threshold: float = 10000.0
    """A 行政事业性收费 above this many 万元 was probably typed in 元."""
    fee_decimals: int = FEE_DECIMALS
    """Most places after the point of a 收费金额 (``[checks] fee_decimals``)."""
    agency_kind: str = ""
    """镇 / 乡 / 街道 / 部门 / 政府 from the registry; inferred from the agency name when empty."""
    registry: tuple[str, ...] = ()
    """Registered agency names; empty means no registry check."""
    previous: PreviousReport | None = None

    def previous_for(self, year: int | None) -> PreviousReport | None:
        """Last year's report when it is of the year before `year` (across a gap year the
        figures need not carry over); None otherwise."""
        if self.previous is None or (year is not None and self.previous.year != year - 1):
            return None
        return self.previous


def _clean(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    text = re.sub(r"\s+", "", text)
    # A trailing note in brackets ("后河镇人民政府(盖章)") does not change the kind.
    return re.sub(r"\([^()]*\)$", "", text)


def infer_agency_kind(name: str) -> str:
    """The kind of agency its name says: 镇, 乡, 街道, 部门, 政府, or '' when it says none.

    Only the end of the name counts: "后河镇人民政府" is a 镇, "卫辉市公安局" a 部门 although it
    names a city, "县人民政府办公室" a 部门 although it names a government.
    """
    text = _clean(name)
    if not text:
        return ""
    if _TOWNSHIP_STREET.search(text):
        return "街道"
    if _TOWN.search(text):
        return "镇"
    if _VILLAGE_TOWNSHIP.search(text):
        return "乡"
    if _GOVERNMENT.search(text):
        return "政府"
    if _DEPARTMENT.search(text):
        return "部门"
    return ""


def normalise_kind(kind: str) -> str:
    """A registry's `kind` as one of `KINDS`, '' if unknown; it may say 街道办事处, 县直部门 …"""
    text = _clean(kind)
    if text in KINDS:
        return text
    if "街道" in text:
        return "街道"
    if text.endswith("镇"):
        return "镇"
    if text.endswith("乡"):
        return "乡"
    if "政府" in text:
        return "政府"
    if "部门" in text or "单位" in text or _DEPARTMENT.search(text):
        return "部门"
    return ""


def context_from_config(
    config: Config, agency_name: str, previous: PreviousReport | None = None
) -> CheckContext:
    """The context for one agency's report: the office's threshold, the agency's registered
    kind (or the kind its name says), and the registry of names."""
    name = (agency_name or "").strip()
    agency = config.agency(name)
    kind = normalise_kind(agency.kind) if agency is not None else ""
    return CheckContext(
        fee_yuan_threshold=config.fee_yuan_threshold,
        fee_decimals=config.fee_decimals,
        agency_kind=kind or infer_agency_kind(name),
        registry=tuple(a.name for a in config.agencies),
        previous=previous,
    )
