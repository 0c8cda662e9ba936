"""The web page in a real browser: Playwright driving the system Chromium (Debian's
`chromium`; Playwright's own browser download is not used) against `workflow web` started as
a real process on 127.0.0.1 at a free port, with a real SMTP server (aiosmtpd) for the
reminder round.

Screenshots of each page at 1366×768 and at a phone's 390×844 are written to the test's
folder (and to $WEB_SCREENSHOTS when set, to look at them); at both widths the page itself
never scrolls sideways: wide tables scroll inside their own box.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
from tests.mail_servers import OFFICE, SmtpCapture, free_port
from tests.web_helpers import BOUNCED, CLERK, PASSWORD, WebOffice, make_office
from tests.web_server import WebServer
from workflow.example import SEED_AGENCY
from workflow.office.audit import recent_actions
from workflow.office.ledger import Ledger
from workflow.office.mail_ledger import MailStore

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]
SIZES = {"desk": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def office(tmp_path: Path, make_workbook: MakeWorkbook, smtp: SmtpCapture) -> WebOffice:
    (tmp_path / "office").mkdir()
    (tmp_path / "office" / "code.txt").write_text("office-pass\n", "utf-8")
    mail = f"""
[mail]
address = "{OFFICE}"
password_file = "code.txt"
imap_host = "127.0.0.1"
imap_port = {free_port()}
imap_security = "plain"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "plain"
"""
    return make_office(tmp_path / "office", make_workbook, extra=mail)


@pytest.fixture
def server(office: WebOffice, tmp_path: Path) -> Iterator[WebServer]:
    web = WebServer(office.config_path, tmp_path / "web.log")
    yield web
    web.stop()


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def shoot(page: object, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    if os.environ.get("WEB_SCREENSHOTS"):
        folder = Path(os.environ["WEB_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    return path


def no_sideways_scroll(page: object) -> bool:
    """Nothing wider than the screen. On a phone (is_mobile) the browser widens its layout
    viewport to fit what overflows, so the page is measured against the screen's width."""
    width = page.viewport_size["width"]  # type: ignore[attr-defined]
    return bool(
        page.evaluate(  # type: ignore[attr-defined]
            f"document.documentElement.scrollWidth <= Math.min(window.innerWidth, {width}) + 1"
        )
    )


def log_in(page: object, base: str) -> None:
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", CLERK)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button:has-text('登录')")  # type: ignore[attr-defined]
    page.wait_for_selector("h1:has-text('提交情况')")  # type: ignore[attr-defined]


def test_a_clerk_goes_through_the_season_in_a_browser(
    office: WebOffice, server: WebServer, browser: object, smtp: SmtpCapture, tmp_path: Path
) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(server.url + "/year")
    assert "/login" in page.url  # nobody gets in without logging in
    log_in(page, server.url)
    assert page.inner_text(".counts").split() == [
        "应交",
        "3",
        "已通过",
        "1",
        "未通过",
        "1",
        "退回",
        "0",
        "未提交",
        "1",
    ]
    assert no_sideways_scroll(page)
    shoot(page, tmp_path, "year-desk")

    page.click(f"a:has-text('{SEED_AGENCY}')")
    page.wait_for_selector(f"h1:has-text('{SEED_AGENCY}')")
    assert "应为" in page.inner_text("table.findings")
    assert no_sideways_scroll(page)
    shoot(page, tmp_path, "agency-desk")
    with page.expect_download() as info:
        page.locator("a:has-text('下载Word 报告')").first.click()
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with Ledger(office.ledger, readonly=True) as ledger:
        latest = ledger.get(2)
    assert latest is not None
    assert download.suggested_filename == "后河镇人民政府2021年政府信息公开工作年度报告.docx"
    assert saved.read_bytes() == Path(latest.outputs["report"]).read_bytes()

    page.click("nav a:has-text('邮件')")
    page.wait_for_selector("h2:has-text('待人工处理的邮件')")
    shoot(page, tmp_path, "mail-desk")
    page.select_option("article.held select[name=agency]", SEED_AGENCY)
    page.click("article.held button:has-text('处理')")
    page.wait_for_selector(".flash:has-text('放入收件箱')")
    assert [p.name for p in office.config.inbox.iterdir()] == ["后河镇年报.xlsx"]
    page.click("button:has-text('恢复自动回复')")
    page.wait_for_selector(".flash:has-text('已恢复自动回复')")
    with MailStore(office.ledger, readonly=True) as store:
        assert not store.is_blocked(BOUNCED)

    page.click("nav a:has-text('催报')")
    page.wait_for_selector("h1:has-text('催报')")
    planned = page.locator("table tbody tr").count()
    assert planned == 2  # 后河镇 failed: its two addresses, the bounced one resumed above
    shoot(page, tmp_path, "remind-desk")
    page.click("button:has-text('发送')")
    page.wait_for_selector(".flash:has-text('发出 2 封')")
    sent = smtp.wait_for(2)
    assert sorted(r for m in sent for r in m.rcpt_tos) == sorted(["a1@county.test", BOUNCED])
    subjects = {str(make_header(decode_header(m.message["Subject"]))) for m in sent}
    assert subjects == {f"【催报】{SEED_AGENCY}2021年政府信息公开工作年度报告尚未通过校验"}

    page.click("nav a:has-text('操作记录')")
    shoot(page, tmp_path, "audit-desk")
    done = [(a.action, a.ok) for a in recent_actions(office.ledger)][::-1]
    assert done == [
        ("login", True),
        ("mail.accept", True),
        ("mail.resume", True),
        ("remind.send", True),
    ]
    assert page.locator("table tbody tr").count() == 4
    context.close()


def test_the_pages_fit_a_phone(
    office: WebOffice, server: WebServer, browser: object, tmp_path: Path
) -> None:
    width, height = SIZES["phone"]
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height}, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    log_in(page, server.url)
    for path, name in (
        ("/year", "year"),
        (f"/agency?name={SEED_AGENCY}&year=2021", "agency"),
        ("/mail", "mail"),
        ("/remind", "remind"),
    ):
        page.goto(server.url + path)
        assert no_sideways_scroll(page), path
        shoot(page, tmp_path, f"{name}-phone")
    context.close()
