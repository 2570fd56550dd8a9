"""cruijff_kit's whole experiment_summary.yaml vocabulary: known keys, retired keys, `fix --migrate`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, SEED, edit, only, rules_of

from planlint.commands.fix import fix
from planlint.config import Config
from planlint.engine import Options, run
from planlint.plan.edit import migrate_keys
from planlint.plan.schema import RETIRED

HISTORY = CASES / "cruijff" / "history"
QUIET = Config(ignore=["PL504", "PL701"])


def check(path: Path, config: Config = QUIET) -> list[str]:
    return sorted(rules_of(run([str(path)], config, Options(layout=False)).findings))


# ------------------------------------------------------------------- the fixture's history

# (file, findings as it is, findings after `fix --migrate`). The true defects that stay: no
# controls.dataset_type before cruijff required it (PL107), the stray evaluation.system_prompt
# (PL104), no control run (PL205), temperature 0.0 without do_sample (PL401), 2 optimizer steps
# against the default warmup once the data shrank to 8 samples (PL302), and in the first two
# versions an output.base_directory (ck-outputs/...) that is not experiment.directory
# (ck-experiments/...): which one holds the runs is the researcher's call (PL103 kept).
_OLD = ["PL103", "PL103", "PL103", "PL103", "PL104", "PL107", "PL109", "PL205", "PL401"]
HISTORY_CASES = [
    ("01_0395e3e.yaml", _OLD, ["PL103", "PL104", "PL107", "PL205", "PL401"]),
    ("02_e6b07ad.yaml", _OLD, ["PL103", "PL104", "PL107", "PL205", "PL401"]),
    ("03_d84c081.yaml", _OLD, ["PL104", "PL107", "PL205", "PL401"]),
    *(
        (name, sorted([*_OLD, "PL302"]), ["PL104", "PL107", "PL205", "PL302", "PL401"])
        for name in (
            "04_cc5cb33.yaml",
            "05_21eb8e5.yaml",
            "06_41d4c85.yaml",
            "07_a60145c.yaml",
            "08_859f939.yaml",
        )
    ),
    (
        "09_978b9b9.yaml",
        ["PL103", "PL103", "PL103", "PL104", "PL107", "PL109", "PL205", "PL302", "PL401"],
        ["PL104", "PL107", "PL205", "PL302", "PL401"],
    ),
    (
        "10_0f77df4.yaml",
        ["PL103", "PL103", "PL103", "PL104", "PL107", "PL205", "PL302", "PL401"],
        ["PL104", "PL107", "PL205", "PL302", "PL401"],
    ),
    (
        "11_93ac849.yaml",
        ["PL103", "PL103", "PL103", "PL104", "PL205", "PL302", "PL401"],
        ["PL104", "PL205", "PL302", "PL401"],
    ),
    (
        "12_d17ad35.yaml",
        ["PL103", "PL103", "PL104", "PL205", "PL302", "PL401"],
        ["PL104", "PL205", "PL302", "PL401"],
    ),
    ("13_f3df65c.yaml", ["PL103", "PL104", "PL205", "PL302", "PL401"], ["PL104", "PL205", "PL302", "PL401"]),
    ("14_cf9cd62.yaml", ["PL104", "PL205", "PL302", "PL401"], ["PL104", "PL205", "PL302", "PL401"]),
]


@pytest.mark.parametrize(("name", "before", "after"), HISTORY_CASES, ids=[c[0] for c in HISTORY_CASES])
def test_each_historical_fixture_gives_its_true_findings_and_migrates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, before: list[str], after: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "experiment_summary.yaml"
    plan.write_bytes((HISTORY / name).read_bytes())
    assert check(plan) == before
    fix([str(plan)], Config(), migrate=True)
    assert check(plan) == after
    assert "PL102" not in after and "PL109" not in after


def test_the_first_fixture_keeps_a_base_directory_that_differs_and_says_why(tmp_path: Path) -> None:
    text, notes = migrate_keys((HISTORY / "01_0395e3e.yaml").read_text(encoding="utf-8"))
    assert "base_directory:" in text
    assert any("kept output.base_directory: experiment.dir holds a different value" in n for n in notes)
    plan = tmp_path / "experiment_summary.yaml"
    plan.write_text(text, encoding="utf-8")
    (hit,) = only(run([str(plan)], QUIET, Options(layout=False)).findings, "PL103")
    assert "experiment.dir is '__SCRATCH__/ck-experiments/" in (hit.hint or "")


# ------------------------------------------------------------------- known keys, no finding

KNOWN = [
    (
        "compute-cpus-per-task",
        (
            "mem: 40G}\n  - name: Llama-3.2-1B_rank8_lr5e-5",
            "mem: 40G, cpus_per_task: 8}\n  - name: Llama-3.2-1B_rank8_lr5e-5",
        ),
    ),
    ("batch-size-val", ("  batch_size: 4\n", "  batch_size: 4\n  batch_size_val: 16\n")),
    (
        "lr-scheduler",
        ("  batch_size: 4\n", "  batch_size: 4\n  lr_scheduler: get_linear_schedule_with_warmup\n"),
    ),
    ("scorers-as-a-name", ("  scorers:\n    - name: match\n", "  scorers: match\n")),
    (
        "data-generation-with-conditions",
        (
            "    splits: {train: 800, validation: 100, test: 100}\n",
            "    splits: {train: 800, validation: 100, test: 100}\n"
            "  data_generation:\n"
            "    tool: tabular_to_text_gen\n"
            "    source: /scratch/shared/ck-data/acs/acs_income.parquet\n"
            "    split_ratio: 0.7\n"
            "    validation_ratio: 0.1\n"
            "    seed: 42\n"
            "    conditions:\n"
            "      dict_full: {features: [AGEP, SCHL, OCCP], template: dictionary}\n"
            "      narr_full: {features: [AGEP, SCHL, OCCP], template: narrative}\n",
        ),
    ),
]


@pytest.mark.parametrize(("case", "change"), KNOWN, ids=[k[0] for k in KNOWN])
def test_keys_cruijff_reads_are_known(lint, case: str, change: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    found = lint(edit(SEED, change))
    assert not {"PL101", "PL102", "PL103", "PL105", "PL109"} & set(rules_of(found)), found


def test_run_training_condition_and_dataset_path_are_known(lint) -> None:  # type: ignore[no-untyped-def]
    text = edit(
        SEED,
        (
            "    parameters: {lora_rank: 8, lr: 5e-5}\n",
            "    parameters: {lora_rank: 8, lr: 5e-5}\n    dataset_path: /scratch/shared/ck-data/words_9L_80P_1000.json\n",
        ),
    )
    assert not {"PL101", "PL102"} & set(rules_of(lint(text)))


def test_a_yaml11_boolean_in_a_boolean_field_is_a_warning_not_a_schema_error(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(edit(SEED, ("  validation_during_training: true\n", "  validation_during_training: yes\n")))
    assert "PL010" in rules_of(found)
    assert "PL101" not in rules_of(found)


def test_a_quoted_yes_in_a_boolean_field_is_still_a_schema_error(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(
        edit(SEED, ("  validation_during_training: true\n", '  validation_during_training: "yes"\n'))
    )
    assert "PL101" in rules_of(found)


# ------------------------------------------------------------------- retired keys, hints applied

# (id, change to the seed plan, rule, message fragment, hint fragment, what migrate leaves)
RETIRED_CASES = [
    (
        "base-directory-moves-to-dir",
        ("  base_controls: true\n", "  base_controls: true\n"),
        (
            "output:\n  wandb_project: capitalization\n",
            "output:\n  base_directory: /scratch/me/ck-projects/capitalization/cap_1B_lr_sweep\n  wandb_project: capitalization\n",
        ),
        "PL103",
        "output.base_directory was retired (#442): experiment.dir",
        "move it to experiment.dir",
        "  dir: /scratch/me/ck-projects/capitalization/cap_1B_lr_sweep\n",
    ),
    (
        "base-directory-same-as-dir-is-dropped",
        (
            "  base_controls: true\n",
            "  base_controls: true\n  dir: /scratch/me/ck-projects/cap/cap_1B_lr_sweep\n",
        ),
        (
            "output:\n  wandb_project: capitalization\n",
            "output:\n  base_directory: /scratch/me/ck-projects/cap/cap_1B_lr_sweep/\n  wandb_project: capitalization\n",
        ),
        "PL103",
        "output.base_directory was retired",
        "delete it: experiment.dir already holds the same value",
        "output:\n  wandb_project: capitalization\n",
    ),
    (
        "checkpoint-pattern",
        ("  base_controls: true\n", "  base_controls: true\n"),
        (
            "output:\n  wandb_project: capitalization\n",
            'output:\n  wandb_project: capitalization\n  checkpoint_pattern: "{run_name}/artifacts/epoch_{N}"\n',
        ),
        "PL109",
        "output.checkpoint_pattern was retired: never read",
        "delete it",
        "output:\n  wandb_project: capitalization\n\n",
    ),
    (
        "experiment-type",
        ("  base_controls: true\n", "  base_controls: true\n  type: sanity_check\n"),
        ("  wandb_project: capitalization\n", "  wandb_project: capitalization\n"),
        "PL109",
        "experiment.type was retired: experiment.project is the namespace",
        "delete it",
        "  base_controls: true\n\n",
    ),
    (
        "experiment-seed",
        ("  base_controls: true\n", "  base_controls: true\n  seed: 42\n"),
        ("  wandb_project: capitalization\n", "  wandb_project: capitalization\n"),
        "PL103",
        "experiment.seed was dropped (#500)",
        "write seed: 42 under controls and under evaluation",
        "  dataset_type: chat_completion\n  seed: 42\n",
    ),
    (
        "evaluation-baseline",
        ("  base_controls: true\n", "  base_controls: true\n"),
        (
            "evaluation:\n  scorers:\n",
            "evaluation:\n  baseline:\n    accuracy: 0.5\n    source: random chance (binary)\n  scorers:\n",
        ),
        "PL109",
        "evaluation.baseline was retired: a base-model control run",
        "delete it",
        "evaluation:\n  scorers:\n",
    ),
    (
        "model-base-recipe",
        ("      size_gb: 2.5\n", "      size_gb: 2.5\n      base_recipe: llama3_2/1B_lora_single_device\n"),
        ("  wandb_project: capitalization\n", "  wandb_project: capitalization\n"),
        "PL103",
        "models.base[0].base_recipe was moved",
        "move it to controls.base_recipe",
        "  base_recipe: llama3_2/1B_lora_single_device\n",
    ),
    (
        "training-dataset-type",
        ("  dataset_type: chat_completion\n", ""),
        (
            "    dataset_label: words_5L_80P_1000\n",
            "    dataset_label: words_5L_80P_1000\n    dataset_type: chat_completion\n",
        ),
        "PL103",
        "data.training.dataset_type was moved (#478)",
        "move it to controls.dataset_type",
        "  dataset_type: chat_completion\n",
    ),
    (
        "top-level-verification",
        ("  base_controls: true\n", "  base_controls: true\n"),
        ("output:\n", "verification:\n  models: verified 2026-11-24\n\noutput:\n"),
        "PL109",
        "verification was retired",
        "delete it",
        "\noutput:\n",
    ),
    (
        "top-level-data-generation",
        ("  base_controls: true\n", "  base_controls: true\n"),
        (
            "output:\n",
            "data_generation:\n  tool: model_organism\n  name: parity_k8\n  input_type: bits\n  rule: parity\n"
            "  k: 8\n  N: 1000\n  seed: 42\n  design: memorization\n  output_path: data/parity.json\n\noutput:\n",
        ),
        "PL103",
        "data_generation was moved: the generator block lives under data",
        "move it to data.data_generation",
        "  data_generation:\n    tool: model_organism\n",
    ),
]


@pytest.mark.parametrize(
    ("case", "first", "second", "rule", "message", "hint", "migrated"),
    RETIRED_CASES,
    ids=[c[0] for c in RETIRED_CASES],
)
def test_a_retired_key_says_what_replaced_it_and_migrate_applies_the_hint(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    first: tuple[str, str],
    second: tuple[str, str],
    rule: str,
    message: str,
    hint: str,
    migrated: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "plan.yaml"
    plan.write_text(edit(edit(SEED, first), second), encoding="utf-8")
    found = run([str(plan)], QUIET, Options(layout=False)).findings
    (hit,) = only(found, rule)
    assert message in hit.message and hint in (hit.hint or ""), hit
    assert not {"PL102", "PL107"} & set(rules_of(found)), found
    fix([str(plan)], Config(), migrate=True)
    after = plan.read_text(encoding="utf-8")
    assert migrated in after
    assert not {"PL101", "PL102", "PL103", "PL107", "PL109"} & set(check(plan)), after


def test_training_dataset_type_no_longer_suggests_the_label(lint) -> None:  # type: ignore[no-untyped-def]
    found = lint(
        edit(
            SEED,
            (
                "    dataset_label: words_5L_80P_1000\n",
                "    dataset_label: words_5L_80P_1000\n    dataset_type: chat_completion\n",
            ),
        )
    )
    assert not any("dataset_label" in (f.hint or "") for f in found)


def test_every_retired_key_has_a_replacement_or_is_a_drop() -> None:
    for entry in RETIRED:
        assert (entry.new is None) == (entry.action == "drop"), entry
