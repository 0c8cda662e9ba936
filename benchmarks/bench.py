"""Benchmark: what one server does, measured, printed as a table (not a timed test).

    python benchmarks/bench.py                # everything, ~5 minutes on 2 cores
    python benchmarks/bench.py --quick        # smaller counts, ~1 minute

Measures, in one run on this machine:
  * per-file time of `process_file` over N workbooks, against the floor of the stack measured
    on the same workbooks (openpyxl load + docxtpl render of our own template, nothing else);
  * peak memory (max RSS) of a `workflow process` run over those N workbooks;
  * the daemon: throughput on a burst dropped at once, median drop-to-result latency of single
    drops, and its memory (RSS of the daemon and its workers) across many files.

Targets (issue 6): ≤ 1.5× the floor, ≤ 200 MB peak, ≥ 10 workbooks/s sustained by the daemon,
median drop-to-result ≤ 1 s, no memory growth.
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
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflow.config import load_config  # noqa: E402
from workflow.example import seed_values  # noqa: E402
from workflow.workbook.fill import fill_by_name  # noqa: E402
from workflow.workbook.template import write_template  # noqa: E402


def make_workbooks(folder: Path, count: int, *, failing_every: int = 0) -> list[Path]:
    """`count` filled workbooks of different agencies with varied, consistent numbers."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    out = []
    for i in range(count):
        agency = f"第{i + 1:04d}镇人民政府"
        blank = write_template(folder / "blank", agency, 2021)
        values = dict(seed_values(), agency_name=agency)
        values["text_on_request"] = str(values["text_on_request"]).replace("我局", "我镇")
        n = rng.randint(0, 9)
        values.update(
            apply_new_natural=n,
            apply_new_total=n,
            apply_granted_natural=n,
            apply_granted_total=n,
            apply_handled_total_natural=n,
            apply_handled_total_total=n,
            penalty_decisions=rng.randint(0, 50),
        )
        values["text_on_request"] = f"本年度收到政府信息公开申请{n}件，均已按期答复。"
        if failing_every and i % failing_every == 0:
            values["apply_new_total"] = n + 1
        out.append(fill_by_name(blank, values, folder / f"{i:04d}.xlsx"))
    shutil.rmtree(folder / "blank", ignore_errors=True)
    return out


def bench_floor(files: list[Path], template: Path, out: Path) -> float:
    """openpyxl load + docxtpl render of our template with the values: the stack's floor."""
    import openpyxl
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from workflow.core.form import FIELDS

    start = time.perf_counter()
    for path in files:
        with open(path, "rb") as fh:
            wb = openpyxl.load_workbook(fh)
        context: dict[str, object] = {}
        for f in FIELDS:
            sheet, coord = next(iter(wb.defined_names[f.key].destinations))
            context[f.key] = wb[sheet][coord.replace("$", "")].value
        wb.close()
        context["paragraphs"] = {}
        doc = DocxTemplate(template)
        doc.render(context, Environment(autoescape=True))
        doc.save(out / "floor.docx")
    return (time.perf_counter() - start) / len(files)


def bench_process(files: list[Path], outbox: Path) -> float:
    from workflow.flow.pipeline import process_file

    config = load_config(ROOT / "config.toml")
    start = time.perf_counter()
    for path in files:
        process_file(path, config, outbox=outbox, pdf=False)
    return (time.perf_counter() - start) / len(files)


def peak_rss_of_cli(files: list[Path], outbox: Path) -> float:
    """Max RSS in MB of one `workflow process` over all files (a child process)."""
    code = (
        "import resource, sys\n"
        "from workflow.cli import main\n"
        "try:\n    main(sys.argv[1:])\n"
        "except SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    args = [
        sys.executable,
        "-c",
        code,
        "process",
        *map(str, files),
        "--outbox",
        str(outbox),
        "--config",
        str(ROOT / "config.toml"),
        "--json",
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def rss_mb(pid: int) -> float:
    """RSS of a process and its children, from /proc (Linux)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Daemon:
    def __init__(self, base: Path, workers: int) -> None:
        self.inbox, self.outbox = base / "inbox", base / "outbox"
        for d in (self.inbox, self.outbox):
            d.mkdir(parents=True)
        cfg = base / "config.toml"
        cfg.write_text(
            f'[paths]\ninbox = "{self.inbox}"\noutbox = "{self.outbox}"\n'
            f'archive = "{base / "archive"}"\nstate = "{base / "state"}"\n'
            f"[watch]\nsettle_seconds = 0.05\nscan_interval = 0.5\nworkers = {workers}\n",
            "utf-8",
        )
        exe = shutil.which("workflow") or str(Path(sys.executable).parent / "workflow")
        self.proc = subprocess.Popen(
            [exe, "watch", "--config", str(cfg)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2.0)

    def results(self) -> int:
        return sum(1 for _ in self.outbox.rglob("result.json"))

    def drop(self, src: Path, name: str) -> None:
        """Drop a copy of `src` whose bytes are unique (a zip comment), so the daemon's
        duplicate detection does not skip it: every drop is real work."""
        tmp = self.inbox / f".{name}.part"
        shutil.copy(src, tmp)
        with zipfile.ZipFile(tmp, "a") as zf:
            zf.comment = name.encode()
        os.rename(tmp, self.inbox / name)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def bench_daemon(
    files: list[Path], base: Path, burst: int, singles: int, soak: int, workers: int
) -> dict[str, float]:
    out: dict[str, float] = {}
    d = Daemon(base / f"d{workers}", workers)
    try:
        rss_start = rss_mb(d.proc.pid)
        # latency of single drops: each of a different agency, one at a time
        latencies = []
        for i in range(singles):
            before = d.results()
            t0 = time.monotonic()
            d.drop(files[i % len(files)], f"single-{i}.xlsx")
            wait_for(lambda b=before: d.results() > b, 30)
            latencies.append(time.monotonic() - t0)
        out["latency_median_s"] = statistics.median(latencies)
        out["latency_p90_s"] = sorted(latencies)[int(0.9 * (len(latencies) - 1))]
        # a burst dropped at once; results are one per agency folder, so count distinct files
        # via rejected/ + agency folders: use fresh agencies by using the burst's own files
        archive = base / f"d{workers}" / "archive"
        before = sum(1 for p in archive.rglob("*.xlsx"))
        t0 = time.monotonic()
        for i in range(burst):
            d.drop(files[i % len(files)], f"burst-{i}.xlsx")
        wait_for(lambda: sum(1 for p in archive.rglob("*.xlsx")) >= before + burst, 600)
        out["burst_files_per_s"] = burst / (time.monotonic() - t0)
        rss_mid = rss_mb(d.proc.pid)
        # soak: many files in waves, then memory again
        done = sum(1 for p in archive.rglob("*.xlsx"))
        for i in range(soak):
            d.drop(files[i % len(files)], f"soak-{i}.xlsx")
            if i % 100 == 99:
                wait_for(lambda n=done + i + 1: sum(1 for p in archive.rglob("*.xlsx")) >= n, 600)
        wait_for(lambda: sum(1 for p in archive.rglob("*.xlsx")) >= done + soak, 900)
        out["rss_start_mb"], out["rss_after_burst_mb"] = rss_start, rss_mid
        out["rss_after_soak_mb"] = rss_mb(d.proc.pid)
        out["files_total"] = singles + burst + soak
    finally:
        d.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts")
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--soak", type=int, default=2000)
    parser.add_argument(
        "--ledger-rows",
        type=int,
        default=0,
        metavar="N",
        help="only the ledger benchmark: a ledger of N rows (see ledger_bench.py)",
    )
    args = parser.parse_args()
    if args.ledger_rows:
        from benchmarks.ledger_bench import run as ledger_bench

        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
            print_rows(ledger_bench(Path(tmp), args.ledger_rows))
        return
    n = 30 if args.quick else args.files
    soak = 200 if args.quick else args.soak
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        base = Path(tmp)
        files = make_workbooks(base / "in", n)
        failing = make_workbooks(base / "in-failing", max(10, n // 5), failing_every=1)
        config = load_config(ROOT / "config.toml")
        floor = bench_floor(files, config.report_template, base)
        ours = bench_process(files, base / "out")
        ours_failing = bench_process(failing, base / "out-f")
        peak = peak_rss_of_cli(files, base / "out-cli")
        rows = [
            ("floor: openpyxl load + docxtpl render, per file", f"{floor * 1000:.0f} ms"),
            ("process_file, passing workbooks, per file", f"{ours * 1000:.0f} ms"),
            ("  ratio to the floor (target ≤ 1.5)", f"{ours / floor:.2f}×"),
            ("process_file, failing workbooks (+ error workbook)", f"{ours_failing * 1000:.0f} ms"),
            (f"peak RSS of `workflow process` over {n} files (≤ 200 MB)", f"{peak:.0f} MB"),
        ]
        for workers in (1, 2):
            d = bench_daemon(
                files,
                base,
                burst=3 * n,
                singles=20 if args.quick else 40,
                soak=soak if workers == 2 else 0,
                workers=workers,
            )
            rows += [
                (
                    f"daemon workers={workers}: burst of {3 * n} files",
                    f"{d['burst_files_per_s']:.1f} files/s",
                ),
                (
                    f"daemon workers={workers}: drop-to-result median / p90",
                    f"{d['latency_median_s']:.2f} s / {d['latency_p90_s']:.2f} s",
                ),
            ]
            if workers == 2:
                rows.append(
                    (
                        f"daemon RSS start / after burst / after {int(d['files_total'])} files",
                        f"{d['rss_start_mb']:.0f} / {d['rss_after_burst_mb']:.0f} / "
                        f"{d['rss_after_soak_mb']:.0f} MB",
                    )
                )
        print_rows(rows)


def print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  value")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
