"""Whether a registered sender really sent the mail: one message per rule, each differing from
a trusted mail by that one thing."""

from __future__ import annotations

import pytest

from tests.mail_helpers import raw_mail
from workflow.intake.mail.message import parse_message
from workflow.intake.mail.trust import sender_trust

OURS = "mx.county.test"  # [mail] authserv_id: the office's own receiving server


def trust(headers: list[str], authserv_id: str = OURS) -> tuple[bool, str]:
    verdict = sender_trust(parse_message(raw_mail(headers=headers)), authserv_id)
    return verdict.trusted, verdict.reason


def test_mail_put_in_the_mailbox_without_an_envelope_is_trusted() -> None:
    assert trust([]) == (True, "")


@pytest.mark.parametrize(
    "return_path", ["<a1@county.test>", "<bounce+x@mail.county.test>", "A1@COUNTY.TEST"]
)
def test_an_envelope_in_the_from_domain_or_below_it_is_trusted(return_path: str) -> None:
    assert trust([f"Return-Path: {return_path}"]) == (True, "")


@pytest.mark.parametrize(
    ("return_path", "words"),
    [
        ("<someone@other.test>", "不属于同一域名"),
        ("<a1@test>", "不属于同一域名"),  # a parent of county.test: shared by others
        ("<a1@evilcounty.test>", "不属于同一域名"),  # ends with the name, not a subdomain
        ("<>", "为空"),
    ],
)
def test_a_forged_envelope_without_authentication_results_is_held(
    return_path: str, words: str
) -> None:
    trusted, reason = trust([f"Return-Path: {return_path}"])
    assert not trusted and words in reason and "可能被冒用" in reason


def test_the_first_return_path_counts_the_one_our_server_wrote() -> None:
    forged = ["Return-Path: <someone@other.test>", "Return-Path: <a1@county.test>"]
    assert trust(forged)[0] is False


def test_our_servers_dmarc_fail_holds_even_with_a_matching_envelope() -> None:
    trusted, reason = trust(
        [
            "Return-Path: <a1@county.test>",
            f"Authentication-Results: {OURS}; dmarc=fail header.from=county.test",
        ]
    )
    assert not trusted and "DMARC" in reason


def test_our_servers_spf_fail_holds() -> None:
    trusted, reason = trust([f"Authentication-Results: {OURS}; spf=fail smtp.mailfrom=county.test"])
    assert not trusted and "SPF" in reason


def test_our_servers_dmarc_pass_trusts_whatever_the_envelope() -> None:
    assert trust(
        [
            "Return-Path: <list-bounces@lists.other.test>",
            f"Authentication-Results: {OURS}; dmarc=pass header.from=county.test",
        ]
    ) == (True, "")


def test_our_servers_spf_pass_for_another_domain_proves_nothing() -> None:
    trusted, _ = trust(
        [
            "Return-Path: <someone@other.test>",
            f"Authentication-Results: {OURS}; spf=pass smtp.mailfrom=someone@other.test",
        ]
    )
    assert not trusted


def test_a_pass_written_by_another_server_is_not_believed() -> None:
    trusted, _ = trust(
        [
            "Return-Path: <someone@other.test>",
            "Authentication-Results: forger.test; dmarc=pass header.from=county.test",
        ]
    )
    assert not trusted


def test_without_authserv_id_a_pass_is_not_believed_but_a_fail_holds() -> None:
    passing = [
        "Return-Path: <someone@other.test>",
        f"Authentication-Results: {OURS}; dmarc=pass header.from=county.test",
    ]
    assert trust(passing, authserv_id="")[0] is False
    failing = [f"Authentication-Results: {OURS}; dmarc=fail header.from=county.test"]
    assert trust(failing, authserv_id="")[0] is False
    assert trust([f"Authentication-Results: {OURS}; dmarc=none"], authserv_id="") == (True, "")


def test_a_dkim_failure_without_any_pass_holds() -> None:
    trusted, reason = trust([f"Authentication-Results: {OURS}; dkim=fail header.d=county.test"])
    assert not trusted and "DKIM" in reason
