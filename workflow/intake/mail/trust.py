"""Whether a registered address really sent this mail: trusted, or held for the clerk.

`From:` is written by the sender and proves nothing; a forged From of a registered address
would replace that agency's report and draw a reply it never asked for. Two kinds of evidence
decide, in this order:

1. `Authentication-Results` (RFC 8601) written by the office's own receiving server, named by
   `[mail] authserv_id` (its headers start with that id; a forger can add headers but cannot
   remove the ones our server prepends). A DMARC or SPF failure holds the mail; a DMARC pass
   for the From domain, or an SPF pass for an envelope in the From domain, trusts it. Without
   `authserv_id` we cannot tell our server's header from a forger's: a "pass" is never
   believed, but any "fail" still holds (a forger gains nothing by adding one).
2. Otherwise the envelope sender: the first `Return-Path` (the one our server wrote at final
   delivery) must be in the From address's domain. Decision on subdomains: the envelope may be
   in the From domain or one of its subdomains (`bounce.county.gov.cn` for `county.gov.cn`,
   as list and bulk senders set it), never a parent or a sibling — a parent of `x.gov.cn` is
   `gov.cn`, shared by every government office. An empty envelope (`<>`) holds the mail.
   A mail with no `Return-Path` at all was not delivered by SMTP but placed in the mailbox
   by someone holding its password (a clerk's drag and drop, a migration): trusted.

A held mail is not processed and gets no reply; the clerk sees it with its reason and may
accept it (`workflow mail --accept`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from workflow.intake.mail.message import ParsedMail

__all__ = ["TRUSTED", "Trust", "hold", "sender_trust"]


@dataclass(frozen=True, slots=True)
class Trust:
    """The decision about a registered sender: `trusted`, or held with a Chinese `reason`."""

    trusted: bool
    reason: str = ""


TRUSTED = Trust(True)


def hold(reason: str) -> Trust:
    return Trust(False, reason)


_RESULT = re.compile(r"\b(dmarc|spf|dkim)\s*=\s*([a-z]+)((?:\s+[a-z.]+\s*=\s*[^\s;]+)*)", re.I)
_PROPERTY = re.compile(r"([a-z]+\.[a-z-]+)\s*=\s*([^\s;]+)", re.I)


@dataclass(frozen=True, slots=True)
class _Result:
    method: str  # dmarc | spf | dkim
    result: str  # pass | fail | softfail | none | neutral | ...
    domain: str  # the domain it is about (header.from, smtp.mailfrom's domain), "" if unsaid


def _domain_of(value: str) -> str:
    return value.rsplit("@", 1)[-1].strip().strip("<>").lower()


def _results(header: str) -> tuple[str, list[_Result]]:
    """(authserv-id, its results) of one Authentication-Results header."""
    serv, _, rest = header.partition(";")
    found = []
    for match in _RESULT.finditer(rest):
        props = dict((k.lower(), v) for k, v in _PROPERTY.findall(match.group(3) or ""))
        about = props.get("header.from") or props.get("smtp.mailfrom") or props.get("header.d")
        found.append(
            _Result(match.group(1).lower(), match.group(2).lower(), _domain_of(about or ""))
        )
    return serv.strip().split()[0].lower() if serv.strip() else "", found


def _in_domain(domain: str, of: str) -> bool:
    """`domain` is `of` or one of its subdomains."""
    return bool(domain) and (domain == of or domain.endswith("." + of))


def _by_results(mail: ParsedMail, authserv_id: str) -> Trust | None:
    headers = [str(v) for v in mail.message.get_all("Authentication-Results") or []]
    ours: list[_Result] = []
    for text in headers:
        serv, results = _results(" ".join(text.split()))
        if not authserv_id or serv == authserv_id:
            ours += results
    failed = sorted({r.method.upper() for r in ours if r.result in ("fail", "softfail")})
    if "DMARC" in failed or "SPF" in failed:
        return hold(f"发件服务器认证失败（{'、'.join(failed)}），发件人地址可能被冒用")
    passed = [r for r in ours if r.result == "pass" and r.method in ("dmarc", "spf")]
    if "DKIM" in failed and not passed:
        return hold("发件服务器认证失败（DKIM），发件人地址可能被冒用")
    if not authserv_id:
        return None  # a "pass" in a header anyone could have written proves nothing
    domain = _domain_of(mail.sender)
    for r in passed:
        if (r.method == "dmarc" and not r.domain) or _in_domain(r.domain, domain):
            return TRUSTED
    return None


def _by_envelope(mail: ParsedMail) -> Trust:
    value = mail.message.get("Return-Path")
    if value is None:
        return TRUSTED  # placed by APPEND, not delivered by SMTP: see the module docstring
    envelope = parseaddr(str(value))[1].strip().lower()
    if not envelope or "@" not in envelope:
        return hold("信封发件人（Return-Path）为空，无法确认发件人，发件人地址可能被冒用")
    if _in_domain(_domain_of(envelope), _domain_of(mail.sender)):
        return TRUSTED
    return hold(
        f"信封发件人（Return-Path）{envelope} 与发件人地址 {mail.sender} 不属于同一域名，"
        "发件人地址可能被冒用"
    )


def sender_trust(mail: ParsedMail, authserv_id: str = "") -> Trust:
    """Whether this registered sender's mail may be processed (see the module docstring)."""
    return _by_results(mail, authserv_id.lower()) or _by_envelope(mail)
