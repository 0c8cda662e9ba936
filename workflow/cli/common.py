"""What every command shares: --config, --json, the file argument, one-line errors, printing
an outcome.

Exit codes: 0 when every file passed (warnings allowed), 1 when any failed or was rejected (or a
command's own check failed), 2 on a usage or configuration error.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from workflow.config import load_config
from workflow.core.errors import ConfigError
from workflow.core.outcome import PASSED, STATUS_LABELS

__all__ = [
    "USAGE_ERROR",
    "config_option",
    "emit",
    "fail",
    "files_argument",
    "json_option",
    "require_files",
]

USAGE_ERROR = 2


def fail(message: str, code: int = 1) -> NoReturn:
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
            fail(str(exc), USAGE_ERROR)
        return func(*args, config=config, **kwargs)

    return wrapper


json_option = click.option(
    "--json", "as_json", is_flag=True, help="每个文件输出一行 JSON（供其他程序读取）。"
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
    for f in record["findings"]:
        level = "错误" if f["severity"] == "error" else "提示"
        where = "、".join(f["cells"][:3]) + (" 等" if len(f["cells"]) > 3 else "")
        click.echo(f"  {level} {where} [{f['rule']}] {f['message']}")
    for kind, path in (record.get("outputs") or {}).items():
        if path:
            label = {"report": "报告", "errors": "校验结果", "pdf": "PDF"}.get(kind, kind)
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
            raise click.BadParameter(f"找不到文件：{path}", param_hint="FILES")


files_argument = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


files_argument = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
