"""Ledgers as an earlier release wrote them, for the tests that upgrade one."""

from __future__ import annotations

__all__ = ["FIRST_RELEASE_SCHEMA"]

# The `submissions` table as the first release made it, before any column was added.
FIRST_RELEASE_SCHEMA = """
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, file_name TEXT NOT NULL,
    received_at TEXT NOT NULL, claimed_path TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'claimed', agency TEXT, year INTEGER, outputs TEXT,
    result_path TEXT, error_count INTEGER, warning_count INTEGER, report_values TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, duplicate_of INTEGER, archived_path TEXT,
    archived_at TEXT, finished_at TEXT
)
"""
