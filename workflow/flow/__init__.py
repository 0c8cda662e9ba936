"""One file through the whole flow: read → check → outputs (`pipeline`), laid out in the outbox
(`outbox`). Last year's report is handed in by the caller; nothing here knows the inbox, the
mailbox or the office's ledger.
"""
