"""Benchmark: the web page's year view for 300 registered agencies (not a timed test).

    python benchmarks/web_year.py [--agencies 300] [--rounds 30]

Builds an office in a temporary folder: a registry of N agencies, and a ledger in which two
thirds have a passed report, one sixth a failed one after an earlier passed one, and the rest
nothing (the rows are written by the ledger's own `record_processed`, from one real workbook
processed by the pipeline and given each agency's name). Then, logged in through Flask's test
client, GET /year as a browser would, `rounds` times, and print the times.

Target (issue 19): the year page renders in under 300 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web_helpers import CLERK, PASSWORD, login, town  # noqa: E402
from workflow.config import load_config  # noqa: E402
from workflow.example import SEED_AGENCY  # noqa: E402
from workflow.flow.pipeline import process_file  # noqa: E402
from workflow.office.ledger import open_ledger  # noqa: E402
from workflow.web.app import create_app  # noqa: E402
from workflow.web.users import UserFile  # noqa: E402
from workflow.workbook.fill import fill_by_name  # noqa: E402
from workflow.workbook.template import write_template  # noqa: E402


def build(root: Path, count: int) -> Path:
    names = [f"第{i:03d}号单位" for i in range(count)]
    cfg = root / "config.toml"
    cfg.write_text("".join(f'[[agencies]]\nname = "{n}"\nkind = "部门"\n' for n in names), "utf-8")
    config = load_config(cfg)
    blank = write_template(root, SEED_AGENCY, 2021)
    good = fill_by_name(blank, town(SEED_AGENCY), root / "good.xlsx")
    bad = fill_by_name(blank, town(SEED_AGENCY, apply_new_natural=2), root / "bad.xlsx")
    passed = process_file(good, config, outbox=root / "sample-pass")
    failed = process_file(bad, config, outbox=root / "sample-fail")
    start = datetime(2022, 1, 10, 9, 0).astimezone()
    with open_ledger(config) as ledger:
        for i, name in enumerate(names):
            share = i % 6
            if share == 5:
                continue  # 未提交
            kinds = [passed] if share < 4 else [passed, failed]
            for n, result in enumerate(kinds):
                assert result.submission is not None
                values = {**result.submission.values, "agency_name": name}
                renamed = dataclasses.replace(
                    result,
                    submission=dataclasses.replace(result.submission, values=values),
                    sha256=f"{i:060d}{n:04d}",
                )
                when = start + timedelta(minutes=i * 3 + n)
                ledger.record_processed(renamed.sha256, f"{name}.xlsx", when, good, renamed)
    UserFile(config.web_users_file).add(CLERK, PASSWORD)
    return cfg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        cfg = build(Path(folder), args.agencies)
        print(f"office of {args.agencies} agencies built in {time.perf_counter() - t0:.1f} s")
        app = create_app(load_config(cfg))
        client = app.test_client()
        login(client)
        times, cpu = [], []
        size = 0
        for _ in range(args.rounds):
            t, c = time.perf_counter(), time.process_time()
            response = client.get("/year?year=2021")
            body = response.get_data()
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            assert response.status_code == 200
            size = len(body)
        assert body.count(b'<td class="status"') == args.agencies
        print(
            f"GET /year, {args.agencies} agencies, {size // 1024} KB of HTML, {args.rounds} rounds:"
        )
        print(
            f"  first {times[0]:.0f} ms, median {statistics.median(times):.0f} ms, "
            f"max {max(times):.0f} ms (target: under 300 ms)"
        )
        print(
            f"  CPU time: median {statistics.median(cpu):.0f} ms (wall time grows when other"
            f" processes share the cores; load average now {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
