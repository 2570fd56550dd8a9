"""controls.base_recipe: torchtune 0.6.1 recipe values fill what the plan leaves unset in the step guard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SEED, edit, only, rules_of

from planlint.config import Config
from planlint.engine import Options, run
from planlint.plan.load import load_plan
from planlint.plan.model import Plan
from planlint.plan.recipes import recipe_setting, recipe_values, torchtune_version
from planlint.plan.run import runs_of

QUIET = Config(ignore=["PL504", "PL701"])
STEP_RULES = {"PL301", "PL302", "PL303", "PL304", "PL310", "PL311"}

#: cruijff_kit's workflow_test_recipe design: two ranks, everything else from the 1B recipe.
RECIPE_PLAN = edit(
    SEED,
    (
        "  epochs: 1\n  batch_size: 4\n  gradient_accumulation_steps: 1\n",
        "  base_recipe: llama3_2/1B_lora_single_device\n  epochs: 1\n  batch_size: 4\n",
    ),
)


def findings(tmp_path: Path, text: str, config: Config = QUIET) -> list:  # type: ignore[type-arg]
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    return run([str(plan)], config, Options(layout=False)).findings


def test_the_table_holds_torchtune_061_recipe_values() -> None:
    assert torchtune_version() == "0.6.1"
    one_b = recipe_values("llama3_2/1B_lora_single_device")
    assert one_b is not None
    assert (one_b["gradient_accumulation_steps"], one_b["batch_size"], one_b["epochs"]) == (8, 4, 1)
    assert (one_b["num_warmup_steps"], one_b["lora_rank"], one_b["lr"], one_b["packed"]) == (
        100,
        64,
        3e-4,
        False,
    )
    eight_b = recipe_values("llama3_1/8B_lora_single_device")
    assert eight_b is not None and eight_b["batch_size"] == 2 and eight_b["lora_rank"] == 8
    assert recipe_values("llama3_2/evaluation") is None  # trains nothing
    # cruijff_kit's setup_finetune.py maps only some recipe values; dataset.packed is not one
    assert recipe_setting("llama3_2/1B_lora_single_device", "packed") == (False, None)


def test_a_run_reads_what_the_plan_leaves_unset_from_the_recipe(tmp_path: Path) -> None:
    loaded = load_plan(tmp_path / "plan.yaml", text=RECIPE_PLAN)
    plan = Plan(path=tmp_path / "plan.yaml", display="plan.yaml", loaded=loaded, config=Config())
    run = runs_of(plan)[0]
    assert (
        run.setting("gradient_accumulation_steps").value,
        run.setting("gradient_accumulation_steps").source,
    ) == (8, "recipe")
    assert run.setting("batch_size").source == "controls"
    assert run.setting("lora_rank").source == "run"
    assert (run.setting("num_warmup_steps").value, run.setting("num_warmup_steps").source) == (100, "recipe")
    assert run.setting("packed").source == "controls"  # the seed states packed: false


def test_the_recipes_grad_accum_gives_25_steps_and_the_hint_clears_it(tmp_path: Path) -> None:
    (hit,) = only(findings(tmp_path, RECIPE_PLAN), "PL302")
    assert "25 optimizer steps" in hit.message
    assert "grad accum 8 from recipe llama3_2/1B_lora_single_device" in hit.message
    assert "the 100 warmup steps of recipe llama3_2/1B_lora_single_device" in hit.message
    hint = hit.hint or ""
    assert "cruijff_kit does not propagate controls.num_warmup_steps" in hint
    assert "setup_finetune.yaml" in hint
    m = re.search(
        r"controls\.gradient_accumulation_steps: (\d+) \(overrides the recipe's\) with controls\.epochs: (\d+)",
        hint,
    )
    assert m, hint
    fixed = edit(
        RECIPE_PLAN,
        (
            "  epochs: 1\n  batch_size: 4\n",
            f"  epochs: {m[2]}\n  batch_size: 4\n  gradient_accumulation_steps: {m[1]}\n",
        ),
    )
    fixed = fixed.replace("epochs: [0]", f"epochs: [{int(m[2]) - 1}]")
    assert not STEP_RULES & set(rules_of(findings(tmp_path, fixed)))


def test_a_recipe_warmup_below_three_times_is_a_warning(tmp_path: Path) -> None:
    text = edit(RECIPE_PLAN, ("  batch_size: 4\n", "  batch_size: 4\n  gradient_accumulation_steps: 1\n"))
    (hit,) = only(findings(tmp_path, text), "PL303")
    assert "200 optimizer steps" in hit.message and "3x the 100 warmup steps of recipe" in hit.message


def test_an_unknown_recipe_is_an_info_and_its_hint_names_the_config(tmp_path: Path) -> None:
    text = RECIPE_PLAN.replace("llama3_2/1B_lora_single_device", "llama3_2/1B_lora_singledevice")
    found = findings(tmp_path, text)
    (hit,) = only(found, "PL310")
    assert "assume torchtune's defaults" in hit.message
    assert "did you mean 'llama3_2/1B_lora_single_device'?" in (hit.hint or "")
    assert "PL310" not in rules_of(findings(tmp_path, RECIPE_PLAN))


def test_without_a_recipe_the_plain_sweep_is_unchanged(tmp_path: Path) -> None:
    assert not STEP_RULES & set(rules_of(findings(tmp_path, SEED)))


def test_three_times_the_default_warmup_is_there_when_selected_and_its_hint_clears_it(tmp_path: Path) -> None:
    config = Config(ignore=["PL504", "PL701"], extend_select=["PL311"])
    (hit,) = only(findings(tmp_path, SEED, config), "PL311")
    assert (
        "200 optimizer steps" in hit.message and "3x torchtune's default warmup of 100 steps" in hit.message
    )
    m = re.search(r"controls\.epochs: (\d+) gives (\d+) steps", hit.hint or "")
    assert m, hit.hint
    fixed = edit(SEED, ("  epochs: 1\n", f"  epochs: {m[1]}\n"))
    assert not STEP_RULES & set(rules_of(findings(tmp_path, fixed, config)))


@pytest.mark.parametrize("warmup", [500, 150])
def test_a_stated_warmup_hint_says_where_it_takes_effect(tmp_path: Path, warmup: int) -> None:
    text = edit(
        SEED,
        (
            "  gradient_accumulation_steps: 1\n",
            f"  gradient_accumulation_steps: 1\n  num_warmup_steps: {warmup}\n",
        ),
    )
    (hit,) = [f for f in findings(tmp_path, text) if f.rule in ("PL301", "PL303")]
    assert "in controls and in each run's setup_finetune.yaml" in (hit.hint or "")


def test_the_estimator_takes_the_recipes_values_too() -> None:
    """The estimate of a run counts the steps the step guard counts: gradient accumulation 8 from
    the 1B recipe (the plan leaves it unset), not a default of 1 that made its steps 8x too many."""
    from planlint.estimate.plan import run_spec

    path = Path("plan.yaml")
    plan = Plan(path=path, display="plan.yaml", loaded=load_plan(path, text=RECIPE_PLAN), config=Config())
    run = runs_of(plan)[0]
    spec = run_spec(plan, run.node)
    assert (spec.batch_size, spec.gradient_accumulation_steps, spec.epochs) == (4, 8, 1)
    assert spec.gradient_accumulation_steps == run.setting("gradient_accumulation_steps").value
