"""Register one more address in an agency's `emails`, in the office's config.toml itself.

Why here, and why like this: the directory of agencies (`[[agencies]]`, with the addresses
that may submit for each) lives in config.toml, the file the office keeps, comments and all;
the daemon reads it once, at start. The web page's "process this held mail for agency X and
register the sender" therefore edits that file, and only that: the new address counts for
new mail once the daemon is restarted.

The edit keeps the clerk's file as written (tomlkit: comments, order, spacing and line endings
stay; only the one `emails` array changes, or one `emails = [...]` line is added after the
agency's last key), is checked before it is written (the new text must load as a config), and
is written atomically (`core.atomic`: a temp file beside it, fsync, rename; the file's mode is
kept), so the daemon never reads half a file. It is refused, with the file untouched, when
there is no file to edit (the embedded default, or the copy inside the package), when the
address is not an e-mail address, and when the address is registered to any agency already
(to another one: the message names it; a mail answered for the wrong agency is worse than one
held for the clerk).
"""

from __future__ import annotations

import os
import stat
import threading
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, Comment, Table, Whitespace

from workflow.config import DEFAULT_NAME, parse_config
from workflow.core.atomic import atomic_path
from workflow.core.errors import ConfigError, WorkflowError
from workflow.core.mail_settings import is_address
from workflow.core.oserrors import output_problem

__all__ = ["AddedAddress", "RegistryEditError", "add_agency_email"]

_BOM = b"\xef\xbb\xbf"
_LOCK = threading.Lock()
"""One edit at a time in this process (the page serves several requests at once)."""


class RegistryEditError(WorkflowError):
    """The address was not registered; the message (Chinese) says why. The file is untouched."""


@dataclass(frozen=True, slots=True)
class AddedAddress:
    agency: str
    address: str
    path: Path
    added: bool
    """False: the agency had it already (nothing written)."""


def _packaged() -> Path:
    return Path(str(resources.files("workflow") / "data" / DEFAULT_NAME)).resolve()


def _emails_of(entry: Any) -> list[str]:
    value = entry.get("emails", [])
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(v).strip().lower() for v in values]


def _entries(doc: tomlkit.TOMLDocument, path: Path) -> list[Any]:
    agencies = doc.get("agencies")
    if not isinstance(agencies, AoT | Array | list):
        raise RegistryEditError(f"配置文件 {path} 中没有单位名录（[[agencies]]）")
    return [e for e in agencies if isinstance(e, dict)]


def _add_to(entry: Any, address: str) -> None:
    """Append `address` to the entry's `emails`, or give the entry an `emails` line right
    after its last key (not after the blank lines and comments that lead to the next table)."""
    current = entry.get("emails")
    if isinstance(current, Array):
        current.append(address)
        return
    new = tomlkit.array()
    new.extend([*([str(current)] if isinstance(current, str) else []), address])
    if current is not None:
        entry["emails"] = new
        return
    if not isinstance(entry, Table):  # an inline table: its one line
        entry["emails"] = new
        return
    body = entry.value.body
    at = len(body)
    while at and body[at - 1][0] is None and isinstance(body[at - 1][1], Whitespace | Comment):
        at -= 1
    if at == len(body):
        entry.append("emails", new)
    else:
        entry.value._insert_at(at, "emails", new)


def _read(path: Path) -> tuple[bytes, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegistryEditError(f"无法读取配置文件 {path}：{exc.strerror or exc}") from exc
    try:
        return raw, raw.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegistryEditError(f"配置文件 {path} 不是 UTF-8 文本，未改动") from exc


def _line_endings_kept(old: str, new: str) -> str:
    """tomlkit writes the lines it adds with LF; a file written with CRLF keeps CRLF."""
    if "\r\n" in old and "\n" not in old.replace("\r\n", ""):
        return new.replace("\r\n", "\n").replace("\n", "\r\n")
    return new


def add_agency_email(source: Path | None, agency: str, address: str) -> AddedAddress:
    """Add `address` to `agency`'s `emails` in the config file `source` (a config's
    `source`). RegistryEditError (Chinese) when it cannot or may not be added."""
    address = address.strip().lower()
    if source is None or Path(source).resolve() == _packaged():
        raise RegistryEditError(
            "网页正在使用程序内置的默认配置，没有可以登记邮箱的配置文件：请用配置文件启动"
            "（workflow web --config config.toml 或 workflow watch --config config.toml）"
        )
    if not is_address(address):
        raise RegistryEditError(f"“{address or '（空）'}”不是有效的邮箱地址，未登记")
    path = Path(source)
    with _LOCK:
        raw, text = _read(path)
        try:
            doc = tomlkit.parse(text)
        except tomlkit.exceptions.TOMLKitError as exc:
            raise RegistryEditError(f"配置文件 {path} 格式错误，未改动：{exc}") from exc
        entries = _entries(doc, path)
        target = next((e for e in entries if str(e.get("name", "")).strip() == agency), None)
        if target is None:
            raise RegistryEditError(f"配置文件 {path} 的名录中没有“{agency}”")
        for entry in entries:
            if address in _emails_of(entry):
                if entry is target:
                    return AddedAddress(agency, address, path, added=False)
                other = str(entry.get("name", "")).strip()
                raise RegistryEditError(
                    f"{address} 已登记为“{other}”的报送邮箱，未登记给“{agency}”："
                    f"如确已改由“{agency}”使用，请先在配置文件中从“{other}”的 emails 中删去"
                )
        _add_to(target, address)
        new = _line_endings_kept(text, tomlkit.dumps(doc))
        try:
            parse_config(tomllib.loads(new), path.parent, source=path)
        except (tomllib.TOMLDecodeError, ConfigError) as exc:  # never write what cannot load
            raise RegistryEditError(f"登记后的配置文件无法读取，未改动：{exc}") from exc
        _write(path, (_BOM if raw.startswith(_BOM) else b"") + new.encode("utf-8"))
    return AddedAddress(agency, address, path, added=True)


def _write(path: Path, data: bytes) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
            os.chmod(tmp, mode)
    except OSError as exc:
        raise RegistryEditError(
            f"未能写入配置文件（{output_problem(exc)}），原文件未改动，邮箱未登记"
        ) from exc
