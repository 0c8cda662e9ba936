"""The command line in Chinese: help, usage mistakes and the failures a person can cause.

click writes its help headings and its usage errors in English, over four lines ("Usage: …",
"Try … for help.", blank, "Error: …"). The office reads Chinese, so:

- `ChineseCommand` / `ChineseGroup` write the help with Chinese headings (用法、选项、命令),
  laid out by `helptext`;
- `ChineseGroup.main` turns every usage mistake (unknown option or command, missing or bad
  value, extra argument) into one Chinese line on stderr with exit code 2, and every failure
  the person can fix (a folder under a file, no permission, a disk full, a damaged ledger)
  into one Chinese line with exit code 2 as well: the command could not run as asked;
- the parameter types (`YEAR`, `AGENCY`, `path_type`) say in Chinese what is wrong with a value.

Exit codes: 0 every file passed, 1 a file did not pass (or a command's own check failed),
2 usage, configuration or an unusable folder or ledger.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchCommand,
    NoSuchOption,
)

from workflow.cli.helptext import HELP_TEXT, write_help_text, write_options, write_rows
from workflow.core.errors import WorkflowError

__all__ = [
    "AGENCY",
    "USAGE_ERROR",
    "YEAR",
    "ChineseCommand",
    "ChineseGroup",
    "os_error_line",
    "path_type",
]

USAGE_ERROR = 2


def _say(message: str) -> None:
    click.echo(f"错误：{message}", err=True)


# --- parameter types ------------------------------------------------------------------------


class YearType(click.ParamType):
    """A report year, 2021 (the first year of the 2021 format) to 2999; full-width digits do."""

    name = "年度"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        else:
            text = unicodedata.normalize("NFKC", str(value)).strip()
        if not (text.isascii() and text.isdigit() and 2021 <= int(text) <= 2999):
            self.fail(f"“{value}”不是报告年度：应为 2021 年以后的四位数字年份，如 2021", param, ctx)
        return int(text)


class AgencyType(click.ParamType):
    """An agency's name: one line, no control characters (it goes into cells and file names)."""

    name = "单位名称"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = " ".join(str(value).split())
        if not text:
            self.fail("单位名称不能为空", param, ctx)
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            self.fail(
                "单位名称中有控制字符（如复制来的不可见字符），请重新输入单位全称", param, ctx
            )
        return text


YEAR = YearType()
AGENCY = AgencyType()


class ChinesePath(click.Path):
    """click.Path whose refusals are said in Chinese."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except BadParameter:
            path = Path(value)
            if not self.file_okay and path.is_file():
                message = f"“{value}”是一个文件，这里应为文件夹"
            elif not self.dir_okay and path.is_dir():
                message = f"“{value}”是一个文件夹，这里应为文件"
            elif self.exists and not path.exists():
                message = f"找不到“{value}”"
            else:
                message = f"无法使用“{value}”（没有读写权限？）"
            self.fail(message, param, ctx)


def path_type(*, file_okay: bool = True, dir_okay: bool = True, exists: bool = False) -> Any:
    return ChinesePath(file_okay=file_okay, dir_okay=dir_okay, exists=exists, path_type=Path)


# --- help in Chinese ------------------------------------------------------------------------


class _ChineseHelp(click.Command):
    """What the command and the group share: usage, help text, options and the -h option
    described with Chinese headings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        write_help_text(self, formatter)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        write_options(self, ctx, formatter)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option


class ChineseCommand(_ChineseHelp):
    """A command whose help has Chinese headings and whose extra arguments are refused in
    Chinese (click would say "Got unexpected extra argument")."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except click.UsageError as exc:  # click's parser raises some without the context
            if exc.ctx is None:
                exc.ctx = ctx
            raise
        if ctx.args and not ctx.resilient_parsing:
            raise click.UsageError(f"多余的参数：{' '.join(ctx.args)}", ctx)
        return rest


class ChineseGroup(_ChineseHelp, click.Group):
    """The `workflow` group: Chinese help, and one Chinese line for every mistake."""

    command_class = ChineseCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # A command declared with plain @click.command() still gets the Chinese help and
        # errors: ChineseCommand only overrides formatting and parsing, it adds no state.
        if type(cmd) is click.Command:
            cmd.__class__ = ChineseCommand
            cmd.options_metavar = "[选项]"
        super().add_command(cmd, name)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=200)))
        write_rows(formatter, "命令", rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except NoArgsIsHelpError as exc:  # `workflow` alone: the help is what was wanted
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.UsageError as exc:
            _say(usage_line(exc))
            sys.exit(USAGE_ERROR)
        except click.ClickException as exc:
            _say(exc.format_message())
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("已中止。", err=True)
            sys.exit(1)
        except sqlite3.OperationalError as exc:  # locked, read-only: busy, not damaged
            _say(f"台账暂时无法使用（{exc}），请稍后重试。")
            sys.exit(USAGE_ERROR)
        except sqlite3.DatabaseError as exc:
            _say(f"台账数据库无法读取（{exc}）。请从备份恢复台账，或把它移走后重新导入。")
            sys.exit(USAGE_ERROR)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `workflow status | head`: not a mistake
                sys.exit(0)
            _say(os_error_line(exc))
            sys.exit(USAGE_ERROR)
        except WorkflowError as exc:
            _say(str(exc))
            sys.exit(USAGE_ERROR)
        sys.exit(rv if isinstance(rv, int) else 0)


# --- messages -------------------------------------------------------------------------------

_OS_REASONS = {
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EEXIST: "已有同名的文件",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "没有读写权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOSPC: "磁盘空间已满",
    errno.ENOENT: "找不到该文件或文件夹",
}


def os_error_line(exc: OSError) -> str:
    """'无法读写“path”：reason。…' for a failure the person can fix (folder, permission, disk)."""
    reason = _OS_REASONS.get(exc.errno or 0) or f"系统错误：{exc.strerror or exc}"
    where = f"“{exc.filename}”" if exc.filename else "文件"
    return f"无法读写{where}：{reason}。请检查命令中的文件夹，或配置文件 [paths] 中的路径。"


def _param_label(param: click.Parameter | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


def usage_line(exc: click.UsageError) -> str:
    """One Chinese line for a usage mistake, ending with where to find the usage."""
    ctx = exc.ctx
    where = ctx.command_path if ctx else "workflow"
    if isinstance(exc, NoSuchOption):
        text = f"没有 {exc.option_name} 这个选项"
        if exc.possibilities:
            text += f"，是不是 {'、'.join(sorted(exc.possibilities))}？"
    elif isinstance(exc, NoSuchCommand):
        text = f"没有“{exc.command_name}”这个命令"
        if exc.possibilities:
            text += f"，是不是 {'、'.join(exc.possibilities)}？"
    elif isinstance(exc, MissingParameter):
        param = exc.param
        if isinstance(param, click.Option):
            text = f"缺少选项 {_param_label(param)}"
        else:
            text = f"缺少{_param_label(param).rstrip('.')}"
    elif isinstance(exc, BadParameter) and isinstance(exc.param, click.Option):
        text = f"{_param_label(exc.param)} 的值不对：{exc.message}"
    elif isinstance(exc, BadParameter):  # a file or folder argument: the message says which
        text = exc.message
    elif isinstance(exc, BadOptionUsage):
        option = _find_option(ctx, exc.option_name)
        if option is not None and option.is_flag:
            text = f"选项 {exc.option_name} 是开关，后面不能跟值"
        else:
            text = f"选项 {exc.option_name} 后面缺少值"
    else:
        text = exc.message
    if not text.endswith(("？", "。")):
        text += "。"
    return f"{text}（用法见 {where} -h）"


def _find_option(ctx: click.Context | None, name: str) -> click.Option | None:
    if ctx is None:
        return None
    for param in ctx.command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None
