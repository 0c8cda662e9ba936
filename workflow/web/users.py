"""The web page's users: names and argon2 hashes in one JSON file under the state folder.

`workflow web-user add NAME --password-stdin` / `remove NAME` / `list` manage it; the page only
reads it (`verify`). No password is ever stored or logged, only its argon2id hash (argon2-cffi's
defaults: slow and salted by design, so a copied file does not give the passwords away). The
file is written atomically and readable by its owner only (0600).

A wrong name and a wrong password take the same time (a dummy hash is checked for an unknown
name) and give the same answer, so the login form does not tell which names exist.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workflow.core.atomic import atomic_path
from workflow.core.errors import ConfigError

__all__ = ["MIN_PASSWORD", "UserFile", "WebUser", "valid_name"]

MIN_PASSWORD = 8
_NAME = re.compile(r"[\w.@-]{1,64}")
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anybody")


@dataclass(frozen=True, slots=True)
class WebUser:
    name: str
    created: str


def valid_name(name: str) -> bool:
    """Letters (Chinese too), digits, '.', '@', '_', '-'; 1 to 64 characters."""
    return bool(_NAME.fullmatch(name))


class UserFile:
    """The users file at `path` (it need not exist: then there is nobody)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"网页用户文件“{self.path}”无法读取：{exc}") from exc
        users = data.get("users") if isinstance(data, dict) else None
        if not isinstance(users, dict):
            raise ConfigError(f"网页用户文件“{self.path}”格式不对（缺少 users）")
        return users

    def _save(self, users: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"users": users}, ensure_ascii=False, indent=2, sort_keys=True)
        with atomic_path(self.path) as tmp:
            tmp.write_text(text + "\n", "utf-8")
            os.chmod(tmp, 0o600)

    def users(self) -> list[WebUser]:
        return [
            WebUser(name, entry.get("created", "")) for name, entry in sorted(self._load().items())
        ]

    def add(self, name: str, password: str) -> bool:
        """Add `name` (or set a new password if it exists); True if the name is new."""
        if not valid_name(name):
            raise ConfigError(f"用户名“{name}”不可用：只能用文字、数字和 . @ _ -，最多 64 个字符")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
        users = self._load()
        new = name not in users
        created = users.get(name, {}).get("created") or datetime.now().astimezone().isoformat(
            timespec="seconds"
        )
        users[name] = {"hash": _HASHER.hash(password), "created": created}
        self._save(users)
        return new

    def remove(self, name: str) -> bool:
        users = self._load()
        if users.pop(name, None) is None:
            return False
        self._save(users)
        return True

    def verify(self, name: str, password: str) -> bool:
        """True only for a known name with its password; the same work either way."""
        entry = self._load().get(name) if valid_name(name) else None
        stored = entry.get("hash", _DUMMY) if entry else _DUMMY
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        return entry is not None
