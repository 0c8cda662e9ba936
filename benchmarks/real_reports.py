"""How the checker does on real published reports (`tests/corpus/published/`).

Every report of the corpus is checked as an office would check it: a temp config naming each
body of the corpus in its registry, a temp ledger into which last year's report of a body is
imported first with `workflow import-history` (so the cross-year checks run), then
`check_file` on this year's page. Its findings are compared with the answer key
(`answers.toml`, made by hand), which lists for each report its real slips and nothing else:

- a finding that matches a slip (same rule, a field in common) is a slip found;
- an error that matches none is a **false error**, a warning that matches none a **false
  warning** (reading notes, `source.note`, are neither); a finding matching an `unsure` entry of
  the key (a reading a careful reviewer could take either way) is counted apart;
- a slip no finding matches is **missed** (by kind: table, prose, cross-year);
- a readable report the checker refuses is a **refusal**; an exception is a **crash**.

Targets (issue 16): 0 refusals of readable reports, 0 false errors, at most 1 false warning
per 20 reports, 0 missed table slips, every cross-year slip found.

    python benchmarks/real_reports.py [-v] [--json] [--corpus DIR]

`-v` prints every finding of every report; without it only what is off target is listed,
one line each, so the code can be fixed report by report. Exit code 0 when every target is
met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflow.config import load_config  # noqa: E402
from workflow.core.findings import Finding  # noqa: E402
from workflow.flow.pipeline import check_file  # noqa: E402
from workflow.office.history import history_lookup  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "published"
KINDS = ("table", "prose", "cross_year")
NOT_COUNTED = {"source.note"}
"""Reading notes (读取说明): said about the reading, not about the report."""


@dataclass
class Expected:
    """One entry of the key: a real slip, or a reading left `unsure`."""

    kind: str
    rules: tuple[str, ...]
    fields: tuple[str, ...]
    why: str

    def matches(self, f: Finding) -> bool:
        if f.rule not in self.rules:
            return False
        return not self.fields or bool(set(self.fields) & set(f.fields))


@dataclass
class Report:
    key: str
    file: Path
    agency: str
    year: int
    kind: str
    readable: bool
    previous: Path | None
    slips: list[Expected]
    unsure: list[Expected]


@dataclass
class Result:
    report: Report
    seconds: float = 0.0
    status: str = ""
    crash: str = ""
    false_errors: list[Finding] = field(default_factory=list)
    false_warnings: list[Finding] = field(default_factory=list)
    unsure: list[Finding] = field(default_factory=list)
    found: list[Expected] = field(default_factory=list)
    missed: list[Expected] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.status == "rejected" and self.report.readable


def _expected(entry: dict[str, Any], kind_default: str = "") -> Expected:
    """One slip (kind required) or one unsure reading (kind "unsure")."""
    rules = entry.get("rule", entry.get("rules", ()))
    rules = (rules,) if isinstance(rules, str) else tuple(rules)
    kind = str(entry.get("kind", kind_default))
    if kind not in (*KINDS, "unsure"):
        raise ValueError(f"unknown slip kind {kind!r} (one of {', '.join(KINDS)})")
    if not rules:
        raise ValueError(f"a key entry without a rule: {entry}")
    return Expected(kind, rules, tuple(entry.get("fields", ())), str(entry.get("why", "")))


def load_key(corpus: Path) -> list[Report]:
    """The answer key: `[reports.<name>]` tables, in file order."""
    data = tomllib.loads((corpus / "answers.toml").read_text(encoding="utf-8"))
    reports = []
    for key, entry in data["reports"].items():
        previous = entry.get("previous")
        reports.append(
            Report(
                key=key,
                file=corpus / entry["file"],
                agency=entry["agency"],
                year=int(entry["year"]),
                kind=entry.get("kind", "部门"),
                readable=bool(entry.get("readable", True)),
                previous=corpus / previous if previous else None,
                slips=[_expected(s) for s in entry.get("slips", [])],
                unsure=[_expected(s, "unsure") for s in entry.get("unsure", [])],
            )
        )
    return reports


def _config_text(folder: Path, reports: list[Report]) -> str:
    lines = ["[paths]"]
    for name in ("inbox", "outbox", "archive", "state"):
        lines.append(f'{name} = "{(folder / name).as_posix()}"')
    seen: set[str] = set()
    for r in reports:
        if r.agency not in seen:
            seen.add(r.agency)
            lines += ["", "[[agencies]]", f'name = "{r.agency}"', f'kind = "{r.kind}"']
    return "\n".join(lines) + "\n"


def _import_history(config_file: Path, files: list[Path]) -> str:
    """`workflow import-history` as an office runs it; its output for the verbose listing."""
    code = "import sys; from workflow.cli import main; sys.argv[0] = 'workflow'; main()"
    command = [sys.executable, "-c", code, "import-history", "--config", str(config_file)]
    run = subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    return run.stdout + run.stderr


def judge(report: Report, findings: list[Finding], result: Result) -> None:
    """Sort the findings of one report against its key."""
    found: set[int] = set()
    for f in findings:
        if f.rule in NOT_COUNTED:
            continue
        hits = [i for i, s in enumerate(report.slips) if s.matches(f)]
        if hits:
            found.update(hits)
        elif any(u.matches(f) for u in report.unsure):
            result.unsure.append(f)
        elif f.is_error:
            result.false_errors.append(f)
        else:
            result.false_warnings.append(f)
    result.found = [s for i, s in enumerate(report.slips) if i in found]
    result.missed = [s for i, s in enumerate(report.slips) if i not in found]


def run(corpus: Path, verbose: bool) -> list[Result]:
    reports = load_key(corpus)
    results = []
    with tempfile.TemporaryDirectory(prefix="wf-real-") as tmp:
        folder = Path(tmp)
        config_file = folder / "config.toml"
        config_file.write_text(_config_text(folder, reports), encoding="utf-8")
        config = load_config(config_file)
        previous = sorted({r.previous for r in reports if r.previous}, key=str)
        if previous:
            out = _import_history(config_file, previous)
            if verbose:
                print(out)
        lookup = history_lookup(config)
        for report in reports:
            result = Result(report)
            start = time.perf_counter()
            try:
                outcome = check_file(
                    report.file, config, history=lookup if report.previous else None
                )
            except Exception as exc:  # the benchmark reports a crash and goes on
                result.crash = f"{type(exc).__name__}: {exc}"
                results.append(result)
                continue
            result.seconds = time.perf_counter() - start
            result.status = outcome.status
            result.findings = list(outcome.findings)
            if outcome.status == "rejected":
                result.missed = list(report.slips)
            else:
                judge(report, result.findings, result)
            results.append(result)
    return results


def _line(f: Finding) -> str:
    fields = ",".join(f.fields[:3]) + ("…" if len(f.fields) > 3 else "")
    return f"{f.rule} [{fields}] {f.message}"


def summary(results: list[Result]) -> dict[str, Any]:
    n = len(results)
    missed = {k: sum(1 for r in results for s in r.missed if s.kind == k) for k in KINDS}
    slips = {k: sum(1 for r in results for s in r.report.slips if s.kind == k) for k in KINDS}
    times = sorted(r.seconds for r in results if not r.crash)
    return {
        "reports": n,
        "crashes": sum(1 for r in results if r.crash),
        "refusals": sum(1 for r in results if r.refused),
        "false_errors": sum(len(r.false_errors) for r in results),
        "false_warnings": sum(len(r.false_warnings) for r in results),
        "unsure_findings": sum(len(r.unsure) for r in results),
        "slips": slips,
        "missed": missed,
        "seconds_median": times[len(times) // 2] if times else 0.0,
        "seconds_max": times[-1] if times else 0.0,
    }


def targets_met(s: dict[str, Any]) -> dict[str, bool]:
    return {
        "0 crashes": s["crashes"] == 0,
        "0 refusals of readable reports": s["refusals"] == 0,
        "0 false errors": s["false_errors"] == 0,
        "≤ 1 false warning per 20 reports": s["false_warnings"] * 20 <= max(s["reports"], 1),
        "0 missed table slips": s["missed"]["table"] == 0,
        "every cross-year slip found": s["missed"]["cross_year"] == 0,
    }


def print_report(results: list[Result], verbose: bool) -> dict[str, Any]:
    for r in results:
        name = r.report.file.name
        off = r.crash or r.refused or r.false_errors or r.false_warnings or r.missed
        if not (off or verbose):
            continue
        print(f"{name}  ({r.status or 'crash'}, {r.seconds * 1000:.0f} ms)")
        if r.crash:
            print(f"  CRASH {r.crash}")
        if r.refused:
            reason = r.findings[0].message if r.findings else ""
            print(f"  REFUSED {reason}")
        for f in r.false_errors:
            print(f"  FALSE ERROR {_line(f)}")
        for f in r.false_warnings:
            print(f"  FALSE WARNING {_line(f)}")
        for s in r.missed:
            print(f"  MISSED {s.kind} {'/'.join(s.rules)} [{','.join(s.fields)}] {s.why}")
        if verbose:
            for s in r.found:
                print(f"  found {s.kind} {'/'.join(s.rules)} [{','.join(s.fields)}]")
            for f in r.unsure:
                print(f"  unsure {_line(f)}")
            for f in r.findings:
                if f.rule in NOT_COUNTED:
                    print(f"  note {f.message}")
    s = summary(results)
    print()
    print(f"reports                          {s['reports']}")
    print(f"crashes                          {s['crashes']}")
    print(f"refusals of readable reports     {s['refusals']}")
    print(f"false errors                     {s['false_errors']}")
    print(f"false warnings                   {s['false_warnings']}")
    print(f"findings on unsure readings      {s['unsure_findings']}")
    for k in KINDS:
        print(f"missed {k + ' slips':<26}{s['missed'][k]} of {s['slips'][k]}")
    median, worst = s["seconds_median"] * 1000, s["seconds_max"] * 1000
    print(f"time per report, median / max    {median:.0f} / {worst:.0f} ms")
    print()
    for target, ok in targets_met(s).items():
        print(f"{'met ' if ok else 'OFF '} {target}")
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON summary line at the end")
    args = parser.parse_args(argv)
    results = run(args.corpus, args.verbose)
    s = print_report(results, args.verbose)
    if args.json:
        print(json.dumps(s, ensure_ascii=False))
    return 0 if all(targets_met(s).values()) else 1


if __name__ == "__main__":
    sys.exit(main())
