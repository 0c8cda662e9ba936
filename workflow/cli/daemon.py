"""The long-running command: watch the inbox."""

from __future__ import annotations

import sys

import click

from workflow.cli.common import config_option, require_report_template
from workflow.config import Config

__all__ = ["watch"]


@click.command()
@click.option("--verbose", "-v", is_flag=True, help="输出更详细的日志。")
@config_option
def watch(verbose: bool, config: Config) -> None:
    """监视收件箱（常驻运行）：文件一放入就校验并生成报告。

    按 Ctrl-C（或系统服务发出停止信号）即可干净地停止，处理到一半的文件下次启动时继续。
    Word 报告模板缺失或有误时不启动。

    \b
    示例：
        workflow watch
        workflow watch --config config.toml --verbose
    """
    from workflow.intake.daemon import run_daemon

    require_report_template(config, "监视程序未启动")
    sys.exit(run_daemon(config, verbose=verbose))
