"""The folder intake: the inbox folder (`inbox`: readiness, claim, archive; `moves`: the synced
copies behind a claim), the watch loop (`loop`: the steady loop; `recovery`: finishing what a
crash left, at start; `recording`: the shared state, recording and archiving a file), what a
worker runs (`jobs`, `runners`), the watchdog observer (`observer`), files that changed after
the claim (`changed`), files that cannot be written out yet (`blocked`), inbox files the daemon
may not read (`unreadable`), the summary refresh after a batch (`publish`) and the guard over
the `state/` folder (`state_guard`). What each kind of stop leaves and which part restores it:
docs/recovery.md.
"""
