"""Collect, check and publish the annual government-information-disclosure reports of a county.

The work lives in plain modules (form, workbook, checks, report, outbox, ledger, daemon); `cli`
is a thin layer over them.
"""

__version__ = "0.1.0"
