"""`workflow mail --accept 编号`: the clerk checked a held mail, and it goes on.

A mail is held (state `held`, in the refused folder on the server) when its sender is not in
the directory, when its sender looks forged, when it was too large to download, or when it
failed `POISON_ATTEMPTS` times. After checking it, the clerk accepts it by the number
`workflow status` shows; the next pass (run at once by the command) processes its workbooks
and replies as for any submission. Two cases cannot be accepted, and the message says why and
what to do instead: a sender still not in the directory (a verdict must belong to an agency),
and a mail whose body was never downloaded (too large; its sender was answered already).
"""

from __future__ import annotations

from pathlib import Path

from workflow.config import Config
from workflow.core.errors import WorkflowError
from workflow.intake.mail.message import parse_message
from workflow.office.mail_ledger import open_mail_store

__all__ = ["accept_held"]


def _headers_only(raw: bytes) -> bool:
    for gap in (b"\r\n\r\n", b"\n\n"):
        if gap in raw:
            return not raw.split(gap, 1)[1].strip()
    return True


def accept_held(config: Config, number: int) -> str:
    """Release held mail `number` for processing; returns the line to print. WorkflowError
    (Chinese) when it cannot be released."""
    with open_mail_store(config) as store:
        row = store.by_number(number)
        if row is None:
            raise WorkflowError(f"没有编号为 {number} 的邮件（编号见 workflow status）")
        if row.state != "held":
            raise WorkflowError(f"第 {number} 封邮件不在待人工处理中（现为：{row.state_text}）")
        raw = Path(row.eml_path).read_bytes() if row.eml_path else b""
        if _headers_only(raw):
            raise WorkflowError(
                f"第 {number} 封邮件过大，程序没有下载附件：请在邮箱的"
                f"“{config.mail.refused_folder}”文件夹中打开它，把工作簿保存到收件箱文件夹"
            )
        mail = parse_message(raw, unpack_limit=config.mail.max_message_bytes)
        agencies = config.agencies_of(mail.sender)
        if not agencies:
            raise WorkflowError(
                f"发件人 {mail.sender or '（无）'} 不在单位名录中：请先把该地址加入对应单位的 "
                "emails，再接受这封邮件"
            )
        if mail.workbooks:
            kind = "submission"
        else:  # answered as such mail from a trusted sender is (`intake.mail.mailpass`)
            kind = "other_files" if mail.other_files else "no_workbook"
        store.accept(number, kind, agency="、".join(a.name for a in agencies))
    return f"第 {number} 封邮件（{row.sender}，{row.subject or '无主题'}）已接受，开始处理"
