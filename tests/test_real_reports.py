"""The corpus of real published reports (tests/corpus/published/) is whole and the checker
reads every page of it without breaking.

Whether the checker's verdicts on these reports are right is measured by
`benchmarks/real_reports.py` against the hand-made answer key, not asserted here: these tests
keep the corpus usable (every file listed and keyed, the key well formed, each rebuilt page
the same as its archived source gives) and hold the one promise that does not depend on the
reading getting better: no crash and no internal error on any real page.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from workflow.config import load_config
from workflow.flow.pipeline import check_file

CORPUS = Path(__file__).parent / "corpus" / "published"
PAGE_SUFFIXES = {".html", ".htm", ".docx"}
KINDS = {"table", "prose", "cross_year"}


def _pages() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in PAGE_SUFFIXES)


def _key() -> dict[str, dict[str, object]]:
    data = tomllib.loads((CORPUS / "answers.toml").read_text(encoding="utf-8"))
    reports = data["reports"]
    assert isinstance(reports, dict)
    return reports


def test_corpus_holds_at_least_forty_reports() -> None:
    assert len(_pages()) >= 40


def test_readme_lists_every_page_and_source() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([^`]+\.(?:html|htm|docx|txt))`", readme))
    missing = [p.name for p in _pages() if p.name not in listed]
    for source in (CORPUS / "sources").glob("*.txt"):
        if f"sources/{source.name}" not in listed:
            missing.append(f"sources/{source.name}")
    assert not missing, f"README.md does not list: {missing}"


def test_answer_key_covers_every_page_and_is_well_formed() -> None:
    key = _key()
    keyed = {str(entry["file"]) for entry in key.values()}
    assert keyed == {p.name for p in _pages()}
    by_file = {str(entry["file"]): entry for entry in key.values()}
    for name, entry in key.items():
        assert (CORPUS / str(entry["file"])).exists(), name
        assert isinstance(entry["agency"], str) and entry["agency"], name
        year = entry["year"]
        assert isinstance(year, int) and 2021 <= year <= 2025, name
        for slip in entry.get("slips", []):  # type: ignore[attr-defined]
            assert slip["kind"] in KINDS, (name, slip)
            assert slip.get("rule") or slip.get("rules"), (name, slip)
            assert slip.get("why"), (name, slip)
        for unsure in entry.get("unsure", []):  # type: ignore[attr-defined]
            assert unsure.get("rule") or unsure.get("rules"), (name, unsure)
        previous = entry.get("previous")
        if previous:
            before = by_file[str(previous)]
            assert before["agency"] == entry["agency"], name
            assert before["year"] == year - 1, name


def test_each_rebuilt_page_is_what_its_archived_source_gives() -> None:
    sys.path.insert(0, str(CORPUS))
    try:
        from rebuild import rebuild  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(CORPUS))
    for source in sorted((CORPUS / "sources").glob("*.txt")):
        page, _ = rebuild(source.stem)
        assert (CORPUS / f"{source.stem}.html").read_text(encoding="utf-8") == page, source.name


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_checker_reads_every_real_page_without_breaking(page: Path, tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[paths]\nstate = "{(tmp_path / "state").as_posix()}"\n', "utf-8")
    outcome = check_file(page, load_config(config_file))
    assert outcome.status in {"passed", "failed", "rejected"}
    assert not [f for f in outcome.findings if f.rule == "file.internal_error"]
