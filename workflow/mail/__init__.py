"""The office mailbox as an intake beside the inbox folder.

Agencies mail their workbooks; a pass (`workflow mail --once`, or `workflow watch` with
`[mail] enabled = true`) takes each workbook attachment of a registered sender through the same
pipeline as an inbox file and answers in the same thread. One module per job:

    settings   the [mail] section of config.toml
    filenames  attachment names as Chinese mail programs write them
    message    a raw message -> sender, ids, workbook attachments
    classify   mail that must never be answered; bounces of our own mail
    compose    our replies and reminders (Chinese bodies, names every mail program shows)
    imap       the IMAP session (imap-tools): ID before SELECT, IDLE, MOVE or COPY, APPEND
    smtp       sending (smtplib)
    store      the ledger's mail tables
    mailpass   one pass over the mailbox, exactly once
    service    passes inside `workflow watch`, with backoff
    remind     `workflow remind`
"""
