"""Submission + findings -> the Word report (.docx), through the office's docxtpl template.

The template is the office's document (`templates/report.docx`, editable in Word or WPS), so it
is checked before use: `template_problems` names every tag that resolves to no field key and no
helper, and `render_report` refuses such a template rather than print blanks. Each job gets a
fresh `DocxTemplate` and a fresh sandboxed jinja2 environment with autoescape on and strict
undefined variables.

Agency text is data, never template: it is passed as values (jinja never parses it), escaped for
XML, and the underscores docxtpl would turn "{_{" into "{{" with are written as character
references, so whatever an agency typed ("{{ x }}", "{% if %}", "<b>&") appears literally.

Failures of docxtpl, jinja2, zipfile and lxml are re-raised as `ReportTemplateError` (the
template) or `OutputError` (writing the report), with the cause chained.
"""

from __future__ import annotations

import re
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from workflow.core import form
from workflow.core.atomic import atomic_path
from workflow.core.errors import OutputError, ReportTemplateError
from workflow.core.findings import Finding
from workflow.core.names import agency_file_stem
from workflow.core.submission import Submission
from workflow.report.context import KNOWN_HELPERS, build_context, report_title

__all__ = [
    "KNOWN_HELPERS",
    "build_context",
    "render_report",
    "report_filename",
    "template_problems",
]

_PROSE_KEYS = frozenset(p.key for p in form.PROSE_PARTS)
_PARTS = ((RT.HEADER, "页眉"), (RT.FOOTER, "页脚"))
CORE_PROPERTY_CHARS = 255
"""The most a .docx core property (title) may hold."""


def report_filename(agency: str, year: int | None) -> str:
    """'后河镇人民政府2021年政府信息公开工作年度报告.docx', the agency part made file-safe
    (`names.agency_file_stem`: spaces and width do not change it).

    Without a readable year (a draft whose year cell is garbage and no template marks) the
    name says 未知年度 rather than '0年'.
    """
    year_part = str(year) if year else "未知年度"
    suffix = form.REPORT_TITLE_SUFFIX if year else form.REPORT_TITLE_SUFFIX.removeprefix("年")
    return f"{agency_file_stem(agency)}{year_part}{suffix}.docx"


_KEEP = 16
"""How many versions of a template part (by exact source text) each cache below keeps."""

_K = TypeVar("_K")
_V = TypeVar("_V")


def _kept(cache: OrderedDict[_K, _V], key: _K, make: Callable[[], _V]) -> _V:
    """`cache[key]`, made by `make()` the first time; past `_KEEP` entries the least recently
    used is dropped."""
    value = cache.get(key)
    if value is None:
        value = make()
        cache[key] = value
        if len(cache) > _KEEP:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return value


class _CompiledOnce(SandboxedEnvironment):
    """The rendering environment. docxtpl compiles every XML part with `from_string` on each
    render, yet one version of the template gives the same patched XML for every report: its
    compiled form is kept (by exact source text), which halves the time of a report. The
    DocxTemplate itself is still a fresh object per job."""

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: OrderedDict[str, Template] = OrderedDict()

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        return _kept(self._compiled, source, partial(super().from_string, source))


_RENDERING = _CompiledOnce()


class _PatchedOnce(DocxTemplate):
    """docxtpl cleans every XML part of the template with `patch_xml` (a dozen regular
    expressions over the whole body) before each render: two thirds of a report's rendering
    time, for the same text each time. `patch_xml` depends on its input alone, so its result is
    kept by exact source text (`_PATCHED`): a run of `process` or the daemon's workers parse
    and clean each part of a template version once. The document object is still fresh per
    report (docxtpl renders into it in place)."""

    def patch_xml(self, src_xml: str) -> str:
        return _kept(_PATCHED, src_xml, partial(super().patch_xml, src_xml))


_PATCHED: OrderedDict[str, str] = OrderedDict()


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def _open(template: Path) -> DocxTemplate:
    if not template.is_file():
        raise ReportTemplateError(f"找不到报告模板：{template}")
    tpl = _PatchedOnce(str(template))
    try:
        tpl.init_docx()
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
        raise ReportTemplateError(
            f"报告模板“{template.name}”不是有效的 Word 文档（.docx），无法打开（{exc}）。"
            "请在 Word 或 WPS 中另存为“Word 文档(*.docx)”后重试。"
        ) from exc
    except OSError as exc:
        raise ReportTemplateError(f"无法读取报告模板“{template}”：{exc.strerror or exc}") from exc
    return tpl


def _sources(tpl: DocxTemplate) -> list[tuple[str, str]]:
    """(where, jinja source) for the body, then every header and footer, as docxtpl sees them."""
    out = [("正文", tpl.patch_xml(tpl.get_xml()))]
    for rel in tpl.docx.part.rels.values():
        for reltype, where in _PARTS:
            if rel.reltype == reltype and rel.target_part.blob:
                xml = tpl.xml_to_string(parse_xml(rel.target_part.blob))
                out.append((where, tpl.patch_xml(xml)))
    return out


def _parse(env: SandboxedEnvironment, name: str, where: str, source: str) -> nodes.Template:
    # One paragraph per line, as docxtpl renders it, so that a line number names a paragraph.
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
    try:
        return env.parse(source)
    except TemplateSyntaxError as exc:
        lines = source.splitlines()
        line = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        text = re.sub(r"<[^>]+>", "", line).strip()[:80]
        at = f"“{text}”处" if text else f"第 {exc.lineno} 段附近"
        reason = (exc.message or "").rstrip(".")
        raise ReportTemplateError(
            f"报告模板“{name}”的{where}有标签写错了（{at}）：{reason}。"
            "请检查 {{ }} 与 {% %} 是否成对、for/if 是否有对应的 endfor/endif。"
        ) from exc


def _prose_lookups(ast: nodes.Template) -> set[str]:
    """Attributes looked up on `paragraphs` (paragraphs.text_x or paragraphs['text_x'])."""
    found: set[str] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))
        if not (isinstance(node.node, nodes.Name) and node.node.name == "paragraphs"):
            continue
        if isinstance(node, nodes.Getattr):
            found.add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.add(node.arg.value)
    return found


def _problems(tpl: DocxTemplate, name: str) -> list[str]:
    env = _environment()
    known = set(form.FIELDS_BY_KEY) | set(KNOWN_HELPERS) | set(env.globals)
    unknown: set[str] = set()
    for where, source in _sources(tpl):
        ast = _parse(env, name, where, source)
        unknown |= meta.find_undeclared_variables(ast) - known
        unknown |= {f"paragraphs.{a}" for a in _prose_lookups(ast) - _PROSE_KEYS}
    return sorted(unknown)


_CHECKED: dict[tuple[str, int, int], list[str]] = {}
"""Template problems by (path, mtime, size): a template is checked once per version of the
file, not once per report; an office edit changes the key and is checked before its first use."""


def _checked_problems(template: Path, tpl: DocxTemplate) -> list[str]:
    stat = template.stat()
    key = (str(template.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CHECKED:
        _CHECKED[key] = _problems(tpl, template.name)
    return _CHECKED[key]


def template_problems(template: Path) -> list[str]:
    """Names of the template's tags that resolve to no field key or helper; [] when all do.

    Raises `ReportTemplateError` when the file cannot be loaded as a Word document or a tag
    is not valid jinja (the message names the part and the paragraph).
    """
    template = Path(template)
    return list(_checked_problems(template, _open(template)))


def _protect(value: object) -> object:
    """Escape text for XML once, here; '_' as a character reference defeats docxtpl's
    post-render '{_{' -> '{{' replacement, so typed text stays exactly as typed."""
    if isinstance(value, str):
        return Markup(str(escape(value)).replace("_", "&#95;"))
    if isinstance(value, Mapping):
        return {k: _protect(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_protect(v) for v in value]
    return value


def render_report(
    sub: Submission,
    findings: Sequence[Finding],
    template: Path,
    out: Path,
    *,
    draft: bool,
) -> Path:
    """Render the report of `sub` into `out` (written atomically) and return `out`.

    `draft=True` prints the red 未通过校验 banner and the 草稿 header mark (with the number of
    errors in `findings`); a report that passed carries no such mark.
    """
    template, out = Path(template), Path(out)
    tpl = _open(template)
    unknown = _checked_problems(template, tpl)
    if unknown:
        raise ReportTemplateError(
            f"报告模板“{template.name}”中有无法识别的标签：{'、'.join(unknown)}。"
            "请在模板中改正或删除这些标签后重试。"
        )
    context = cast(dict[str, object], _protect(build_context(sub, findings, draft=draft)))
    try:
        tpl.render(context, jinja_env=_RENDERING, autoescape=True)
    except TemplateError as exc:
        raise ReportTemplateError(f"报告模板“{template.name}”渲染失败：{exc}") from exc
    except (etree.LxmlError, ValueError, KeyError) as exc:
        raise ReportTemplateError(
            f"报告模板“{template.name}”渲染后不是有效的 Word 文档（{exc}）。"
            "请检查模板中的标签是否完整地放在段落或单元格中。"
        ) from exc
    props = tpl.docx.core_properties
    # Word and python-docx cap a core property at 255 characters (python-docx raises beyond);
    # the title in the body stays whole.
    props.title = report_title(sub.agency, sub.year)[:CORE_PROPERTY_CHARS]
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    try:
        with atomic_path(out) as tmp:
            tpl.save(str(tmp))
    except OSError as exc:
        raise OutputError(f"无法写入报告“{out}”：{exc.strerror or exc}") from exc
    return out
