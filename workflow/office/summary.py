"""The office's one workbook for the year: who has reported, who must act, the county totals.

`write_summary` writes it atomically from the `AgencyState`s of `states` (fed in by the ledger's
owner: nothing here reads the ledger or the outbox). Its sheets are written by
`summary_sheets` (提交情况), `summary_charts` (图表) and `summary_totals` (the totals laid out
like the form, and 汇总说明).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from xlsxwriter.workbook import Workbook

from workflow.core.atomic import atomic_path
from workflow.core.text import clean_xml_text
from workflow.office.states import AgencyState, county_totals, sort_states
from workflow.office.summary_charts import write_chart_sheet
from workflow.office.summary_sheets import write_status_sheet
from workflow.office.summary_totals import write_totals

__all__ = ["summary_filename", "write_summary"]

_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
"""Agency text is data: never a formula, a link or a number, whatever it looks like."""


def summary_filename(year: int) -> str:
    return f"{year}年政府信息公开工作年度报告汇总.xlsx"


def write_summary(
    out_dir: Path,
    year: int,
    states: Sequence[AgencyState],
    *,
    county_name: str = "全县",
    generated_at: datetime | None = None,
    extra_sheets: Sequence[Callable[[Workbook], None]] = (),
) -> Path:
    """Write `<out_dir>/<year>年政府信息公开工作年度报告汇总.xlsx` atomically; return its path.

    `states` may come in any order (they are sorted here as in `states_for_year`).
    `county_name` names the whole in titles; the totals' agency name, in the ``agency_name``
    cell and the ``wf_agency`` property alike, is "<county_name>汇总" (see `summary_totals` for
    why, and for what the prose keys hold). `generated_at` (default: now) is printed so that a
    clerk can tell a stale printout from today's.

    Sheets: 提交情况 (first, active), 图表, 二、主动公开, 三、依申请公开, 四、复议诉讼, 汇总说明,
    then whatever `extra_sheets` add (the mail intake's 邮件往来).
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2999:
        raise ValueError(f"year must be a four-digit year, got {year!r}")
    county = " ".join(clean_xml_text(county_name).split())
    if not county:
        raise ValueError("county_name is empty")
    ordered = sort_states(states)
    when = (generated_at or datetime.now()).replace(tzinfo=None, microsecond=0)
    totals = county_totals(ordered)
    target = Path(out_dir) / summary_filename(year)
    with atomic_path(target) as tmp, Workbook(str(tmp), _WORKBOOK_OPTIONS) as workbook:
        write_status_sheet(workbook, year, ordered, county, when)
        write_chart_sheet(workbook, year, ordered, totals, county)
        write_totals(workbook, year, ordered, totals, county, when)
        for add_sheet in extra_sheets:
            add_sheet(workbook)
    return target
