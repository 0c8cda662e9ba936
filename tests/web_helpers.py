"""An office for the web page's tests: a registry, a ledger filled by `workflow process` with
real workbooks, held mail and a bounced address in the real mail tables, and one web user.

`WebOffice.client()` is Flask's test client on the app `create_app` builds from the office's
config; `login(client)` logs in as the clerk the way the form does (token included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from tests.conftest import MakeWorkbook
from tests.mail_helpers import plain_part, raw_mail
from workflow.cli import main
from workflow.config import Config, load_config
from workflow.example import SEED_AGENCY, seed_values
from workflow.office.ledger import ledger_path
from workflow.office.mail_ledger import MailStore
from workflow.web.app import create_app
from workflow.web.throttle import Throttle
from workflow.web.users import UserFile

ROOT = Path(__file__).resolve().parents[1]
CLERK, PASSWORD = "clerk", "correct horse battery"
EVIL = "<script>alert(1)</script>局"
STRANGER = "new-clerk@county.test"
BOUNCED = "old@county.test"
HELD_KEY = "<held-1@county.test>"


def town(agency: str, **values: object) -> dict[str, object]:
    """The seed report as `agency` would fill it (its prose speaks of 我镇)."""
    base = dict(seed_values(), agency_name=agency)
    base["text_on_request"] = str(base["text_on_request"]).replace("我局", "我镇")
    base.update(values)
    return base


@dataclass
class WebOffice:
    root: Path
    config_path: Path

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def ledger(self) -> Path:
        return ledger_path(self.config)

    def app(self, throttle: Throttle | None = None):  # type: ignore[no-untyped-def]
        app = create_app(self.config, throttle=throttle)
        app.config["TESTING"] = True
        return app

    def client(self, throttle: Throttle | None = None) -> FlaskClient:
        return self.app(throttle).test_client()

    def process(self, *files: Path) -> None:
        CliRunner().invoke(
            main,
            ["process", *map(str, files), "--config", str(self.config_path)],
            catch_exceptions=False,
        )


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def login(client: FlaskClient, name: str = CLERK, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's anti-forgery token."""
    token = token_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return token_of(client.get("/year").get_data(as_text=True))


def write_config(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "config.toml"
    cfg.write_text(
        f"""
[templates]
report = "{ROOT / "templates" / "report.docx"}"
{extra}

[[agencies]]
name = "{SEED_AGENCY}"
kind = "镇"
emails = ["a1@county.test", "{BOUNCED}"]

[[agencies]]
name = "城关镇人民政府"
kind = "镇"

[[agencies]]
name = "{EVIL}"
kind = "部门"
""",
        "utf-8",
    )
    return cfg


def held_mail(office: WebOffice, workbook: Path) -> None:
    """A mail from an unregistered sender, held as the mail intake holds it, and an address
    whose bounce stopped our replies (the real mail tables of the ledger)."""
    eml = office.root / "archive" / "mail" / "held.eml"
    eml.parent.mkdir(parents=True, exist_ok=True)
    eml.write_bytes(
        raw_mail(
            sender=STRANGER,
            subject="后河镇年报（新邮箱）",
            message_id=HELD_KEY,
            attachments=[plain_part("后河镇年报.xlsx", workbook.read_bytes())],
        )
    )
    with MailStore(office.ledger) as store:
        store.add(
            {
                "key": HELD_KEY,
                "message_id": HELD_KEY,
                "sender": STRANGER,
                "subject": "后河镇年报（新邮箱）",
                "received_at": datetime.now().astimezone(),
                "eml_path": str(eml),
                "kind": "refused",
                "reason": "发件人未登记",
            },
            state="held",
        )
        store.block(BOUNCED, "退信：用户不存在")


def make_office(root: Path, make_workbook: MakeWorkbook, extra: str = "") -> WebOffice:
    """后河镇: a passed report, then a failed one (the latest); the <script> agency: passed;
    城关镇: nothing. One user; one held mail; one bounced address."""
    office = WebOffice(root, write_config(root, extra))
    good = make_workbook("good.xlsx", base=town(SEED_AGENCY))
    bad = make_workbook("bad.xlsx", base=town(SEED_AGENCY), apply_new_natural=2, apply_new_total=2)
    evil = make_workbook("evil.xlsx", agency=EVIL, base=town(EVIL))
    office.process(good)
    office.process(bad)
    office.process(evil)
    UserFile(office.config.web_users_file).add(CLERK, PASSWORD)
    held_mail(office, good)
    return office
