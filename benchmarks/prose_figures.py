"""How well the prose-against-tables warnings do on the corpus of real-style sentences.

    python benchmarks/prose_figures.py [-v]

Prints how many true contradictions are caught (the warning count of a passage equals the
number of contradicted figures in it, and each names the reading it expects) and how many
agreeing statements are left alone (no warning). The target is all and all. `-v` lists every
passage that misses, with what was said.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.prose_corpus import AGREEING, CONTRADICTIONS, Case, prose_warnings
from tests.published_docs import Layout, PublishedReport
from workflow.core.findings import Finding
from workflow.published import read_published


def warnings_for(case: Case) -> list[Finding]:
    """The prose-vs-table warnings about the passage, put into （二）依申请公开情况."""
    return [f for f in prose_warnings(case.text, case.table) if "text_on_request" in f.fields]


def judged(case: Case) -> bool:
    found = warnings_for(case)
    if len(found) != case.contradictions:
        return False
    return not case.explains or any(case.explains in f.message for f in found)


def main(verbose: bool) -> None:
    caught = [judged(c) for c in CONTRADICTIONS]
    alone = [judged(c) for c in AGREEING]
    figures = sum(c.contradictions for c in CONTRADICTIONS)
    print(f"passages with contradictions caught: {sum(caught)} / {len(caught)}"
          f" ({figures} contradicted figures)")  # fmt: skip
    print(f"agreeing passages left alone:        {sum(alone)} / {len(alone)}")
    if verbose:
        for case, ok in [
            *zip(CONTRADICTIONS, caught, strict=True),
            *zip(AGREEING, alone, strict=True),
        ]:
            if not ok:
                print(f"  MISS {case.text}")
                for f in warnings_for(case):
                    print(f"       {f.message}")


def time_reader(rounds: int = 20) -> None:
    """Milliseconds to read one published report (split table, blank column)."""
    report = PublishedReport(layout=Layout(split_applications_at=12, blank_column=True))
    with tempfile.TemporaryDirectory() as folder:
        for path in (report.write_docx(Path(folder) / "r.docx"),
                     report.write_html(Path(folder) / "r.html")):  # fmt: skip
            read_published(path)
            start = time.perf_counter()
            for _ in range(rounds):
                read_published(path)
            ms = (time.perf_counter() - start) / rounds * 1000
            print(f"read_published {path.suffix:6} {ms:6.1f} ms per report")


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
    time_reader()
