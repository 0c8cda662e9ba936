"""The folder intake: the inbox folder (`inbox`: readiness, claim, archive; `moves`: the synced
copies behind a claim), the watch loop (`loop`), what a worker runs (`jobs`, `runners`), files that
changed after the claim (`changed`), files that cannot be written out yet (`blocked`), the summary
refresh after a batch (`publish`) and the guard over the `state/` folder (`state_guard`).
"""
