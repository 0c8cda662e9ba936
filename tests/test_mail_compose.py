"""Our replies: threading headers, a fixed id, Chinese names every mail program shows."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from workflow.intake.mail.compose import build_message, note_body, reply_id, reply_text
from workflow.office.mail_ledger import Verdict

NAME = "后河镇人民政府2021年报告校验结果堃.xlsx"


def test_attachment_names_carry_rfc2231_and_an_encoded_name(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(b"PK\x03\x04 workbook")
    raw = build_message(
        sender="office@county.test", to="a1@county.test", subject="回复：年度报告",
        body="您好", message_id="<r@county.test>", in_reply_to="<m@x>",
        references=["<older@x>"], attachments=[path],
    )  # fmt: skip
    assert b"filename*=UTF-8''%E5%90%8E" in raw  # Thunderbird, 163/QQ web mail
    assert b'name="=?utf-8?b?' in raw  # Outlook, Foxmail
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    msg = email.message_from_bytes(raw, policy=policy.default)
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == NAME
    assert part.get_content() == b"PK\x03\x04 workbook"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert (msg["In-Reply-To"], msg["References"]) == ("<m@x>", "<older@x> <m@x>")
    assert str(msg["Subject"]) == "回复：年度报告"


def test_reply_id_is_fixed_per_mail_and_in_our_domain() -> None:
    assert reply_id("<m@x>", "gkb@county.gov.cn") == reply_id("<m@x>", "gkb@county.gov.cn")
    assert reply_id("<m@x>", "gkb@county.gov.cn") != reply_id("<n@x>", "gkb@county.gov.cn")
    assert reply_id("<m@x>", "gkb@county.gov.cn").endswith("@county.gov.cn>")


def test_reply_text_says_what_to_do_for_each_verdict() -> None:
    text = reply_text([
        Verdict("a.xlsx", "passed", "后河镇人民政府", 2021, (), 2, ("r.docx",),
                notes=("工作表“正文” B3：提示一", "提示二")),
        Verdict("b.xlsx", "failed", "后河镇人民政府", 2021, ("总计不符", "件数不是整数")),
        Verdict("c.xlsx", "rejected", messages=("不是工作簿",)),
    ])  # fmt: skip
    assert "《a.xlsx》：后河镇人民政府2021年报告已通过校验。" in text
    assert "另有 2 条提示，不影响通过" in text
    assert "\n  1. 工作表“正文” B3：提示一\n  2. 提示二" in text
    assert "见报告末尾" not in text  # the Word report carries no warnings: it is published
    assert text.endswith("\n如果这封邮件不是您发送的，请立即联系公开办。\n")
    assert "共 2 处错误：\n  1. 总计不符\n  2. 件数不是整数" in text
    assert "《c.xlsx》：无法读取，已退回" in text and "公开办下发的年度报告工作簿" in text


def test_an_archive_that_was_not_opened_is_named_with_its_reason() -> None:
    text = reply_text([Verdict("材料.zip", "unopened", messages=("压缩包已加密（设置了密码）",))])
    assert "《材料.zip》：未打开。压缩包已加密（设置了密码）。" in text
    assert "直接作为附件发送，不要压缩" in text


def test_the_no_workbook_note_says_a_zip_is_welcome_but_not_an_encrypted_one() -> None:
    """A .zip is opened now: the note must not tell agencies never to compress."""
    text = note_body("no_workbook")
    assert "不要压缩" not in text
    assert "不加密的 .zip 压缩包" in text
