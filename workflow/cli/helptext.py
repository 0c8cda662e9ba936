"""Help in Chinese, laid out for Chinese: click measures a Chinese character as one column
(it takes two on a terminal) and joins a docstring's wrapped lines with a space (Chinese has
none). These writers measure in terminal columns and join Chinese lines without a space;
`chinese.ChineseCommand` / `ChineseGroup` use them for the help text, the options and the
command list.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Sequence

import click

__all__ = ["HELP_TEXT", "write_help_text", "write_options", "write_rows"]

HELP_TEXT = "显示本帮助并退出。"
"""The help option's own help (click's is English)."""

_CJK_BREAK = re.compile(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])")


def write_help_text(command: click.Command, formatter: click.HelpFormatter) -> None:
    """The help paragraphs, with a docstring's line breaks between two Chinese characters
    removed: click joins wrapped lines with a space, which Chinese does not have."""
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    if not text:
        return
    formatter.write_paragraph()
    with formatter.indentation():
        indent = " " * formatter.current_indent
        columns = max(formatter.width - formatter.current_indent, 20)
        for n, paragraph in enumerate(text.split("\n\n")):
            if n:
                formatter.write("\n")
            if paragraph.startswith("\b"):  # kept as written (the examples)
                lines = paragraph[1:].strip("\n").splitlines()
            else:
                lines = _wrap(_CJK_BREAK.sub("", paragraph).replace("\n", " "), columns)
            formatter.write("".join(f"{indent}{line}\n" for line in lines))


def _width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two (click counts one)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, columns: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and _width(line + char) > columns:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    return [*lines, line]


def write_rows(
    formatter: click.HelpFormatter, heading: str, rows: Sequence[tuple[str, str]]
) -> None:
    """click's write_dl, measured in terminal columns so that Chinese lines up."""
    if not rows:
        return
    with formatter.section(heading):
        first = min(max(_width(name) for name, _ in rows), 30) + 2
        columns = max(formatter.width - formatter.current_indent - first, 20)
        for name, text in rows:
            lines = _wrap(text, columns) if text else [""]
            pad = (
                " " * (first - _width(name))
                if _width(name) < first
                else "\n" + " " * (formatter.current_indent + first)
            )
            formatter.write(f"{'':>{formatter.current_indent}}{name}{pad}{lines[0]}\n")
            for line in lines[1:]:
                formatter.write(f"{'':>{formatter.current_indent + first}}{line}\n")


def write_options(
    command: click.Command, ctx: click.Context, formatter: click.HelpFormatter
) -> None:
    rows = [
        (name, text.replace("  [required]", "（必填）"))
        for param in command.get_params(ctx)
        if not isinstance(param, click.Argument)
        and (record := param.get_help_record(ctx)) is not None
        for name, text in (record,)
    ]
    write_rows(formatter, "选项", rows)
