"""The Mail page's "register the sender" box: the address goes into the agency's `emails` in
the office's config.toml, the held mail is taken in at once (released to the mail pass when no
daemon runs, into the inbox while one does, since a running daemon knows only the addresses it
started with), the page says it counts for new mail after the daemon restarts, and every
outcome, refusals included, is in the audit table."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from tests.fault_tools import immutable
from tests.web_helpers import CLERK, HELD_KEY, STRANGER, WebOffice, login, make_office
from workflow.core.atomic import TEMP_PREFIX
from workflow.example import SEED_AGENCY
from workflow.intake.folder.state_guard import LOCK_NAME, take_lock
from workflow.office.audit import recent_actions
from workflow.office.mail_ledger import MailStore
from workflow.web.app import create_app

RESTART = "重启监视程序后生效"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, blank_workbook) -> Path:  # type: ignore[no-untyped-def]
    from workflow.workbook.fill import fill_by_name

    root = tmp_path_factory.mktemp("web-registry")

    def make(name: str, *, agency: str = SEED_AGENCY, base: dict, **overrides: object) -> Path:  # type: ignore[type-arg]
        return fill_by_name(blank_workbook(agency, 2021), {**base, **overrides}, root / name)

    make_office(root / "office", make)
    return root / "office"


@pytest.fixture
def office(built: Path, tmp_path: Path) -> WebOffice:
    target = tmp_path / "office"
    shutil.copytree(built, target, symlinks=True)
    return WebOffice(target, target / "config.toml")


def accept(office: WebOffice, agency: str = SEED_AGENCY, app_config=None) -> str:  # type: ignore[no-untyped-def]
    """Tick the box and press 处理 for the held mail; the page's message after the redirect."""
    if app_config is None:
        client = office.client()
    else:
        app = create_app(app_config)
        app.config["TESTING"] = True
        client = app.test_client()
    token = login(client)
    form = {"key": HELD_KEY, "agency": agency, "add_address": "1", "csrf_token": token}
    response = client.post("/mail/accept", data=form, follow_redirects=True)
    return response.get_data(as_text=True).split('class="flash', 1)[1].split("</p>", 1)[0]


def held_row_state(office: WebOffice) -> str:
    with MailStore(office.ledger, readonly=True) as store:
        return next(r.state for r in store.rows() if r.key == HELD_KEY)


def inbox(office: WebOffice) -> list[str]:
    folder = office.config.inbox
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def last_action(office: WebOffice) -> tuple[str, str, str, bool, str]:
    a = recent_actions(office.ledger)[0]
    return a.user, a.action, a.target, a.ok, a.outcome


def test_the_sender_is_registered_and_the_mail_released_as_from_a_registered_sender(
    office: WebOffice,
) -> None:
    before = office.config_path.read_text("utf-8")
    message = accept(office)
    after = office.config_path.read_text("utf-8")
    old = '["a1@county.test", "old@county.test"]'
    assert after == before.replace(old, f'["a1@county.test", "old@county.test", "{STRANGER}"]')
    assert STRANGER in office.config.agency(SEED_AGENCY).emails  # type: ignore[union-attr]
    assert f"{STRANGER} 已登记为“{SEED_AGENCY}”的报送邮箱" in message and RESTART in message
    assert held_row_state(office) == "received"  # `mail --accept`: the next pass answers it
    assert inbox(office) == []
    user, action, target, ok, outcome = last_action(office)
    assert (user, action, target, ok) == (CLERK, "mail.accept", HELD_KEY, True)
    assert STRANGER in outcome and RESTART in outcome


def test_while_a_daemon_runs_the_mail_goes_into_the_inbox(office: WebOffice) -> None:
    """The daemon still knows only its old addresses: released to its mail pass, the mail
    would be answered as a stranger's. Its workbook goes into the inbox instead."""
    lock = take_lock(office.config.state / LOCK_NAME)
    assert lock is not None
    try:
        message = accept(office)
    finally:
        lock.close()
    assert STRANGER in office.config.agency(SEED_AGENCY).emails  # type: ignore[union-attr]
    assert inbox(office) == ["后河镇年报.xlsx"]
    assert held_row_state(office) == "held"
    assert RESTART in message and "放入收件箱" in message
    assert last_action(office)[3] is True


def test_an_address_registered_to_another_agency_is_refused(office: WebOffice) -> None:
    text = office.config_path.read_text("utf-8")
    text = text.replace(
        'name = "城关镇人民政府"\n', f'name = "城关镇人民政府"\nemails = ["{STRANGER}"]\n'
    )
    office.config_path.write_text(text, "utf-8")
    # the page started before that line was written: it learns it from the file
    stale = dataclasses.replace(
        office.config,
        agencies=tuple(dataclasses.replace(a, emails=()) for a in office.config.agencies),
    )
    message = accept(office, app_config=stale)
    assert "已登记为“城关镇人民政府”的报送邮箱" in message and "这封邮件未处理" in message
    assert office.config_path.read_text("utf-8") == text
    assert inbox(office) == [] and held_row_state(office) == "held"
    assert last_action(office)[2:4] == (HELD_KEY, False)


def test_a_sender_that_is_no_address_is_refused(office: WebOffice) -> None:
    with MailStore(office.ledger) as store:
        store.set_state(HELD_KEY, "held", sender="not-an-address")
    before = office.config_path.read_bytes()
    message = accept(office)
    assert "“not-an-address”不是有效的邮箱地址" in message
    assert office.config_path.read_bytes() == before
    assert inbox(office) == [] and held_row_state(office) == "held"
    assert last_action(office)[3] is False


def test_without_a_config_file_the_page_says_to_use_one(office: WebOffice) -> None:
    before = office.config_path.read_bytes()
    message = accept(office, app_config=dataclasses.replace(office.config, source=None))
    assert "请用配置文件启动" in message and "这封邮件未处理" in message
    assert office.config_path.read_bytes() == before
    assert inbox(office) == [] and held_row_state(office) == "held"
    assert last_action(office)[3] is False


def test_a_config_folder_that_cannot_be_written_leaves_the_file_and_says_so(
    office: WebOffice,
) -> None:
    before = office.config_path.read_bytes()
    with immutable(office.root):
        message = accept(office)
    assert "未能写入配置文件" in message and "原文件未改动" in message
    assert office.config_path.read_bytes() == before
    assert not [p for p in office.root.iterdir() if p.name.startswith(TEMP_PREFIX)]
    assert held_row_state(office) == "held"
    assert last_action(office)[3] is False


def test_without_the_box_the_config_is_not_touched(office: WebOffice) -> None:
    before = office.config_path.read_bytes()
    client = office.client()
    token = login(client)
    client.post("/mail/accept", data={"key": HELD_KEY, "agency": SEED_AGENCY, "csrf_token": token})
    assert office.config_path.read_bytes() == before
    assert inbox(office) == ["后河镇年报.xlsx"]


def test_a_stopped_daemons_lock_file_is_no_running_daemon(office: WebOffice) -> None:
    """The lock file stays behind when the daemon stops: only a held lock means one runs."""
    from workflow.intake.folder.state_guard import lock_is_held

    path = office.config.state / LOCK_NAME
    assert not lock_is_held(path)  # never started here
    lock = take_lock(path)
    assert lock is not None and lock_is_held(path)
    lock.close()
    assert path.exists() and not lock_is_held(path)
    again = take_lock(path)  # the probe took nothing a daemon then needs
    assert again is not None
    again.close()
