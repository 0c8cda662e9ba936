"""config.toml: paths resolve against the file's folder, bad values are named in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.config import builtin_report_template, load_config
from workflow.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_repository_config_is_the_embedded_default() -> None:
    embedded = ROOT / "workflow" / "data" / "config.toml"
    assert (ROOT / "config.toml").read_bytes() == embedded.read_bytes()


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    cfg = tmp_path / "office" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text('[paths]\ninbox = "收件箱"\n[[agencies]]\nname = "城关镇人民政府"\n', "utf-8")
    config = load_config(cfg)
    assert config.inbox == (tmp_path / "office" / "收件箱").resolve()
    assert config.outbox == (tmp_path / "office" / "outbox").resolve()
    assert [a.name for a in config.agencies] == ["城关镇人民政府"]


def test_embedded_default_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.inbox == tmp_path.resolve() / "inbox"
    assert config.report_template == builtin_report_template()
    assert config.agencies[0].name == "后河镇人民政府"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[watch]\nworkers = 0\n", "watch.workers"),
        ('[watch]\nsettle_seconds = "fast"\n', "watch.settle_seconds"),
        ('[report]\npdf = "yes"\n', "report.pdf"),
        ('[[agencies]]\ncode = "1"\n', "name"),
        ("[paths\n", "格式错误"),
        ("[checks]\nfee_decimals = 4.5\n", "checks.fee_decimals"),
        ("[checks]\nfee_decimals = -1\n", "checks.fee_decimals"),
        ("[watch]\nfile_seconds = 0\n", "watch.file_seconds"),
        ('[watch]\nfile_xml_mb = "big"\n', "watch.file_xml_mb"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, words: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=words):
        load_config(cfg)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "nope.toml")


def test_fee_decimals_defaults_to_six_and_is_read(tmp_path: Path) -> None:
    """Published reports print 万元 to the 分 (18651.064104): six places are normal."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("[checks]\nfee_decimals = 4\n", "utf-8")
    assert load_config(cfg).fee_decimals == 4
    cfg.write_text("", "utf-8")
    assert load_config(cfg).fee_decimals == 6


def test_per_file_limits_default_and_are_read(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("", "utf-8")
    watch = load_config(cfg).watch
    assert (watch.file_seconds, watch.file_xml_mb, watch.max_xml_bytes) == (60, 10, 10 << 20)
    cfg.write_text("[watch]\nfile_seconds = 5\nfile_xml_mb = 2.5\n", "utf-8")
    watch = load_config(cfg).watch
    assert (watch.file_seconds, watch.max_xml_bytes) == (5, int(2.5 * (1 << 20)))
