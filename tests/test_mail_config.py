"""The [mail] section and [[agencies]] emails: defaults, and each bad value named in Chinese."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.old_ledgers import FIRST_RELEASE_SCHEMA
from workflow.config import load_config
from workflow.core.errors import ConfigError

GOOD = """
[mail]
enabled = true
address = "Office@County.gov.cn"
password_file = "secret/code.txt"
imap_host = "imap.county.gov.cn"
smtp_host = "smtp.county.gov.cn"
ca_file = "ca.pem"

[[agencies]]
name = "后河镇人民政府"
emails = ["A1@houhe.gov.cn", "a1@houhe.gov.cn", "clerk@163.com"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "ca.pem").write_text("cert", "ascii")
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, "utf-8")
    return cfg


def test_defaults_and_resolved_paths(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    mail = config.mail
    assert (mail.address, mail.user) == ("office@county.gov.cn", "office@county.gov.cn")
    assert (mail.imap_port, mail.imap_security, mail.smtp_port, mail.smtp_security) == (
        993, "ssl", 465, "ssl",
    )  # fmt: skip
    assert mail.poll_seconds == 180
    assert (mail.handled_folder, mail.refused_folder) == ("已处理", "待人工处理")
    assert mail.password_file == (tmp_path / "secret" / "code.txt").resolve()
    assert mail.ca_file == (tmp_path / "ca.pem").resolve()
    assert config.agencies[0].emails == ("a1@houhe.gov.cn", "clerk@163.com")
    assert [a.name for a in config.agencies_of("CLERK@163.com")] == ["后河镇人民政府"]
    assert config.agencies_of("stranger@163.com") == ()


def test_starttls_ports_and_mail_off_by_default(tmp_path: Path) -> None:
    text = GOOD.replace(
        'ca_file = "ca.pem"', 'imap_security = "starttls"\nsmtp_security = "starttls"'
    )
    mail = load_config(_write(tmp_path, text)).mail
    assert (mail.imap_port, mail.smtp_port) == (143, 587)
    assert load_config(_write(tmp_path, "")).mail.enabled is False


def test_password_from_file_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKFLOW_MAIL_PASSWORD", raising=False)
    mail = load_config(_write(tmp_path, GOOD)).mail
    with pytest.raises(ConfigError, match="无法读取授权码文件"):
        mail.password()
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "code.txt").write_text("\ufeffabcd1234\n", "utf-8")
    assert mail.password() == "abcd1234"
    monkeypatch.setenv("WORKFLOW_MAIL_PASSWORD", "from-env")
    assert mail.password() == "from-env"
    no_file = load_config(_write(tmp_path, GOOD.replace('password_file = "secret/code.txt"', "")))
    monkeypatch.delenv("WORKFLOW_MAIL_PASSWORD")
    with pytest.raises(ConfigError, match="WORKFLOW_MAIL_PASSWORD"):
        no_file.mail.password()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('ca_file = "ca.pem"', 'imap_security = "plain"', "只允许用于本机地址"),
        ('ca_file = "ca.pem"', 'smtp_security = "tls"', "应为 ssl、starttls 或 plain"),
        ('ca_file = "ca.pem"', 'ca_file = "missing.pem"', "证书文件不存在"),
        ('ca_file = "ca.pem"', "verify = false", "不认识的键：verify"),
        ('address = "Office@County.gov.cn"', 'address = "office"', "不是有效的邮箱地址"),
        ('imap_host = "imap.county.gov.cn"', "", "缺少 imap_host"),
        ('ca_file = "ca.pem"', "poll_seconds = 0", "mail.poll_seconds 应为正数"),
        ('ca_file = "ca.pem"', 'handled_folder = "INBOX"', "收件箱以外"),
        ('ca_file = "ca.pem"', "imap_port = 70000", "mail.imap_port"),
        ('ca_file = "ca.pem"', "max_replies_per_hour = 0", "max_replies_per_hour"),
        ('"clerk@163.com"]', '"clerk at 163"]', "emails 中有无效地址"),
        ('emails = ["A1@houhe.gov.cn", "a1@houhe.gov.cn", "clerk@163.com"]', "emails = 3",
         "emails 应为邮箱地址的列表"),
    ],
)  # fmt: skip
def test_bad_mail_values_are_named(tmp_path: Path, old: str, new: str, words: str) -> None:
    assert old in GOOD
    with pytest.raises(ConfigError, match=words):
        load_config(_write(tmp_path, GOOD.replace(old, new)))


def test_plain_is_allowed_on_loopback(tmp_path: Path) -> None:
    text = GOOD.replace('"imap.county.gov.cn"', '"127.0.0.1"\nimap_security = "plain"')
    assert load_config(_write(tmp_path, text)).mail.imap_port == 143


def test_an_old_ledger_gains_the_mail_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    from workflow.office.ledger import Ledger
    from workflow.office.mail_ledger import MailStore

    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as db:  # the schema of the first release, one row in it
        db.execute(FIRST_RELEASE_SCHEMA)
        db.execute(
            "INSERT INTO submissions (sha256, file_name, received_at, claimed_path, status)"
            " VALUES ('ab', '旧.xlsx', '2022-01-10T09:30:00.000000+08:00', '/x', 'passed')"
        )
    db.close()
    with MailStore(path) as store:
        assert store.rows() == []
    with Ledger(path, readonly=True) as ledger:
        [row] = ledger.records()
    assert (row.file_name, row.sender, row.message_id) == ("旧.xlsx", None, None)


def test_display_name_and_authserv_id(tmp_path: Path) -> None:
    from email.header import decode_header, make_header

    text = GOOD.replace(
        "[mail]\n", '[mail]\ndisplay_name = "某某县政务公开办"\nauthserv_id = "MX.County.gov.cn"\n'
    )
    mail = load_config(_write(tmp_path, text)).mail
    assert mail.authserv_id == "mx.county.gov.cn"
    assert mail.from_header.isascii()  # RFC 2047-encoded, as a header must be
    assert (
        str(make_header(decode_header(mail.from_header)))
        == "某某县政务公开办 <office@county.gov.cn>"
    )
    assert load_config(_write(tmp_path, GOOD)).mail.from_header == "office@county.gov.cn"


def test_a_display_name_holding_an_address_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("[mail]\n", '[mail]\ndisplay_name = "公开办 <x@y.cn>"\n')
    with pytest.raises(ConfigError, match="display_name 只写名称"):
        load_config(_write(tmp_path, text))
