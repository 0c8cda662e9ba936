"""Warning: the agency name is not in the office's registry of agencies.

A name typed differently from the registry ("后河镇政府" for "后河镇人民政府") files the report
under an agency that does not exist, and the office's summary then misses the real one. The
closest registered names are offered, so the clerk can tell a typo from a new agency.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from workflow.checks._common import field_labels, where
from workflow.checks.context import CheckContext
from workflow.checks.identity import is_blank_text, same_agency
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["check_registry", "closest_names"]


def closest_names(name: str, registry: tuple[str, ...], n: int = 3) -> list[str]:
    """Up to `n` registered names close to `name`, closest first."""
    return difflib.get_close_matches(name, list(registry), n=n, cutoff=0.5)


def check_registry(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    """Nothing when there is no registry or the name is blank (that is an error elsewhere)."""
    name = sub.values.get("agency_name")
    if not ctx.registry or is_blank_text(name):
        return
    assert isinstance(name, str)
    name = name.strip()
    if any(same_agency(name, registered) for registered in ctx.registry):
        return
    close = closest_names(name, ctx.registry)
    yield finding(
        "registry.unknown_agency",
        **where(sub, ("agency_name",)),
        row_label=field_labels("agency_name")[0],
        expected=close[0] if close else None,
        actual=name,
        detail="，相近的有：" + "、".join(close) if close else "",
    )
