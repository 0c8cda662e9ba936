"""What the web page shows and does about mail: the adapter's mail half (see `data`).

Held mail is every mail in state ``held`` (a stranger, a forged envelope, too large, failing
three times: `intake.mail.held`); "resume replies" is `workflow mail --unblock`; replies
waiting are those in state ``pending`` (SMTP down or throttled); a reminder round is
`workflow remind`. Taking in held mail for an agency is `workflow mail --accept` when the
sender may submit for it; for a sender not (yet) in the directory its workbooks go into the
inbox instead (`accept_held_mail`), unless the clerk registers the sender: then the address
is written into config.toml first (`office.registry_edit`) and the mail taken in as from a
registered sender (`_register_and_accept`).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from workflow.config import Config
from workflow.core.errors import ConfigError, MailError
from workflow.core.names import readable_name
from workflow.office.ledger import ledger_path
from workflow.office.mail_ledger import KINDS, STATES, MailRow, MailStore
from workflow.office.mail_ledger import resume_replies as office_resume_replies

__all__ = [
    "MAIL_KINDS",
    "MAIL_STATES",
    "MailView",
    "accept_held_mail",
    "held_mail",
    "mail_rows",
    "mail_view",
    "plan_round",
    "resume_replies",
    "send_round",
]

MAIL_STATES = STATES
"""A mail's handling state, as the clerk reads it (the mail intake's one vocabulary)."""
MAIL_KINDS = KINDS

log = logging.getLogger("workflow.web")


@dataclass(slots=True)
class MailView:
    configured: bool
    held: list[MailRow] = field(default_factory=list)
    blocked: list[tuple[str, str, str]] = field(default_factory=list)
    waiting: list[MailRow] = field(default_factory=list)


def mail_rows(config: Config) -> list[MailRow]:
    path = ledger_path(config)
    if not path.exists():
        return []
    with MailStore(path, readonly=True) as store:
        return store.rows()


def mail_view(config: Config) -> MailView:
    """Held mail, addresses whose bounces stopped our replies, and replies SMTP has not yet
    accepted."""
    view = MailView(configured=config.mail.configured)
    path = ledger_path(config)
    if not path.exists():
        return view
    with MailStore(path, readonly=True) as store:
        rows = store.rows()
        view.blocked = store.blocked()
    view.held = [r for r in rows if r.state == "held"][::-1]
    view.waiting = [r for r in rows if r.state == "pending"]
    return view


def held_mail(config: Config, key: str) -> MailRow | None:
    return next((r for r in mail_rows(config) if r.state == "held" and r.key == key), None)


def resume_replies(config: Config, address: str) -> tuple[bool, str]:
    """Resume automatic replies to a bounced address (`workflow mail --unblock`, journalled in
    the archive as that is, so a rebuilt ledger keeps the address unblocked)."""
    [(done, text)] = office_resume_replies(config, [address])
    return done, text


def accept_held_mail(config: Config, key: str, agency: str, add_address: bool) -> tuple[bool, str]:
    """Take a held mail in for `agency`. A sender that may submit for it (a forged-looking
    envelope the clerk checked, a mail that failed three times): `workflow mail --accept`,
    and a mail pass in the background judges it and replies in its thread. A sender not in
    the directory: its workbooks go into the inbox, where the daemon judges them as any file
    put there by hand (the workbook names its agency; no mail reply is sent for them); with
    `add_address`, the sender is registered first (`_register_and_accept`).
    """
    row = held_mail(config, key)
    target = config.agency(agency)
    if row is None or not row.eml_path:
        return False, "找不到这封待处理的邮件（可能已处理）"
    if target is None:
        return False, f"名录中没有“{agency}”"
    if any(a.name == target.name for a in config.agencies_of(row.sender)):
        return _accept_in_thread(config, row)
    if add_address:
        return _register_and_accept(config, row, target.name)
    return _into_inbox(config, row, target.name)


def _register_and_accept(config: Config, row: MailRow, agency: str) -> tuple[bool, str]:
    """Add the sender to `agency`'s `emails` in config.toml, then take the mail in.

    The running daemon read config.toml when it started and knows nothing of the new address
    until it is restarted; a mail released to its mail pass now would be judged as from a
    stranger (every workbook "another agency's", and that answer mailed to the agency). So
    the mail goes the `mail --accept` way, judged by a pass of this process with the file
    read again, only while no daemon runs on this state folder; with one running, its
    workbooks go into the inbox, which judges them by the agency they name.
    """
    from workflow.config import load_config
    from workflow.intake.folder.state_guard import LOCK_NAME, lock_is_held
    from workflow.office.registry_edit import RegistryEditError, add_agency_email

    try:
        added = add_agency_email(config.source, agency, row.sender)
    except RegistryEditError as exc:
        return False, f"{exc}；这封邮件未处理"
    done = "已登记" if added.added else "已在配置文件中登记，无需再加"
    note = (
        f"{added.address} {done}为“{agency}”的报送邮箱（{added.path}），"
        "重启监视程序后生效，此后该地址发来的邮件自动校验并回复"
    )
    try:
        fresh = load_config(added.path)
    except ConfigError as exc:  # checked before writing; changed by hand since?
        ok, text = _into_inbox(config, row, agency)
        return ok, f"{note}；配置文件重新读取失败（{exc}）；{text}"
    if lock_is_held(config.state / LOCK_NAME):
        ok, text = _into_inbox(fresh, row, agency)
    else:
        ok, text = _accept_in_thread(fresh, row)
    return ok, f"{note}；这封邮件：{text}"


def _accept_in_thread(config: Config, row: MailRow) -> tuple[bool, str]:
    from workflow.core.errors import WorkflowError
    from workflow.intake.mail.held import accept_held

    try:
        line = accept_held(config, row.number)
    except WorkflowError as exc:
        return False, str(exc)
    if config.mail.configured:  # the daemon's next pass would too; this answers sooner
        threading.Thread(target=_one_pass, args=(config,), daemon=True).start()
    return True, f"{line}；回复将在同一邮件往来中发给 {row.sender}"


def _one_pass(config: Config) -> None:
    from workflow.intake.mail.mailpass import run_pass

    try:
        run_pass(config)
    except Exception:  # the daemon's own pass takes it up later; the page stays up
        log.exception("网页接受邮件后的收取未完成，将在下次收取邮件时处理")


def _into_inbox(config: Config, row: MailRow, agency: str) -> tuple[bool, str]:
    from workflow.core.atomic import place_new
    from workflow.intake.mail.message import parse_message

    assert row.eml_path is not None
    try:
        raw = Path(row.eml_path).read_bytes()
    except OSError as exc:
        return False, f"邮件原件无法读取：{exc.strerror or exc}"
    mail = parse_message(raw, unpack_limit=config.mail.max_message_bytes)
    if not mail.workbooks:
        return False, "这封邮件没有工作簿附件，无需处理"
    placed = []
    config.inbox.mkdir(parents=True, exist_ok=True)
    for attachment in mail.workbooks:
        name = Path(readable_name(attachment.name)).name or "附件.xlsx"
        with tempfile.NamedTemporaryFile(dir=config.state, delete=False) as tmp:
            tmp.write(attachment.data)
        try:
            placed.append(place_new(Path(tmp.name), config.inbox / name).name)
        finally:
            Path(tmp.name).unlink(missing_ok=True)
    return True, f"已按“{agency}”的报送放入收件箱：{'、'.join(placed)}；校验结果见该单位页面"


# --- reminders ------------------------------------------------------------------------------


def plan_round(config: Config, year: int) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The dry run: ((agency, address, what) of each mail, lines about agencies that get none)."""
    from workflow.intake.mail.remind import plan_reminders

    reminders, skipped = plan_reminders(config, year, dry_run=True)
    return [(r.agency, r.address, r.what) for r in reminders], skipped


def send_round(config: Config, year: int) -> tuple[bool, list[str]]:
    """Send the reminders (`workflow remind`); (all sent, one line per agency/address)."""
    from workflow.intake.mail.remind import send_reminders

    try:
        config.mail.require()
        config.mail.password()
        return True, send_reminders(config, year)
    except (ConfigError, MailError) as exc:
        return False, [f"未能发送：{exc}"]
