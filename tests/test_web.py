"""The web page through Flask's test client: every page behind the login, the anti-forgery
token on every POST, files only by ledger id, every action in the audit table, everything
escaped. The office is real: workbooks made by our template command, processed by
`workflow process`, held mail in the ledger's real mail tables."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import MakeWorkbook
from tests.mail_helpers import plain_part, raw_mail
from tests.web_helpers import (
    BOUNCED,
    CLERK,
    EVIL,
    HELD_KEY,
    PASSWORD,
    STRANGER,
    WebOffice,
    login,
    make_office,
    token_of,
    town,
)
from workflow.example import SEED_AGENCY
from workflow.office.audit import recent_actions
from workflow.office.ledger import Ledger, Record
from workflow.office.mail_ledger import MailStore
from workflow.web.throttle import FREE, Throttle
from workflow.web.users import UserFile

PAGES = [
    "/",
    "/year",
    "/year?year=2021",
    f"/agency?name={SEED_AGENCY}&year=2021",
    "/mail",
    "/remind?year=2021",
    "/audit",
    "/summary/2021",
    "/county/2021",
    "/file/2/report",
    "/file/2/errors",
    "/file/2/original",
]
ACTIONS = {
    "/mail/resume": {"address": BOUNCED},
    "/mail/accept": {"key": HELD_KEY, "agency": SEED_AGENCY},
    "/mail/leave": {"key": HELD_KEY},
    "/remind/send": {"year": "2021"},
    "/logout": {},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, blank_workbook) -> Path:  # type: ignore[no-untyped-def]
    """One office for the read-only tests (processing its workbooks takes seconds)."""
    from workflow.workbook.fill import fill_by_name

    root = tmp_path_factory.mktemp("web")

    def make(name: str, *, agency: str = SEED_AGENCY, base: dict, **overrides: object) -> Path:  # type: ignore[type-arg]
        values = {**base, **overrides}
        return fill_by_name(blank_workbook(agency, 2021), values, root / name)

    make_office(root / "office", make)
    return root / "office"


@pytest.fixture
def office(built: Path, tmp_path: Path) -> WebOffice:
    """A fresh copy of the built office for each test (actions change it)."""
    import shutil

    target = tmp_path / "office"
    shutil.copytree(built, target, symlinks=True)
    # paths in the ledger name the built office: the copy's config points at the same files
    # for reading; actions write into the copy's own state (its ledger, its inbox)
    return WebOffice(target, target / "config.toml")


def records(office: WebOffice) -> dict[int, Record]:
    with Ledger(office.ledger, readonly=True) as ledger:
        return {r.id: r for r in ledger.records()}


def actions(office: WebOffice) -> list[tuple[str, str, str, bool]]:
    return [(a.user, a.action, a.target, a.ok) for a in recent_actions(office.ledger)][::-1]


# --- login --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_page_and_download_needs_a_login(office: WebOffice, url: str) -> None:
    response = office.client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert b"PK\x03\x04" not in response.data  # no workbook or report slipped out


@pytest.mark.parametrize("url", PAGES)
def test_every_page_and_download_answers_once_logged_in(office: WebOffice, url: str) -> None:
    client = office.client()
    login(client)
    with client.get(url) as response:
        assert response.status_code in (200, 302), url
        if url.startswith(("/file/", "/summary/", "/county/")):
            assert response.data.startswith(b"PK"), url  # a real .docx / .xlsx


def test_every_route_of_the_app_is_behind_the_login(office: WebOffice) -> None:
    """Walks the app's own route table, so a route added later is held to it too."""
    app = office.app()
    client = app.test_client()
    args = {"record_id": 2, "kind": "report", "year": 2021, "filename": "style.css"}
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "login"):
            continue
        url = rule.build({k: v for k, v in args.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            form = None
            if method == "POST":  # with a valid token: the login, not the token, refuses it
                form = {"csrf_token": token_of(client.get("/login").get_data(as_text=True))}
            response = client.open(url, method=method, data=form)
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login"), (method, url)
            seen.add(url)
    assert {"/year", "/file/2/report", "/county/2021", "/mail/accept", "/remind/send"} <= seen


@pytest.mark.parametrize("url", list(ACTIONS))
def test_an_action_without_a_login_does_nothing(office: WebOffice, url: str) -> None:
    client = office.client()
    token = token_of(client.get("/login").get_data(as_text=True))
    response = client.post(url, data={**ACTIONS[url], "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with MailStore(office.ledger, readonly=True) as store:
        assert store.is_blocked(BOUNCED)
    assert actions(office) == []


def test_a_wrong_password_or_name_is_refused_with_one_message(office: WebOffice) -> None:
    client = office.client()
    token = token_of(client.get("/login").get_data(as_text=True))
    pages = []
    for name, password in ((CLERK, "wrong password"), ("nobody", PASSWORD)):
        response = client.post(
            "/login", data={"username": name, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        pages.append(response.get_data(as_text=True))
        assert client.get("/year").status_code == 302  # still not logged in
    assert all("用户名或密码不正确" in p for p in pages)
    # a wrong name is not written down (it is often a password typed one box early)
    unknown = "（不存在的用户名）"
    assert actions(office) == [(CLERK, "login", CLERK, False), (unknown, "login", unknown, False)]


def test_repeated_wrong_passwords_slow_down_per_user(office: WebOffice) -> None:
    now = [1000.0]
    client = office.client(Throttle(clock=lambda: now[0]))
    token = token_of(client.get("/login").get_data(as_text=True))

    def attempt(password: str) -> int:
        form = {"username": CLERK, "password": password, "csrf_token": token}
        return client.post("/login", data=form).status_code

    for _ in range(FREE):
        assert attempt("wrong password") == 401
    # now even the right password must wait: the guesser learns nothing
    form = {"username": CLERK, "password": PASSWORD, "csrf_token": token}
    waiting = client.post("/login", data=form)
    assert waiting.status_code == 429 and "秒后再试" in waiting.get_data(as_text=True)
    now[0] += 2.1
    assert attempt(PASSWORD) == 302


def test_the_backoff_grows_and_is_kept_per_address_too() -> None:
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(FREE):
        throttle.failed("user:a", "ip:1")
    assert throttle.wait_seconds("user:a") == 2.0
    assert throttle.wait_seconds("user:b", "ip:1") == 2.0  # another name from the same desk
    assert throttle.wait_seconds("user:b", "ip:2") == 0.0
    throttle.failed("user:a", "ip:1")
    assert throttle.wait_seconds("user:a") == 4.0
    throttle.succeeded("user:a", "ip:1")
    assert throttle.wait_seconds("user:a", "ip:1") == 0.0


def test_the_signing_key_is_made_once_owner_only_and_kept(tmp_path: Path) -> None:
    from workflow.web.security import SECRET_NAME, load_secret

    key = load_secret(tmp_path / "state")
    path = tmp_path / "state" / SECRET_NAME
    assert path.read_text("ascii") == key.hex() and len(key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [SECRET_NAME]  # no temp file left
    assert load_secret(tmp_path / "state") == key


def test_the_session_cookie_is_httponly_and_samesite(office: WebOffice) -> None:
    client = office.client()
    token = token_of(client.get("/login").get_data(as_text=True))
    form = {"username": CLERK, "password": PASSWORD, "csrf_token": token}
    cookie = client.post("/login", data=form).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_session_expires_after_session_hours(office: WebOffice) -> None:
    client = office.client()
    login(client)
    assert client.get("/year").status_code == 200
    with client.session_transaction() as session:
        session["login_at"] -= office.config.web.session_hours * 3600 + 1
    assert client.get("/year").status_code == 302


def test_a_removed_user_is_out_at_the_next_request(office: WebOffice) -> None:
    client = office.client()
    login(client)
    UserFile(office.config.web_users_file).remove(CLERK)
    assert client.get("/year").status_code == 302


def test_logout_ends_the_session(office: WebOffice) -> None:
    client = office.client()
    token = login(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/year").status_code == 302
    assert actions(office)[-1] == (CLERK, "logout", CLERK, True)


def test_login_never_redirects_off_the_site(office: WebOffice) -> None:
    client = office.client()
    token = token_of(client.get("/login").get_data(as_text=True))
    form = {"username": CLERK, "password": PASSWORD, "csrf_token": token, "next": "//evil.test/x"}
    assert client.post("/login", data=form).headers["Location"] == "/"


# --- anti-forgery -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*ACTIONS, "/login"])
@pytest.mark.parametrize("token", [None, "forged"])
def test_a_post_without_the_session_token_is_refused(
    office: WebOffice, url: str, token: str | None
) -> None:
    client = office.client()
    login(client)
    form = {**ACTIONS.get(url, {"username": CLERK, "password": PASSWORD})}
    if token:
        form["csrf_token"] = token
    before = actions(office)
    response = client.post(url, data=form)
    assert response.status_code == 403
    assert "安全令牌" in response.get_data(as_text=True)
    assert actions(office) == before  # nothing done, nothing recorded
    with MailStore(office.ledger, readonly=True) as store:
        assert store.is_blocked(BOUNCED)
    assert not list(office.config.inbox.glob("*")) if office.config.inbox.exists() else True
    assert client.get("/year").status_code == 200  # still logged in: the token refused it


# --- files only by ledger id --------------------------------------------------------------------

CRAFTED = [
    "/file/../config.toml",
    "/file/%2e%2e/%2e%2e/config.toml",
    "/file/2/..%2f..%2fconfig.toml",
    "/file/2/%2e%2e",
    "/file/2//etc/passwd",
    "/file//etc/passwd",
    "/file/2/result",  # result.json is recorded, but not something the page hands out
    "/file/2/claimed_path",
    "/file/-1/report",
    "/file/999/report",
    "/file/1/report",  # the older submission: its report was replaced by the newer one's
    "/file/1/errors",
    "/file/3/errors",  # passed: no error workbook
    "/static/../config.toml",
    "/static/%2e%2e/%2e%2e/config.toml",
    "/static//etc/passwd",
    "/summary/..%2fconfig",
    "/summary/0",
    "/county/..%2f2021",
]


@pytest.mark.parametrize("url", CRAFTED)
def test_crafted_paths_never_reach_a_file_the_ledger_does_not_record(
    office: WebOffice, url: str
) -> None:
    client = office.client()
    login(client)
    with client.get(url, follow_redirects=True) as response:  # a doubled / is merged first
        assert response.status_code == 404, (url, response.status_code)
        body = response.data
    assert b"PK\x03\x04" not in body and b"[paths]" not in body and b"agencies" not in body
    assert b"root:" not in body


def test_downloads_are_the_files_the_ledger_records(office: WebOffice) -> None:
    client = office.client()
    login(client)
    rows = records(office)
    latest = rows[2]
    for kind in ("report", "errors"):
        with client.get(f"/file/2/{kind}") as response:
            assert response.data == Path(latest.outputs[kind]).read_bytes()
            assert "attachment" in response.headers["Content-Disposition"]
    with client.get("/file/2/original") as original:
        assert original.data == Path(str(latest.archived_path)).read_bytes()
    # the older submission: only its original (its report in the outbox is the newer one's)
    with client.get("/file/1/original") as original:
        assert original.data == Path(str(rows[1].archived_path)).read_bytes()
    page = client.get(f"/agency?name={SEED_AGENCY}&year=2021").get_data(as_text=True)
    assert "/file/2/report" in page and "/file/2/errors" in page and "/file/1/original" in page
    assert "/file/1/report" not in page
    assert "已被替换" in page


def test_a_recorded_file_that_was_removed_is_a_404_not_an_error(office: WebOffice) -> None:
    client = office.client()
    login(client)
    Path(records(office)[2].outputs["errors"]).unlink()
    assert client.get("/file/2/errors").status_code == 404


def test_the_summary_workbook_is_written_and_handed_out(office: WebOffice) -> None:
    client = office.client()
    login(client)
    written = office.config.outbox / "2021" / "2021年政府信息公开工作年度报告汇总.xlsx"
    with client.get("/summary/2021") as response:
        assert response.data == written.read_bytes()


def test_the_county_report_is_rendered_from_the_totals(office: WebOffice) -> None:
    from docx import Document

    client = office.client()
    login(client)
    with client.get("/county/2021") as response:
        assert response.status_code == 200
        name = "全县汇总2021年政府信息公开工作年度报告.docx"
        assert unquote(response.headers["Content-Disposition"]).endswith(name)
        target = office.root / "county.docx"
        target.write_bytes(response.data)
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "全县汇总" in text
    assert not (office.config.outbox / "2021" / "全县汇总").exists()  # never in the outbox


# --- what the clerk reads -----------------------------------------------------------------------


def test_the_year_page_shows_every_agency_with_its_state(office: WebOffice) -> None:
    client = office.client()
    login(client)
    page = client.get("/year?year=2021").get_data(as_text=True)
    assert "<span>应交</span><strong>3</strong>" in page
    for label, count in (("已通过", 1), ("未通过", 1), ("退回", 0), ("未提交", 1)):
        assert f"<span>{label}</span><strong>{count}</strong>" in page
    assert page.index(SEED_AGENCY) < page.index("城关镇人民政府")  # who must act first
    assert "#FFC7CE" in page and "#C6EFCE" in page  # the summary's colours
    assert "手工处理" in page  # how it came: `workflow process`
    assert 'http-equiv="refresh"' in page


def test_a_mailed_submission_says_it_came_by_mail(office: WebOffice, tmp_path: Path) -> None:
    """A workbook the mail intake processed (recorded with its sender, as the intake does)."""
    from workflow.flow.pipeline import process_file

    with Ledger(office.ledger, readonly=True) as ledger:
        source = Path(str(ledger.get(1).archived_path))  # type: ignore[union-attr]
    copy = tmp_path / "mailed.xlsx"
    copy.write_bytes(source.read_bytes())
    result = process_file(copy, office.config, received_at=datetime.now().astimezone())
    with MailStore(office.ledger) as store:
        store.record_submission(copy, result, sender="a1@county.test", message_id="<m9@x>")
    client = office.client()
    login(client)
    page = client.get("/year").get_data(as_text=True)
    row = page.split(SEED_AGENCY, 2)[1].split("</tr>", 1)[0]
    assert "已通过" in row and "<td>邮件</td>" in row
    agency = client.get(f"/agency?name={SEED_AGENCY}&year=2021").get_data(as_text=True)
    assert "邮件（a1@county.test）" in agency


def test_an_unknown_year_or_agency_is_a_404(office: WebOffice) -> None:
    client = office.client()
    login(client)
    assert client.get("/year?year=abc").status_code == 404
    assert client.get("/agency?name=没有这个单位&year=2021").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/year?year=1899",
        f"/agency?name={SEED_AGENCY}&year=3000",
        "/remind?year=1899",
        "/summary/1899",
        "/county/3000",
        "/year?year=²",  # a digit to str.isdigit, not to int(): no 500
        "/remind?year=２０２１",
    ],
)
def test_a_year_no_report_can_have_is_a_404(office: WebOffice, url: str) -> None:
    client = office.client()
    login(client)
    assert client.get(url).status_code == 404


def test_an_agency_name_with_markup_is_shown_as_typed(office: WebOffice) -> None:
    client = office.client()
    login(client)
    for url in ("/year", f"/agency?name={EVIL}&year=2021", "/remind"):
        page = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;局" in page, url
        assert "<script>" not in page, url


def test_the_agency_page_lists_findings_as_the_error_workbook_does(office: WebOffice) -> None:
    client = office.client()
    login(client)
    page = client.get(f"/agency?name={SEED_AGENCY}&year=2021").get_data(as_text=True)
    result = json.loads(Path(str(records(office)[2].result_path)).read_text("utf-8"))
    errors = [f for f in result["findings"] if f["severity"] == "error"]
    assert errors
    for f in errors:
        assert f["message"] in page
    assert "三、依申请公开" in page  # the sheet, as the workbook names it
    assert "<th>应为</th><th>实为</th>" in page
    assert "a1@county.test" in page  # its registered addresses
    assert page.index("bad.xlsx") < page.index("good.xlsx")  # newest first


# --- actions, each in the audit table -----------------------------------------------------------


def test_resuming_replies_unblocks_the_address_and_is_audited(office: WebOffice) -> None:
    client = office.client()
    token = login(client)
    client.post("/mail/resume", data={"address": BOUNCED, "csrf_token": token})
    with MailStore(office.ledger, readonly=True) as store:
        assert not store.is_blocked(BOUNCED)
    assert actions(office)[-1] == (CLERK, "mail.resume", BOUNCED, True)
    page = client.get("/mail").get_data(as_text=True)
    assert "已恢复自动回复" in page and "没有被暂停的地址" in page


def test_an_address_resumed_on_the_page_stays_unblocked_after_a_rebuild(
    office: WebOffice,
) -> None:
    """The page's "resume replies" is journalled in the archive as `workflow mail --unblock`
    is: a ledger rebuilt from the archive does not block the address again."""
    from workflow.office.rebuild import rebuild_on_demand

    with MailStore(office.ledger, archive=office.config.archive) as store:
        store.block(BOUNCED, "退信：用户不存在")  # as the mail pass blocks: journalled
    client = office.client()
    token = login(client)
    client.post("/mail/resume", data={"address": BOUNCED, "csrf_token": token})
    for p in office.ledger.parent.glob(f"{office.ledger.name}*"):
        p.write_bytes(b"not a database " * 100)  # nothing to carry over: the archive is read

    rebuild_on_demand(office.config, dry_run=False)

    with MailStore(office.ledger, readonly=True) as store:
        assert store.blocked() == []


def test_accepting_held_mail_puts_its_workbook_into_the_inbox(office: WebOffice) -> None:
    client = office.client()
    token = login(client)
    form = {"key": HELD_KEY, "agency": SEED_AGENCY, "csrf_token": token}
    client.post("/mail/accept", data=form)
    placed = list(office.config.inbox.iterdir())
    assert [p.name for p in placed] == ["后河镇年报.xlsx"]
    assert placed[0].read_bytes()[:2] == b"PK"
    user, action, target, ok = actions(office)[-1]
    assert (user, action, target, ok) == (CLERK, "mail.accept", HELD_KEY, True)
    page = client.get("/mail").get_data(as_text=True)
    assert "已按“后河镇人民政府”的报送放入收件箱" in page


def test_a_zip_in_held_mail_taken_into_the_inbox_unpacks_within_max_message_mb(
    office: WebOffice,
) -> None:
    """The page opens a held mail's .zip as the mail intake does: no more than
    `[mail] max_message_mb` unpacked (a zip bomb is not poured into the inbox)."""
    import io
    import zipfile

    with office.config_path.open("a", encoding="utf-8") as fh:
        fh.write("\n[mail]\nmax_message_mb = 1\n")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("后河镇年报.xlsx", b"\0" * (3 * 1024 * 1024))  # a few kB packed
    eml = office.root / "archive" / "mail" / "bomb.eml"
    eml.write_bytes(
        raw_mail(
            sender=STRANGER,
            message_id="<bomb-1@county.test>",
            attachments=[plain_part("年报.zip", packed.getvalue())],
        )
    )
    with MailStore(office.ledger) as store:
        store.add(
            {
                "key": "<bomb-1@county.test>",
                "message_id": "<bomb-1@county.test>",
                "sender": STRANGER,
                "received_at": datetime.now().astimezone(),
                "eml_path": str(eml),
                "kind": "refused",
                "reason": "发件人未登记",
            },
            state="held",
        )
    client = office.client()
    token = login(client)
    form = {"key": "<bomb-1@county.test>", "agency": SEED_AGENCY, "csrf_token": token}
    client.post("/mail/accept", data=form)
    placed = list(office.config.inbox.iterdir()) if office.config.inbox.exists() else []
    assert "后河镇年报.xlsx" not in [p.name for p in placed]
    assert all(p.stat().st_size < 1024 * 1024 for p in placed), placed


def test_accepting_for_an_agency_not_in_the_registry_is_refused_and_audited(
    office: WebOffice,
) -> None:
    client = office.client()
    token = login(client)
    client.post("/mail/accept", data={"key": HELD_KEY, "agency": "冒充单位", "csrf_token": token})
    assert not office.config.inbox.exists() or not list(office.config.inbox.iterdir())
    assert actions(office)[-1] == (CLERK, "mail.accept", HELD_KEY, False)


def test_leaving_held_mail_is_audited_and_shown(office: WebOffice) -> None:
    client = office.client()
    token = login(client)
    client.post("/mail/leave", data={"key": HELD_KEY, "csrf_token": token})
    assert actions(office)[-1] == (CLERK, "mail.leave", HELD_KEY, True)
    assert "已查看，暂不处理" in client.get("/mail").get_data(as_text=True)


def test_a_reminder_round_without_a_mailbox_is_refused_and_audited(office: WebOffice) -> None:
    client = office.client()
    token = login(client)
    response = client.post("/remind/send", data={"year": "2021", "csrf_token": token})
    assert response.status_code == 302
    assert actions(office)[-1] == (CLERK, "remind.send", "2021", False)
    assert "未能发送" in client.get("/remind").get_data(as_text=True)


def test_the_audit_page_shows_every_action(office: WebOffice) -> None:
    client = office.client()
    token = login(client)
    client.post("/mail/leave", data={"key": HELD_KEY, "csrf_token": token})
    page = client.get("/audit").get_data(as_text=True)
    assert "暂不处理邮件" in page and "登录" in page and CLERK in page and "127.0.0.1" in page


def test_the_login_page_sends_a_logged_in_clerk_on(office: WebOffice) -> None:
    client = office.client()
    login(client)
    response = client.get("/login?next=/mail")
    assert (response.status_code, response.headers["Location"]) == (302, "/mail")


@pytest.mark.parametrize(
    ("peer", "forwarded", "recorded"),
    [
        ("127.0.0.1", "10.0.0.5", "10.0.0.5"),  # the office's proxy on this machine
        ("127.0.0.1", "6.6.6.6, 10.0.0.5", "10.0.0.5"),  # what the proxy appended, not before
        ("127.0.0.1", "not an address", "127.0.0.1"),
        ("10.1.1.1", "10.0.0.5", "10.1.1.1"),  # a desk cannot claim another address
    ],
)
def test_the_audit_names_the_browser_behind_the_office_proxy(
    office: WebOffice, peer: str, forwarded: str, recorded: str
) -> None:
    client = office.client()
    client.environ_base.update(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    token = login(client)
    client.post("/mail/leave", data={"key": HELD_KEY, "csrf_token": token})
    assert {a.address for a in recent_actions(office.ledger)} == {recorded}


def test_the_dry_run_of_a_round_writes_no_workbook(office: WebOffice) -> None:
    text = office.config_path.read_text("utf-8")
    office.config_path.write_text(
        text.replace(
            'name = "城关镇人民政府"\n', 'name = "城关镇人民政府"\nemails = ["cg@county.test"]\n'
        ),
        "utf-8",
    )
    client = office.client()
    login(client)
    page = client.get("/remind?year=2021").get_data(as_text=True)
    assert "cg@county.test" in page and "空白工作簿（未提交）" in page
    assert not (office.config.state / "remind").exists()


def test_accepting_held_mail_of_a_registered_sender_releases_it_to_the_mail_pass(
    office: WebOffice, make_workbook: MakeWorkbook
) -> None:
    """A forged-looking envelope from 后河镇's own address, checked by the clerk: released as
    `workflow mail --accept` releases it (the pass answers it in its thread), not put into
    the inbox."""
    eml = office.root / "archive" / "mail" / "forged.eml"
    book = make_workbook("f.xlsx", base=town(SEED_AGENCY))
    eml.write_bytes(
        raw_mail(
            sender="a1@county.test",
            message_id="<forged-1@county.test>",
            attachments=[plain_part("年报.xlsx", book.read_bytes())],
        )
    )
    with MailStore(office.ledger) as store:
        store.add(
            {
                "key": "<forged-1@county.test>",
                "message_id": "<forged-1@county.test>",
                "sender": "a1@county.test",
                "received_at": datetime.now().astimezone(),
                "eml_path": str(eml),
                "kind": "refused",
                "reason": "信封发件人与发件人地址不属于同一域名",
            },
            state="held",
        )
    client = office.client()
    token = login(client)
    form = {"key": "<forged-1@county.test>", "agency": SEED_AGENCY, "csrf_token": token}
    client.post("/mail/accept", data=form)
    with MailStore(office.ledger, readonly=True) as store:
        [row] = [r for r in store.rows() if r.key == "<forged-1@county.test>"]
    assert row.state != "held" and row.accepted_at
    assert not office.config.inbox.exists() or not list(office.config.inbox.iterdir())
    assert actions(office)[-1] == (CLERK, "mail.accept", "<forged-1@county.test>", True)
