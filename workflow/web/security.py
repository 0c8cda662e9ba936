"""Who may see the page and how a request proves it: session, login, anti-forgery token.

- The session is Flask's signed cookie (HttpOnly, SameSite=Lax), keyed by a secret kept in the
  state folder (0600) so that a restarted web process keeps its clerks logged in; it holds the
  user's name, when they logged in and the anti-forgery token. It expires `session_hours`
  after the login, whatever the browser does (checked here, not only by the cookie's age), and
  a user removed with `workflow web-user remove` is out at the next request.
- `login_required` guards every page and download; anonymous requests go to the login page.
- Every POST (the login form too) must carry the session's token in its `csrf_token` field;
  without it the request is refused with 403 before any view runs.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import abort, g, redirect, request, session, url_for

from workflow.core.atomic import atomic_path

__all__ = [
    "check_csrf",
    "csrf_token",
    "load_secret",
    "load_user",
    "login_required",
    "start_session",
]

SECRET_NAME = "web-secret.key"


def load_secret(folder: Path) -> bytes:
    """The signing key in `folder` (made on first use, owner-only)."""
    path = folder / SECRET_NAME
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except (FileNotFoundError, ValueError):
        pass
    key = secrets.token_bytes(32)
    with atomic_path(path) as tmp:
        os.chmod(tmp, 0o600)  # owner-only before the key is in it
        tmp.write_text(key.hex(), "ascii")
    return key


def client_address() -> str:
    """The browser's address: the peer's, or, when the peer is this machine (the office's
    reverse proxy in front of a page listening on 127.0.0.1), the last address of its
    X-Forwarded-For, which the proxy appends. A remote peer's header is never believed."""
    peer = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded:
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            return peer
    return peer


def csrf_token() -> str:
    """The session's anti-forgery token (made on first use); templates put it in every form."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse (403) a POST whose `csrf_token` is not the session's."""
    if request.method != "POST":
        return
    sent = request.form.get("csrf_token", "")
    token = session.get("csrf")
    if not isinstance(token, str) or not hmac.compare_digest(sent.encode(), token.encode()):
        abort(403, description="请求缺少有效的安全令牌（页面可能已过期），请刷新页面后重试。")


def start_session(name: str) -> None:
    """A fresh session for `name` (nothing of the anonymous one is kept: a new token too)."""
    session.clear()
    session.permanent = True
    session["user"] = name
    session["login_at"] = datetime.now().astimezone().timestamp()
    csrf_token()


def load_user(known: Callable[[str], bool], hours: float) -> None:
    """Set `g.user` from the session if it is a known user within `hours` of the login."""
    g.user = None
    name, at = session.get("user"), session.get("login_at")
    if not isinstance(name, str) or not isinstance(at, int | float):
        return
    if datetime.now().astimezone().timestamp() - at > hours * 3600 or not known(name):
        session.pop("user", None)
        return
    g.user = name


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped
