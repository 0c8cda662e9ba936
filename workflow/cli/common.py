"""What every command shares: --config, --json, the file argument, one-line errors, printing
an outcome, the start-up check of the report template.

Exit codes: 0 when every file passed (warnings allowed), 1 when any failed or was rejected (or a
command's own check failed), 2 on a usage or configuration error, or when a folder or the
ledger cannot be used (see `chinese`).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from workflow.cli.chinese import USAGE_ERROR, path_type
from workflow.config import Config, load_config
from workflow.core.errors import ConfigError, WorkflowError
from workflow.core.outcome import ATTRIBUTED_BY, PASSED, REJECTED, STATUS_LABELS

__all__ = [
    "USAGE_ERROR",
    "config_option",
    "emit",
    "fail",
    "files_argument",
    "json_option",
    "require_files",
    "require_report_template",
]


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config PATH, loaded into a `Config` passed as `config`."""

    @click.option(
        "--config",
        "config_path",
        type=path_type(dir_okay=False),
        metavar="配置文件",
        default=None,
        help="配置文件（默认 ./config.toml，没有时使用内置默认配置）。",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: Path | None, **kwargs: Any) -> Any:
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            fail(str(exc), USAGE_ERROR)
        try:
            return func(*args, config=config, **kwargs)
        except sqlite3.OperationalError as exc:  # locked, read-only: busy, not damaged
            from workflow.office.ledger import ledger_problem

            fail(f"{ledger_problem(exc, config.ledger_lock_seconds)}，请稍后重试。", USAGE_ERROR)
        except sqlite3.DatabaseError as exc:  # the file is damaged or is not a ledger at all
            from workflow.office.ledger import ledger_path

            fail(
                f"台账“{ledger_path(config)}”已损坏或不是台账文件（{exc}）。"
                "请从备份恢复，或把它移走后用 workflow import-history 重新导入往年报告。",
                USAGE_ERROR,
            )

    return wrapper


json_option = click.option(
    "--json", "as_json", is_flag=True, help="每个文件输出一行 JSON（供其他程序读取）。"
)


def require_report_template(config: Config, consequence: str = "未处理任何文件") -> None:
    """A missing or broken Word template is the office's configuration error, not the agency's:
    one Chinese line and exit 2 before any file is touched (`process`, `watch`)."""
    from workflow.report.render import template_problems

    where = config.report_template
    try:
        unknown = template_problems(where)
    except WorkflowError as exc:
        fail(
            f"{str(exc).rstrip('。')}。请把 templates 文件夹与配置文件一起复制，或在配置文件"
            f"的 [templates] report 中写明模板位置。{consequence}。",
            USAGE_ERROR,
        )
    if unknown:
        fail(
            f"Word 报告模板“{where}”中有无法识别的标签：{'、'.join(unknown)}。"
            f"请运行 workflow check-template 检查后改正。{consequence}。",
            USAGE_ERROR,
        )


def _print_outcome(record: dict[str, Any]) -> None:
    status = STATUS_LABELS[record["status"]]
    colour = "green" if record["status"] == PASSED else "red"
    who = " ".join(str(x) for x in (record.get("agency"), record.get("year")) if x)
    head = f"{record['file']}：{status}"
    if who:
        head += f"（{who}）"
    head += f"，{record['error_count']} 个错误，{record['warning_count']} 个提示"
    click.secho(head, fg=colour, bold=True)
    if record.get("attributed_agency"):
        year = record.get("attributed_year")
        who = record["attributed_agency"] + (f" {year} 年" if year else "")
        click.echo(f"  （按{ATTRIBUTED_BY[record['attributed_by']]}判断为{who}的提交）")
    for f in record["findings"]:
        level = "错误" if f["severity"] == "error" else "提示"
        where = "、".join(f["cells"][:3]) + (" 等" if len(f["cells"]) > 3 else "")
        click.echo(f"  {level} {where} [{f['rule']}] {f['message']}")
    for kind, path in (record.get("outputs") or {}).items():
        if path:
            errors = "退回说明" if record["status"] == REJECTED else "校验结果"
            label = {"report": "报告", "errors": errors, "pdf": "PDF"}.get(kind, kind)
            click.echo(f"  {label}：{path}")


def emit(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        _print_outcome(record)


def require_files(files: tuple[Path, ...]) -> None:
    """A missing input is a usage error (exit 2), said in Chinese, before any file is touched."""
    for path in files:
        if not path.is_file():
            raise click.UsageError(f"找不到文件“{path}”")


files_argument = click.argument(
    "files", nargs=-1, required=True, type=path_type(dir_okay=False), metavar="文件..."
)
