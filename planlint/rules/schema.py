"""PL1xx: the plan against its JSON Schema (types, unknown and legacy keys, SLURM times).

Validation (`planlint.plan.schema`) finds these; this module only declares them.
"""

from __future__ import annotations

from planlint.rules.base import E, I, Rule, W

FAMILY = "schema"
RULES = (
    Rule("PL101", "schema", E, "the plan does not match the JSON Schema (type, enum, pattern...)"),
    Rule("PL102", "unknown-key", E, "a key the schema does not know, with a did-you-mean"),
    Rule(
        "PL103",
        "legacy-key",
        E,
        "a key cruijff_kit renamed or moved (experiment.directory, output.base_directory, ...); the hint gives its new place",
    ),
    Rule(
        "PL104",
        "legacy-eval-system-prompt",
        W,
        "evaluation.system_prompt is not read: use controls",
    ),
    Rule("PL105", "controls-near-miss", W, "a controls key close to a known hyper-parameter name"),
    Rule("PL106", "bad-time", E, "compute.time is not a SLURM time (M, M:S, H:M:S, D-H, D-H:M:S)"),
    Rule("PL107", "missing-required", E, "a required key is missing"),
    Rule(
        "PL108",
        "nested-variables",
        I,
        "variables in the nested independent/dependent form, read as the flat form (the hint shows it)",
    ),
    Rule(
        "PL109",
        "retired-key",
        W,
        "a key cruijff_kit retired with nothing in its place (output.checkpoint_pattern, experiment.type, ...)",
    ),
)
