"""The IMAP session: log in, say who we are, find new mail, mark and move it, never delete.

imap-tools makes the connection (ssl / starttls / plain, with our SSL context), logs in and
runs IDLE; the few commands where its helpers do more than we want are sent through its
imaplib client: `MailBox.flag` expunges after every STORE and `MailBox.move` falls back to
COPY + delete + EXPUNGE, and this program never deletes mail. Without MOVE we COPY to the
target folder and leave the original in INBOX carrying our keyword, which is how we skip it.

163 and Coremail-based 政务邮箱 refuse SELECT ("Unsafe Login") from a client that has not
sent the IMAP `ID` command, so `ID` goes right after LOGIN, before any SELECT — when the
server advertises it (RFC 2971): a server that does not know ID answers BAD, which imaplib
raises, and that must not fail the login; a refusal (BAD or NO) is logged and we go on.
Searches carry no CHARSET argument (Alibaba's enterprise mail rejects one).

Our copy of each reply goes into Sent only after the SMTP server accepted it, carrying the
header `X-Workflow-Accepted`: a copy with it is proof the reply went out (after a ledger
rebuild, or a ledger lost with the state folder); a copy without it (written by an earlier
release before SMTP) proves nothing, and the reply is sent again.
"""

from __future__ import annotations

import contextlib
import email
import email.utils
import imaplib
import logging
import re
import ssl
import threading
import time
from datetime import date
from typing import Any

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError
from imap_tools.imap_utf7 import utf7_encode

from workflow import __version__
from workflow.core.errors import MailError
from workflow.core.mail_settings import MailSettings
from workflow.intake.mail.connection_errors import CAUGHT, explain, login_refused

__all__ = ["ACCEPTED_HEADER", "CONNECTION_ERRORS", "NETWORK_ERRORS", "ImapSession", "ssl_context"]

log = logging.getLogger("workflow.mail")
ACCEPTED_HEADER = "X-Workflow-Accepted"

_SENT_NAMES = ("Sent", "已发送", "Sent Messages", "Sent Items", "INBOX.Sent", "INBOX/Sent")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NETWORK_ERRORS = (OSError, ssl.SSLError, imaplib.IMAP4.error, ImapToolsError, EOFError)
CONNECTION_ERRORS = (
    ConnectionError,
    TimeoutError,
    ssl.SSLError,
    imaplib.IMAP4.error,
    ImapToolsError,
    EOFError,
)
"""What a dropped or refusing IMAP connection raises (not a full disk: that is an OSError)."""

# imaplib knows ID only as a command of the state it was first sent in; allow it in all.
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
imaplib.Commands.setdefault("MOVE", ("SELECTED",))


def ssl_context(settings: MailSettings) -> ssl.SSLContext:
    """Verifying context: the system's CAs, or `ca_file` (a 政务邮箱's own CA)."""
    cafile = str(settings.ca_file) if settings.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def _quote(folder: str) -> str:
    encoded = utf7_encode(folder).decode("ascii")
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result: tuple[str, Any], what: str) -> Any:
    typ, data = result
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailError(f"邮件服务器拒绝了 {what}：{detail}")
    return data


class ImapSession:
    """One logged-in connection to the office mailbox; use as a context manager."""

    def __init__(self, settings: MailSettings, password: str) -> None:
        self.settings = settings
        self.capabilities: set[str] = set()
        self.sent_folder = settings.sent_folder
        self.uidvalidity = 0
        self.uidnext: int | None = None
        self.news_from: int | None = None
        """The UIDNEXT INBOX had when the pass searched it: a message with a UID from here on
        arrived after the search, and is news for `idle` however the server announced it."""
        timeout = settings.timeout_seconds
        host, port = settings.imap_host, settings.imap_port
        try:
            if settings.imap_security == "ssl":
                box: Any = MailBox(host, port, timeout=timeout, ssl_context=ssl_context(settings))
            elif settings.imap_security == "starttls":
                box = MailBoxStartTls(
                    host, port, timeout=timeout, ssl_context=ssl_context(settings)
                )
            else:
                box = MailBoxUnencrypted(host, port, timeout=timeout)
        except CAUGHT as exc:
            raise MailError(f"无法连接收信服务器：{explain(exc, 'imap', settings)}") from exc
        self.box = box
        try:
            box.login(settings.user, password, initial_folder=None)
        except CAUGHT as exc:
            self.close()
            refused = isinstance(exc, imaplib.IMAP4.error | ImapToolsError) and not isinstance(
                exc, imaplib.IMAP4.abort
            )
            detail = login_refused("imap") if refused else explain(exc, "imap", settings)
            raise MailError(detail) from exc
        try:
            self._after_login()
        except CAUGHT as exc:
            self.close()
            raise MailError(f"收信服务器出错：{explain(exc, 'imap', settings)}") from exc

    @property
    def client(self) -> imaplib.IMAP4:
        client: imaplib.IMAP4 = self.box.client
        return client

    def _after_login(self) -> None:
        data = _check(self.client.capability(), "CAPABILITY")
        self.capabilities = set(data[0].decode("ascii", "replace").upper().split())
        self.client.capabilities = tuple(sorted(self.capabilities))
        self.commands = ["CAPABILITY"]
        if "ID" in self.capabilities:
            self._send_id()

    def _send_id(self) -> None:
        """Say who we are (before any SELECT); a server that refuses it is served without."""
        fields = f'("name" "gov-report-workflow" "version" "{__version__}" "vendor" "county")'
        self.commands.append("ID")
        try:
            typ, _ = self.client._simple_command("ID", fields)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:  # BAD: imaplib raises it
            log.info("收信服务器不接受 ID 命令（%s），继续", exc)
            return
        if typ != "OK":
            log.info("收信服务器拒绝 ID 命令（%s），继续", typ)

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone: nothing to tidy
            self.box.client.logout()

    # --- folders --------------------------------------------------------------------------------

    def prepare_folders(self) -> None:
        """Create the handled / refused folders when missing; find (or create) Sent."""
        folders = self.box.folder.list()
        names = {f.name for f in folders}
        for name in (self.settings.handled_folder, self.settings.refused_folder):
            if name not in names:
                _check(self.client._simple_command("CREATE", _quote(name)), f"创建文件夹 {name}")
        if not self.sent_folder:
            flagged = [f.name for f in folders if "\\Sent" in f.flags]
            known = [n for n in _SENT_NAMES if n in names]
            self.sent_folder = (flagged or known or ["Sent"])[0]
        if self.sent_folder not in names:
            _check(self.client._simple_command("CREATE", _quote(self.sent_folder)), "创建文件夹")

    def select_inbox(self) -> int:
        """SELECT INBOX (read-write); returns its UIDVALIDITY."""
        _check(self.client.select("INBOX"), "SELECT INBOX")
        self.commands.append("SELECT")
        value = self.client.untagged_responses.get("UIDVALIDITY", [b"0"])[-1]
        self.uidvalidity = int(value if isinstance(value, bytes) else value[0])
        uidnext = self.client.untagged_responses.get("UIDNEXT", [None])[-1]
        self.uidnext = int(uidnext) if isinstance(uidnext, bytes | str) else None
        return self.uidvalidity

    # --- messages -------------------------------------------------------------------------------

    def unhandled(self, since: date) -> list[int]:
        """UIDs in INBOX not carrying our keyword that arrived on or after `since`, oldest
        first (SINCE compares the server's arrival date, not the sender's Date header)."""
        day = f"{since.day}-{_MONTHS[since.month - 1]}-{since.year}"
        self.news_from = self.uidnext  # from the SELECT that began this pass
        search = self.client.uid("SEARCH", "UNKEYWORD", self.settings.keyword, "SINCE", day)
        data = _check(search, "SEARCH")
        return sorted(int(u) for u in (data[0] or b"").split())

    def size(self, uid: int) -> int:
        data = _check(self.client.uid("FETCH", str(uid), "(RFC822.SIZE)"), "FETCH")
        match = re.search(
            rb"RFC822\.SIZE (\d+)", b" ".join(d for d in data if isinstance(d, bytes))
        )
        return int(match.group(1)) if match else 0

    def fetch(self, uid: int, *, headers_only: bool = False) -> bytes | None:
        """The message's bytes (without setting \\Seen); None if it is gone."""
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = _check(self.client.uid("FETCH", str(uid), f"({part})"), "FETCH")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return None

    def mark(self, uid: int) -> None:
        keyword = self.settings.keyword
        _check(self.client.uid("STORE", str(uid), "+FLAGS", f"({keyword})"), "STORE")

    def move(self, uid: int, folder: str) -> None:
        """MOVE where offered; else COPY (the original keeps our keyword in INBOX)."""
        if "MOVE" in self.capabilities:
            _check(self.client.uid("MOVE", str(uid), _quote(folder)), f"MOVE 到 {folder}")
        else:
            _check(self.client.uid("COPY", str(uid), _quote(folder)), f"COPY 到 {folder}")

    def append_sent(self, raw: bytes, kind: str) -> None:
        """File our copy of a message the SMTP server accepted (`kind`: reply / note / remind)
        in Sent, marked as accepted."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        marked = f"{ACCEPTED_HEADER}: {kind}; {stamp}\r\n".encode("ascii") + raw
        date = imaplib.Time2Internaldate(time.time())
        result = self.client.append(_quote(self.sent_folder), "(\\Seen)", date, marked)
        _check(result, f"APPEND 到 {self.sent_folder}")

    def accepted_in_sent(self, message_id: str) -> bool:
        """Whether Sent holds our copy of this message marked as accepted by SMTP."""
        _check(self.client.select(_quote(self.sent_folder), readonly=True), "SELECT Sent")
        try:
            search = self.client.uid(
                "SEARCH", "HEADER", "Message-ID", f'"{message_id}"', "HEADER", ACCEPTED_HEADER, '""'
            )
            return bool((_check(search, "SEARCH")[0] or b"").split())
        finally:
            self.select_inbox()

    def accepted_copies(self) -> list[tuple[str, str, str]]:
        """(Message-ID, To, kind) of every accepted copy in Sent (after a ledger rebuild)."""
        _check(self.client.select(_quote(self.sent_folder), readonly=True), "SELECT Sent")
        found: list[tuple[str, str, str]] = []
        try:
            search = self.client.uid("SEARCH", "HEADER", ACCEPTED_HEADER, '""')
            uids = (_check(search, "SEARCH")[0] or b"").split()
            for start in range(0, len(uids), 200):
                chunk = b",".join(uids[start : start + 200]).decode("ascii")
                fields = f"(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID TO {ACCEPTED_HEADER})])"
                for item in _check(self.client.uid("FETCH", chunk, fields), "FETCH"):
                    if isinstance(item, tuple) and len(item) == 2:
                        head = email.message_from_bytes(bytes(item[1]))
                        kind = str(head.get(ACCEPTED_HEADER, "reply")).split(";")[0].strip()
                        mid = "".join(str(head.get("Message-ID", "")).split())
                        to = email.utils.parseaddr(str(head.get("To", "")))[1].lower()
                        if mid:
                            found.append((mid, to, kind or "reply"))
        finally:
            self.select_inbox()
        return found

    # --- waiting --------------------------------------------------------------------------------

    def _arrived_since_search(self) -> bool:
        if self.news_from is None:
            return False
        found = _check(self.client.uid("SEARCH", "UID", f"{self.news_from}:*"), "SEARCH")
        # "n:*" also matches the last message when every UID is below n (RFC 3501)
        return any(int(u) >= self.news_from for u in (found[0] or b"").split())

    @property
    def can_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def idle(self, seconds: float, stop: threading.Event) -> bool:
        """Wait in IDLE up to `seconds` (or until `stop`); True when the server told of news."""
        deadline = time.monotonic() + min(seconds, 25 * 60)
        news: list[bytes] = []
        try:
            for key in ("EXISTS", "RECENT"):
                self.client.untagged_responses.pop(key, None)
            # Mail that came after the pass's search may have been announced in answer to one
            # of its later commands (a FETCH, the SELECT back from Sent), so it is looked for by
            # UID; what comes from here on is announced by the server.
            if self._arrived_since_search():
                return True
            self.box.idle.start()
            # Mail that came during that look is announced as IDLE starts, before "+ idling".
            if "EXISTS" in self.client.untagged_responses:
                news = [b"EXISTS"]
            while not news and not stop.is_set() and time.monotonic() < deadline:
                news = self.box.idle.poll(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            self.box.idle.stop()
        except (TimeoutError, *NETWORK_ERRORS) as exc:
            raise MailError(f"IDLE 出错：{exc}") from exc
        return bool(news)
