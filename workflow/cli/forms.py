"""Commands that make the office's files: blank workbooks, the example, the template check.

`template` and `example` never overwrite a file: a name already taken (a filled workbook in
the folder blank ones go to, yesterday's example) gets the new file beside it as 'name(2).xlsx',
and a note says so on stderr. stdout names only the files written, one per line.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from workflow.cli.chinese import AGENCY, YEAR, path_type
from workflow.cli.common import USAGE_ERROR, config_option, fail
from workflow.config import Config
from workflow.core.atomic import TEMP_PREFIX, place_new
from workflow.core.errors import WorkflowError

__all__ = ["EXAMPLE_MARK", "check_template", "example", "template"]

EXAMPLE_MARK = "（示例）"
"""In the example's file name: it is no agency's report, and it never takes a real one's name."""


def _place(made: Path, target: Path) -> None:
    """Move `made` to `target` (or beside it) and print where it went."""
    final = place_new(made, target)
    if final != target:
        click.echo(f"注意：已有“{target.name}”，未覆盖，新文件另存为“{final.name}”。", err=True)
    click.echo(str(final))


@click.command()
@click.option("--agency", type=AGENCY, metavar="单位名称", help="单位全称，如“后河镇人民政府”。")
@click.option(
    "--all", "all_agencies", is_flag=True, help="为配置文件 [[agencies]] 中的每个单位各生成一个。"
)
@click.option("--year", type=YEAR, metavar="年度", required=True, help="报告年度，如 2021。")
@click.option(
    "--out",
    type=path_type(file_okay=False),
    metavar="文件夹",
    default=Path("."),
    help="输出文件夹（默认为当前文件夹）。",
)
@config_option
def template(agency: str | None, all_agencies: bool, year: int, out: Path, config: Config) -> None:
    """生成空白年度报告工作簿（单位名称、年度已填好），供下发给各单位填写。

    文件名为“单位名称+年度+年政府信息公开工作年度报告.xlsx”。文件夹中已有同名文件时不覆盖，
    新文件另存为“…(2).xlsx”。

    \b
    示例：
        workflow template --agency 后河镇人民政府 --year 2021 --out 下发
        workflow template --all --year 2021 --out 下发
    """
    from workflow.workbook.template import write_template

    if bool(agency) == all_agencies:
        raise click.UsageError("请指定 --agency 单位名称，或 --all（二者选一）")
    names = [a.name for a in config.agencies] if all_agencies else [agency or ""]
    if not names:
        fail("配置文件中没有 [[agencies]] 单位名录。", USAGE_ERROR)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX, dir=out) as work:
        for n, name in enumerate(names):
            folder = Path(work) / str(n)
            folder.mkdir()
            try:
                made = write_template(folder, name, year, config.fee_decimals)
            except ValueError as exc:  # a registry name with control characters
                fail(f"单位名称“{name!r}”不能用于文件名和工作簿（{exc}）。", USAGE_ERROR)
            _place(made, out / made.name)


@click.command()
@click.option(
    "--out",
    type=path_type(file_okay=False),
    metavar="文件夹",
    default=Path("example"),
    help="输出文件夹（默认为 example；可直接指定收件箱 inbox）。",
)
def example(out: Path) -> None:
    """生成示例工作簿：后河镇人民政府已发布的 2021 年报告，已填好。

    用来试一试校验和生成报告，文件名带“（示例）”。已有同名文件时不覆盖，另存为“…(2).xlsx”。

    \b
    示例：
        workflow example --out inbox
    """
    from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
    from workflow.workbook.fill import fill_by_name
    from workflow.workbook.template import template_filename, write_template

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX, dir=out) as work:
        blank = write_template(Path(work), SEED_AGENCY, SEED_YEAR)
        filled = fill_by_name(blank, seed_values(), Path(work) / "filled.xlsx")
        name = Path(template_filename(SEED_AGENCY, SEED_YEAR))
        _place(filled, out / f"{name.stem}{EXAMPLE_MARK}{name.suffix}")


@click.command("check-template")
@click.argument("path", required=False, type=path_type(dir_okay=False, exists=True), metavar="模板")
@config_option
def check_template(path: Path | None, config: Config) -> None:
    """检查 Word 报告模板：在 Word 或 WPS 中修改模板后，用它找出写错或无法识别的标签。

    不给出模板时，检查配置文件 [templates] report 指定的模板。

    \b
    示例：
        workflow check-template
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
