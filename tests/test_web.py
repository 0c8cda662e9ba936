"""The web page through Flask's test client: every page behind the login, the anti-forgery
token on every POST, files only by ledger id, every action in the audit table, everything
escaped. The office is real: workbooks made by our template command, processed by
`workflow process`, held mail in the ledger's real mail tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MakeWorkbook
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
)
from workflow.example import SEED_AGENCY
from workflow.office.audit import recent_actions
from workflow.office.ledger import Ledger
from workflow.office.mail_ledger import MailStore


@pytest.fixture
def office(tmp_path: Path, make_workbook: MakeWorkbook) -> WebOffice:
    return make_office(tmp_path / "office", make_workbook)


def records(office: WebOffice) -> list:  # type: ignore[type-arg]
    with Ledger(office.ledger, readonly=True) as ledger:
        return ledger.records()


def test_smoke(office: WebOffice) -> None:
    client = office.client()
    login(client)
    page = client.get("/year").get_data(as_text=True)
    print(page)
    rec = records(office)
    print(rec)
    agency = client.get("/agency", query_string={"name": SEED_AGENCY, "year": 2021})
    print(agency.get_data(as_text=True))
    print(client.get("/mail").get_data(as_text=True))
    print(client.get("/remind").get_data(as_text=True))
    assert 0
