"""`workflow watch` with `[mail] enabled = true`: mail answered by itself, beside the inbox."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.daemon_harness import WATCH
from tests.mail_helpers import MailOffice, raw_mail, rfc2231_part, write_office
from tests.mail_servers import Dovecot, SmtpCapture, free_port


@contextmanager
def watching(office: MailOffice) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [*WATCH, "watch", "--config", str(office.config_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if proc.stderr:
            proc.stderr.close()


def _wait(condition: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _log(office: MailOffice) -> str:
    path = office.root / "state" / "logs" / "workflow.log"
    return path.read_text("utf-8") if path.exists() else ""


def test_watch_answers_a_new_mail_by_itself(
    dovecot: Dovecot, smtp: SmtpCapture, tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = write_office(tmp_path / "o", dovecot, smtp, extra="enabled = true", poll=2)
    book = make_workbook("r.xlsx")
    with watching(office):
        assert _wait(lambda: "开始收取邮箱" in _log(office))
        time.sleep(0.5)  # in IDLE by now: the mail below is news, not part of the first pass
        dovecot.deliver(raw_mail(attachments=[rfc2231_part("r.xlsx", book.read_bytes())]))
        [reply] = office.replies(1, timeout=30)
        assert reply["In-Reply-To"] == "<m1@county.test>"
        # the folder intake goes on beside it
        other = make_workbook("other.xlsx", apply_new_natural=9999)  # not the mailed bytes
        shutil.copy(other, office.root / "inbox" / "dropped.xlsx")
        result = office.root / "outbox" / "2021" / "后河镇人民政府" / "result.json"
        assert _wait(lambda: result.exists() and "dropped.xlsx" in result.read_text("utf-8"))
    assert len(smtp.messages) == 1


@pytest.mark.slow
def test_a_mail_outage_never_stops_the_folder_intake(
    dovecot: Dovecot, smtp: SmtpCapture, tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    office = write_office(tmp_path / "o", dovecot, smtp, extra="enabled = true", poll=1,
                          imap_port=free_port())  # nothing listens there  # fmt: skip
    with watching(office):
        assert _wait(lambda: (office.root / "inbox").is_dir())
        shutil.copy(make_workbook("r.xlsx"), office.root / "inbox" / "r.xlsx")
        result = office.root / "outbox" / "2021" / "后河镇人民政府" / "result.json"
        assert _wait(lambda: result.exists())
        assert _wait(lambda: "邮箱暂时无法使用" in _log(office))
        time.sleep(6)  # at least one retry
    assert _log(office).count("邮箱暂时无法使用") == 1  # logged once, retried quietly
