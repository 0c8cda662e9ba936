"""Sending: smtplib over ssl (port 465, as 163 / QQ), starttls (587) or plain (loopback only).

`send` returns only once the server answered 250 to DATA: that answer is what makes a reply
count as sent (the caller records it at once). The server's certificate is always verified
(system CAs or `ca_file`). A failure after the server accepted the message (QQ's SMTP may
error on QUIT) counts as sent: the message is out. Every failure before it is a `MailError`
with one Chinese line naming the setting to check (`connection_errors.explain`).
"""

from __future__ import annotations

import smtplib

from workflow.core.errors import MailError
from workflow.core.mail_settings import MailSettings
from workflow.intake.mail.connection_errors import CAUGHT, explain
from workflow.intake.mail.imap import ssl_context

__all__ = ["MessageRefused", "send"]


class MessageRefused(MailError):
    """The server is up and answered, but refused this message or its recipient (a 4xx/5xx
    to MAIL, RCPT or DATA): only this reply waits; the others are sent."""


_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


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
    """Hand `raw` to the SMTP server for `to`, from `settings.address`; returns when the
    server accepted it, MailError (Chinese) when it did not."""
    try:
        smtp = _connect(settings)
    except CAUGHT as exc:
        raise MailError(f"无法连接发信服务器：{explain(exc, 'smtp', settings)}") from exc
    accepted = False
    try:
        smtp.ehlo_or_helo_if_needed()
        if smtp.has_extn("auth"):
            smtp.login(settings.user, password)
        smtp.sendmail(settings.address, [to], raw)
        accepted = True
    except _REFUSALS as exc:
        raise MessageRefused(f"发信服务器未接受这封邮件：{explain(exc, 'smtp', settings)}") from exc
    except CAUGHT as exc:
        raise MailError(f"发信服务器未接受邮件：{explain(exc, 'smtp', settings)}") from exc
    finally:
        try:
            smtp.quit()
        except CAUGHT:
            if not accepted:
                smtp.close()
