"""Published reports (Word documents, saved web pages) read into a `Submission`.

What the office has of an agency's earlier years is what was published: the Word report and the
page on the government website. `read_published` reads either by its labels — the title, the
three tables found by their headings, the prose by its headings — into the same `Submission` the
workbook reader produces, so every check runs on it unchanged.

    document       the neutral form both sources become: paragraphs and tables of cell text
    docx_source    .docx → document (gridSpan, vMerge, gridBefore)
    html_source    .html/.htm → document (colspan, rowspan, nested divs, <br>, &nbsp;)
    headings       what a line is: the title, a top-level heading and its roles, a sub-heading of 一
    sections       the document cut at its top-level headings: sections by role, tables by content
    labels         a printed label matched to the form's, a slip of a character allowed
    tables         what the table readers share: cells by key, refusals, notes
    proactive_table, applications_table, litigation_table   表二, 表三, 表四 by their labels
    reader         all of it → `Submission`; what cannot be read → `RejectedFile`
"""

from __future__ import annotations

from workflow.published.reader import PUBLISHED_SUFFIXES, is_published, read_published

__all__ = ["PUBLISHED_SUFFIXES", "is_published", "read_published"]
