"""Shared fixtures: real workbooks made by our own template command, filled by defined name the
way any program (or an agency's Excel) fills them. No binary fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.daemon_harness import Office
from tests.mail_helpers import MailOffice, write_office
from tests.mail_servers import (  # noqa: F401 (fixtures)
    Dovecot,
    SmtpCapture,
    dovecot,
    dovecot_factory,
    dovecot_reaper,
    smtp,
)
from workflow.example import SEED_AGENCY, SEED_YEAR, seed_values
from workflow.workbook.fill import fill_by_name

MakeWorkbook = Callable[..., Path]


def fill_workbook(src: Path, values: Mapping[str, object], dst: Path) -> Path:
    """Write `values` into a copy of `src`, each into the cell its defined name points at."""
    return fill_by_name(src, values, dst)


@pytest.fixture(scope="session")
def blank_template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blank")


@pytest.fixture(scope="session")
def blank_workbook(blank_template_dir: Path) -> Callable[[str, int], Path]:
    """A blank workbook made by our template writer, cached per (agency, year)."""
    from workflow.workbook.template import write_template

    cache: dict[tuple[str, int], Path] = {}

    def make(agency: str = SEED_AGENCY, year: int = SEED_YEAR) -> Path:
        if (agency, year) not in cache:
            folder = blank_template_dir / f"{len(cache)}"
            folder.mkdir()
            cache[(agency, year)] = write_template(folder, agency, year)
        return cache[(agency, year)]

    return make


@pytest.fixture
def make_workbook(blank_workbook: Callable[[str, int], Path], tmp_path: Path) -> MakeWorkbook:
    """make_workbook(name="x.xlsx", agency=..., year=..., base=seed_values(), **overrides).

    Starts from the published 后河镇 report (or `base`) and applies `overrides` by key;
    an override of `None` empties the cell.
    """

    def make(
        name: str = "report.xlsx",
        *,
        agency: str = SEED_AGENCY,
        year: int = SEED_YEAR,
        base: Mapping[str, object] | None = None,
        **overrides: object,
    ) -> Path:
        values = dict(seed_values() if base is None else base)
        values.update(overrides)
        return fill_workbook(blank_workbook(agency, year), values, tmp_path / name)

    return make


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    """A daemon's folders and config in tmp_path; any `workflow watch` it started is ended."""
    office = Office(tmp_path)
    yield office
    for watch in office.watches:
        if watch.proc.poll() is None:
            watch.power_cut()


@pytest.fixture
def offices() -> Iterator[list[Office]]:
    """Offices a test made; any `workflow watch` still running afterwards is ended."""
    made: list[Office] = []
    yield made
    for office in made:
        for watch in office.watches:
            if watch.proc.poll() is None:
                watch.power_cut()


@pytest.fixture
def mail_office(
    tmp_path: Path,
    dovecot: Dovecot,  # noqa: F811
    smtp: SmtpCapture,  # noqa: F811
) -> MailOffice:
    """An office whose [mail] points at a fresh Dovecot and an SMTP capture (plain, loopback)."""
    return write_office(tmp_path / "office", dovecot, smtp)
