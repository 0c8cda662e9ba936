"""Drop-to-result latency of `workflow watch`, with the shipped [watch] defaults.

Starts a real daemon on temporary folders, drops filled workbooks one at a time (half by an
atomic rename, half by a plain copy that the daemon must see settle), and measures from the end
of the drop to the moment the file's result.json is in the outbox.

    python benchmarks/latency.py [--drops 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
from workflow.workbook.template import write_template


def make_workbooks(folder: Path, count: int) -> list[Path]:
    blank = write_template(folder, SEED_AGENCY, SEED_YEAR)
    made = []
    for i in range(count):
        wb = openpyxl.load_workbook(blank)
        for key, value in dict(seed_values(), agency_name=f"测试{i:02d}镇人民政府").items():
            sheet, cell = next(iter(wb.defined_names[key].destinations))
            wb[sheet][cell.replace("$", "")].value = value
        wb.save(folder / f"{i:02d}.xlsx")
        made.append(folder / f"{i:02d}.xlsx")
    return made


def wait_for_result(outbox: Path, digest: str, timeout: float = 30.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.rglob("result.json"):
            try:
                if json.loads(path.read_text("utf-8")).get("sha256") == digest:
                    return time.monotonic()
            except (OSError, ValueError):
                pass
        time.sleep(0.005)
    raise TimeoutError(f"no result for {digest[:12]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="latency-"))
    books = make_workbooks(root, args.drops + 1)
    inbox, outbox = root / "inbox", root / "outbox"
    inbox.mkdir()
    config = root / "config.toml"
    config.write_text(
        '[paths]\ninbox = "inbox"\noutbox = "outbox"\narchive = "archive"\nstate = "state"\n'
        f"[watch]\nworkers = {args.workers}\n",
        encoding="utf-8",
    )
    cli = Path(sys.executable).with_name("workflow")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "workflow.cli"]
    proc = subprocess.Popen([*command, "watch", "--config", str(config)], stderr=subprocess.DEVNULL)
    timings: dict[str, list[float]] = {"rename": [], "copy": []}
    try:
        shutil.copyfile(books[0], inbox / "warm-up.xlsx")  # pool start-up, not measured
        wait_for_result(outbox, hashlib.sha256(books[0].read_bytes()).hexdigest(), 60)
        for i, book in enumerate(books[1:]):
            digest = hashlib.sha256(book.read_bytes()).hexdigest()
            time.sleep(0.3)
            if i % 2:
                shutil.copyfile(book, inbox / f"{i:02d}.xlsx")
                method = "copy"
            else:
                shutil.copyfile(book, inbox / f".{i:02d}.tmp")
                os.rename(inbox / f".{i:02d}.tmp", inbox / f"{i:02d}.xlsx")
                method = "rename"
            start = time.monotonic()
            timings[method].append(wait_for_result(outbox, digest) - start)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        shutil.rmtree(root, ignore_errors=True)
    everything = timings["rename"] + timings["copy"]
    for name, values in (*timings.items(), ("all", everything)):
        print(
            f"{name:7} n={len(values):3}  median {statistics.median(values):.3f} s  "
            f"p90 {sorted(values)[int(0.9 * (len(values) - 1))]:.3f} s  max {max(values):.3f} s"
        )
    return 0 if statistics.median(everything) <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
