"""The `workflow` command: parses arguments, calls the library, turns our errors into one line.

Exit codes: 0 when every file passed (warnings allowed), 1 when any failed or was rejected (or a
command's own check failed), 2 on a usage or configuration error.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import Config, load_config
from .errors import ConfigError, WorkflowError

__all__ = ["main"]

USAGE_ERROR = 2


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config PATH, loaded into a `Config` passed as `config`."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="配置文件（默认 ./config.toml，没有时使用内置默认配置）。",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: Path | None, **kwargs: Any) -> Any:
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            _fail(str(exc), USAGE_ERROR)
        return func(*args, config=config, **kwargs)

    return wrapper


json_option = click.option(
    "--json", "as_json", is_flag=True, help="每个文件输出一行 JSON（供其他程序读取）。"
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="workflow")
def main() -> None:
    """政府信息公开工作年度报告：生成工作簿、校验、生成 Word 报告、监视收件箱。

    Collect, check and publish the annual government-information-disclosure reports.
    """


@main.command()
@click.option("--agency", help="单位名称，如“后河镇人民政府”。")
@click.option(
    "--all", "all_agencies", is_flag=True, help="为配置文件 [[agencies]] 中的每个单位各生成一个。"
)
@click.option("--year", type=click.IntRange(2021, 2999), required=True, help="报告年度，如 2021。")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="输出文件夹。",
)
@config_option
def template(agency: str | None, all_agencies: bool, year: int, out: Path, config: Config) -> None:
    """Write blank agency workbooks. 生成空白年度报告工作簿。

    \b
    Example:
        workflow template --agency 后河镇人民政府 --year 2021 --out 下发
        workflow template --all --year 2021 --out 下发
    """
    from .workbook.template import write_template

    if bool(agency) == all_agencies:
        raise click.UsageError("请指定 --agency 单位名称，或 --all（二者选一）。")
    names = [a.name for a in config.agencies] if all_agencies else [agency or ""]
    if not names:
        _fail("配置文件中没有 [[agencies]] 单位名录。", USAGE_ERROR)
    if any(not n.strip() for n in names):
        raise click.UsageError("单位名称不能为空。")
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        click.echo(str(write_template(out, name.strip(), year)))


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("example"),
    show_default=True,
    help="输出文件夹（可直接指定收件箱 inbox）。",
)
def example(out: Path) -> None:
    """Write the published 后河镇 2021 report as a filled workbook. 生成示例工作簿。

    \b
    Example:
        workflow example --out inbox
    """
    import tempfile

    from .example import SEED_AGENCY, SEED_YEAR, seed_values
    from .workbook.fill import fill_by_name
    from .workbook.template import template_filename, write_template

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        blank = write_template(Path(tmp), SEED_AGENCY, SEED_YEAR)
        target = out / template_filename(SEED_AGENCY, SEED_YEAR)
        fill_by_name(blank, seed_values(), target)
    click.echo(str(target))


def _print_outcome(record: dict[str, Any]) -> None:
    status = {"passed": "通过", "failed": "未通过", "rejected": "退回"}[record["status"]]
    colour = {"passed": "green", "failed": "red", "rejected": "red"}[record["status"]]
    who = " ".join(str(x) for x in (record.get("agency"), record.get("year")) if x)
    head = f"{record['file']}：{status}" + (f"（{who}）" if who else "")
    head += f"，{record['error_count']} 个错误，{record['warning_count']} 个提示"
    click.secho(head, fg=colour, bold=True)
    for f in record["findings"]:
        level = "错误" if f["severity"] == "error" else "提示"
        where = "、".join(f["cells"][:3]) + (" 等" if len(f["cells"]) > 3 else "")
        click.echo(f"  {level} {where} [{f['rule']}] {f['message']}")
    for kind, path in (record.get("outputs") or {}).items():
        if path:
            label = {"report": "报告", "errors": "校验结果", "pdf": "PDF"}.get(kind, kind)
            click.echo(f"  {label}：{path}")


def _emit(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        _print_outcome(record)


def _internal_error(path: Path, config: Config, outbox: Path | None, exc: Exception) -> Any:
    """A `rejected` result for a file whose processing hit a bug: one line on the console,
    the traceback in the log under the state folder, and the other files go on."""
    from .pipeline import reject_internal_error

    log_file = config.state / "logs" / "process-errors.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as fh:
        fh.write(f"{datetime.now().isoformat()} {path}\n{traceback.format_exc()}\n")
    click.echo(
        f"错误：处理 {path} 时程序出错（{type(exc).__name__}），已按“处理出错”退回；"
        f"详情见 {log_file}",
        err=True,
    )
    return reject_internal_error(path, config, exc, outbox=outbox, display_name=str(path))


def _require_files(files: tuple[Path, ...]) -> None:
    """A missing input is a usage error (exit 2), said in Chinese, before any file is touched."""
    for path in files:
        if not path.is_file():
            raise click.BadParameter(f"找不到文件：{path}", param_hint="FILES")


files_argument = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


@main.command()
@files_argument
@json_option
@config_option
def check(files: tuple[Path, ...], as_json: bool, config: Config) -> None:
    """Check workbooks and print the findings. 校验工作簿，列出问题。

    \b
    Example:
        workflow check 后河镇人民政府2021年政府信息公开工作年度报告.xlsx
        workflow check inbox/*.xlsx --json
    """
    from .pipeline import check_file

    ok = True
    _require_files(files)
    for path in files:
        outcome = check_file(path, config, display_name=str(path))
        ok &= outcome.status == "passed"
        _emit(outcome.to_json(), as_json)
    sys.exit(0 if ok else 1)


@main.command()
@files_argument
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="结果输出文件夹（默认为配置文件中的 outbox）。",
)
@click.option("--pdf/--no-pdf", default=None, help="同时生成 PDF（需要 LibreOffice）。")
@json_option
@config_option
def process(
    files: tuple[Path, ...], outbox: Path | None, pdf: bool | None, as_json: bool, config: Config
) -> None:
    """Check workbooks and write their outputs. 校验并生成报告、校验结果。

    Outputs go to <outbox>/<年度>/<单位>/: the Word report, the error workbook when the
    report fails, and result.json (written last).

    \b
    Example:
        workflow process inbox/*.xlsx --outbox outbox
    """
    from .office import record_processed, refresh_summary
    from .pdf import MISSING_MESSAGE as PDF_MISSING
    from .pdf import pdf_available
    from .pipeline import process_file

    _require_files(files)
    if (config.pdf if pdf is None else pdf) and not pdf_available():
        click.echo(f"注意：{PDF_MISSING}。Word 报告照常生成。", err=True)
        pdf = False
    ok = True
    years: set[int] = set()
    for path in files:
        try:
            result = process_file(path, config, outbox=outbox, display_name=str(path), pdf=pdf)
        except WorkflowError as exc:
            _fail(str(exc))
        except Exception as exc:  # a bug must not cost the other files their results
            result = _internal_error(path, config, outbox, exc)
        try:
            record_processed(config, path, result)
        except sqlite3.Error as exc:  # the outputs are written; only the audit trail missed it
            click.echo(f"注意：台账暂时无法写入（{exc}），{path} 的结果已生成但未登记。", err=True)
        ok &= result.status == "passed"
        if result.year and result.status != "rejected":
            years.add(result.year)
        _emit(result.to_json(), as_json)
    for year in sorted(years):
        refresh_summary(config, year, outbox)
    sys.exit(0 if ok else 1)


@main.command("import-history")
@files_argument
@config_option
def import_history(files: tuple[Path, ...], config: Config) -> None:
    """Record earlier years' accepted workbooks as history. 导入往年已通过的报告。

    The cross-year checks compare a report with the same agency's accepted report of the year
    before; in the first year of use this command gives them that year. Only workbooks that
    pass are recorded; nothing is written to the outbox.

    \b
    Example:
        workflow import-history 往年/*.xlsx
    """
    from .intake import sha256_file
    from .office import record_processed
    from .pipeline import ProcessResult, check_file

    _require_files(files)
    ok = True
    for path in files:
        outcome = check_file(path, config, display_name=str(path), history=False)
        if outcome.status != "passed":
            ok = False
            click.echo(f"{path}：未导入（{outcome.error_count} 个错误，请先改正）")
            for f in outcome.findings:
                if f.is_error:
                    click.echo(f"  {f.message}")
            continue
        result = ProcessResult(
            file=outcome.file,
            status=outcome.status,
            findings=outcome.findings,
            submission=outcome.submission,
            sha256=sha256_file(path),
        )
        record_processed(config, path, result)
        click.echo(f"{path}：已导入 {outcome.agency} {outcome.year} 年报告")
    sys.exit(0 if ok else 1)


@main.command()
@click.option("--year", type=click.IntRange(2021, 2999), required=True, help="报告年度。")
@config_option
def summary(year: int, config: Config) -> None:
    """Write the office's summary workbook for a year. 生成年度汇总表。

    Who has submitted, who passed, who must fix what, and the county's totals of the latest
    passed report of each agency. The path is printed as the last line.

    \b
    Example:
        workflow summary --year 2021
    """
    from .office import refresh_summary

    click.echo(str(refresh_summary(config, year)))


@main.command()
@click.option(
    "--year", type=click.IntRange(2021, 2999), default=None, help="报告年度（默认最近一年）。"
)
@json_option
@config_option
def status(year: int | None, as_json: bool, config: Config) -> None:
    """Show who has submitted and who must act. 在终端查看提交情况。

    \b
    Example:
        workflow status --year 2021
        workflow status --json
    """
    from .mail.view import mail_overview, render_mail_overview
    from .office import known_years, year_states
    from .status_table import render_status, status_records

    year = year or next(iter(known_years(config)), datetime.now().year - 1)
    states, mail = year_states(config, year), mail_overview(config)
    if as_json:
        for record in status_records(states):
            record.update(mail.fields(record["agency"]), year=year)
            click.echo(json.dumps(record, ensure_ascii=False))
    else:
        render_status(states, year)
        render_mail_overview(mail)


@main.command("check-template")
@click.argument(
    "path", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@config_option
def check_template(path: Path | None, config: Config) -> None:
    """Check a Word report template for unknown tags. 检查 Word 报告模板。

    \b
    Example:
        workflow check-template templates/report.docx
    """
    from .report import template_problems

    target = path or config.report_template
    try:
        unknown = template_problems(target)
    except WorkflowError as exc:
        _fail(str(exc))
    if unknown:
        click.echo(f"{target}：有 {len(unknown)} 个无法识别的标签：")
        for name in unknown:
            click.echo(f"  {name}")
        sys.exit(1)
    click.echo(f"{target}：模板正常。")


@main.command()
@click.option("--verbose", "-v", is_flag=True, help="输出更详细的日志。")
@config_option
def watch(verbose: bool, config: Config) -> None:
    """Watch the inbox and process every workbook that arrives. 监视收件箱（常驻运行）。

    Stops cleanly on Ctrl-C or SIGTERM.

    \b
    Example:
        workflow watch --config config.toml
    """
    from .daemon import run_daemon

    sys.exit(run_daemon(config, verbose=verbose))


from .mail.commands import mail, remind  # noqa: E402 (they use the helpers above)

for _command in (mail, remind):
    main.add_command(_command)
