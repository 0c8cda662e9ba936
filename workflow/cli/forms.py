"""Commands that make the office's files: blank workbooks, the example, the template check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workflow.cli.common import USAGE_ERROR, config_option, fail
from workflow.config import Config
from workflow.core.errors import WorkflowError

__all__ = ["check_template", "example", "template"]


@click.command()
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
    from workflow.workbook.template import write_template

    if bool(agency) == all_agencies:
        raise click.UsageError("请指定 --agency 单位名称，或 --all（二者选一）。")
    names = [a.name for a in config.agencies] if all_agencies else [agency or ""]
    if not names:
        fail("配置文件中没有 [[agencies]] 单位名录。", USAGE_ERROR)
    if any(not n.strip() for n in names):
        raise click.UsageError("单位名称不能为空。")
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        click.echo(str(write_template(out, name.strip(), year)))


@click.command()
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

    from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
    from workflow.workbook.fill import fill_by_name
    from workflow.workbook.template import template_filename, write_template

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        blank = write_template(Path(tmp), SEED_AGENCY, SEED_YEAR)
        target = out / template_filename(SEED_AGENCY, SEED_YEAR)
        fill_by_name(blank, seed_values(), target)
    click.echo(str(target))


@click.command("check-template")
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
    from workflow.report.render import template_problems

    target = path or config.report_template
    try:
        unknown = template_problems(target)
    except WorkflowError as exc:
        fail(str(exc))
    if unknown:
        click.echo(f"{target}：有 {len(unknown)} 个无法识别的标签：")
        for name in unknown:
            click.echo(f"  {name}")
        sys.exit(1)
    click.echo(f"{target}：模板正常。")
