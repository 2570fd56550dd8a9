"""Rules that compute once for the runs sharing their settings, and per run for a run's own.

The step and GPU/type checks of PL3 work out a run that states none of the settings they read
once for all such runs (every one of them has the same numbers); a run that overrides one is
worked out on its own. These tests hold both kinds in one plan, so the shared outcome must land
on exactly the runs that share it, and an override where it is written. The language server
clears a superseded plan's caches so nothing of it waits for the cyclic GC.
"""

from __future__ import annotations

import gc
from pathlib import Path

from conftest import TWO_MODEL, Lint, edit, only

from planlint.config import Config
from planlint.engine import check_buffer
from planlint.lsp.reuse import Reuse
from planlint.lsp.server import Checked, PlanlintServer
from planlint.plan.run import Run

RUN_1B_R4_LR1 = (
    '    parameters: {lora_rank: 4, lr: 1e-5}\n    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n'
)
RUN_1B_R4_LR5 = (
    '    parameters: {lora_rank: 4, lr: 5e-5}\n    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n'
)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_warmup_problem_is_shared_by_the_runs_without_overrides_and_an_override_reported_alone(
    lint: Lint,
) -> None:
    # warmup 500; 800 samples / batch 4 x 2 epochs = 400 steps for the runs that keep controls.
    plan = edit(
        TWO_MODEL,
        ("  num_warmup_steps: 20\n", "  num_warmup_steps: 500\n"),
        (RUN_1B_R4_LR1, RUN_1B_R4_LR1.replace("lr: 1e-5}", "lr: 1e-5, epochs: 10}")),
        (RUN_1B_R4_LR5, RUN_1B_R4_LR5.replace("lr: 5e-5}", "lr: 5e-5, epochs: 1}")),
    )
    found = sorted(only(lint(plan), "PL301"), key=lambda f: f.line)
    assert len(found) == 2
    shared, alone = found
    assert shared.line == _line(plan, "num_warmup_steps: 500")
    assert shared.message.startswith(
        "run 'Llama-3.2-1B_rank8_lr1e-5' and 5 other runs train 400 optimizer steps (800 train samples"
    )
    assert alone.line == _line(plan, "lr: 5e-5, epochs: 1}")
    assert alone.message.startswith("run 'Llama-3.2-1B_rank4_lr5e-5' trains 200 optimizer steps")
    assert "x 1 epoch = 200" in alone.message


def test_validation_on_several_gpus_is_reported_at_the_one_run_that_asks_for_them(lint: Lint) -> None:
    plan = edit(
        TWO_MODEL,
        (RUN_1B_R4_LR5, RUN_1B_R4_LR5.replace("gpus: 1,", "gpus: 2,")),  # what the scaffold passes
        ('  system_prompt: ""\n', '  system_prompt: "You capitalize words."\n'),
        ("  dataset_type: chat_completion\n", "  dataset_type: text_completion\n"),
    )
    found = lint(plan)
    (validation,) = only(found, "PL307")
    assert validation.line == _line(plan, 'compute: {time: "0:15:00", gpus: 2')
    assert validation.message.startswith("run 'Llama-3.2-1B_rank4_lr5e-5' trains on 2 GPUs")
    (inert,) = only(found, "PL308")  # every run, the overriding one too, shares the controls' prompt
    assert inert.line == _line(plan, 'system_prompt: "You capitalize words."')
    assert "(controls)" in inert.message


def test_a_run_name_with_a_non_string_parameter_key_is_still_checked(lint: Lint) -> None:
    # YAML reads `1: x` as an integer key: the run's parameters are then looked up by their text
    plan = edit(TWO_MODEL, (RUN_1B_R4_LR5, RUN_1B_R4_LR5.replace("lr: 5e-5}", "lr: 5e-5, 1: x}")))
    found = lint(plan)
    assert not only(found, "PL217")
    (unknown,) = only(found, "PL209")
    assert "parameter '1' of run 'Llama-3.2-1B_rank4_lr5e-5'" in unknown.message
    renamed = edit(plan, ("- name: Llama-3.2-1B_rank4_lr5e-5", "- name: Llama-3.2-1B_rank8_lr5e-5_b"))
    (wrong,) = only(lint(renamed), "PL217")
    assert "it says rank8, but the run's lora_rank is 4" in wrong.message


def test_the_server_retires_a_superseded_plan_so_no_cycle_of_it_is_left(tmp_path: Path) -> None:
    path = (tmp_path / "plan.yaml").absolute()
    path.write_text(TWO_MODEL, encoding="utf-8")
    server, config, reuse = PlanlintServer(), Config(), Reuse()
    changed = edit(TWO_MODEL, ("  seed: 14\n", "  seed: 15\n"))
    uri = path.as_uri()
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        first = check_buffer(path, TWO_MODEL, config, reuse=reuse)
        server.replace_checked(uri, Checked(TWO_MODEL, 1, first))
        old_plan = first.plan_objects[0]
        assert old_plan.cache["runs"]  # the rules filled it: the plan and its runs are a cycle
        del first
        second = check_buffer(path, changed, config, reuse=reuse)
        reuse.plan = second.plan_objects[0]
        server.replace_checked(uri, Checked(changed, 2, second))
        assert old_plan.cache == {}
        del old_plan
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, Run)]
        assert left == []
        # the plan still in use keeps its views, and a retired one would simply compute again
        assert server.checked[uri].result.plan_objects[0].cache["runs"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
