"""`planlint lsp`: the language server (pygls over stdio), built on the same engine as `check`.

`convert` turns findings into diagnostics, `actions` computes quick fixes as text edits,
`complete` answers completion and hover from the plan, and `server` wires them to pygls.
"""
