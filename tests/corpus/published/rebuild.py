"""Rebuild a corpus page from a report's archived text (`sources/<id>.txt`).

The archive (changwu/pingtan-gov-zwgk-archive) keeps each report page as page.html (the site's
markup, 150–350 KB a report) and page.txt (the page's text, one line). The pages could not be
copied whole into this repository (see README.md), so each report is kept as its archived
page.txt, byte for byte, and this script rebuilds a plain web page from it: the report's words
unchanged, paragraphs broken before each heading, and the three tables laid out in the 2021
format with the numbers the page shows.

page.txt runs the table cells together ("640020470"), so the numbers are placed by the format's
own sums where only one placement fits (a row of 表三 whose total is the sum of its six
columns, a group of 表四 whose 总计 is the sum of its four results); everything else — a row
that does not add up (a real slip), 表二's three-number rows, a place where two placements fit —
is written out by hand in `sources/<id>.cells` after reading the page, and the script refuses
to guess. `rules = -` in that file: the page has no 规章 row (the rebuilt table has none either);
`six_table = a|b ; c|d` with `six_table_text = …`: a small table printed in 六 (its cells as read,
its run-together text taken out of the paragraph); `after_t2_from = <first words>` (and t3, t4):
words printed under that table, kept as a paragraph after it; `label.<row> = …`: the page's own
label of a row of 表三 (a typo it prints); `six_single = yes`: 表三 has the 2019 layout's single
（六）其他处理 row (given as `other_other`; the two rows it lacks as zeros).

Some reports are not rebuilt: their page is the archive's own page.html, kept byte for byte
and listed in `originals.toml`; this script leaves those files alone (their `.cells` stay as the
record of how the rebuilt page was read).

Run: `python tests/corpus/published/rebuild.py [id ...]` (all sources by default).
"""

from __future__ import annotations

import html
import itertools
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
ORIGINALS = HERE / "originals.toml"
sys.path.insert(0, str(HERE.parents[2]))

from tests.published_docs import Layout, Rows, section2, section3, section4  # noqa: E402
from workflow.core.form import (  # noqa: E402
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
)

T3_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_secret": "（三）不予公开1.属于国家秘密",
    "denied_law": "2.其他法律行政法规禁止公开",
    "denied_security": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal": "5.属于三类内部事务信息",
    "denied_process": "6.属于四类过程性信息",
    "denied_enforcement": "7.属于行政执法案卷",
    "denied_query": "8.属于行政查询事项",
    "unable_not_held": "（四）无法提供1.本机关不掌握相关政府信息",
    "unable_needs_creation": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "（五）不予处理1.信访举报投诉类申请",
    "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": (
        "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    ),
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他",
    "handled_total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}
T2_LABELS = [
    ("rules", "规章"),
    ("normative", "行政规范性文件"),
    ("licensing_decisions", "行政许可"),
    ("penalty_decisions", "行政处罚"),
    ("coercion_decisions", "行政强制"),
    ("fees_amount", "行政事业性收费"),
]
T2_STOPS = ("第二十条", "行政规范性文件", "行政强制", "四、", "三、")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def splits(digits: str, parts: int) -> Iterator[list[int]]:
    """Every way to cut `digits` (spaces are cuts the page made) into `parts` numbers."""
    chunks = digits.split()
    if not chunks:
        return
    joined = "".join(chunks)
    forced = set(itertools.accumulate(len(c) for c in chunks[:-1]))
    inner = [i for i in range(1, len(joined)) if i not in forced]
    need = parts - 1 - len(forced)
    if need < 0:
        return
    for extra in itertools.combinations(inner, need):
        cuts = sorted(forced | set(extra))
        pieces = [joined[a:b] for a, b in zip([0, *cuts], [*cuts, len(joined)], strict=True)]
        if any(len(p) > 1 and p[0] == "0" for p in pieces):
            continue
        yield [int(p) for p in pieces]


def decode_row(digits: str) -> list[list[int]]:
    """Placements of a 表三 row: six columns and their total."""
    return [s for s in splits(digits, 7) if sum(s[:6]) == s[6]]


def decode_t4(digits: str) -> list[list[int]]:
    """Placements of 表四: three groups of four results and their 总计."""
    return [s for s in splits(digits, 15) if all(sum(s[g : g + 4]) == s[g + 4] for g in (0, 5, 10))]


def _cells_file(report_id: str) -> dict[str, list[str]]:
    path = SOURCES / f"{report_id}.cells"
    out: dict[str, list[str]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                key, _, value = line.partition("=")
                out[key.strip()] = value.split()
    return out


def _body(text: str) -> tuple[str, str]:
    title = re.search(r"^标题: (.*)$", text, re.M)
    body = text.split("==================== 正文 ====================", 1)[1]
    body = body.split("相关链接：", 1)[-1].replace("-->", " ")
    body = re.sub(r"\s*附件下载\s*$", "", body).strip()
    return (title.group(1).strip() if title else ""), body


def _find(body: str, needle: str, start: int) -> int:
    at = body.find(needle, start)
    if at < 0:
        raise ValueError(f"找不到“{needle}”")
    return at


def _paragraphs(text: str, markers: str) -> list[str]:
    """Break prose before each heading: 一、… and the numbered sub-headings （一）….."""
    if not markers:
        return [text.strip()] if text.strip() else []
    pattern = "(" + "|".join(re.escape(m) for m in markers.split()) + ")"
    parts = re.split(pattern, text)
    out: list[str] = [parts[0]] if parts[0].strip() else []
    for marker, rest in zip(parts[1::2], parts[2::2], strict=True):
        out.append(marker + rest)
    return [p.strip() for p in out if p.strip()]


def rebuild(report_id: str) -> tuple[str, dict[str, object]]:
    text = (SOURCES / f"{report_id}.txt").read_text(encoding="utf-8")
    manual = _cells_file(report_id)
    title, body = _body(text)
    if "title" in manual:
        title = " ".join(manual["title"])
    i1 = _find(body, "一、总体情况", 0)
    i2 = _find(body, "二、主动公开政府信息情况", i1)
    i3 = _find(body, "三、收到和处理政府信息公开申请情况", i2)
    i4 = _find(body, "四、", _find(body, "结转下年度继续办理", i3) + 9)
    i5 = _find(body, "五、", i4)
    i6 = body.find("六、", i5)
    if i6 < 0:
        i6 = len(body)
    values: dict[str, object] = {}
    problems: list[str] = []
    after: dict[int, str] = {}  # words printed under a table, before the next heading
    for n, (start, end) in {2: (i2, i3), 3: (i3, i4), 4: (i4, i5)}.items():
        marker = "".join(manual.get(f"after_t{n}_from", []))
        at = body.find(marker, start, end) if marker else -1
        if at >= 0:
            after[n] = body[at:end].strip()
            body = body[:at] + " " * (end - at) + body[end:]

    t2 = _squash(body[i2:i3])
    omitted = [key for key, _ in T2_LABELS if manual.get(key) == ["-"]]
    for key, label in T2_LABELS:
        if key in omitted:
            got = ["0", "0", "0"]
        elif key in manual:
            got = manual[key]
        else:
            at = t2.find(label, t2.find("第二十条") if key != "rules" else 0)
            tail = t2[at + len(label) :] if at >= 0 else ""
            stop = min((tail.find(s) for s in T2_STOPS if s in tail), default=len(tail))
            got = [tail[:stop]]
            if key in ("rules", "normative"):
                digits = tail[:stop]
                spaced = re.search(re.escape(label) + r"\s*([\d\s]+)", body[i2:i3])
                tokens = spaced.group(1).split() if spaced else []
                got = list(digits) if len(digits) == 3 else tokens if len(tokens) == 3 else []
            if at < 0 or not got or not re.fullmatch(r"[\d.]+", "".join(got)):
                problems.append(f"{key}: {tail[:stop]!r}")
                continue
        if key in ("rules", "normative"):
            for suffix, v in zip(("issued", "repealed", "in_force"), got, strict=True):
                values[f"{key}_{suffix}"] = v
        else:
            values[key] = got[0]

    t3 = body[i3:i4]
    spans = []
    pos = 0
    for stem, label in T3_LABELS.items():
        at = _squash(t3).find(_squash(label), pos)
        spans.append((stem, at, at + len(_squash(label))))
        pos = max(pos, at + 1) if at >= 0 else pos
    squashed_keep_spaces = re.sub(r"\s+", " ", t3)
    flat = _squash(t3)
    # map squashed offsets back to the text with single spaces, to keep the page's cuts
    index = [i for i, ch in enumerate(squashed_keep_spaces) if ch != " "]
    for n, (stem, at, end) in enumerate(spans):
        if stem in manual:
            row = [int(x) for x in manual[stem]]
        else:
            nxt = spans[n + 1][1] if n + 1 < len(spans) else len(flat)
            if at < 0 or nxt < 0:
                problems.append(f"{stem}: label not found")
                continue
            index.append(len(squashed_keep_spaces))
            raw = squashed_keep_spaces[index[min(end, len(index) - 1)] : index[nxt]]
            index.pop()
            raw = (
                re.sub(r"三、本年度办\s*理结果", "", raw)
                .replace("（三）不予公开", "")
                .replace("（四）无法提供", "")
            )
            raw = re.sub(r"（[五六七]）.*$", "", raw)
            if not raw.strip():  # the page leaves the whole row blank
                for col in APPLICANT_COLUMNS:
                    values[f"apply_{stem}_{col.suffix}"] = ""
                continue
            options = decode_row(raw)
            if len(options) != 1:
                problems.append(f"{stem}: {raw!r} -> {options[:4]}")
                continue
            row = options[0]
        for col, v in zip(APPLICANT_COLUMNS, row, strict=True):
            values[f"apply_{stem}_{col.suffix}"] = v

    keys4 = [g.key(s) for g in LITIGATION_GROUPS for s, _ in LITIGATION_COLUMNS]
    if "t4" in manual:
        row4 = [int(x) for x in manual["t4"]]
    else:
        raw4 = re.sub(r"^.*总计", "", re.sub(r"\s+", " ", body[i4:i5])).strip()
        options4 = decode_t4(raw4)
        if len(options4) != 1:
            problems.append(f"t4: {raw4!r} -> {options4[:4]}")
            row4 = []
        else:
            row4 = options4[0]
    values.update(zip(keys4, row4, strict=False))
    if problems:
        raise ValueError(f"{report_id}: " + "; ".join(problems))

    head = _paragraphs(body[:i1], "")
    general = _paragraphs(body[i1:i2], "一、总体情况 （一） （二） （三） （四） （五） （六）")
    if general and general[0].startswith("一、总体情况") and len(general[0]) > 6:
        general = ["一、总体情况", general[0][6:].strip(), *general[1:]]
    closing = _headed(_paragraphs(body[i5:i6], "（一） （二） （三）"))
    other = _headed(_paragraphs(body[i6:], ""))
    layout = Layout()
    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title></head><body>",
        f'<div class="article"><h1>{html.escape(title)}</h1><div class="content">',
    ]
    parts += [f"<p>{html.escape(p)}</p>" for p in head + general]
    labels_left_out = {label for key, label in T2_LABELS if key in omitted}
    table2 = [row for row in section2(values, layout) if row[0][0] not in labels_left_out]
    if "normative_label" in manual:  # the page's own wording of the row (规范性文件)
        label = "".join(manual["normative_label"])
        table2 = [[(label, *c[1:]) if c[0] == "行政规范性文件" else c for c in r] for r in table2]
    single_six = manual.get("six_single") == ["yes"]  # the 2019 layout's one （六）其他处理 row
    table3 = section3(values, Layout(layout_2019=single_six))
    for key, printed in manual.items():  # a label the page prints otherwise (a typo of its own)
        if key.startswith("label."):
            standard = next(r.label for r in APPLICATION_ROWS if r.stem == key[6:])
            text = "".join(printed)
            table3 = [[(text, *c[1:]) if c[0] == standard else c for c in r] for r in table3]
    tables = (
        ("二、主动公开政府信息情况", table2),
        ("三、收到和处理政府信息公开申请情况", table3),
        (_heading4(body[i4:i5]), section4(values, layout)),
    )
    for n, (heading, rows) in enumerate(tables, 2):
        parts.append(f"<p>{html.escape(heading)}</p>")
        parts.append(_html_table(rows))
        if n in after:
            parts.append(f"<p>{html.escape(after[n])}</p>")
    parts += [f"<p>{html.escape(p)}</p>" for p in closing]
    if "six_table" in manual:  # a small table of its own in 六 (信息处理费), kept a table
        cut = "".join(manual.get("six_table_text", []))
        other = [p.replace(cut, "", 1) if cut else p for p in other]
        rows = [[(c, 1, 1) for c in r.split("|")] for r in " ".join(manual["six_table"]).split(";")]
        parts += [f"<p>{html.escape(other[0])}</p>", _html_table([[c for c in r] for r in rows])]
        other = other[1:]
    parts += [f"<p>{html.escape(p)}</p>" for p in other if p]
    parts.append("</div></div></body></html>\n")
    return "".join(parts), values


def _html_table(rows: Rows) -> str:
    """The table as a plain grid: one cell a <td>, merges as colspan / rowspan."""
    out = ['<table border="1" cellspacing="0">']
    for row in rows:
        cells = []
        for text, colspan, rowspan in row:
            span = (f' colspan="{colspan}"' if colspan > 1 else "") + (
                f' rowspan="{rowspan}"' if rowspan > 1 else ""
            )
            cells.append(f"<td{span}>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _heading4(text: str) -> str:
    match = re.match(r"四、[^。]*?情况", _squash(text))
    return match.group(0) if match else "四、政府信息公开行政复议、行政诉讼情况"


def _headed(paragraphs: list[str]) -> list[str]:
    """A top-level heading (五、… / 六、…) run into its first sentence, as its own paragraph."""
    if paragraphs:
        match = re.match(r"[五六七]、[^。，；：:（]*?(情况|措施|事项|计划|举措)", paragraphs[0])
        if match and match.end() < len(paragraphs[0]):
            rest = paragraphs[0][match.end() :].lstrip("：:")
            return [match.group(0), rest, *paragraphs[1:]]
    return paragraphs


def originals() -> dict[str, dict[str, object]]:
    """The reports whose page is the archive's own page.html, byte for byte: never rebuilt."""
    pages = tomllib.loads(ORIGINALS.read_text(encoding="utf-8"))["pages"]
    assert isinstance(pages, dict)
    return pages


def main(ids: list[str]) -> int:
    ids = ids or sorted(p.stem for p in SOURCES.glob("*.txt"))
    kept = originals()
    failed = 0
    for report_id in ids:
        if report_id in kept:
            print(f"{report_id}.html is the archive's own page (originals.toml): left as it is")
            continue
        try:
            page, _ = rebuild(report_id)
        except ValueError as exc:
            print(exc)
            failed += 1
            continue
        (HERE / f"{report_id}.html").write_text(page, encoding="utf-8")
        print(f"{report_id}.html")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
