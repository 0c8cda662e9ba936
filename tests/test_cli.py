"""The `workflow` command as other programs and the clerk use it: output, JSON, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from workflow.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path: Path) -> str:
    """The repository's config.toml, with every folder moved into the test's own tmp folder."""
    text = (ROOT / "config.toml").read_text("utf-8")
    text = text.replace(
        'report = "templates/report.docx"', f'report = "{ROOT / "templates" / "report.docx"}"'
    )
    cfg = tmp_path / "office" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text(text, "utf-8")
    return str(cfg)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def records(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in main.commands:
        code, out, _ = run(name, "--help")
        assert code == 0, name
        assert "示例：\n" in out, name
        assert f"workflow {name}" in readme, name


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.startswith("workflow, version")) == (0, True)


def test_template_writes_one_workbook(tmp_path: Path, config: str) -> None:
    code, out, _ = run(
        "template",
        "--agency",
        "城关镇人民政府",
        "--year",
        "2022",
        "--out",
        str(tmp_path),
        "--config",
        config,
    )
    made = list(tmp_path.glob("*.xlsx"))
    assert code == 0
    assert len(made) == 1 and "城关镇人民政府" in made[0].name and "2022" in made[0].name
    assert out.strip() == str(made[0])


def test_template_all_uses_the_registry(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[[agencies]]\nname = "甲镇人民政府"\n[[agencies]]\nname = "县财政局"\n', "utf-8"
    )
    code, _out, _ = run(
        "template", "--all", "--year", "2021", "--out", str(tmp_path / "t"), "--config", str(cfg)
    )
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "t").glob("*.xlsx"))
    assert len(names) == 2 and "县财政局" in names[0] + names[1]


def test_template_needs_agency_or_all(tmp_path: Path, config: str) -> None:
    code, _, err = run("template", "--year", "2021", "--out", str(tmp_path), "--config", config)
    assert code == 2
    assert "--agency" in err


def test_example_then_check_passes_with_its_warning(tmp_path: Path, config: str) -> None:
    code, out, _ = run("example", "--out", str(tmp_path))
    assert code == 0
    made = Path(out.strip())
    code, out, _ = run("check", str(made), "--json", "--config", config)
    (rec,) = records(out)
    assert code == 0
    assert (rec["status"], rec["agency"], rec["year"]) == ("passed", "后河镇人民政府", 2021)
    assert [f["rule"] for f in rec["findings"]] == ["text.self_reference"]
    assert set(rec["findings"][0]) >= {"severity", "rule", "fields", "cells", "message"}


def test_check_human_output_names_the_mistake(make_workbook: MakeWorkbook, config: str) -> None:
    path = make_workbook("broken.xlsx", apply_new_natural=2, apply_new_total=2)
    code, out, _ = run("check", str(path), "--config", config)
    assert code == 1
    assert f"{path}：未通过（后河镇人民政府 2021）" in out
    assert "“自然人”列：一+二=2，但（七）总计+四=0，相差2" in out


def test_check_rejects_a_file_that_is_not_a_workbook(tmp_path: Path, config: str) -> None:
    bad = tmp_path / "报告.xlsx"
    bad.write_text("单位,数量\n后河镇,3\n", "utf-8")
    code, out, _ = run("check", str(bad), "--json", "--config", config)
    (rec,) = records(out)
    assert code == 1
    assert rec["status"] == "rejected"
    assert rec["findings"][0]["rule"] == "file.not_workbook"
    assert "请使用公开办下发的" in rec["findings"][0]["message"]


def test_missing_file_is_a_usage_error(tmp_path: Path, config: str) -> None:
    code, _, err = run("check", str(tmp_path / "nope.xlsx"), "--config", config)
    assert code == 2
    assert "找不到文件" in err


def test_bad_config_is_a_usage_error(tmp_path: Path, make_workbook: MakeWorkbook) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[watch]\nworkers = 0\n", "utf-8")
    code, _, err = run("check", str(make_workbook()), "--config", str(cfg))
    assert code == 2
    assert err.startswith("错误：配置项 watch.workers")


def test_process_writes_report_errors_and_result(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    good = make_workbook("good.xlsx")
    bad = make_workbook("bad.xlsx", apply_new_natural=2, apply_new_total=2)
    outbox = tmp_path / "outbox"
    code, out, _ = run(
        "process", str(good), str(bad), "--outbox", str(outbox), "--json", "--config", config
    )
    recs = {Path(r["file"]).name: r for r in records(out)}
    assert code == 1
    assert recs["good.xlsx"]["status"] == "passed"
    assert recs["bad.xlsx"]["status"] == "failed"
    folder = outbox / "2021" / "后河镇人民政府"
    # the later (failing) submission of the same agency is the one in the folder
    result = json.loads((folder / "result.json").read_text("utf-8"))
    assert result["status"] == "failed"
    assert Path(result["outputs"]["errors"]).exists()
    assert (
        Path(result["outputs"]["report"]).name
        == "后河镇人民政府2021年政府信息公开工作年度报告.docx"
    )
    # a corrected resubmission supersedes it: the error workbook goes
    code, out, _ = run("process", str(good), "--outbox", str(outbox), "--json", "--config", config)
    assert code == 0
    result = json.loads((folder / "result.json").read_text("utf-8"))
    assert (result["status"], result["outputs"]["errors"]) == ("passed", None)
    assert sorted(p.name for p in folder.iterdir()) == [
        "result.json",
        "后河镇人民政府2021年政府信息公开工作年度报告.docx",
    ]


def test_rejected_files_are_never_overwritten(tmp_path: Path, config: str) -> None:
    bad = tmp_path / "附件.xlsx"
    bad.write_bytes(b"")
    outbox = tmp_path / "outbox"
    for _ in range(2):
        code, out, _ = run(
            "process", str(bad), "--outbox", str(outbox), "--json", "--config", config
        )
        assert code == 1
        assert records(out)[0]["findings"][0]["rule"] == "file.empty"
    folders = sorted((outbox / "rejected").iterdir())
    assert len(folders) == 2
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == ["result.json", "退回说明.xlsx"]
        note = openpyxl.load_workbook(folder / "退回说明.xlsx")
        texts = [c.value for row in note.active.iter_rows() for c in row if c.value]
        note.close()
        assert any("空文件" in str(t) for t in texts)


@pytest.mark.parametrize("command", ["check", "process"])
def test_json_records_have_the_contract_fields(
    command: str, make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    args = [command, str(make_workbook()), "--json", "--config", config]
    if command == "process":
        args += ["--outbox", str(tmp_path / "o")]
    code, out, _ = run(*args)
    (rec,) = records(out)
    assert code == 0
    assert {"file", "status", "agency", "year", "findings"} <= set(rec)
    if command == "process":
        assert set(rec["outputs"]) >= {"report", "errors"}


def test_pdf_without_libreoffice_says_so_and_still_writes_the_report(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setattr("workflow.report.pdf.find_soffice", lambda: None)
    code, out, err = run(
        "process",
        str(make_workbook()),
        "--pdf",
        "--json",
        "--outbox",
        str(tmp_path / "o"),
        "--config",
        config,
    )
    (rec,) = records(out)
    assert code == 0
    assert "未安装 LibreOffice，无法生成 PDF" in err
    assert Path(rec["outputs"]["report"]).exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_process_pdf_writes_the_pdf_beside_the_report(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str
) -> None:
    code, out, _ = run(
        "process",
        str(make_workbook()),
        "--pdf",
        "--json",
        "--outbox",
        str(tmp_path / "o"),
        "--config",
        config,
    )
    (rec,) = records(out)
    assert code == 0
    pdf = Path(rec["outputs"]["pdf"])
    assert pdf.parent == Path(rec["outputs"]["report"]).parent
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_bug_on_one_file_rejects_it_and_the_others_go_on(
    make_workbook: MakeWorkbook, tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.report import render

    calls: list[Path] = []
    real = render.render_report

    def first_one_breaks(*args: object, **kwargs: object) -> Path:
        calls.append(Path(str(args[3])))
        if len(calls) == 1:
            raise RuntimeError("simulated bug")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "render_report", first_one_breaks)
    one, two = make_workbook("one.xlsx"), make_workbook("two.xlsx")
    code, out, err = run(
        "process", str(one), str(two), "--json", "--outbox", str(tmp_path / "o"), "--config", config
    )
    recs = records(out)
    assert code == 1
    assert [
        (r["status"], r["findings"][0]["rule"] if r["status"] == "rejected" else "") for r in recs
    ] == [("rejected", "file.internal_error"), ("passed", "")]
    assert "Traceback" not in err and "处理出错" in err
    assert "simulated bug" in (
        Path(config).parent / "state" / "logs" / "process-errors.log"
    ).read_text("utf-8")


WRITERS = ("xlsxwriter", "docxtpl", "jinja2", "workflow.report.render", "workflow.workbook.marked")


@pytest.mark.parametrize("kind", ["docx", "html", "xlsx"])
def test_check_imports_no_writer(tmp_path: Path, config: str, kind: str) -> None:
    """`workflow check` writes nothing, so it loads no Word or Excel writer: before, importing
    them was 91 % of the CPU time of checking a published report."""
    import subprocess
    import sys

    from tests.published_docs import PublishedReport

    if kind == "xlsx":
        assert run("example", "--out", str(tmp_path))[0] == 0
        (path,) = tmp_path.glob("*.xlsx")
    else:
        report = PublishedReport(agency="后河镇人民政府", year=2021)
        path = getattr(report, f"write_{kind}")(tmp_path / f"报告.{kind}")
    script = (
        "import sys\nfrom workflow.cli import main\n"
        f"try:\n    main(['check', '--config', {config!r}, {str(path)!r}])\n"
        "except SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {WRITERS!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
    )
    assert "已通过" in done.stdout or "未通过" in done.stdout, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "LOADED []"
