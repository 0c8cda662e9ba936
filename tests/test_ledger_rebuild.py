"""Issue 18: the folders are the truth, the ledger an index. After a rebuild (automatic, of a
damaged ledger, or `workflow rebuild-ledger`), `status --json` and the summary's states are
what they were, for submissions from the inbox, `workflow process`, mail and
`import-history`, with who sent them and in what order.

The inbox files go through the daemon's own loop (`WatchLoop`, in this process); `process`
and `import-history` through the CLI; a mailed workbook the way the mail intake enters one:
archived beside its message.eml under archive/mail/, processed there, and recorded with
`MailStore.record_submission` with its sender and Message-ID.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import MakeWorkbook
from tests.daemon_harness import Office
from tests.fault_tools import InlineRunner, settle_loop
from workflow.cli import main
from workflow.config import Config, load_config
from workflow.flow.pipeline import process_file
from workflow.intake.folder.loop import WatchLoop
from workflow.office.history import previous_report
from workflow.office.ledger import Ledger, ledger_path
from workflow.office.mail_ledger import MailStore
from workflow.office.rebuild import RebuildReport, rebuild_on_demand
from workflow.office.year import year_states

HOUHE, QIANHE, ZUOHE, YOUHE = "后河镇人民政府", "前河镇人民政府", "左河镇人民政府", "右河镇人民政府"
MAILER = "zh@zuohe.gov.cn"
AGENCIES = f"""
[[agencies]]
name = "{HOUHE}"
kind = "镇"
[[agencies]]
name = "{QIANHE}"
kind = "镇"
[[agencies]]
name = "{ZUOHE}"
kind = "镇"
emails = ["{MAILER}"]
[[agencies]]
name = "{YOUHE}"
kind = "镇"
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def status(config_path: Path, year: int) -> list[dict[str, object]]:
    code, out, err = run("status", "--year", str(year), "--json", "--config", str(config_path))
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def mailed(config: Config, workbook: Path, when: datetime, message_id: str) -> None:
    """A workbook mailed by `MAILER`, entered as the mail intake enters it."""
    folder = config.archive / "mail" / f"{when:%Y}" / f"{when:%Y%m%d-%H%M%S}-{message_id[1:9]}"
    folder.mkdir(parents=True)
    headers = f"From: 左河镇 <{MAILER}>\r\nMessage-ID: {message_id}\r\nSubject: 年报\r\n"
    (folder / "message.eml").write_bytes(f"{headers}\r\n见附件\r\n".encode())
    attachment = folder / f"01-{workbook.name}"
    attachment.write_bytes(workbook.read_bytes())
    with MailStore(ledger_path(config), archive=config.archive) as store:
        store.add(  # the mail's own row, its facts written beside the .eml
            {
                "key": message_id,
                "message_id": message_id,
                "sender": MAILER,
                "subject": "年报",
                "received_at": when,
                "eml_path": str(folder / "message.eml"),
                "kind": "submission",
            }
        )
        sequence = store.next_sequence()
        result = process_file(
            attachment,
            config,
            display_name=workbook.name,
            received_at=when,
            sequence=sequence,
            source="mail",
            sender=MAILER,
            message_id=message_id,
        )
        store.record_submission(attachment, result, sender=MAILER, message_id=message_id)
        store.set_state(message_id, "done")


@pytest.fixture
def office(tmp_path: Path, make_workbook: MakeWorkbook) -> tuple[Office, Config]:
    """An office with submissions of every source, for two report years."""
    office = Office(tmp_path, workers=1)
    office.config.write_text(office.config.read_text("utf-8") + AGENCIES, "utf-8")
    config = load_config(office.config)
    # inbox: 后河镇 fails, then passes; an unreadable file named for 右河镇
    with Ledger(ledger_path(config)) as ledger:
        loop = WatchLoop(config, ledger, InlineRunner(config))
        loop.recover()
        for name, data in (
            ("后河镇初稿.xlsx", make_workbook("h1.xlsx", apply_new_natural=5).read_bytes()),
            ("后河镇改正.xlsx", make_workbook("h2.xlsx").read_bytes()),
            ("右河镇人民政府2021年报.xlsx", b"not a workbook"),
        ):
            office.drop(name, data)
            loop.hint_renamed([name])
            settle_loop(loop, office.done, what=name)
        loop.drain()
    # `workflow process`: 前河镇 passes, then sends a failing one
    qianhe = {"agency": QIANHE, "agency_name": QIANHE}
    for name, extra in (("前河镇.xlsx", {}), ("前河镇第二版.xlsx", {"apply_new_natural": 7})):
        path = make_workbook(name, **qianhe, **extra)
        code, _, err = run("process", str(path), "--config", str(office.config))
        assert code in (0, 1) and "错误" not in err, err
    # mail: 左河镇 fails, then passes
    zuohe = {"agency": ZUOHE, "agency_name": ZUOHE}
    for name, extra, mid in (
        ("左河镇.xlsx", {"apply_new_natural": 9}, "<m1@zuohe.gov.cn>"),
        ("左河镇改.xlsx", {}, "<m2@zuohe.gov.cn>"),
    ):
        time.sleep(1.1)  # a mail folder is named to the second
        mailed(config, make_workbook(name, **zuohe, **extra), datetime.now().astimezone(), mid)
    # import-history: last year's report of 后河镇
    old = make_workbook("后河镇2020.xlsx", year=2020, report_year=2020)
    code, _, err = run("import-history", str(old), "--config", str(office.config))
    assert code == 0, err
    return office, config


def snapshot(office: Office, config: Config) -> object:
    return (
        status(office.config, 2021),
        year_states(config, 2021),
        year_states(config, 2020),
        # in claim order (a mailed attachment's archive name has no sequence: a superseded one
        # takes its place by the time it was received)
        [(r.file_name, r.source, r.sender, r.message_id) for r in rows(config)],
        previous_report(config, HOUHE, 2021),  # the imported history, for the cross-year checks
    )


def rows(config: Config) -> list:
    with Ledger(ledger_path(config), readonly=True) as ledger:
        return ledger.records()


def test_a_damaged_ledger_comes_back_whole_from_the_folders(
    office: tuple[Office, Config],
) -> None:
    office_, config = office
    # the office has every source, before anything is damaged
    by_agency = {r["agency"]: r for r in status(office_.config, 2021)}
    assert {a: by_agency[a]["status"] for a in (HOUHE, QIANHE, ZUOHE, YOUHE)} == {
        HOUHE: "passed",
        QIANHE: "failed",
        ZUOHE: "passed",
        YOUHE: "rejected",
    }
    assert sorted({r.source for r in rows(config)}) == [
        "import-history",
        "inbox",
        "mail",
        "process",
    ]
    before = snapshot(office_, config)
    path = ledger_path(config)
    path.write_bytes(b"this is not a ledger" * 50)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    assert snapshot(office_, config) == before


def test_rebuild_ledger_on_demand_says_what_it_found_and_changes_no_verdict(
    office: tuple[Office, Config],
) -> None:
    office_, config = office
    with MailStore(ledger_path(config)) as store:  # the mail intake's own state
        store.block("bounced@zuohe.gov.cn", "退信")
    before = snapshot(office_, config)
    code, out, err = run("rebuild-ledger", "--dry-run", "--config", str(office_.config))
    assert code == 0, err
    assert "演练" in out and "共 8 条提交记录" in out
    assert "来源：import-history" not in out and "邮件 2" in out and "process 命令 2" in out
    assert len(list(config.state.glob("ledger.sqlite3.before-rebuild-*"))) == 0
    code, out, err = run("rebuild-ledger", "--config", str(office_.config))
    assert code == 0, err
    assert "台账已重建" in out and "收件箱 3" in out and "导入的往年报告 1" in out
    # the blocked address and the two mails' rows
    assert "邮件往来记录（3 条）已从原台账照原样保留" in out
    with MailStore(ledger_path(config), readonly=True) as store:
        assert store.is_blocked("bounced@zuohe.gov.cn"), "the mail tables are carried over"
    [aside] = config.state.glob("ledger.sqlite3.before-rebuild-*[0-9]")
    with Ledger(aside, readonly=True) as kept:
        assert len(kept.records()) == 8, "the ledger set aside is whole"
    assert snapshot(office_, config) == before
    # and new submissions are numbered after everything the folders knew
    with Ledger(ledger_path(config)) as ledger:
        assert ledger.next_sequence() > max(r.seq or 0 for r in ledger.records())


def test_mailed_files_the_intake_never_processed_are_not_rebuilt_as_submissions(
    tmp_path: Path, make_workbook: MakeWorkbook
) -> None:
    """An unregistered sender's attachment, and a registered sender's workbook made out for
    another agency, lie in archive/mail/ but were never judged: a rebuild leaves them out."""
    office = Office(tmp_path, workers=1)
    office.config.write_text(office.config.read_text("utf-8") + AGENCIES, "utf-8")
    config = load_config(office.config)
    when = datetime.now().astimezone()
    for n, (sender, agency) in enumerate(
        [("stranger@example.com", ZUOHE), (MAILER, HOUHE), (MAILER, ZUOHE)]
    ):
        folder = config.archive / "mail" / f"{when:%Y}" / f"{when:%Y%m%d-%H%M%S}-{n:010d}"
        folder.mkdir(parents=True)
        headers = f"From: {sender}\r\nMessage-ID: <{n}@x>\r\n"
        (folder / "message.eml").write_bytes(f"{headers}\r\n.\r\n".encode())
        workbook = make_workbook(f"{n}.xlsx", agency=agency, agency_name=agency).read_bytes()
        # the stranger's file is unreadable: only the sender rule keeps it out
        (folder / "01-年报.xlsx").write_bytes(b"not a workbook" if n == 0 else workbook)
    code, _, err = run("rebuild-ledger", "--config", str(office.config))
    assert code == 0, err
    [row] = rows(config)
    assert (row.agency, row.sender, row.message_id, row.source) == (ZUOHE, MAILER, "<2@x>", "mail")


def test_rebuild_ledger_waits_for_no_running_daemon(tmp_path: Path) -> None:
    """While `workflow watch` holds the state folder's lock, the ledger is left alone."""
    from workflow.intake.folder.state_guard import LOCK_NAME, take_lock

    office = Office(tmp_path, workers=1)
    config = load_config(office.config)
    held = take_lock(config.state / LOCK_NAME)
    assert held is not None
    try:
        code, out, err = run("rebuild-ledger", "--config", str(office.config))
    finally:
        held.close()
    assert code == 1 and "监视程序正在运行，请先停止" in err and out == ""
    assert not ledger_path(config).exists()


def test_originals_archived_before_sequences_existed_keep_their_place(tmp_path: Path) -> None:
    """An archive of an earlier release (`<stamp>-<name>`) and newer files (`<stamp>-n…-`):
    the older ones come first, by their time, the newer ones by their sequence."""
    office = Office(tmp_path, workers=1)
    config = load_config(office.config)
    rejected = config.archive / "rejected"
    rejected.mkdir(parents=True)
    names = [
        "20220101-090000-a.xlsx",
        "20220101-090100-b.xlsx",
        "20220101-090200-c.xlsx",
        "20220102-100000-n000002-e.xlsx",  # claimed last, though its clock time is earlier
        "20220102-110000-n000001-d.xlsx",
    ]
    for n, name in enumerate(names):
        (rejected / name).write_bytes(b"not a workbook %d" % n)
    code, _, err = run("rebuild-ledger", "--config", str(office.config))
    assert code == 0, err
    assert [r.file_name for r in rows(config)] == ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "e.xlsx"]


def test_a_dry_run_counts_the_rows_the_rebuild_writes(tmp_path: Path) -> None:
    """A duplicate whose original is no longer in the archive has nothing to be a duplicate
    of: the rebuild writes no row for it, and `--dry-run` does not count one either."""
    office = Office(tmp_path, workers=1)
    config = load_config(office.config)
    for folder, name, data in (
        ("rejected", "20220101-090000-n000001-a.xlsx", b"not a workbook"),
        ("duplicates", "20220101-090100-n000002-a.xlsx", b"not a workbook"),
        ("duplicates", "20220101-090200-n000003-b.xlsx", b"its original is gone"),
    ):
        (config.archive / folder).mkdir(parents=True, exist_ok=True)
        (config.archive / folder / name).write_bytes(data)

    def counts(report: RebuildReport) -> tuple[object, ...]:
        return report.rows, report.by_source, report.by_status, report.results_only

    dry, _ = rebuild_on_demand(config, dry_run=True)
    real, _ = rebuild_on_demand(config, dry_run=False)
    assert counts(dry) == counts(real) == (2, {"inbox": 2}, {"rejected": 1, "duplicate": 1}, 0)
    assert [(r.file_name, r.status) for r in rows(config)] == [
        ("a.xlsx", "rejected"),
        ("a.xlsx", "duplicate"),
    ]
