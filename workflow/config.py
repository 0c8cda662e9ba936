"""config.toml -> a frozen `Config`.

Relative paths resolve against the folder of the file they are written in, so the same file
works wherever the daemon is started from. When no file is given and ./config.toml does not
exist, the copy shipped inside the package (identical to the repository's config.toml) is used
with paths resolved against the current folder.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from workflow.core.cell_values import FEE_DECIMALS
from workflow.core.errors import ConfigError
from workflow.core.mail_settings import MailSettings, parse_emails, parse_mail
from workflow.core.web_settings import USERS_FILE_NAME, WebSettings, parse_web

__all__ = ["Agency", "Config", "WatchSettings", "builtin_report_template", "load_config"]

DEFAULT_NAME = "config.toml"


@dataclass(frozen=True, slots=True)
class Agency:
    name: str
    code: str = ""
    kind: str = ""
    emails: tuple[str, ...] = ()  # the addresses that may submit for it by mail


@dataclass(frozen=True, slots=True)
class WatchSettings:
    polling: bool = False
    settle_seconds: float = 0.2
    give_up_seconds: float = 10.0
    scan_interval: float = 1.0
    workers: int = 2
    stop_seconds: float = 20.0
    """On SIGTERM, how long to let the files in hand finish before ending stuck workers."""
    file_seconds: float = 60.0
    """How long one file may take in a worker before it is given up as `file.oversized` (with
    one worker, the file is stopped inside the daemon: see `intake.folder.runners`)."""
    file_xml_mb: float = 10.0
    """Cap on a workbook's unpacked XML, in MB (see `workbook.sniff.MAX_XML_BYTES`); every
    way in (inbox, mail, `check`, `process`) refuses a file over it as `file.oversized`."""

    @property
    def max_xml_bytes(self) -> int:
        return int(self.file_xml_mb * (1 << 20))


@dataclass(frozen=True, slots=True)
class Config:
    inbox: Path
    outbox: Path
    archive: Path
    state: Path
    report_template: Path
    pdf: bool = False
    watch: WatchSettings = field(default_factory=WatchSettings)
    fee_yuan_threshold: float = 10000.0
    fee_decimals: int = FEE_DECIMALS
    """Most places after the point a 收费金额 (万元) may have; more is an error."""
    agencies: tuple[Agency, ...] = ()
    source: Path | None = None
    mail: MailSettings = field(default_factory=MailSettings)
    ledger_lock_seconds: float = 30.0
    """`[ledger] lock_seconds`: how long a writer waits for another program's lock on the
    ledger before it gives up and says so (`workflow process` then exits 1)."""
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def web_users_file(self) -> Path:
        """The web page's users file: `[web] users_file`, or `<state>/web-users.json`."""
        return self.web.users_file or self.state / USERS_FILE_NAME

    def agency(self, name: str) -> Agency | None:
        return next((a for a in self.agencies if a.name == name), None)

    def agencies_of(self, address: str) -> tuple[Agency, ...]:
        """The agencies `address` may submit for (none: an unknown sender)."""
        address = address.strip().lower()
        return tuple(a for a in self.agencies if address in a.emails)


def builtin_report_template() -> Path:
    return Path(str(resources.files("workflow") / "data" / "report.docx"))


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"配置项 [{name}] 应为一个表（table）")
    return value


def _number(table: dict[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"配置项 {where}.{key} 应为非负数，实际为 {value!r}")
    return float(value)


def _positive(table: dict[str, Any], key: str, default: float, where: str) -> float:
    value = _number(table, key, default, where)
    if value == 0:
        raise ConfigError(f"配置项 {where}.{key} 应为正数，实际为 0")
    return value


def _places(table: dict[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 9:
        raise ConfigError(f"配置项 {where}.{key} 应为 0 到 9 的整数，实际为 {value!r}")
    return value


def _bool(table: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"配置项 {where}.{key} 应为 true 或 false，实际为 {value!r}")
    return value


def parse_config(data: dict[str, Any], base: Path, source: Path | None = None) -> Config:
    paths = _table(data, "paths")

    def path(key: str, default: str) -> Path:
        value = paths.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"配置项 paths.{key} 应为路径字符串，实际为 {value!r}")
        p = Path(value).expanduser()
        return (p if p.is_absolute() else base / p).resolve()

    templates = _table(data, "templates")
    report_value = templates.get("report")
    if report_value is None:
        report_template = builtin_report_template()
    else:
        if not isinstance(report_value, str):
            raise ConfigError(f"配置项 templates.report 应为路径字符串，实际为 {report_value!r}")
        p = Path(report_value).expanduser()
        report_template = (p if p.is_absolute() else base / p).resolve()
        if source is None and not report_template.exists():
            # The embedded default names the repository's template; outside a checkout the
            # packaged copy of the same file stands in for it.
            report_template = builtin_report_template()

    watch = _table(data, "watch")
    workers = watch.get("workers", 2)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"配置项 watch.workers 应为正整数，实际为 {workers!r}")
    settings = WatchSettings(
        polling=_bool(watch, "polling", False, "watch"),
        settle_seconds=_number(watch, "settle_seconds", 0.2, "watch"),
        give_up_seconds=_number(watch, "give_up_seconds", 10.0, "watch"),
        scan_interval=max(0.05, _number(watch, "scan_interval", 1.0, "watch")),
        workers=workers,
        stop_seconds=_number(watch, "stop_seconds", 20.0, "watch"),
        file_seconds=_positive(watch, "file_seconds", 60.0, "watch"),
        file_xml_mb=_positive(watch, "file_xml_mb", 10.0, "watch"),
    )

    agencies = []
    raw_agencies = data.get("agencies", [])
    if not isinstance(raw_agencies, list):
        raise ConfigError("配置项 [[agencies]] 应为表的数组")
    for i, entry in enumerate(raw_agencies, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"第 {i} 个 [[agencies]] 缺少 name（单位名称）")
        agencies.append(
            Agency(
                name=entry["name"].strip(),
                code=str(entry.get("code", "")),
                kind=str(entry.get("kind", "")),
                emails=parse_emails(entry, i),
            )
        )

    return Config(
        inbox=path("inbox", "inbox"),
        outbox=path("outbox", "outbox"),
        archive=path("archive", "archive"),
        state=path("state", "state"),
        report_template=report_template,
        pdf=_bool(_table(data, "report"), "pdf", False, "report"),
        watch=settings,
        fee_yuan_threshold=_number(_table(data, "checks"), "fee_yuan_threshold", 10000.0, "checks"),
        fee_decimals=_places(_table(data, "checks"), "fee_decimals", FEE_DECIMALS, "checks"),
        agencies=tuple(agencies),
        source=source,
        mail=parse_mail(data, base),
        web=parse_web(data, base),
        ledger_lock_seconds=_number(_table(data, "ledger"), "lock_seconds", 30.0, "ledger"),
    )


def load_config(path: Path | str | None = None) -> Config:
    """Load `path`, or ./config.toml, or the embedded default."""
    if path is None:
        candidate = Path(DEFAULT_NAME)
        if candidate.is_file():
            path = candidate
        else:
            text = (resources.files("workflow") / "data" / DEFAULT_NAME).read_text("utf-8")
            return parse_config(tomllib.loads(text), Path.cwd().resolve())
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError(f"找不到配置文件：{path}") from exc
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 格式错误：{exc}") from exc
    return parse_config(data, path.resolve().parent, source=path.resolve())
