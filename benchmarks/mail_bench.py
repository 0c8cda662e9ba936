"""Mail latency and a burst, on local servers (Dovecot + aiosmtpd on 127.0.0.1).

    python benchmarks/mail_bench.py [--mails 50] [--burst 200] [--no-idle] [--kill-burst 200]

Latency: one mail at a time, from the IMAP APPEND of an agency's mail (a workbook attached)
to the moment the SMTP server has our reply; median and p90. The mail side runs as in
`workflow watch` (`MailService`): with IDLE (Dovecot offers it, as 163 / QQ / Coremail do), or
with `--no-idle` against a server without IDLE polled every 0.5 s ("a short poll").
Burst: `--burst` mails appended at once; the time until every one has its reply, and a check
that no mail got two replies and none got none. Kill burst: `--kill-burst` more mails
appended at once to a `workflow watch` process that is killed with SIGKILL at random moments
(every 0.5-4 s, seeded) and started again at once, until every mail has its reply or
`--kill-bound` seconds passed; then it runs unkilled (up to `--kill-bound` more seconds): how
many were lost (never answered; must be 0) and how many were answered twice
(possible only when a kill falls between the SMTP server's 250 and the ledger's commit; target
0). Needs Dovecot installed (see .ci/run).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.daemon_harness import WATCH  # noqa: E402
from tests.mail_helpers import raw_mail, rfc2231_part, write_office  # noqa: E402
from tests.mail_servers import (  # noqa: E402
    NO_IDLE_NO_MOVE,
    Dovecot,
    SmtpCapture,
    _temp_folder,
)
from workflow.example import seed_values  # noqa: E402
from workflow.intake.mail.service import MailService  # noqa: E402
from workflow.workbook.fill import fill_by_name  # noqa: E402
from workflow.workbook.template import write_template  # noqa: E402


class TimedCapture(SmtpCapture):
    """Records when each reply arrived, by the Message-ID it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, list[float]] = {}
        self.on_message = self._stamp

    def _stamp(self, item: object) -> None:
        answered = item.message["In-Reply-To"]  # type: ignore[attr-defined]
        self.arrived.setdefault(answered, []).append(time.perf_counter())

    def wait_reply(self, message_id: str, timeout: float = 60.0) -> float:
        deadline = time.monotonic() + timeout
        while message_id not in self.arrived:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to {message_id}")
            time.sleep(0.002)
        return self.arrived[message_id][0]


def _workbook(folder: Path) -> bytes:
    blank = write_template(folder, "后河镇人民政府", 2021)
    return fill_by_name(blank, seed_values(), folder / "filled.xlsx").read_bytes()


def _start_watch(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*WATCH, "watch", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def killed_burst(
    server: Dovecot, work: Path, book: bytes, count: int, bound: float, seed: int
) -> None:
    """`count` mails at once to a `workflow watch` killed -9 at random moments."""
    smtp = TimedCapture().start()
    rng = random.Random(seed)
    extra = "enabled = true\nmax_replies_per_hour = 1000000"
    office = write_office(work / "killed", server, smtp, extra=extra, poll=0.5)
    ids = [f"<kill{i}@county.test>" for i in range(count)]
    with server.client() as c:
        for mid in ids:
            c.append(raw_mail(message_id=mid, attachments=[rfc2231_part("报告.xlsx", book)]))
    kills = 0
    start = time.perf_counter()
    proc = _start_watch(office.config_path)
    try:
        while time.perf_counter() - start < bound:
            if all(m in smtp.arrived for m in ids):
                break
            time.sleep(rng.uniform(0.5, 4.0))
            if all(m in smtp.arrived for m in ids):
                break
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            kills += 1
            proc = _start_watch(office.config_path)
        took = time.perf_counter() - start
        during = sum(1 for m in ids if m in smtp.arrived)
        calm = time.perf_counter()  # no more kills: whatever is left must still come
        while time.perf_counter() - calm < bound and not all(m in smtp.arrived for m in ids):
            time.sleep(0.2)
        time.sleep(3.0)  # a late duplicate would show up here
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        smtp.stop()
    replies = [len(smtp.arrived.get(m, [])) for m in ids]
    lost, twice = replies.count(0), sum(1 for n in replies if n > 1)
    print(f"burst of {count} mails to `workflow watch` killed -9 {kills} times (seed {seed}):")
    print(
        f"  {during} answered in {took:.1f} s while killed, the rest after; "
        f"lost {lost}, duplicated {twice}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--no-idle", action="store_true")
    parser.add_argument("--kill-burst", type=int, default=200)
    parser.add_argument("--kill-bound", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    server = Dovecot(_temp_folder()).start(capability=NO_IDLE_NO_MOVE if args.no_idle else None)
    smtp = TimedCapture().start()
    stop = threading.Event()
    try:
        # one sender mails hundreds of times: lift the per-address hourly reply limit
        extra = "enabled = true\nmax_replies_per_hour = 1000000"
        office = write_office(work / "office", server, smtp, extra=extra, poll=0.5)
        book = _workbook(work)
        service = MailService(office.config, stop)
        service.start()
        assert service.wait_passes(1, 30), "the first pass never finished"

        if args.mails:
            latencies = []
            for i in range(args.mails):
                mid = f"<lat{i}@county.test>"
                raw = raw_mail(message_id=mid, attachments=[rfc2231_part("报告.xlsx", book)])
                start = time.perf_counter()
                server.deliver(raw)
                latencies.append(smtp.wait_reply(mid) - start)
            latencies.sort()
            p90 = latencies[max(0, int(len(latencies) * 0.9) - 1)]
            mode = "no IDLE, poll 0.5 s" if args.no_idle else "IDLE"
            print(f"latency, APPEND -> reply captured ({mode}, {args.mails} mails):")
            print(f"  median {statistics.median(latencies):.3f} s   p90 {p90:.3f} s"
                  f"   max {latencies[-1]:.3f} s")  # fmt: skip

        if args.burst:
            before = len(smtp.messages)
            ids = [f"<burst{i}@county.test>" for i in range(args.burst)]
            raws = [
                raw_mail(message_id=m, attachments=[rfc2231_part("报告.xlsx", book)]) for m in ids
            ]
            start = time.perf_counter()
            with server.client() as c:
                for raw in raws:
                    c.append(raw)
            appended = time.perf_counter() - start
            smtp.wait_for(before + args.burst, timeout=600)
            time.sleep(2.0)  # a late duplicate would show up here
            took = max(max(smtp.arrived.get(m, [start])) for m in ids) - start
            replies = [len(smtp.arrived.get(m, [])) for m in ids]
            print(f"burst of {args.burst} mails (appended in {appended:.1f} s):")
            lost, twice = replies.count(0), sum(1 for n in replies if n > 1)
            rate = args.burst / took
            print(
                f"  all answered in {took:.1f} s ({rate:.1f} mails/s);"
                f" lost {lost}, duplicated {twice}"
            )
        stop.set()
        service.join(30)
        if args.kill_burst:
            killed_burst(server, work, book, args.kill_burst, args.kill_bound, args.seed)
    finally:
        stop.set()
        smtp.stop()
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
