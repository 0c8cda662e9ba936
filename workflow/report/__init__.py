"""The Word report (and its PDF): `render` fills the docxtpl template, `context` builds what the
template sees, `template_check` vets an office-edited template, `pdf` converts through LibreOffice.

The renderer never reads a workbook: it is handed a `Submission` and its findings.
"""
