"""The office's web page: one app factory, one route table, every action audited.

`create_app(config)` builds the Flask app; `serve` runs it under waitress. The pages read the
season through `web.data` (the one adapter over office and intake) and never change how a file
is judged. Every POST passes the anti-forgery check first (`security.check_csrf`), every action
writes one audit row (`office.audit.record_action`) and answers with a redirect and a message
(so a reload never repeats it). Jinja autoescapes everything: an agency called
"<script>…" is shown as typed.

Routes:

    GET  /login  POST /login  POST /logout
    GET  /                          -> the year page of the season
    GET  /year?year=2021            the year: counts, every agency, county totals
    GET  /agency?name=…&year=2021   one agency: submissions, findings, downloads, mail
    GET  /file/<id>/<kind>          a file of ledger row <id>: report | pdf | errors | original
    GET  /summary/<year>            the summary workbook, written fresh
    GET  /county/<year>             the county's own Word report, from the summary's totals
    GET  /mail  POST /mail/resume  POST /mail/accept  POST /mail/leave
    GET  /remind?year=  POST /remind/send
    GET  /audit                     the audit trail
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from workflow.config import Config
from workflow.core.outcome import STATUS_LABELS
from workflow.office.audit import recent_actions, record_action
from workflow.office.ledger import ledger_path
from workflow.office.summary_sheets import OUTSIDER_COLOURS, STATUS_COLOURS
from workflow.web import data, data_mail
from workflow.web.security import (
    check_csrf,
    client_address,
    csrf_token,
    load_secret,
    load_user,
    login_required,
    start_session,
)
from workflow.web.throttle import Throttle
from workflow.web.users import UserFile

__all__ = ["create_app"]

UNKNOWN_NAME = "（不存在的用户名）"
"""What the audit trail says for a failed login under a name that is no user."""
REFRESH_SECONDS = 60
"""The year page reloads itself this often while open."""
_ACTIONS = {
    "login": "登录",
    "logout": "退出",
    "remind.send": "发送催报",
    "mail.resume": "恢复自动回复",
    "mail.accept": "接收待处理邮件",
    "mail.leave": "暂不处理邮件",
}


def create_app(config: Config, *, throttle: Throttle | None = None) -> Flask:
    app = Flask(__name__)
    users = UserFile(config.web_users_file)
    throttle = throttle or Throttle()
    app.config.update(
        SECRET_KEY=load_secret(config.web_users_file.parent),
        SESSION_COOKIE_NAME="workflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=int(config.web.session_hours * 3600),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        status_colours=STATUS_COLOURS,
        outsider_colours=OUTSIDER_COLOURS,
        status_labels=STATUS_LABELS,
        action_names=_ACTIONS,
        refresh_seconds=REFRESH_SECONDS,
    )

    def known(name: str) -> bool:
        return any(u.name == name for u in users.users())

    @app.before_request
    def guard() -> None:
        load_user(known, config.web.session_hours)
        check_csrf()

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
            " frame-ancestors 'none'",
        )
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def audit(action: str, target: str, ok: bool, outcome: str, user: str | None = None) -> None:
        record_action(
            ledger_path(config),
            user=user or g.user,
            address=client_address(),
            action=action,
            target=target,
            outcome=outcome,
            ok=ok,
        )

    def year_arg(years: list[int] | None = None) -> int:
        """?year=, else the report year in season: the newest of `years` (the report years,
        read here when the caller has not read them already)."""
        text = request.values.get("year", "")
        if not text:
            return (years or data.report_years(config))[0]
        if not (text.isascii() and text.isdigit()):  # "²" is a digit that int() refuses
            abort(404)
        return page_year(int(text))

    def page_year(year: int) -> int:
        """`year`, when it can be a report year at all (1900–2999); any other: 404."""
        if not 1900 <= year <= 2999:
            abort(404)
        return year

    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(413)
    @app.errorhandler(429)
    @app.errorhandler(500)
    def error_page(error: Any) -> tuple[str, int]:
        return render_template("error.html", error=error), error.code

    # --- login ----------------------------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        target = request.values.get("next", "")
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = url_for("index")
        if request.method == "GET":
            if g.user:
                return redirect(target)
            return render_template("login.html", next=target, nobody=not users.users())
        name = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        keys = (f"user:{name}", f"ip:{client_address()}")
        wait = throttle.wait_seconds(*keys)
        if wait > 0:
            flash(f"密码错误次数过多，请 {int(wait) + 1} 秒后再试。", "error")
            return render_template("login.html", next=target, name=name), 429
        if not users.verify(name, password):
            throttle.failed(*keys)
            # an unknown name is not written down: it is often a password typed one box early
            who = name if known(name) else UNKNOWN_NAME
            audit("login", who, False, "用户名或密码不正确", user=who)
            flash("用户名或密码不正确。", "error")
            return render_template("login.html", next=target, name=name), 401
        throttle.succeeded(*keys)
        start_session(name)
        audit("login", name, True, "已登录", user=name)
        return redirect(target)

    @app.post("/logout")
    def logout() -> Any:
        if g.user:
            audit("logout", g.user, True, "已退出")
        session.clear()
        flash("已退出。", "info")
        return redirect(url_for("login"))

    # --- the season -----------------------------------------------------------------------------

    @app.get("/")
    @login_required
    def index() -> Any:
        return redirect(url_for("year_page"))

    @app.get("/year")
    @login_required
    def year_page() -> Any:
        years = data.report_years(config)
        year = year_arg(years)
        view = data.year_view(config, year)
        return render_template("year.html", view=view, years=years, year=year)

    @app.get("/agency")
    @login_required
    def agency_page() -> Any:
        year = year_arg()
        view = data.agency_view(config, request.args.get("name", ""), year)
        if view is None:
            abort(404)
        actions = recent_actions(ledger_path(config), limit=20, target=view.name)
        return render_template("agency.html", view=view, year=year, actions=actions)

    @app.get("/file/<int:record_id>/<kind>")
    @login_required
    def file(record_id: int, kind: str) -> Any:
        found = data.download(config, record_id, kind)
        if found is None:
            abort(404)
        path, name = found
        return send_file(path, as_attachment=True, download_name=name, max_age=0)

    @app.get("/summary/<int:year>")
    @login_required
    def summary(year: int) -> Any:
        path = data.summary_download(config, page_year(year))
        return send_file(path, as_attachment=True, download_name=path.name, max_age=0)

    @app.get("/county/<int:year>")
    @login_required
    def county(year: int) -> Any:
        path = data.county_report(config, page_year(year))
        return send_file(path, as_attachment=True, download_name=path.name, max_age=0)

    # --- mail -----------------------------------------------------------------------------------

    @app.get("/mail")
    @login_required
    def mail_page() -> Any:
        view = data_mail.mail_view(config)
        actions = [
            a
            for a in recent_actions(ledger_path(config), limit=200)
            if a.action.startswith("mail.")
        ][:20]
        # the latest thing done about each held mail (actions come newest first)
        left = {a.target: a for a in reversed(actions) if a.action in ("mail.leave", "mail.accept")}
        return render_template(
            "mail.html", view=view, agencies=config.agencies, actions=actions, left=left
        )

    @app.post("/mail/resume")
    @login_required
    def mail_resume() -> Any:
        address = request.form.get("address", "").strip().lower()
        ok, text = data_mail.resume_replies(config, address)
        audit("mail.resume", address, ok, text)
        flash(text, "info" if ok else "error")
        return redirect(url_for("mail_page"))

    @app.post("/mail/accept")
    @login_required
    def mail_accept() -> Any:
        key = request.form.get("key", "")
        agency = request.form.get("agency", "")
        ok, text = data_mail.accept_held_mail(
            config, key, agency, bool(request.form.get("add_address"))
        )
        audit("mail.accept", key, ok, text)
        flash(text, "info" if ok else "error")
        return redirect(url_for("mail_page"))

    @app.post("/mail/leave")
    @login_required
    def mail_leave() -> Any:
        key = request.form.get("key", "")
        found = data_mail.held_mail(config, key)
        text = "已查看，暂不处理" if found else "找不到这封待处理的邮件"
        audit("mail.leave", key, found is not None, text)
        flash(text, "info" if found else "error")
        return redirect(url_for("mail_page"))

    # --- reminders ------------------------------------------------------------------------------

    @app.get("/remind")
    @login_required
    def remind_page() -> Any:
        years = data.report_years(config)
        year = year_arg(years)
        plan, skipped = data_mail.plan_round(config, year)
        actions = [
            a for a in recent_actions(ledger_path(config), limit=200) if a.action == "remind.send"
        ][:10]
        return render_template(
            "remind.html",
            year=year,
            plan=plan,
            skipped=skipped,
            actions=actions,
            years=years,
            mail_ready=config.mail.configured,
        )

    @app.post("/remind/send")
    @login_required
    def remind_send() -> Any:
        year = year_arg()
        ok, lines = data_mail.send_round(config, year)
        sent = [line for line in lines if "→" in line and "未发送" not in line] if ok else []
        outcome = (f"{year} 年催报：发出 {len(sent)} 封。" + "；".join(sent)) if ok else lines[0]
        audit("remind.send", str(year), ok, outcome)
        flash(f"{year} 年催报：发出 {len(sent)} 封。" if ok else outcome, "info" if ok else "error")
        return redirect(url_for("remind_page", year=year))

    @app.get("/audit")
    @login_required
    def audit_page() -> Any:
        return render_template("audit.html", actions=recent_actions(ledger_path(config), limit=500))

    @app.template_filter("when")
    def when(value: datetime | None) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else ""

    return app
