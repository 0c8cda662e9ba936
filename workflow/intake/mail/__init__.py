"""The office mailbox as an intake beside the inbox folder.

Agencies mail their workbooks; a pass (`workflow mail --once`, or `workflow watch` with
`[mail] enabled = true`) takes each workbook attachment of a registered sender through the same
pipeline as an inbox file (`flow.pipeline.process_file`) and answers in the same thread. One
module per job:

    filenames    attachment names as Chinese mail programs write them
    message      a raw message -> sender, ids, workbook attachments
    unpack       workbooks inside a .zip or winmail.dat (zip bombs refused)
    classify     mail that must never be answered; bounces of our own mail
    trust        whether a registered sender really sent the mail, or it is held
    compose      our replies and reminders (Chinese bodies, names every program shows)
    imap         the IMAP session (imap-tools): ID before SELECT, IDLE, MOVE or COPY, APPEND
    smtp         sending (smtplib): returns only on the server's 250
    connection_errors  a failed connection as one Chinese line naming the setting to check
    attachments  the .eml and each workbook into the archive, through the pipeline
    mailpass     one pass: every mail judged once, every reply delivered at least once
    held         `workflow mail --accept`: mail held for the clerk goes on
    service      passes inside `workflow watch`, with backoff
    remind       `workflow remind`

The `[mail]` settings are `core.mail_settings`; the ledger's mail tables `office.mail_ledger`
(rebuilt from the archive by `office.mail_rebuild`); the office's view of them (status,
summary sheet) `office.mail_view`; the reminders sent `office.reminders`.
"""
