"""Sending: smtplib over ssl (port 465, as 163 / QQ), starttls (587) or plain (loopback only).

The server's certificate is always verified (system CAs or `ca_file`). A failure after the
server accepted the message (QQ's SMTP may error on QUIT) counts as sent: the message is out,
and sending it again would be the second reply we promise never to send.
"""

from __future__ import annotations

import smtplib
import ssl

from workflow.core.errors import MailError
from workflow.core.mail_settings import MailSettings
from workflow.intake.mail.imap import ssl_context

__all__ = ["send"]


def _connect(settings: MailSettings) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.timeout_seconds
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl_context(settings))
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if settings.smtp_security == "starttls":
        smtp.starttls(context=ssl_context(settings))
        smtp.ehlo()
    return smtp


def send(settings: MailSettings, password: str, to: str, raw: bytes) -> None:
    """Hand `raw` to the SMTP server for `to`, from `settings.address`; MailError if refused."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise MailError(f"无法连接发信服务器 {where}：{exc}") from exc
    accepted = False
    try:
        smtp.ehlo_or_helo_if_needed()
        if smtp.has_extn("auth"):
            smtp.login(settings.user, password)
        smtp.sendmail(settings.address, [to], raw)
        accepted = True
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"发信服务器 {where} 拒绝登录（请检查授权码）：{exc.smtp_code}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"发信服务器 {where} 未接受邮件：{exc}") from exc
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            if not accepted:
                smtp.close()
