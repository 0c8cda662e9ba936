"""The office's view, from the ledger: the ledger itself (`ledger`), last year's report for the
cross-year checks (`history`), where each agency stands this year (`states`, `year`), the summary
workbook (`summary` and its sheets) and the terminal status table (`status_table`).
"""
