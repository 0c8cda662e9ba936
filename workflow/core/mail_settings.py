"""The `[mail]` section of config.toml -> a frozen `MailSettings`, checked with Chinese messages.

Decisions written down here:
- the password (the mailbox's 授权码) is never in config.toml: `password_file` names a file
  holding it, or `WORKFLOW_MAIL_PASSWORD` is set in the environment (the environment wins);
  it is read when a connection is made, so a config without it still loads for other commands;
- `ssl` and `starttls` always verify the server's certificate, against the system's CAs or
  `ca_file` (a 政务邮箱 with its own CA); there is no key that turns verification off;
- `plain` (no TLS) is accepted only for a loopback host: a password never crosses a network
  in clear text;
- `poll_seconds` defaults to 180 because 163 and QQ throttle fast reconnects; where the server
  advertises IDLE a new mail is seen at once anyway;
- `authserv_id` names the office's own receiving server as it signs `Authentication-Results`
  (e.g. `mx.county.gov.cn`); only that server's verdicts are believed (`intake.mail.trust`).
  Empty: no header is believed to say "pass", but any "fail" still holds the mail;
- `display_name` (e.g. 某某县政务公开办) is the name our replies carry in From, so that an
  agency sees who answered, not a bare address.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import formataddr
from pathlib import Path
from typing import Any

from workflow.core.errors import ConfigError

__all__ = ["SECURITY", "MailSettings", "is_address", "parse_mail"]

SECURITY = ("ssl", "starttls", "plain")
PASSWORD_ENV = "WORKFLOW_MAIL_PASSWORD"
_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "plain": 143},
    "smtp": {"ssl": 465, "starttls": 587, "plain": 25},
}
_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+")


def is_address(text: str) -> bool:
    return bool(_ADDRESS.fullmatch(text))


@dataclass(frozen=True, slots=True)
class MailSettings:
    enabled: bool = False
    address: str = ""
    user: str = ""
    password_file: Path | None = None
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: str = "ssl"
    ca_file: Path | None = None
    poll_seconds: float = 180.0
    handled_folder: str = "已处理"
    refused_folder: str = "待人工处理"
    sent_folder: str = ""
    keyword: str = "$WorkflowHandled"
    max_message_mb: float = 30.0
    max_replies_per_hour: int = 20
    timeout_seconds: float = 60.0
    since: date | None = None
    authserv_id: str = ""
    display_name: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.address and self.imap_host and self.smtp_host)

    def require(self) -> None:
        """Raise a ConfigError naming what is missing to connect at all."""
        missing = [k for k in ("address", "imap_host", "smtp_host") if not getattr(self, k)]
        if missing:
            raise ConfigError("配置项 [mail] 缺少 " + "、".join(missing) + "，无法收发邮件")

    def password(self) -> str:
        """The 授权码: from WORKFLOW_MAIL_PASSWORD, else from `password_file`."""
        env = os.environ.get(PASSWORD_ENV)
        if env:
            return env
        if self.password_file is None:
            raise ConfigError(
                f"未设置邮箱授权码：请在 [mail] password_file 指定保存授权码的文件，"
                f"或设置环境变量 {PASSWORD_ENV}"
            )
        try:
            text = self.password_file.read_text("utf-8-sig").strip()
        except OSError as exc:
            raise ConfigError(
                f"无法读取授权码文件 {self.password_file}：{exc.strerror or exc}"
            ) from exc
        if not text:
            raise ConfigError(f"授权码文件 {self.password_file} 是空的")
        return text

    @property
    def from_header(self) -> str:
        """Our From: `display_name` RFC 2047-encoded before the address, or the bare address."""
        if not self.display_name:
            return self.address
        return formataddr((self.display_name, self.address), charset="utf-8")

    @property
    def max_message_bytes(self) -> int:
        return int(self.max_message_mb * 1024 * 1024)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(table: dict[str, Any], key: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"配置项 mail.{key} 应为字符串，实际为 {value!r}")
    return value.strip()


def _positive(table: dict[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"配置项 mail.{key} 应为正数，实际为 {value!r}")
    return float(value)


def _path(table: dict[str, Any], key: str, base: Path) -> Path | None:
    value = _text(table, key)
    if not value:
        return None
    p = Path(value).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def _endpoint(table: dict[str, Any], kind: str) -> tuple[str, int, str]:
    host = _text(table, f"{kind}_host")
    security = _text(table, f"{kind}_security", "ssl").lower()
    if security not in SECURITY:
        raise ConfigError(
            f"配置项 mail.{kind}_security 应为 ssl、starttls 或 plain，实际为 {security!r}"
        )
    if security == "plain" and host and not _is_loopback(host):
        raise ConfigError(
            f'配置项 mail.{kind}_security = "plain" 只允许用于本机地址（127.0.0.1），'
            f"{host} 请改用 ssl 或 starttls，以免授权码明文传输"
        )
    port = table.get(f"{kind}_port", _PORTS[kind][security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"配置项 mail.{kind}_port 应为 1–65535 的整数，实际为 {port!r}")
    return host, port, security


def _since(table: dict[str, Any]) -> date | None:
    value = table.get("since")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"配置项 mail.since 应为日期，如 2022-01-01，实际为 {value!r}") from None


def _display_name(table: dict[str, Any]) -> str:
    name = _text(table, "display_name")
    if any(c in name for c in '<>"\r\n@'):
        raise ConfigError(
            "配置项 mail.display_name 只写名称（如 某某县政务公开办），"
            f"不要包含邮箱地址或引号：{name!r}"
        )
    return name


def parse_mail(data: dict[str, Any], base: Path) -> MailSettings:
    """Check `[mail]` (paths resolve against `base`, the config file's folder)."""
    table = data.get("mail", {})
    if not isinstance(table, dict):
        raise ConfigError("配置项 [mail] 应为一个表（table）")
    known = set(MailSettings.__slots__) - {"keyword"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError("配置项 [mail] 中有不认识的键：" + "、".join(unknown))
    enabled = table.get("enabled", False)
    if not isinstance(enabled, bool):
        raise ConfigError(f"配置项 mail.enabled 应为 true 或 false，实际为 {enabled!r}")
    address = _text(table, "address").lower()
    if address and not is_address(address):
        raise ConfigError(f"配置项 mail.address 不是有效的邮箱地址：{address!r}")
    imap_host, imap_port, imap_security = _endpoint(table, "imap")
    smtp_host, smtp_port, smtp_security = _endpoint(table, "smtp")
    ca_file = _path(table, "ca_file", base)
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"配置项 mail.ca_file 指定的证书文件不存在：{ca_file}")
    folders = {}
    for key, default in (("handled_folder", "已处理"), ("refused_folder", "待人工处理")):
        folders[key] = _text(table, key, default)
        if not folders[key] or folders[key].upper() == "INBOX":
            raise ConfigError(f"配置项 mail.{key} 应为收件箱以外的文件夹名称")
    rate = table.get("max_replies_per_hour", 20)
    if isinstance(rate, bool) or not isinstance(rate, int) or rate < 1:
        raise ConfigError(f"配置项 mail.max_replies_per_hour 应为正整数，实际为 {rate!r}")
    settings = MailSettings(
        enabled=enabled,
        address=address,
        user=_text(table, "user") or address,
        password_file=_path(table, "password_file", base),
        imap_host=imap_host,
        imap_port=imap_port,
        imap_security=imap_security,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_security=smtp_security,
        ca_file=ca_file,
        poll_seconds=_positive(table, "poll_seconds", 180.0),
        handled_folder=folders["handled_folder"],
        refused_folder=folders["refused_folder"],
        sent_folder=_text(table, "sent_folder"),
        max_message_mb=_positive(table, "max_message_mb", 30.0),
        max_replies_per_hour=rate,
        timeout_seconds=_positive(table, "timeout_seconds", 60.0),
        since=_since(table),
        authserv_id=_text(table, "authserv_id").lower(),
        display_name=_display_name(table),
    )
    if enabled:
        settings.require()
    return settings


def parse_emails(entry: dict[str, Any], index: int) -> tuple[str, ...]:
    """`[[agencies]] emails = [...]`: the addresses that may submit for that agency."""
    value = entry.get("emails", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"第 {index} 个 [[agencies]] 的 emails 应为邮箱地址的列表")
    emails = []
    for raw in value:
        address = raw.strip().lower()
        if not is_address(address):
            raise ConfigError(f"第 {index} 个 [[agencies]] 的 emails 中有无效地址：{raw!r}")
        emails.append(address)
    return tuple(dict.fromkeys(emails))
