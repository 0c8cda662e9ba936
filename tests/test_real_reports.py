"""The corpus of real published reports (tests/corpus/published/) is whole and the checker
reads every page of it without breaking.

Whether the checker's verdicts on these reports are right is measured by
`benchmarks/real_reports.py` against the hand-made answer key, not asserted here: these tests
keep the corpus usable (every file listed and keyed, the key well formed, each rebuilt page
the same as its archived source gives, each original page the archive's bytes with the
archive's text) and hold the one promise that does not depend on the
reading getting better: no crash and no internal error on any real page.
"""

from __future__ import annotations

import hashlib
import re
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from workflow.config import load_config
from workflow.flow.pipeline import check_file
from workflow.published.reader import read_published

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


def _rebuild_script() -> Any:
    """The corpus folder's `rebuild.py` (a script there, not a package): its `rebuild` and its
    list of `originals`, the pages it leaves alone."""
    sys.path.insert(0, str(CORPUS))
    try:
        import rebuild  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(CORPUS))
    return rebuild


def _originals() -> dict[str, dict[str, object]]:
    originals: dict[str, dict[str, object]] = _rebuild_script().originals()
    return originals


class _ArticleText(HTMLParser):
    """The text of the page's article (`<div class="article_content …">`), as the archive's
    page.txt holds it: the site's chrome around it (menus, footer, scripts) left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        if self.depth:
            self.depth += 1
        elif "article_content" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def _squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_at_least_five_pages_are_the_sites_own_markup_byte_for_byte() -> None:
    """Issue 16: real pages as the site serves them (Word-pasted tables, a span per word, the
    page chrome), not only pages rebuilt from their text."""
    kept = _originals()
    assert len(kept) >= 5
    for report_id, entry in kept.items():
        data = (CORPUS / f"{report_id}.html").read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], report_id
        assert len(data.decode("utf-8")) == entry["characters"], report_id
        assert (CORPUS / "sources" / f"{report_id}.txt").exists(), report_id


def test_the_rebuild_script_leaves_the_original_pages_alone() -> None:
    """Running rebuild.py over the original pages writes nothing: their bytes stay the
    archive's."""
    kept = _originals()
    before = {r: (CORPUS / f"{r}.html").read_bytes() for r in kept}
    assert _rebuild_script().main(list(kept)) == 0
    assert {r: (CORPUS / f"{r}.html").read_bytes() for r in kept} == before


def test_each_original_page_says_what_its_archived_text_says() -> None:
    """The copy is checked against the archive's second record of the page (page.txt): the
    article's words and numbers, every one, in order. For pages of the site's older layout the
    archive's text also took in the chrome around the article (the breadcrumb, title and share
    links before it, the heading 附件下载 after it); nothing else may differ."""
    for report_id in _originals():
        article = _ArticleText()
        article.feed((CORPUS / f"{report_id}.html").read_text(encoding="utf-8"))
        text = _squashed("".join(article.parts))
        source = (CORPUS / "sources" / f"{report_id}.txt").read_text(encoding="utf-8")
        body = _squashed(source.split("==================== 正文 ====================", 1)[1])
        before, found, after = body.partition(text)
        assert found and len(text) > 1000, report_id
        assert before == "" or before.startswith("当前位置：首页"), (report_id, before)
        assert after in {"", "附件下载"}, (report_id, after)


def test_the_sites_own_markup_reads_to_the_numbers_its_rebuilt_page_holds(tmp_path: Path) -> None:
    """The reader meets the site's real markup (Word-pasted runs, a <p> per character, the
    chrome) and gets every number of the three tables the rebuilt page — made from the
    archive's text and checked by hand — holds."""
    rebuild = _rebuild_script().rebuild
    for report_id in _originals():
        rebuilt_page, _ = rebuild(report_id)
        rebuilt = tmp_path / f"{report_id}.html"
        rebuilt.write_text(rebuilt_page, encoding="utf-8")
        original = read_published(CORPUS / f"{report_id}.html")
        expected = read_published(rebuilt)
        numbers = {k for k, v in expected.values.items() if not isinstance(v, str)}
        assert len(numbers) > 100, report_id
        got = {k: original.values.get(k) for k in numbers}
        assert got == {k: expected.values[k] for k in numbers}, report_id
        assert original.values["agency_name"] == expected.values["agency_name"], report_id


def test_each_rebuilt_page_is_what_its_archived_source_gives() -> None:
    rebuild = _rebuild_script().rebuild
    kept = _originals()
    rebuilt = [s for s in sorted((CORPUS / "sources").glob("*.txt")) if s.stem not in kept]
    assert len(rebuilt) + len(kept) == len(list((CORPUS / "sources").glob("*.txt")))
    for source in rebuilt:
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
