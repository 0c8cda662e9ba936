"""What a person sees when they make a mistake, or ask for help (issue 11, items 8-11): one
Chinese line and exit code 2 for every usage or configuration mistake, no traceback, no
English; Chinese help with an example; no file overwritten that this run did not write."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from workflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
HOUHE = "后河镇人民政府2021年政府信息公开工作年度报告"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(main, list(args), catch_exceptions=False, prog_name="workflow")
    else:
        old = Path.cwd()
        os.chdir(cwd)
        try:
            result = runner.invoke(main, list(args), catch_exceptions=False, prog_name="workflow")
        finally:
            os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def one_line(err: str) -> str:
    """The error output is exactly one Chinese line, starting 错误：."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("错误："), err
    assert "Traceback" not in err and "Error" not in err and "Usage" not in err, err
    return lines[0]


# --- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_help_is_chinese_first_with_an_example(name: str) -> None:
    code, out, _ = run(name, "-h")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"用法：workflow {name}")
    assert re.match(r"[\u4e00-\u9fff]", lines[2].strip()), lines[2]  # the summary, in Chinese
    assert "示例：" in out and f"    workflow {name}" in out.split("示例：", 1)[1]
    for english in ("Usage:", "Options:", "Show this message", "Example", "[required]"):
        assert english not in out, (name, english)


def test_the_group_help_lists_every_command_in_chinese() -> None:
    code, out, _ = run("-h")
    assert code == 0 and out.startswith("用法：workflow [选项] 命令")
    assert "命令:" in out and "示例：" in out
    for name, command in main.commands.items():
        assert re.search(rf"^  {re.escape(name)} +[\u4e00-\u9fff]", out, re.M), name
        assert command.help


def test_workflow_alone_shows_the_help() -> None:
    code, out, _ = run()
    assert code == 0 and out.startswith("用法：workflow")


def test_status_json_says_one_line_per_agency() -> None:
    _, out, _ = run("status", "-h")
    assert "每个单位输出一行 JSON" in out and "每个文件" not in out


# --- usage mistakes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["process", "--bogus", "x.xlsx"],
            "错误：没有 --bogus 这个选项。（用法见 workflow process -h）",
        ),
        (["process"], "错误：缺少文件。（用法见 workflow process -h）"),
        (["proces", "x"], "错误：没有“proces”这个命令，是不是 process？（用法见 workflow -h）"),
        (["summary"], "错误：缺少选项 --year。（用法见 workflow summary -h）"),
        (["summary", "--year"], "错误：选项 --year 后面缺少值。（用法见 workflow summary -h）"),
        (
            ["status", "--json=yes"],
            "错误：选项 --json 是开关，后面不能跟值。（用法见 workflow status -h）",
        ),
        (["status", "2021"], "错误：多余的参数：2021。（用法见 workflow status -h）"),
        (
            ["summary", "--year", "二〇二一"],
            "错误：--year 的值不对：“二〇二一”不是报告年度：应为 2021 年以后的四位数字年份，"
            "如 2021。（用法见 workflow summary -h）",
        ),
        (
            ["template", "--year", "2020", "--agency", "甲"],
            "错误：--year 的值不对：“2020”不是报告年度：应为 2021 年以后的四位数字年份，"
            "如 2021。（用法见 workflow template -h）",
        ),
        (
            ["template", "--year", "2021", "--agency", "后河镇\x01人民政府"],
            "错误：--agency 的值不对：单位名称中有控制字符（如复制来的不可见字符），"
            "请重新输入单位全称。（用法见 workflow template -h）",
        ),
        (
            ["template", "--year", "2021"],
            "错误：请指定 --agency 单位名称，或 --all（二者选一）。（用法见 workflow template -h）",
        ),
        (
            ["check", "不存在.xlsx"],
            "错误：找不到文件“不存在.xlsx”。（用法见 workflow check -h）",
        ),
        (
            ["check-template", "不存在.docx"],
            "错误：找不到“不存在.docx”。（用法见 workflow check-template -h）",
        ),
    ],
)
def test_usage_mistakes_are_one_chinese_line_and_exit_2(
    args: list[str], line: str, tmp_path: Path
) -> None:
    code, out, err = run(*args, cwd=tmp_path)
    assert (code, out) == (2, "")
    assert one_line(err) == line


def test_a_folder_where_a_file_is_wanted_and_the_reverse(tmp_path: Path) -> None:
    (tmp_path / "一个文件").write_text("x", "utf-8")
    code, _, err = run("example", "--out", str(tmp_path / "一个文件"))
    assert code == 2
    assert f"“{tmp_path / '一个文件'}”是一个文件，这里应为文件夹" in one_line(err)
    code, _, err = run("check", str(tmp_path))
    assert code == 2
    assert "是一个文件夹，这里应为文件" in one_line(err)


# --- folders and the ledger the person pointed us at --------------------------------------------


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A config whose folders are in tmp_path, with the repository's report template."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[templates]\nreport = "{ROOT / "templates" / "report.docx"}"\n'
        '[[agencies]]\nname = "后河镇人民政府"\n',
        "utf-8",
    )
    return cfg


def test_a_damaged_ledger_is_set_aside_and_rebuilt_by_every_command_that_reads_it(
    office: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 10: a damaged ledger is the office's to mend, not a reason to stop: it is renamed
    aside, rebuilt from the outbox and the archive, and the command goes on; said once."""
    ledger = tmp_path / "state" / "ledger.sqlite3"
    ledger.parent.mkdir()
    _, example_out, _ = run("example", "--out", str(tmp_path / "ex"))
    for args in (
        ["status"],
        ["status", "--year", "2021", "--json"],
        ["summary", "--year", "2021"],
        ["import-history", example_out.strip()],
    ):
        ledger.write_bytes(b"this is not a database, it was overwritten by a careless copy" * 20)
        caplog.clear()
        code, _, err = run(*args, "--config", str(office))
        assert (code, err) == (0, ""), args
        said = [r.getMessage() for r in caplog.records if "重建台账" in r.getMessage()]
        assert len(said) == 1 and said[0].startswith("台账文件已损坏"), args
    aside = ledger.parent.glob("ledger.sqlite3.damaged-*")
    kept = [p.read_bytes()[:20] for p in aside if not p.name.endswith(("-wal", "-shm"))]
    assert kept == [b"this is not a databa"] * 4, "every damaged file kept aside"


def test_an_output_folder_under_a_file_is_one_line(office: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "汇总.xlsx"
    blocker.write_text("a file where a folder should be", "utf-8")
    for args in (
        ["example", "--out", str(blocker / "示例")],
        [
            "template",
            "--agency",
            "后河镇人民政府",
            "--year",
            "2021",
            "--out",
            str(blocker / "下发"),
        ],
    ):
        code, out, err = run(*args)
        assert (code, out) == (2, ""), args
        assert "路径中有一段是文件而不是文件夹" in one_line(err), args
    moved = tmp_path / "moved.toml"
    moved.write_text(
        office.read_text("utf-8") + f'[paths]\noutbox = "{blocker / "outbox"}"\n', "utf-8"
    )
    code, example_out, _ = run("example", "--out", str(tmp_path / "ex"))
    for args in (["summary", "--year", "2021"], ["process", example_out.strip()]):
        code, out, err = run(*args, "--config", str(moved))
        assert (code, out) == (2, ""), args
        assert f"错误：无法读写“{blocker / 'outbox'}" in one_line(err), args
    assert blocker.read_text("utf-8") == "a file where a folder should be"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_folder_without_permission_is_one_line(tmp_path: Path) -> None:
    """A folder the program may not write: by its mode for a user, by `chattr +i` for root
    (whom no mode stops), as CI runs."""
    locked = tmp_path / "只读"
    locked.mkdir(mode=0o500)
    immutable = os.geteuid() == 0
    if immutable:
        made = subprocess.run(["chattr", "+i", str(locked)], capture_output=True, check=False)
        if made.returncode:
            pytest.skip(f"root, and chattr +i is not possible here: {made.stderr.decode()}")
    try:
        code, _, err = run("example", "--out", str(locked / "示例"))
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(locked)], check=True)
    assert code == 2
    assert "没有读写权限" in one_line(err)


# --- the report template: the office's mistake, not the agency's --------------------------------


def test_a_config_copied_without_templates_processes_nothing(tmp_path: Path) -> None:
    shutil.copyfile(ROOT / "config.toml", tmp_path / "config.toml")  # templates/ left behind
    code, example_out, _ = run("example", "--out", str(tmp_path / "ex"))
    code, out, err = run("process", example_out.strip(), "--config", str(tmp_path / "config.toml"))
    assert (code, out) == (2, "")
    line = one_line(err)
    assert f"找不到报告模板：{tmp_path / 'templates' / 'report.docx'}" in line
    assert line.endswith("未处理任何文件。")
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "state").exists()
    code, out, err = run("watch", "--config", str(tmp_path / "config.toml"))
    assert (code, out) == (2, "")
    assert one_line(err).endswith("监视程序未启动。")
    assert not (tmp_path / "inbox").exists()


def test_a_broken_template_processes_nothing(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "report.docx").write_text("not a Word document", "utf-8")
    shutil.copyfile(ROOT / "config.toml", tmp_path / "config.toml")
    _, example_out, _ = run("example", "--out", str(tmp_path / "ex"))
    code, out, err = run("process", example_out.strip(), "--config", str(tmp_path / "config.toml"))
    assert (code, out) == (2, "")
    assert "不是有效的 Word 文档" in one_line(err)
    assert not (tmp_path / "outbox").exists()


# --- no silent overwrite -----------------------------------------------------------------------


def test_example_and_template_never_overwrite(tmp_path: Path) -> None:
    code, out, _ = run("example", "--out", str(tmp_path))
    example = Path(out.strip())
    assert code == 0 and example.name == f"{HOUHE}（示例）.xlsx"
    code, out, _ = run(
        "template", "--agency", "后河镇人民政府", "--year", "2021", "--out", str(tmp_path)
    )
    blank = Path(out.strip())
    assert code == 0 and blank.name == f"{HOUHE}.xlsx"
    # A clerk's filled workbook sits where blank ones are written: it is kept, byte for byte.
    filled = blank.read_bytes() + b"\0filled"
    blank.write_bytes(filled)
    example_bytes = example.read_bytes()
    code, out, err = run(
        "template", "--agency", "后河镇人民政府", "--year", "2021", "--out", str(tmp_path)
    )
    assert code == 0
    assert Path(out.strip()).name == f"{HOUHE}(2).xlsx"
    assert err == f"注意：已有“{HOUHE}.xlsx”，未覆盖，新文件另存为“{HOUHE}(2).xlsx”。\n"
    code, out, _ = run("example", "--out", str(tmp_path))
    assert Path(out.strip()).name == f"{HOUHE}（示例）(2).xlsx"
    assert blank.read_bytes() == filled and example.read_bytes() == example_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{HOUHE}.xlsx", f"{HOUHE}(2).xlsx", f"{HOUHE}（示例）.xlsx", f"{HOUHE}（示例）(2).xlsx"]
    )  # and no temp folder left behind


def test_template_all_writes_each_agency_once(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[agencies]]\nname = "甲镇人民政府"\n[[agencies]]\nname = "乙镇人民政府"\n')
    code, out, err = run(
        "template", "--all", "--year", "2022", "--out", str(tmp_path / "t"), "--config", str(cfg)
    )
    assert (code, err) == (0, "")
    assert [Path(line).name for line in out.splitlines()] == [
        "甲镇人民政府2022年政府信息公开工作年度报告.xlsx",
        "乙镇人民政府2022年政府信息公开工作年度报告.xlsx",
    ]


def test_the_example_still_passes_under_its_new_name(tmp_path: Path, office: Path) -> None:
    _, out, _ = run("example", "--out", str(tmp_path / "ex"))
    code, out, _ = run("check", out.strip(), "--json", "--config", str(office))
    record = json.loads(out)
    assert (code, record["status"], record["agency"]) == (0, "passed", "后河镇人民政府")
