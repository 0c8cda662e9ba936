"""The `[web]` section of config.toml -> a frozen `WebSettings`, checked with Chinese messages.

Decisions written down here:
- the page listens on 127.0.0.1:8080 unless `listen` says otherwise: a clerk who wants it on
  the office network writes `listen = "0.0.0.0:8080"` (or a desk-facing address) on purpose;
- the users file (names and argon2 hashes, never a password) lives under the state folder by
  default (`state/web-users.json`), where the ledger is, and is resolved like every path of the
  config: relative to the config file's folder;
- sessions last `session_hours` (8: one working day) from the login, then the clerk logs in
  again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.core.errors import ConfigError

__all__ = ["DEFAULT_LISTEN", "USERS_FILE_NAME", "WebSettings", "parse_listen", "parse_web"]

DEFAULT_LISTEN = "127.0.0.1:8080"
USERS_FILE_NAME = "web-users.json"
_LISTEN = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})")
_KEYS = ("enabled", "listen", "users_file", "session_hours")


@dataclass(frozen=True, slots=True)
class WebSettings:
    enabled: bool = False
    listen: str = DEFAULT_LISTEN
    users_file: Path | None = None
    """None: `<state>/web-users.json` (the Config knows the state folder)."""
    session_hours: float = 8.0


def parse_listen(text: str, where: str = "web.listen") -> tuple[str, int]:
    """'HOST:PORT' (an IPv6 host in brackets) -> (host, port); ConfigError in Chinese."""
    match = _LISTEN.fullmatch(text.strip()) if isinstance(text, str) else None
    port = int(match["port"]) if match else 0
    if match is None or not 1 <= port <= 65535:
        raise ConfigError(
            f"{where} 应写成“地址:端口”，如 127.0.0.1:8080 或 0.0.0.0:8080，实际为 {text!r}"
        )
    return match["host"].strip("[]"), port


def parse_web(data: dict[str, Any], base: Path) -> WebSettings:
    """Check `[web]` (a relative `users_file` resolves against `base`, the config's folder)."""
    table = data.get("web", {})
    if not isinstance(table, dict):
        raise ConfigError("配置项 [web] 应为一个表（table）")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError("配置项 [web] 中有不认识的键：" + "、".join(unknown))
    enabled = table.get("enabled", False)
    if not isinstance(enabled, bool):
        raise ConfigError(f"配置项 web.enabled 应为 true 或 false，实际为 {enabled!r}")
    listen = table.get("listen", DEFAULT_LISTEN)
    parse_listen(listen)
    users = table.get("users_file")
    users_file = None
    if users is not None:
        if not isinstance(users, str) or not users.strip():
            raise ConfigError(f"配置项 web.users_file 应为路径字符串，实际为 {users!r}")
        path = Path(users).expanduser()
        users_file = (path if path.is_absolute() else base / path).resolve()
    hours = table.get("session_hours", 8)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 30:
        raise ConfigError(f"配置项 web.session_hours 应为 0 到 720 之间的小时数，实际为 {hours!r}")
    return WebSettings(
        enabled=enabled, listen=listen.strip(), users_file=users_file, session_hours=float(hours)
    )
