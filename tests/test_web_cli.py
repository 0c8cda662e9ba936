"""`workflow web-user`, `workflow web` refusing to start, and the `[web]` config keys."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.mail_servers import free_port
from tests.web_server import WEB
from workflow.cli import main
from workflow.config import load_config
from workflow.core.errors import ConfigError
from workflow.core.web_settings import parse_listen
from workflow.web.users import UserFile


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text("[web]\nsession_hours = 8\n", "utf-8")
    return str(path)


def test_add_list_remove_a_user(cfg: str, tmp_path: Path) -> None:
    code, out, _ = run(
        "web-user", "add", "张三", "--password-stdin", "--config", cfg, stdin="一个足够长的密码\n"
    )
    assert (code, out) == (0, "已添加用户：张三\n")
    users = tmp_path / "state" / "web-users.json"
    text = users.read_text("utf-8")
    assert "一个足够长的密码" not in text and "$argon2id$" in text
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert UserFile(users).verify("张三", "一个足够长的密码")
    assert not UserFile(users).verify("张三", "一个足够长的密码x")
    code, out, _ = run("web-user", "list", "--config", cfg)
    assert code == 0 and out.startswith("张三\t")
    code, out, _ = run(
        "web-user", "add", "张三", "--password-stdin", "--config", cfg, stdin="另一个足够长的密码\n"
    )
    assert out == "已更新密码：张三\n"
    assert UserFile(users).verify("张三", "另一个足够长的密码")
    assert run("web-user", "remove", "张三", "--config", cfg)[:2] == (0, "已删除用户：张三\n")
    assert run("web-user", "list", "--config", cfg)[1] == "还没有网页用户。\n"
    code, _, err = run("web-user", "remove", "张三", "--config", cfg)
    assert (code, err) == (1, "错误：没有这个用户：张三\n")


def test_a_short_password_or_odd_name_is_refused(cfg: str, tmp_path: Path) -> None:
    code, _, err = run("web-user", "add", "a", "--password-stdin", "--config", cfg, stdin="short\n")
    assert (code, err) == (2, "错误：密码太短：至少 8 个字符\n")
    code, _, err = run(
        "web-user",
        "add",
        "a b",
        "--password-stdin",
        "--config",
        cfg,
        stdin="long enough password\n",
    )
    assert code == 2 and "用户名“a b”不可用" in err
    assert not (tmp_path / "state" / "web-users.json").exists()


def test_web_refuses_to_start_with_no_user(cfg: str) -> None:
    # a real process with a deadline: a page that started anyway would never return
    done = subprocess.run(
        [*WEB, "--listen", f"127.0.0.1:{free_port()}", "--config", cfg],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("错误：还没有网页用户") and "workflow web-user add" in done.stderr
    assert "网页已启动" not in done.stdout


def test_web_refuses_a_bad_listen_address(cfg: str) -> None:
    run("web-user", "add", "clerk", "--password-stdin", "--config", cfg, stdin="long enough pw\n")
    code, _, err = run("web", "--listen", "8080", "--config", cfg)
    assert code == 2 and err.startswith("错误：--listen 应写成“地址:端口”")


def test_web_says_so_when_the_port_is_taken(cfg: str) -> None:
    run("web-user", "add", "clerk", "--password-stdin", "--config", cfg, stdin="long enough pw\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("web", "--listen", f"127.0.0.1:{port}", "--config", cfg)
    assert code == 2 and err.startswith(f"错误：网页无法在 127.0.0.1:{port} 上启动")


def test_web_config_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", "utf-8")
    config = load_config(path)
    assert (config.web.enabled, config.web.listen, config.web.session_hours) == (
        False,
        "127.0.0.1:8080",
        8.0,
    )
    assert config.web_users_file == tmp_path / "state" / "web-users.json"


def test_web_config_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[web]\nenabled = true\nlisten = "0.0.0.0:9000"\nusers_file = "u/users.json"\n'
        "session_hours = 2\n",
        "utf-8",
    )
    config = load_config(path)
    assert config.web.enabled and config.web.listen == "0.0.0.0:9000"
    assert config.web_users_file == tmp_path / "u" / "users.json"
    assert config.web.session_hours == 2.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("enabled = 1", "web.enabled 应为 true 或 false"),
        ('listen = "localhost"', "web.listen 应写成“地址:端口”"),
        ('listen = "127.0.0.1:70000"', "web.listen 应写成“地址:端口”"),
        ("session_hours = 0", "web.session_hours 应为 0 到 720 之间的小时数"),
        ('users_file = ""', "web.users_file 应为路径字符串"),
        ("port = 80", "[web] 中有不认识的键：port"),
    ],
)
def test_web_config_mistakes_are_said_in_chinese(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[web]\n{text}\n", "utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)


def test_listen_takes_ipv6_in_brackets() -> None:
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    assert parse_listen("0.0.0.0:80") == ("0.0.0.0", 80)


def test_the_users_file_damaged_is_one_chinese_line(cfg: str, tmp_path: Path) -> None:
    users = tmp_path / "state" / "web-users.json"
    users.parent.mkdir()
    users.write_text(json.dumps(["not", "users"]), "utf-8")
    code, _, err = run("web-user", "list", "--config", cfg)
    assert code == 2 and err.startswith("错误：网页用户文件") and "格式不对" in err
    assert os.path.exists(users)


def test_the_dummy_hash_for_unknown_names_never_lets_anyone_in(tmp_path: Path) -> None:
    """An unknown name is checked against a dummy hash (same time as a real one); its password
    is in the source code, so it must not log anybody in."""
    users = UserFile(tmp_path / "users.json")
    users.add("clerk", "correct horse battery")
    assert not users.verify("nobody", "not a password of anybody")
    assert not users.verify("", "not a password of anybody")
