"""PL0xx: reading the file (syntax, encoding, size, aliases, tags, YAML 1.1 traps).

The loader (`planlint.plan.load`) finds these while it reads; this module only declares them.
"""

from __future__ import annotations

from planlint.rules.base import E, I, Rule, W

FAMILY = "load"
RULES = (
    Rule("PL001", "yaml-syntax", E, "YAML syntax error (with the parser's position)"),
    Rule("PL002", "duplicate-key", E, "a key appears twice in one mapping"),
    Rule("PL003", "encoding", E, "file is binary, not UTF-8, or unreadable"),
    Rule("PL004", "file-too-large", E, "file is over the size limit (max-file-size-mb)"),
    Rule("PL005", "alias-bomb", E, "aliases expand to too many nodes, or form a cycle"),
    Rule("PL006", "too-deep", E, "nesting deeper than a plan can need"),
    Rule("PL007", "forbidden-tag", E, "a YAML tag such as !!python/object (plans are plain data)"),
    Rule("PL008", "impossible-date", E, "a date that does not exist, such as 2026-13-45"),
    Rule("PL009", "empty-file", E, "the plan file is empty"),
    Rule("PL010", "yaml11-bool", W, "yes/no/on/off: a string here, a boolean to YAML 1.1 readers"),
    Rule("PL011", "yaml11-sexagesimal", W, "1:15:00 unquoted: a base-60 number to YAML 1.1 readers"),
    Rule("PL012", "yaml11-date", W, "an unquoted date: a date object to YAML 1.1 readers"),
    Rule("PL013", "yaml11-octal", W, "0755: an octal number to YAML 1.1 readers"),
    Rule(
        "PL014",
        "yaml11-exponent",
        W,
        "1e-5 without a dot: a string to YAML 1.1 readers",
        enabled=False,
    ),
    Rule(
        "PL015",
        "symlink-outside-repo",
        E,
        "a plan that is a symlink to a file outside the repository (not read)",
    ),
    Rule("PL020", "unused-suppression", I, "a `# planlint: disable=` comment silenced nothing"),
)
