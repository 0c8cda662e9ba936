"""The 2021 format and its plain values: what every other part of the package speaks.

`form` (the report format as data), `cell_values` (what was typed → numbers), `submission`
(values by key with each key's cell), `findings` (findings and the rule catalogue), `outcome`
(the one status vocabulary and the per-file result), `errors` (what stops a file), `names`
(agency names and safe path parts), `text` (text cleaning and width), `atomic` (atomic writes)
and `digest` (content hashes). Nothing here imports any other part of the package.
"""
