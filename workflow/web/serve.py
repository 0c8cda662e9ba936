"""Serving the page: waitress on `[web] listen` (or `--listen`), refusing to start with no user.

`serve` blocks until Ctrl-C / SIGTERM. Started by `workflow watch` (see `supervise`), the
process is told its parent's pid in `WORKFLOW_WEB_PARENT` and ends by itself when that process
is gone, so a daemon killed outright never leaves a web process holding the port that the next
`workflow watch` needs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from waitress import create_server

from workflow.config import Config
from workflow.core.errors import ConfigError
from workflow.core.web_settings import parse_listen
from workflow.web.app import create_app
from workflow.web.users import UserFile

__all__ = ["PARENT_ENV", "require_users", "serve"]

PARENT_ENV = "WORKFLOW_WEB_PARENT"
log = logging.getLogger("workflow.web")


def require_users(config: Config) -> None:
    """ConfigError (in Chinese) when nobody could log in: the page is never served open."""
    if not UserFile(config.web_users_file).users():
        raise ConfigError(
            f"还没有网页用户（{config.web_users_file}），网页未启动。"
            "请先运行 workflow web-user add 用户名 --password-stdin"
        )


def _end_with_parent(parent: int) -> None:
    """Exit this process as soon as `parent` is no longer our parent (it died)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        log.warning("监视程序已停止，网页随之退出")
        os._exit(0)

    threading.Thread(target=watch, name="web-parent", daemon=True).start()


def _bound(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (ours, so that a port in use is closed and said)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError as exc:
        raise ConfigError(f"网页无法在 {host}:{port} 上启动：找不到这个地址") from exc
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"网页无法在 {host}:{port} 上启动：{exc.strerror or exc}") from exc
    return sock


def serve(
    config: Config, listen: str | None = None, *, ready: threading.Event | None = None
) -> None:
    """Serve the page until interrupted. ConfigError for no user, a bad address or a port in
    use."""
    require_users(config)
    host, port = parse_listen(listen or config.web.listen, "--listen" if listen else "web.listen")
    app = create_app(config)
    server = create_server(app, sockets=[_bound(host, port)], threads=4, ident="workflow")
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        _end_with_parent(int(parent))
    shown = f"[{host}]" if ":" in host else host
    log.info("网页已启动：http://%s:%d/", shown, port)
    print(f"网页已启动：http://{shown}:{port}/（按 Ctrl-C 停止）", flush=True)
    if ready is not None:
        ready.set()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
