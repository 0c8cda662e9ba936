"""The hostile-file corpus (tests/corpus.py) through the real console and the real daemon.

(a) Every case through `workflow process --json` as a subprocess, the way a clerk runs it: the
    right exit code, status and rule, a Chinese message that says what to do, nothing on stderr
    (certainly no traceback), every output inside the outbox under a recognisable, legal folder
    name, and no agency text turned into a formula in any workbook we write. The two bombs are
    refused quickly and in bounded memory; defusedxml is proven in force in the installed
    environment by refusing the entity bomb with our own sniffer switched off.
(b) The whole corpus dropped at once into a running `workflow watch`: every case gets exactly
    one result, the daemon keeps going and still processes a good workbook afterwards, nothing
    is logged as an internal error, no reader of the outbox ever sees a partial file, and no
    temp file is left anywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.corpus import FORMULA_MARK, MANIFEST, Case, build_corpus, case_names
from tests.daemon_harness import WATCH, Office, OutboxWatcher, sha
from workflow.core.atomic import TEMP_PREFIX
from workflow.core.names import DIGEST_SUFFIX, safe_name
from workflow.example import seed_values
from workflow.flow.outbox import RESULT_NAME
from workflow.workbook.fill import fill_by_name
from workflow.workbook.template import write_template

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="measures child processes with wait4"),
    pytest.mark.slow,
]

YEAR = 2021
BOMBS = ("zip_bomb", "xml_entity_bomb")
BOMB_SECONDS = 10.0
"""A bomb is refused by reading directories and prologs: well under a second; generous for CI."""
BOMB_MAX_RSS_KB = 200 * 1024
"""The CLI's ordinary peak is ~60 MB; the zip bomb alone inflates to 300 MB, the entity bomb
to gigabytes, so a bounded peak shows that neither was expanded."""
CJK = re.compile(r"[\u4e00-\u9fff]+")
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", re.DOTALL)


@dataclass(frozen=True)
class Run:
    """One `workflow process --json` run of a case, as the console saw it."""

    case: Case
    outbox: Path
    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_kb: int

    @property
    def record(self) -> dict:
        lines = self.stdout.splitlines()
        assert len(lines) == 1, (
            f"{self.case.name}: exit {self.code} after {self.seconds:.2f} s, "
            f"{self.max_rss_kb} KB; expected one JSON line, got:\n{self.stdout}\n{self.stderr}"
        )
        return json.loads(lines[0])


def run_measured(argv: list[str], cwd: Path, out: Path, err: Path) -> tuple[int, float, int]:
    """Run `argv` to completion with stdout/stderr to files; (exit code, seconds, peak RSS KB)
    of that child alone (wait4, not the cumulative RUSAGE_CHILDREN)."""
    start = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return proc.returncode, time.monotonic() - start, usage.ru_maxrss


def write_config(root: Path) -> Path:
    config = root / "config.toml"
    config.write_text(
        '[paths]\ninbox = "inbox"\noutbox = "outbox"\narchive = "archive"\nstate = "state"\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    cases = build_corpus(tmp_path_factory.mktemp("corpus"))
    assert [c.name for c in cases] == case_names()
    return {c.name: c for c in cases}


@pytest.fixture(scope="module")
def runs(corpus: dict[str, Case], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every case through the CLI, two at a time (the suite runs on two cores); each with an
    outbox of its own so that what a case wrote can be told apart, one shared ledger."""
    root = tmp_path_factory.mktemp("cli")
    config = write_config(root)

    def one(case: Case) -> Run:
        outbox = root / "outbox" / case.name
        out, err = root / f"{case.name}.out", root / f"{case.name}.err"
        argv = [*WATCH, "process", "--json", "--config", str(config), "--outbox", str(outbox)]
        code, seconds, rss = run_measured([*argv, str(case.path)], root, out, err)
        return Run(case, outbox, code, out.read_text("utf-8"), err.read_text("utf-8"), seconds, rss)

    with ThreadPoolExecutor(2) as pool:
        return {run.case.name: run for run in pool.map(one, corpus.values())}


# --- helpers about what a run wrote ------------------------------------------------------------


def inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def error_findings(record: dict) -> list[dict]:
    return [f for f in record["findings"] if f["severity"] == "error"]


def formulas_with(path: Path, needle: bytes) -> list[tuple[str, bytes]]:
    """(member, formula) for every formula element of an xlsx whose text holds `needle`."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".xml"):
                for match in FORMULA_ELEMENT.finditer(archive.read(member)):
                    if needle.lower() in match.group(1).lower():
                        found.append((member, match.group(1)))
    return found


def holds_text(path: Path, needle: bytes) -> bool:
    with zipfile.ZipFile(path) as archive:
        return any(needle in archive.read(m) for m in archive.namelist())


def external_links(path: Path, needle: bytes) -> list[str]:
    """Relationship parts that point outside the file at `needle` (a hyperlink made real)."""
    with zipfile.ZipFile(path) as archive:
        return [m for m in archive.namelist() if m.endswith(".rels") and needle in archive.read(m)]


def assert_no_formula_from_agency_text(outbox: Path) -> list[Path]:
    """No workbook under `outbox` holds the =HYPERLINK text as a formula or a real link, and
    no Word report holds it as a field; returns the workbooks checked."""
    books = sorted(outbox.rglob("*.xlsx"))
    for book in books:
        assert formulas_with(book, b"HYPERLINK") == [], book
        assert external_links(book, b"evil.example") == [], book
        assert zipfile.ZipFile(book).testzip() is None, book
    for report in outbox.rglob("*.docx"):
        with zipfile.ZipFile(report) as archive:
            body = archive.read("word/document.xml")
        for field in re.findall(rb"<w:instrText[^>]*>(.*?)</w:instrText>", body, re.DOTALL):
            assert b"HYPERLINK" not in field.upper(), report
        for instruction in re.findall(rb'w:instr="([^"]*)"', body):
            assert b"HYPERLINK" not in instruction.upper(), report
        assert external_links(report, b"evil.example") == [], report
    return books


def assert_recognisable(folder: Path, agency: str) -> None:
    """The folder named after `agency` keeps every run of Chinese in it (the first 20 characters
    of a long one), is legal everywhere (our own safe_name leaves it unchanged) and is not a
    Windows device name."""
    for run in CJK.findall(agency):
        assert run[:20] in folder.name, (folder.name, agency)
    assert safe_name(folder.name) == folder.name
    assert folder.name.split(".")[0].strip().upper() not in {"CON", "PRN", "AUX", "NUL"}


# --- the corpus itself ---------------------------------------------------------------------------


def test_the_corpus_and_its_manifest(corpus: dict[str, Case]) -> None:
    """One file per case and the manifest, nothing else (no scratch left); distinct bytes and
    distinct agencies, so that in a daemon no case is a duplicate of or replaces another."""
    folder = next(iter(corpus.values())).path.parent
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    assert list(manifest) == case_names()
    for name, case in corpus.items():
        entry = manifest[name]
        assert (entry["file"], entry["expected_status"], entry["expected_rule"]) == (
            case.path.name,
            case.expected_status,
            case.expected_rule,
        )
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST, *(c.path.name for c in corpus.values())]
    )
    assert len({sha(c.path.read_bytes()) for c in corpus.values()}) == len(corpus)
    agencies = [c.agency for c in corpus.values() if c.agency]
    assert len(set(agencies)) == len(agencies)


def test_the_corpus_script_says_how_to_run_it() -> None:
    script = Path(__file__).with_name("corpus.py")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (2, "usage: python tests/corpus.py OUTDIR\n")


# --- (a) the console ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", case_names())
def test_each_case_through_the_console(name: str, runs: dict[str, Run]) -> None:
    run = runs[name]
    case = run.case
    assert "Traceback" not in run.stderr
    assert run.stderr == "", run.stderr
    record = run.record
    assert run.code == (0 if case.expected_status == "passed" else 1), (run.code, record)
    assert record["status"] == case.expected_status, record
    errors = error_findings(record)
    if case.expected_status == "passed":
        assert errors == []
    elif case.expected_status == "rejected":
        assert [f["rule"] for f in record["findings"]] == [case.expected_rule]
    else:
        assert case.expected_rule in [f["rule"] for f in errors], errors
    for f in record["findings"]:
        assert CJK.search(f["message"]), f
    for f in errors:
        if f["rule"] == case.expected_rule:
            # Says what to do: every file.* message asks (请…); a value or balance error asks
            # or states what the figures must be (应…).
            assert "请" in f["message"] or (
                case.expected_status == "failed" and "应" in f["message"]
            )
    assert run.seconds < 60, run.seconds


@pytest.mark.parametrize("name", case_names())
def test_outputs_stay_inside_the_outbox_under_a_recognisable_name(
    name: str, runs: dict[str, Run]
) -> None:
    run = runs[name]
    record = run.record
    outputs = {k: Path(v) for k, v in record["outputs"].items() if v}
    assert outputs, record
    for path in outputs.values():
        assert inside(path, run.outbox), path
        assert path.is_file() and zipfile.ZipFile(path).testzip() is None, path
    folder = next(iter(outputs.values())).parent
    result = folder / RESULT_NAME
    assert json.loads(result.read_text("utf-8"))["sha256"] == sha(run.case.path.read_bytes())
    if record["status"] == "rejected":
        assert folder.parent == run.outbox / "rejected"
        assert (folder / "退回说明.xlsx").is_file()
    else:
        assert folder.parent == run.outbox / str(YEAR)
        assert record["agency"] == run.case.agency
        assert_recognisable(folder, run.case.agency or "")
        plain = DIGEST_SUFFIX.sub("", folder.name)  # '甲/乙' -> folder '甲_乙-<digest>'
        assert outputs["report"].name.startswith(plain[:20])
    assert not list(run.outbox.rglob(f"{TEMP_PREFIX}*"))


def test_nothing_is_written_outside_the_outboxes(runs: dict[str, Run]) -> None:
    """The hostile agency names ('../../../', '/tmp/…', '..\\..\\', 'C:', 'CON') climbed
    nowhere: the run folder and the two above it hold nothing of theirs, /tmp no new folder."""
    root = next(iter(runs.values())).outbox.parent.parent
    allowed = (
        {"config.toml", "outbox", "state", "archive"}
        | {f"{n}.out" for n in runs}
        | {f"{n}.err" for n in runs}
    )
    assert {p.name for p in root.iterdir()} <= allowed
    assert {p.name for p in (root / "outbox").iterdir()} == set(runs)
    assert not list(Path("/tmp").glob("*斜杠镇*"))
    for above in (root.parent, root.parent.parent):
        assert not list(above.glob("*逃逸镇*")) and not list(above.glob("*反斜杠镇*")), above


def test_formula_text_never_becomes_a_formula(runs: dict[str, Run]) -> None:
    """=HYPERLINK(…) typed as text (agency name, prose, a count, the fee) or carried in a file
    name: shown as text in the error workbook, the rejection note and the summary, never a
    formula, a link or a Word field."""
    checked: list[Path] = []
    for run in runs.values():
        checked += assert_no_formula_from_agency_text(run.outbox)
    mark = FORMULA_MARK.encode()
    typed = runs["formula_text"]
    errors = Path(typed.record["outputs"]["errors"])
    assert holds_text(errors, mark)  # the check above was not vacuous
    summary = typed.outbox / str(YEAR) / f"{YEAR}年政府信息公开工作年度报告汇总.xlsx"
    assert holds_text(summary, mark)
    note = Path(runs["formula_file_name"].record["outputs"]["errors"])
    assert holds_text(note, b"=HYPERLINK(1,")
    assert errors in checked and summary in checked and note in checked


def test_bombs_are_refused_quickly_in_bounded_memory(runs: dict[str, Run]) -> None:
    for name in BOMBS:
        run = runs[name]
        finding = run.record["findings"][0]
        assert finding["rule"] == "file.unsafe"
        assert run.seconds < BOMB_SECONDS, (name, run.seconds)
        assert run.max_rss_kb < BOMB_MAX_RSS_KB, (name, run.max_rss_kb)
    assert "压缩炸弹" in runs["zip_bomb"].record["findings"][0]["message"]  # by declared sizes
    assert "DOCTYPE/ENTITY" in runs["xml_entity_bomb"].record["findings"][0]["message"]


def installed_python() -> str:
    """The interpreter of the installed `workflow` console script (the office's environment)."""
    script = Path(WATCH[0])
    if script.name == "workflow":
        first = script.read_bytes().split(b"\n", 1)[0]
        if first.startswith(b"#!") and Path(first[2:].decode().strip()).exists():
            return first[2:].decode().strip()
    return sys.executable


def test_defusedxml_is_in_force_in_the_installed_environment(
    corpus: dict[str, Case], tmp_path: Path
) -> None:
    """openpyxl parses with defusedxml there, and it refuses the entity bomb by itself: with our
    sniffer switched off the bomb still ends as file.unsafe, at once, in bounded memory."""
    python = installed_python()
    probe = subprocess.run(
        [python, "-c", "import openpyxl.xml; print(openpyxl.xml.DEFUSEDXML)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "True"
    without_sniffer = (
        "from workflow.workbook import reader\n"
        "reader.inspect_file = lambda *args, **kwargs: None\n"
        "from workflow.cli import main\n"
        "main()\n"
    )
    config = write_config(tmp_path)
    argv = [python, "-c", without_sniffer, "process", "--json", "--config", str(config)]
    code, seconds, rss = run_measured(
        [*argv, str(corpus["xml_entity_bomb"].path)],
        tmp_path,
        tmp_path / "out",
        tmp_path / "err",
    )
    record = json.loads((tmp_path / "out").read_text("utf-8"))
    assert (code, record["status"]) == (1, "rejected"), (tmp_path / "err").read_text("utf-8")
    assert record["findings"][0]["rule"] == "file.unsafe"
    assert "DOCTYPE/ENTITY" in record["findings"][0]["message"]
    assert seconds < BOMB_SECONDS and rss < BOMB_MAX_RSS_KB, (seconds, rss)


# --- (b) the daemon ------------------------------------------------------------------------------


def good_workbook(folder: Path) -> bytes:
    agency = "语料之后镇人民政府"
    blank = write_template(folder, agency, YEAR)
    path = fill_by_name(blank, dict(seed_values(), agency_name=agency), folder / "good.xlsx")
    return path.read_bytes()


def test_the_whole_corpus_dropped_into_a_running_daemon(
    corpus: dict[str, Case], office: Office, tmp_path: Path
) -> None:
    watch = office.start()
    watcher = OutboxWatcher(office.outbox)
    watcher.start()
    for case in corpus.values():
        office.drop(case.path.name, case.path.read_bytes())
    office.wait(office.done, timeout=120, what="the corpus")
    assert watch.proc.poll() is None, watch.text()
    watcher.stop()
    assert watcher.problems == [], watcher.problems[:20]
    assert watcher.results_read > 0 and watcher.zips_checked > 0

    results = office.results()
    for case in corpus.values():
        records = results.get(sha(case.path.read_bytes()), [])
        assert len(records) == 1, (case.name, records)
        record = records[0]
        assert record["file"] == case.path.name
        assert record["status"] == case.expected_status, (case.name, record)
        rules = [f["rule"] for f in error_findings(record)]
        if case.expected_rule is not None:
            assert case.expected_rule in rules, (case.name, rules)
        else:
            assert rules == [], (case.name, rules)
        for output in filter(None, record["outputs"].values()):
            assert inside(Path(output), office.outbox), output

    folder = tmp_path / "later"
    folder.mkdir()
    office.drop("之后.xlsx", good_workbook(folder))
    office.wait(office.done, timeout=30, what="a good workbook after the corpus")
    later = office.results()[sha(office.dropped[-1])]
    assert [r["status"] for r in later] == ["passed"]

    code, _ = watch.terminate()
    assert code == 0, watch.text()
    office.assert_complete()
    assert_no_formula_from_agency_text(office.outbox)
    console = watch.text()
    log = (office.state / "logs" / "workflow.log").read_text("utf-8")
    assert "Traceback" not in console and "Traceback" not in log
    assert " ERROR " not in log, log
    assert all(
        f["rule"] != "file.internal_error" for rs in office.results().values() for r in rs
        for f in r["findings"]
    )  # fmt: skip
    assert not list(office.root.rglob(f"{TEMP_PREFIX}*"))
    assert not list(office.outbox.rglob("*.tmp")) and not list(office.outbox.rglob(".*"))
