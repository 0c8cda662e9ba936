"""A failed connection to the mail servers, said in one Chinese line that names the setting.

imaplib, smtplib, ssl and socket fail in library English (`[SSL: WRONG_VERSION_NUMBER]`,
`[Errno 111] Connection refused`); the clerk needs to know which line of config.toml to look
at. `explain` is the one place that turns each exception class the mail code catches
(`CAUGHT`) into such a line; `imap` and `smtp` call it at their boundary and raise `MailError`
with it. The likely causes, in the order they are checked:

    TLS spoken to a plain port, or plain to a TLS port   -> {side}_security / {side}_port
    the certificate cannot be verified                   -> ca_file
    the name does not resolve                            -> {side}_host
    refused, unreachable                                 -> {side}_host / {side}_port
    no answer within timeout_seconds                     -> timeout_seconds, {side}_port
    login refused                                        -> address / 授权码
    the server closed the connection or refused a command
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl

from imap_tools.errors import ImapToolsError

from workflow.core.mail_settings import PASSWORD_ENV, MailSettings

__all__ = ["CAUGHT", "explain", "login_refused"]

CAUGHT: tuple[type[BaseException], ...] = (
    ssl.SSLCertVerificationError,
    ssl.SSLError,
    socket.gaierror,
    ConnectionRefusedError,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    TimeoutError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPException,
    imaplib.IMAP4.abort,
    imaplib.IMAP4.readonly,
    imaplib.IMAP4.error,
    ImapToolsError,
    EOFError,
    OSError,
)
"""Every exception class the mail code catches around a server; `explain` maps each one."""

_PORTS = {
    ("imap", "ssl"): 993,
    ("imap", "starttls"): 143,
    ("smtp", "ssl"): 465,
    ("smtp", "starttls"): 587,
}
_TLS_MISMATCH = (
    "WRONG_VERSION_NUMBER",
    "UNEXPECTED_EOF",
    "RECORD_LAYER",
    "HTTP_REQUEST",
    "UNKNOWN_PROTOCOL",
    "PACKET_LENGTH_TOO_LONG",
    "WRONG_SSL_VERSION",
)


def _security_hint(side: str, settings: MailSettings) -> str:
    ssl_port, starttls_port = _PORTS[(side, "ssl")], _PORTS[(side, "starttls")]
    port = getattr(settings, f"{side}_port")
    security = getattr(settings, f"{side}_security")
    return (
        f"{side}_security 应为 ssl（端口 {ssl_port}）或 starttls（端口 {starttls_port}），"
        f"与服务器的端口不符（现为 {security}，端口 {port}）"
    )


def login_refused(side: str) -> str:
    """The line for a server that refused our login."""
    return (
        f"{'收信' if side == 'imap' else '发信'}服务器拒绝登录：请检查 [mail] address（或 user）"
        f"和授权码（password_file 或环境变量 {PASSWORD_ENV}；授权码不是网页登录密码）"
    )


def explain(exc: BaseException, side: str, settings: MailSettings) -> str:
    """One Chinese line for `exc`, met talking to the `side` ("imap" / "smtp") server."""
    host, port = getattr(settings, f"{side}_host"), getattr(settings, f"{side}_port")
    where = f"{host}:{port}"
    text = str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_message", "") or "CERTIFICATE_VERIFY_FAILED"
        return (
            f"{where} 的证书无法验证（CERTIFICATE_VERIFY_FAILED：{code}）：政务邮箱使用自建证书时，"
            "请用 [mail] ca_file 指定管理员提供的 CA 证书；并检查 "
            f"{side}_host 是否与证书上的名称一致"
        )
    if isinstance(exc, ssl.SSLError) or any(m in text.upper() for m in _TLS_MISMATCH):
        return f"与 {where} 的加密握手失败：{_security_hint(side, settings)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError) or "STARTTLS" in text.upper():
        return f"{where} 不支持 STARTTLS：{_security_hint(side, settings)}"
    if isinstance(exc, socket.gaierror):
        return f"找不到服务器 {host}：请检查 {side}_host 的拼写和本机的网络、DNS"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} 拒绝连接：请检查 {side}_host 和 {side}_port（服务器是否开启了该端口）"
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return (
            f"连接 {where} 超时（{settings.timeout_seconds:g} 秒无应答）：请检查网络，"
            f"以及 {side}_port、{side}_security 是否与服务器一致（必要时加大 timeout_seconds）"
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{login_refused(side)}（{exc.smtp_code}）"
    if (
        side == "imap"
        and isinstance(exc, imaplib.IMAP4.error | ImapToolsError)
        and ("LOGIN" in text.upper() or "AUTHENTICAT" in text.upper())
    ):
        return login_refused(side)
    dropped = (
        ConnectionResetError,
        ConnectionAbortedError,
        BrokenPipeError,
        EOFError,
        smtplib.SMTPServerDisconnected,
        imaplib.IMAP4.abort,
    )
    if isinstance(exc, dropped):
        return (
            f"{where} 断开了连接：可能是服务器维护或限制了连接次数，稍后自动重试；"
            f"一直如此时请检查 {side}_security 和 {side}_port"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "；".join(
            f"{to}（{code} {_short(said)}）" for to, (code, said) in exc.recipients.items()
        )
        return f"发信服务器 {where} 拒绝了收件人 {refused}：请核对单位名录中的 emails"
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        kind = "暂时" if 400 <= code < 500 else ""
        detail = _short(exc.smtp_error)
        return f"发信服务器 {where} {kind}未接受邮件（{code}）：{detail}；请检查 address"
    if isinstance(exc, smtplib.SMTPException | imaplib.IMAP4.error | ImapToolsError):
        return f"{where} 拒绝了请求：{_short(text)}（请检查 {side}_host 是否为本邮箱的服务器）"
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return f"无法与 {where} 通信（{reason}）：请检查本机网络和 {side}_host"
    return (
        f"与 {where} 通信出错（{type(exc).__name__}）：请检查 [mail] 中的 {side}_host、{side}_port"
    )


def _short(text: object) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())[:160]
