"""The exceptions that stop a file, or the program, from going on.

Bad *values* are never exceptions (they are findings). These are for what stops a file from
being read at all, and for configuration and template problems that stop a command:

    WorkflowError                 base of everything we raise on purpose
      ConfigError                 config.toml missing, malformed or with a wrong value
      ReportTemplateError         the Word template cannot be loaded or has unknown tags
      OutputError                 an output could not be written (disk full, permissions)
      MailError                   the mailbox (IMAP or SMTP) cannot be reached or refused us
      RejectedFile                the input is not a workbook we can read; carries a rule code
                                  of the findings catalogue and the parameters of its message

Third-party failures (zipfile, openpyxl, lxml, jinja2) are caught where they happen and
re-raised as one of these with `from exc`.
"""

from __future__ import annotations

from typing import Any

from workflow.core.findings import Finding, finding

__all__ = [
    "ConfigError",
    "MailError",
    "OutputError",
    "RejectedFile",
    "ReportTemplateError",
    "WorkflowError",
]


class WorkflowError(Exception):
    """Base class: the message is already fit to show a user (Chinese where a user reads it)."""


class ConfigError(WorkflowError):
    """The configuration file is missing, malformed or holds a value we cannot use."""


class ReportTemplateError(WorkflowError):
    """The Word template cannot be loaded, or uses tags that resolve to nothing."""


class OutputError(WorkflowError):
    """An output file could not be written."""


class MailError(WorkflowError):
    """The mail server cannot be reached, refused the login, or refused a command; a pass
    stops and the next one starts over (nothing is lost: see `workflow.office.mail_ledger`)."""


class RejectedFile(WorkflowError):
    """The file cannot be read as one of our workbooks; it gets a `rejected` result.

    `rule` is a `file.*` code of the findings catalogue; `params` fill its message.
    """

    def __init__(self, rule: str, name: str, detail: str = "", **params: Any) -> None:
        self.rule = rule
        self.name = name
        self.detail = detail
        self.params = params
        self.finding: Finding = finding(rule, name=name, detail=detail, **params)
        super().__init__(self.finding.message)
