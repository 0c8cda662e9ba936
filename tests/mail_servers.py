"""Real mail servers for the tests, on 127.0.0.1: Dovecot (IMAP) and aiosmtpd (SMTP capture).

Dovecot runs rootless from a config in a temporary folder (as `nobody` when the tests run as
root: Dovecot refuses to run its login process as root), on free ports; it is stopped by its
PID. `SmtpCapture` keeps every message we send, and can hand each one to a callback (a test
kills the sender there). The fixtures skip with the reason only when Dovecot is not installed
(`.ci/run` installs it).
"""

from __future__ import annotations

import email
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
OFFICE = "office@county.test"
OFFICE_PASSWORD = "office-pass"
AGENCY = "a1@county.test"
NO_IDLE_NO_MOVE = "IMAP4rev1 ID LITERAL+ UIDPLUS SPECIAL-USE"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (our own CA of one): (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


_CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
instance_name = test-imap-{port}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
{imaps_ssl}
  }}
}}
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
imap_id_log = *
{capability}
"""


@dataclass
class Dovecot:
    """One Dovecot instance; `port` is plain IMAP, `tls_port` IMAPS when started with TLS."""

    folder: Path
    port: int = 0
    tls_port: int = 0
    cert: Path | None = None
    users: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def start(self, *, capability: str | None = None, tls: bool = False) -> Dovecot:
        d = self.folder
        self.users = {OFFICE: OFFICE_PASSWORD, AGENCY: "x"}
        (d / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::{d}/mail/{u}\n" for u, p in self.users.items()),
            "ascii",
        )
        self.port, self.tls_port = free_port(), free_port()
        if tls:
            self.cert, key = make_certificate(d)
            ssl = f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{key}"
        else:
            ssl = "ssl = no"
        user = "nobody" if self.as_root else pwd.getpwuid(os.getuid()).pw_name
        group = "nogroup" if self.as_root else _group_name()
        (d / "dovecot.conf").write_text(
            _CONF.format(
                d=d, port=self.port, tls_port=self.tls_port if tls else 0, user=user,
                group=group, ssl=ssl, imaps_ssl="    ssl = yes" if tls else "",
                capability=f"imap_capability = {capability}" if capability else "",
            ),
            "ascii",
        )  # fmt: skip
        if self.as_root:
            subprocess.run(["chown", "-R", "nobody:nogroup", str(d)], check=True)
        self.process = subprocess.Popen(
            [*self._runas(), DOVECOT, "-F", "-c", str(d / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            wait_port(self.port)
            if tls:
                wait_port(self.tls_port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"Dovecot did not start: {self.log()}") from None
        return self

    def _runas(self) -> list[str]:
        return ["runuser", "-u", "nobody", "--"] if self.as_root else []

    def stop(self, *, wait: bool = True) -> None:
        """SIGTERM by PID; Dovecot takes ~2 s to exit, so tests reap it at the session's end."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            if not wait:
                return
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def doveadm(self, *args: str) -> str:
        out = subprocess.run(
            [*self._runas(), DOVEADM, "-c", str(self.folder / "dovecot.conf"), *args],
            check=True, capture_output=True,
        )  # fmt: skip
        return out.stdout.decode("utf-8", "replace")

    def client(self, user: str = OFFICE) -> ImapPeek:
        return ImapPeek(self.port, user, self.users[user])

    def deliver(
        self, raw: bytes, user: str = OFFICE, folder: str = "INBOX", *, arrived: float | None = None
    ) -> None:
        """Put a message into `user`'s mailbox by IMAP APPEND, as delivery would (`arrived`:
        the server's arrival time, as a Unix timestamp; default now)."""
        with self.client(user) as c:
            c.append(raw, folder, arrived)

    def set_uidvalidity(self, value: int, user: str = OFFICE, folder: str = "INBOX") -> None:
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)


def _group_name() -> str:
    import grp

    return grp.getgrgid(os.getgid()).gr_name


class ImapPeek:
    """A plain imaplib client for the test's own look at a mailbox (not the code under test)."""

    def __init__(self, port: int, user: str, password: str) -> None:
        import imaplib

        self.imap = imaplib.IMAP4("127.0.0.1", port)
        self.imap.login(user, password)

    def __enter__(self) -> ImapPeek:
        return self

    def __exit__(self, *exc: object) -> None:
        self.imap.logout()

    def append(self, raw: bytes, folder: str = "INBOX", arrived: float | None = None) -> None:
        import imaplib

        from imap_tools.imap_utf7 import utf7_encode

        when = imaplib.Time2Internaldate(arrived) if arrived is not None else None
        typ, data = self.imap.append(_quote(utf7_encode(folder)), None, when, raw)
        assert typ == "OK", data

    def messages(self, folder: str = "INBOX") -> list[tuple[set[str], Message]]:
        """(flags, message) of every message in `folder`, in UID order; empty if no folder."""
        from imap_tools.imap_utf7 import utf7_encode

        typ, _ = self.imap.select(_quote(utf7_encode(folder)), readonly=True)
        if typ != "OK":
            return []
        typ, data = self.imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        found = []
        for item in data:
            if isinstance(item, tuple):
                import imaplib

                flags = {f.decode() for f in imaplib.ParseFlags(item[0])}
                found.append((flags, email.message_from_bytes(item[1])))
        self.imap.close()
        return found


def _quote(name: bytes | str) -> str:
    text = name.decode("ascii") if isinstance(name, bytes) else name
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.raw)


class SmtpCapture:
    """aiosmtpd on a free port keeping what it receives; `on_message` runs before the 250.
    `ssl_context`: implicit TLS (port 465 style); `starttls_context`: STARTTLS required."""

    def __init__(
        self,
        *,
        ssl_context: object | None = None,
        starttls_context: object | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Captured] = []
        self.on_message: Callable[[Captured], None] | None = None
        self.refuse: str | None = None
        self.refuse_to: set[str] = set()  # recipients whose mail gets a 550
        self._cond = threading.Condition()
        self.port = free_port()
        kwargs: dict[str, object] = {}
        if ssl_context is not None:
            kwargs["ssl_context"] = ssl_context
        if starttls_context is not None:
            kwargs.update(tls_context=starttls_context, require_starttls=True)
        if login is not None:
            kwargs.update(authenticator=self._auth(login), auth_require_tls=False)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    @staticmethod
    def _auth(login: tuple[str, str]) -> Callable[..., object]:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        def check(server: object, session: object, envelope: object, mechanism: str, data: object):  # type: ignore[no-untyped-def]
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == login
            )
            return AuthResult(success=ok)

        return check

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.refuse:
            return self.refuse
        if self.refuse_to & set(envelope.rcpt_tos):  # type: ignore[attr-defined]
            return "550 5.1.1 mailbox unavailable"
        item = Captured(
            envelope.mail_from,  # type: ignore[attr-defined]
            list(envelope.rcpt_tos),  # type: ignore[attr-defined]
            envelope.original_content,  # type: ignore[attr-defined]
        )
        with self._cond:
            self.messages.append(item)
            self._cond.notify_all()
        if self.on_message:
            self.on_message(item)
        return "250 OK"

    def start(self) -> SmtpCapture:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Captured]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self.messages)

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()


def dovecot_available() -> bool:
    return os.path.exists(DOVECOT)


def _temp_folder(prefix: str = "wf-dovecot-") -> Path:
    """A new folder under /tmp that unprivileged users can reach, such as Dovecot or `nobody`
    (pytest's tmp is private to root). The caller removes it."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def dovecot_reaper() -> Iterator[list[Dovecot]]:
    """Every Dovecot the session stopped: waited for, and its folder removed, at the end."""
    stopped: list[Dovecot] = []
    yield stopped
    for server in stopped:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def dovecot_factory(dovecot_reaper: list[Dovecot]) -> Iterator[Callable[..., Dovecot]]:
    """Start Dovecot instances for one test (`capability=`, `tls=`); all stopped after it."""
    if not dovecot_available():
        pytest.skip("Dovecot 未安装（apt-get install dovecot-imapd；.ci/run 会安装）")
    started: list[Dovecot] = []

    def start(**kwargs: object) -> Dovecot:
        server = Dovecot(_temp_folder()).start(**kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop(wait=False)
        dovecot_reaper.append(server)


@pytest.fixture
def dovecot(dovecot_factory: Callable[..., Dovecot]) -> Dovecot:
    return dovecot_factory()


@pytest.fixture
def smtp() -> Iterator[SmtpCapture]:
    server = SmtpCapture().start()
    yield server
    server.stop()


class SilentListener:
    """A slow SMTP server: accepts connections on 127.0.0.1 and never says a word (an
    overloaded server, or one pausing before its greeting). `connected` is set on the first
    connection, the moment a client is waiting to send."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.connected = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.connected.set()

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


class BadIdProxy:
    """A proxy in front of Dovecot that answers `TAG BAD Unknown command` to the IMAP `ID`
    command (RFC 3501's answer to a command a server does not know) while the greeting and
    CAPABILITY still advertise ID, and passes every other byte through both ways."""

    def __init__(self, upstream_port: int) -> None:
        import asyncio

        self.upstream = upstream_port
        self.port = free_port()
        self.refused: list[bytes] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        import asyncio

        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        self.server = server
        ready.set()
        self.loop.run_forever()

    async def _client(self, reader: object, writer: object) -> None:
        import asyncio
        import re

        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)

        async def down() -> None:
            while data := await up_reader.read(65536):
                writer.write(data)  # type: ignore[attr-defined]
                await writer.drain()  # type: ignore[attr-defined]
            writer.close()  # type: ignore[attr-defined]

        async def up() -> None:
            while line := await reader.readline():  # type: ignore[attr-defined]
                match = re.match(rb"^(\S+) ID[ (]", line)
                if match:
                    self.refused.append(line)
                    writer.write(match.group(1) + b" BAD Unknown command\r\n")  # type: ignore[attr-defined]
                    await writer.drain()  # type: ignore[attr-defined]
                    continue
                up_writer.write(line)
                await up_writer.drain()
            up_writer.close()

        try:
            await asyncio.gather(down(), up(), return_exceptions=True)
        finally:
            up_writer.close()
            writer.close()  # type: ignore[attr-defined]

    def close(self) -> None:
        import asyncio

        async def shut() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
