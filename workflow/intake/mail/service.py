"""Mail passes inside `workflow watch` (or `workflow mail` without `--once`), in a thread.

The mailbox and the inbox folder are independent intakes: a mail outage (server down, wrong
授权码, network gone) is logged once, retried with a growing pause (5 s doubling up to
`poll_seconds`), and reported again when it recovers; the folder intake goes on meanwhile, and
a failing folder never stops the mail. Between passes the session waits in IDLE where the
server offers it (a new mail is answered within a second), else it logs out and polls every
`poll_seconds` (163 and QQ throttle clients that reconnect too often). While replies wait
for the SMTP server (down, or throttled), the next pass comes after the same growing pause
rather than after a whole IDLE or poll period, so they go out soon after it is back.
"""

from __future__ import annotations

import logging
import threading

from workflow.config import Config
from workflow.core.errors import WorkflowError
from workflow.intake.mail.imap import NETWORK_ERRORS, ImapSession
from workflow.intake.mail.mailpass import PassReport, run_pass

__all__ = ["MailService"]

log = logging.getLogger("workflow.mail")
FIRST_RETRY = 5.0


class MailService(threading.Thread):
    """Runs passes until `stop` is set. `passes` counts completed passes (tests wait on it)."""

    def __init__(self, config: Config, stop: threading.Event) -> None:
        super().__init__(name="workflow-mail", daemon=True)
        self.config = config
        self.stop = stop
        self.passes = 0
        self.failing = False
        self.smtp_failing = False
        self.passed = threading.Condition()

    def run(self) -> None:
        settings = self.config.mail
        retry = FIRST_RETRY
        session: ImapSession | None = None
        log.info(
            "开始收取邮箱 %s（%s:%s）", settings.address, settings.imap_host, settings.imap_port
        )
        while not self.stop.is_set():
            try:
                if session is None:
                    session = ImapSession(settings, settings.password())
                report = run_pass(self.config, session=session, stop=self.stop)
                if self.failing:
                    log.info("邮箱已恢复正常")
                    self.failing, retry = False, FIRST_RETRY
                if report.seen:
                    log.info(report.line())
                with self.passed:
                    self.passes += 1
                    self.passed.notify_all()
                wait = settings.poll_seconds
                if report.waiting:
                    self._smtp_outage(report)
                    wait = min(retry, wait)
                    retry = min(retry * 2, max(settings.poll_seconds, FIRST_RETRY))
                elif self.smtp_failing:
                    log.info("发信服务器已恢复正常，待发送的回复已发出")
                    self.smtp_failing, retry = False, FIRST_RETRY
                if session.can_idle:
                    session.idle(wait, self.stop)
                else:
                    session.close()
                    session = None
                    self.stop.wait(wait)
            except (WorkflowError, *NETWORK_ERRORS) as exc:
                session = self._drop(session)
                self._outage(str(exc) or type(exc).__name__)
                self.stop.wait(retry)
                retry = min(retry * 2, max(settings.poll_seconds, FIRST_RETRY))
            except Exception:  # a bug: keep the daemon (and the inbox) going
                session = self._drop(session)
                log.exception("收取邮件出错，稍后重试")
                self.failing = True
                self.stop.wait(retry)
                retry = min(retry * 2, max(settings.poll_seconds, FIRST_RETRY))
        self._drop(session)
        log.info("已停止收取邮件")

    @staticmethod
    def _drop(session: ImapSession | None) -> None:
        if session is not None:
            session.close()
        return None

    def _outage(self, detail: str) -> None:
        if not self.failing:
            log.error("邮箱暂时无法使用：%s（稍后自动重试；收件箱照常处理）", detail)
            self.failing = True
        else:
            log.debug("邮箱仍无法使用：%s", detail)

    def _smtp_outage(self, report: PassReport) -> None:
        why = report.smtp_error or "见 workflow status"
        if not self.smtp_failing:
            level = logging.ERROR if report.smtp_error else logging.WARNING
            log.log(level, "%s 封回复待发送：%s（校验照常进行，稍后自动重发）", report.waiting, why)
            self.smtp_failing = True
        else:
            log.debug("仍有 %s 封回复待发送：%s", report.waiting, why)

    def wait_passes(self, count: int, timeout: float) -> bool:
        with self.passed:
            return self.passed.wait_for(lambda: self.passes >= count, timeout)
