"""The long-running command: watch the inbox."""

from __future__ import annotations

import sys

import click

from workflow.cli.common import config_option
from workflow.config import Config

__all__ = ["watch"]


@click.command()
@click.option("--verbose", "-v", is_flag=True, help="输出更详细的日志。")
@config_option
def watch(verbose: bool, config: Config) -> None:
    """Watch the inbox and process every workbook that arrives. 监视收件箱（常驻运行）。

    Stops cleanly on Ctrl-C or SIGTERM.

    \b
    Example:
        workflow watch --config config.toml
    """
    from workflow.intake.daemon import run_daemon

    sys.exit(run_daemon(config, verbose=verbose))
