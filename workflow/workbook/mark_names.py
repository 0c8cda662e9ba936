"""The names of the marks our template leaves in an agency workbook, without the writer.

The template writer (`template`, xlsxwriter) sets them; the reader (`meta`), the peek at a
refused file (`peek`) and attribution read them. They live apart so that reading a file never
imports the Excel writer (`workflow check` of a published report imports no writer at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["META_PROPERTIES", "META_SHEET"]

META_PROPERTIES: Mapping[str, str] = MappingProxyType(
    {
        "form": "wf_form",
        "template_version": "wf_template_version",
        "agency": "wf_agency",
        "year": "wf_year",
    }
)
"""What each custom document property records -> its name. All values are strings:
form.FORM_ID, form.TEMPLATE_VERSION, the agency name, str(year)."""

META_SHEET = "_meta"
"""The very hidden, protected sheet holding the same marks (A1:B4, name / value as text)."""
