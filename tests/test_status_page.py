"""`planlint status --html / --format markdown / --grid`: the sweep drawn per model, looked at in real Chromium.

The run trees are built here the way cruijff_kit's scaffold and torchtune leave them (`setup_finetune.yaml`,
`finetune.yaml`, `finetune.slurm`, `artifacts/epoch_N/`, `artifacts/slurm-<job>.out`). The browser is
Debian's /usr/bin/chromium driven by Playwright (`.ci/run` installs it); no Playwright browser download.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, TWO_MODEL, edit

from planlint.cli import main
from planlint.commands.status import build_status
from planlint.commands.status_page import PAGE_MARK, STATE_STYLES, build_page, format_grid, format_markdown
from planlint.config import Config
from planlint.plan.load import load_plan
from planlint.plan.model import Plan

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EXAMPLE_DIR = "/scratch/gpfs/me/ck-projects/capitalization/cap_lora_rank_lr_sweep"

#: How torchtune's LoRA recipe dies of CUDA OOM on an A100 (torch 2.5 message), as the job's stdout ends.
OOM_TAIL = """1|12|Loss: 1.1306:   5%|▍         | 12/250 [00:21<07:01,  1.77s/it]Traceback (most recent call last):
  File "/home/me/.conda/envs/cruijff/lib/python3.11/site-packages/recipes/lora_finetune_single_device.py", line 704, in train
    current_loss = self._loss_step(batch) * current_num_tokens
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.12 GiB is free.
"""
#: The end of a torchtune 0.6.1 run that finished its last epoch.
DONE_TAIL = """2|400|Loss: 0.0412: 100%|██████████| 200/200 [01:51<00:00,  1.80it/s]Step 400 | loss:0.0412 lr:0.0 tokens_per_second_per_gpu:2031.5
Saving final epoch checkpoint.
Checkpoint saved in 33.06 seconds.
"""


# -- building run trees ------------------------------------------------------------------------


@dataclass
class Tree:
    """A plan in a repository folder and its experiment folder on 'scratch'."""

    plan: Path
    exp: Path

    def run(
        self, name: str, *, epochs: tuple[int, ...] = (), log: str | None = None, batch_size: int = 4
    ) -> Path:
        """One run folder as scaffold-experiment writes it, with the checkpoints and log training left."""
        d = self.exp / name
        (d / "artifacts").mkdir(parents=True, exist_ok=True)
        (d / "setup_finetune.yaml").write_text(
            f'my_wandb_run_name: "{name}"\nbatch_size: 4\nepochs: 2\nsystem_prompt: ""\n', encoding="utf-8"
        )
        (d / "finetune.yaml").write_text(
            f"my_wandb_run_name: {name}\nbatch_size: {batch_size}\nepochs: 2\n"
            f"output_dir: {d}/artifacts/\ngradient_accumulation_steps: 1\n",
            encoding="utf-8",
        )
        (d / "finetune.slurm").write_text(
            f"#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --output={d}/artifacts/slurm-%j.out\n",
            encoding="utf-8",
        )
        for n in epochs:
            (d / "artifacts" / f"epoch_{n}").mkdir()
            (d / "artifacts" / f"epoch_{n}" / "adapter_config.json").write_text(
                '{"r": 4}\n', encoding="utf-8"
            )
        if log is not None:
            (d / "artifacts" / "slurm-5120931.out").write_text(log, encoding="utf-8")
        return d


def make_tree(tmp_path: Path, text: str = TWO_MODEL) -> Tree:
    exp = tmp_path / "scratch" / "gpfs" / "me" / "ck-projects" / "capitalization" / "cap_lora_rank_lr_sweep"
    exp.mkdir(parents=True)
    repo = tmp_path / "repo" / "experiments" / "cap_lora_rank_lr_sweep"
    repo.mkdir(parents=True)
    plan = repo / "plan.yaml"
    plan.write_text(text.replace(EXAMPLE_DIR, str(exp)), encoding="utf-8")
    return Tree(plan, exp)


def mid_sweep(tmp_path: Path, text: str = TWO_MODEL) -> Tree:
    """The two-model sweep part-way: trained, out of memory, drifted, scaffolded, planned, an orphan."""
    t = make_tree(tmp_path, text)
    t.run("Llama-3.2-1B_rank4_lr1e-5", epochs=(0, 1), log=DONE_TAIL)
    t.run("Llama-3.2-1B_rank4_lr5e-5", epochs=(0,), log=OOM_TAIL)
    t.run("Llama-3.2-1B_rank8_lr1e-5")
    t.run("Llama-3.2-1B_rank8_lr5e-5", epochs=(0, 1), log=DONE_TAIL)
    t.run("Llama-3.2-3B_rank4_lr1e-5", epochs=(0, 1), log=DONE_TAIL)
    t.run("Llama-3.2-3B_rank8_lr5e-5", epochs=(0, 1), log=DONE_TAIL, batch_size=2)
    (t.exp / "Llama-3.2-1B_base" / "eval").mkdir(parents=True)
    (t.exp / "Llama-3.2-1B_base" / "finetune.slurm").write_text("#!/bin/bash\n", encoding="utf-8")
    (t.exp / "brave_turing" / "artifacts" / "epoch_0").mkdir(parents=True)  # a folder that is no run
    return t


#: What each cell of `mid_sweep` says: run -> (state, label).
MID_SWEEP = {
    "Llama-3.2-1B_rank4_lr1e-5": ("trained", "trained 2/2"),
    "Llama-3.2-1B_rank4_lr5e-5": ("failed", "failed: out of memory"),
    "Llama-3.2-1B_rank8_lr1e-5": ("scaffolded", "scaffolded"),
    "Llama-3.2-1B_rank8_lr5e-5": ("trained", "trained 2/2"),
    "Llama-3.2-1B_base": ("scaffolded", "scaffolded"),
    "Llama-3.2-3B_rank4_lr1e-5": ("trained", "trained 2/2"),
    "Llama-3.2-3B_rank4_lr5e-5": ("planned", "planned"),
    "Llama-3.2-3B_rank8_lr1e-5": ("planned", "planned"),
    "Llama-3.2-3B_rank8_lr5e-5": ("drifted", "drifted: batch_size 2 (plan 4)"),
    "Llama-3.2-3B_base": ("planned", "planned"),
    "brave_turing/": ("orphan", "no run in plan"),
}


def page_of(plan_path: Path) -> Any:
    config = Config()
    plan = Plan(plan_path, plan_path.name, load_plan(plan_path, max_bytes=config.max_bytes), config)
    return build_page(plan, build_status(plan))


@dataclass
class Result:
    exit_code: int
    output: str
    err: str


def status(*args: str) -> Result:
    """`planlint status ARGS` in-process, through main() (so errors are its one-line messages)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["status", *args])
    return Result(code, out.getvalue(), err.getvalue())


# -- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@dataclass
class Seen:
    """A page as Chromium showed it: cells from the DOM, requests made, a screenshot."""

    cells: dict[str, tuple[str, str]]
    requests: list[str]
    png: bytes
    page: Any


@pytest.fixture
def look(browser: Any, tmp_path: Path) -> Iterator[Any]:
    contexts = []

    def _look(html: Path) -> Seen:
        context = browser.new_context(viewport={"width": 1180, "height": 900}, java_script_enabled=True)
        contexts.append(context)
        requests: list[str] = []

        def route(r: Any) -> None:
            requests.append(r.request.url)
            if r.request.url == html.as_uri():
                r.continue_()
            else:
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda req: requests.append(req.url) if req.url != html.as_uri() else None)
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        cells = page.eval_on_selector_all(
            "td.cell",
            "els => els.map(e => [e.dataset.run, e.dataset.state, e.querySelector('.state').textContent])",
        )
        shot = tmp_path / f"{html.stem}.png"
        png = page.screenshot(path=str(shot), full_page=True)
        seen = {run: (state, label) for run, state, label in cells}
        assert len(seen) == len(cells), "a run is drawn twice"
        return Seen(seen, requests, png, page)

    yield _look
    for c in contexts:
        c.close()


def colours(png: bytes) -> dict[tuple[int, int, int], int]:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    return {rgb: n for n, rgb in img.getcolors(maxcolors=1 << 24)}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


# -- the page in Chromium ----------------------------------------------------------------------


def test_mid_sweep_page_shows_every_run_with_its_state(tmp_path: Path, look: Any) -> None:
    t = mid_sweep(tmp_path)
    out = tmp_path / "status.html"
    result = status(str(t.plan), "--html", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Wrote {out} (10 runs: 3 planned, 2 scaffolded, 3 trained, 1 failed, 1 drifted, 1 no run in plan;"
        " 3.3 planned GPU hours)\n"
    )
    seen = look(out)
    assert seen.cells == MID_SWEEP
    assert seen.requests == [out.as_uri()]  # the page itself, nothing else
    # the grid: rows are lora_rank, columns lr, per model, with the model named in the caption
    grid = seen.page.eval_on_selector_all(
        "details.model table.grid",
        "ts => ts.map(t => [t.caption.textContent, [...t.querySelectorAll('thead th')].map(h => h.textContent),"
        " [...t.querySelectorAll('tbody th')].map(h => h.textContent)])",
    )
    assert grid == [
        ["Llama-3.2-1B", ["lora_rank \\ lr", "lr 1e-5", "lr 5e-5"], ["lora_rank 4", "lora_rank 8"]],
        ["Llama-3.2-3B", ["lora_rank \\ lr", "lr 1e-5", "lr 5e-5"], ["lora_rank 4", "lora_rank 8"]],
    ]
    first_row = seen.page.eval_on_selector_all(
        "details.model table.grid >> nth=0 >> tbody tr >> nth=0 >> td", "tds => tds.map(t => t.dataset.run)"
    )
    assert first_row == ["Llama-3.2-1B_rank4_lr1e-5", "Llama-3.2-1B_rank4_lr5e-5"]
    title = seen.page.get_attribute('td[data-run="Llama-3.2-1B_rank4_lr5e-5"]', "title")
    assert "out of memory (artifacts/slurm-5120931.out)" in title and "missing epoch_1" in title
    assert seen.page.text_content('td[data-run="Llama-3.2-3B_rank8_lr5e-5"] .time') == "est. 0:35:00"
    assert seen.page.locator("#unreachable").count() == 0
    assert seen.page.text_content("#gpu-hours") == "3.3"
    evaluation = seen.page.eval_on_selector_all(
        "#evaluation tbody tr", "rs => rs.map(r => [r.dataset.run, r.querySelector('td').textContent])"
    )
    assert evaluation[0] == ["Llama-3.2-1B_rank4_lr1e-5", "epochs 0, 1"]
    assert evaluation[4] == ["Llama-3.2-1B_base", "base model"]
    # the picture: not blank, and every state drawn holds its own colour (cells, bar, legend)
    found = colours(seen.png)
    assert len(found) > 50 and found.get((255, 255, 255), 0) < sum(found.values()) * 0.9
    for state in ("planned", "scaffolded", "trained", "failed", "drifted", "orphan"):
        assert found.get(rgb(STATE_STYLES[state].colour), 0) > 2000, state


def test_hostile_names_are_inert_text(tmp_path: Path, look: Any) -> None:
    evil = '<script>document.title=1</script>"&amp;<img src=x onerror=alert(1)>'
    text = edit(
        TWO_MODEL,
        ("name: cap_lora_rank_lr_sweep", "name: '<b>cap</b> & \"sweep\"'"),
        ("  - name: Llama-3.2-3B_rank8_lr5e-5\n", f"  - name: '{evil}'\n"),
        (
            "variables:\n",
            'sweep:\n  exclude:\n    - {lora_rank: 8, lr: 1e-5, model: Llama-3.2-1B-Instruct, reason: "</td><script>alert(2)</script>"}\nvariables:\n',
        ),
        (
            '  - name: Llama-3.2-1B_rank8_lr1e-5\n    type: fine-tuned\n    model: Llama-3.2-1B-Instruct\n    parameters: {lora_rank: 8, lr: 1e-5}\n    compute: {time: "0:15:00", gpus: 1, mem: 40G}\n',
            "",
        ),
    )
    t = make_tree(tmp_path, text)
    (t.exp / "<svg onload=alert(3)>" / "artifacts").mkdir(parents=True)
    out = tmp_path / "page.html"
    assert status(str(t.plan), "--html", str(out)).exit_code == 0
    seen = look(out)
    assert seen.cells[evil] == ("planned", "planned")
    assert seen.cells["Llama-3.2-1B_rank8_lr1e-5"] == ("excluded", "excluded: </td><script>alert(2)</script>")
    assert seen.cells["<svg onload=alert(3)>/"] == ("orphan", "no run in plan")
    page = seen.page
    assert page.title() == 'planlint status: <b>cap</b> & "sweep"'
    assert page.text_content("h1") == 'Sweep status: <b>cap</b> & "sweep"'
    assert (
        page.evaluate("document.querySelectorAll('script, img, b, body svg svg, [onload], [onerror]').length")
        == 0
    )
    assert page.evaluate("document.querySelectorAll('svg').length") == 1  # the summary bar only
    rows = page.eval_on_selector_all(
        "#evaluation tbody tr", "rs => rs.map(r => [r.dataset.run, r.textContent])"
    )
    assert [evil, evil + "✗ not evaluated"] in rows  # the matrix still names the old run
    assert seen.requests == [out.as_uri()]


def test_without_run_folders_the_page_says_so(tmp_path: Path, look: Any) -> None:
    out = tmp_path / "two-model.html"
    result = status(str(EXAMPLES / "two-model-sweep" / "plan.yaml"), "--html", str(out))
    assert result.exit_code == 0
    seen = look(out)
    assert set(seen.cells.values()) == {("planned", "planned")} and len(seen.cells) == 10
    notice = seen.page.text_content("#unreachable")
    assert notice.startswith("Run folders were not reachable (experiment.dir /scratch/gpfs/me/")
    assert "what the plan alone knows" in notice
    assert seen.page.text_content("#summary-line") == "10 runs: 10 planned; 3.3 planned GPU hours"
    assert found_colour(seen.png, "planned")


def found_colour(png: bytes, state: str) -> bool:
    return colours(png).get(rgb(STATE_STYLES[state].colour), 0) > 2000


@pytest.mark.parametrize("example", ["seed-sweep", "two-model-sweep", "eval-only-comparison"])
def test_every_shipped_example_draws_every_run(example: str, tmp_path: Path, look: Any) -> None:
    plan = EXAMPLES / example / "plan.yaml"
    out = tmp_path / f"{example}.html"
    assert status(str(plan), "--html", str(out)).exit_code == 0
    seen = look(out)
    page = page_of(plan)
    names = [c.name for c in page.cells()]
    assert sorted(seen.cells) == sorted(names)
    runs = load_plan(plan, max_bytes=1 << 20).data["runs"]
    assert {r["name"] for r in runs} <= set(seen.cells)
    assert seen.requests == [out.as_uri()]


# -- the layout: small multiples, conditions, gaps ---------------------------------------------

PROMPT_SWEEP = """experiment:
  name: cap_prompt_rank
  question: "Does a terse prompt need a higher LoRA rank?"
  date: "2026-11-24"
  dir: /scratch/gpfs/me/ck-projects/capitalization/cap_prompt_rank
variables:
  lora_rank: [4, 8]
  lr: [1e-5, 5e-5]
  epochs: [1, 2]
sweep:
  exclude:
    - {lora_rank: 8, lr: 5e-5, epochs: 2, reason: "diverged in the pilot"}
controls:
  batch_size: 4
  system_prompt: ""
models:
  base:
    - {name: Llama-3.2-1B-Instruct, short: Llama-3.2-1B, path: /models/Llama-3.2-1B-Instruct}
runs:
"""


def prompt_sweep() -> str:
    lines = [PROMPT_SWEEP.rstrip("\n")]
    for rank in (4, 8):
        for lr in ("1e-5", "5e-5"):
            for ep in (1, 2):
                if (rank, lr, ep) in ((8, "5e-5", 2), (4, "5e-5", 1)):
                    continue  # excluded; and one the plan forgot
                lines += [
                    f"  - name: Llama-3.2-1B_rank{rank}_lr{lr}_ep{ep}",
                    "    type: fine-tuned",
                    "    model: Llama-3.2-1B-Instruct",
                    f"    parameters: {{lora_rank: {rank}, lr: {lr}, epochs: {ep}}}",
                    '    compute: {time: "0:20:00"}',
                ]
    lines += [
        "  - name: ft_terse_prompt",
        "    type: fine-tuned",
        "    model: Llama-3.2-1B-Instruct",
        '    parameters: {lora_rank: 8, lr: 1e-5, epochs: 1, prompt: "Caps: {input}"}',
        "  - name: Llama-3.2-1B_base",
        "    type: control",
        "    model: Llama-3.2-1B-Instruct",
        "  - name: Llama-3.2-1B_from_ckpt",
        "    type: eval-only",
        "    model: Llama-3.2-1B-Instruct",
        "    parameters: {checkpoint_path: /scratch/gpfs/me/ckpt/epoch_0}",
    ]
    return "\n".join(lines) + "\n"


def test_further_variables_and_conditions_are_small_multiples(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(prompt_sweep(), encoding="utf-8")
    page = page_of(plan)
    (model,) = page.models
    shape = [
        (
            p.title,
            p.row_var,
            p.col_var,
            p.rows,
            p.cols,
            [[(c.state, c.name) for c in row if c] for row in p.cells],
        )
        for p in model.panels
    ]
    assert shape == [
        ("epochs = 1", "lora_rank", "lr", ["4", "8"], ["1e-5", "5e-5"], [
            [("planned", "Llama-3.2-1B_rank4_lr1e-5_ep1"), ("missing", "Llama-3.2-1B_rank4_lr5e-5_ep1")],
            [("planned", "Llama-3.2-1B_rank8_lr1e-5_ep1"), ("planned", "Llama-3.2-1B_rank8_lr5e-5_ep1")],
        ]),
        ("epochs = 2", "lora_rank", "lr", ["4", "8"], ["1e-5", "5e-5"], [
            [("planned", "Llama-3.2-1B_rank4_lr1e-5_ep2"), ("planned", "Llama-3.2-1B_rank4_lr5e-5_ep2")],
            [("planned", "Llama-3.2-1B_rank8_lr1e-5_ep2"), ("excluded", "Llama-3.2-1B_rank8_lr5e-5_ep2")],
        ]),
        ("prompt = 'Caps: {input}'; epochs = 1", "lora_rank", "lr", ["4", "8"], ["1e-5", "5e-5"], [
            [("missing", "lora_rank=4 lr=1e-5 epochs=1"), ("missing", "lora_rank=4 lr=5e-5 epochs=1")],
            [("planned", "ft_terse_prompt"), ("missing", "lora_rank=8 lr=5e-5 epochs=1")],
        ]),
        ("prompt = 'Caps: {input}'; epochs = 2", "lora_rank", "lr", ["4", "8"], ["1e-5", "5e-5"], [
            [("missing", "lora_rank=4 lr=1e-5 epochs=2"), ("missing", "lora_rank=4 lr=5e-5 epochs=2")],
            [("missing", "lora_rank=8 lr=1e-5 epochs=2"), ("excluded", "lora_rank=8 lr=5e-5 epochs=2")],
        ]),
    ]  # fmt: skip
    excluded = model.panels[1].cells[1][1]
    assert excluded is not None and excluded.label == "excluded: diverged in the pilot"
    assert [(c.name, c.type, c.state) for c in model.others] == [
        ("Llama-3.2-1B_base", "control", "planned"),
        ("Llama-3.2-1B_from_ckpt", "eval-only", "planned"),
    ]
    assert page.summary() == (
        "9 runs: 9 planned, 2 excluded, 7 missing; 2.0 planned GPU hours (1 fine-tuned run without compute.time)"
    )


def test_one_variable_is_one_row(tmp_path: Path) -> None:
    text = edit(
        TWO_MODEL,
        ("  lora_rank: [4, 8]\n  lr: [1e-5, 5e-5]\n", "  lr: [1e-5, 5e-5]\n"),
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    page = page_of(plan)
    p = page.models[0].panels[0]
    assert (p.row_var, p.col_var, p.rows, p.cols) == ("", "lr", [""], ["1e-5", "5e-5"])
    # every run still sets lora_rank, which is now a condition: the runs are grouped by it
    assert [q.title for q in page.models[0].panels] == ["", "lora_rank = '4'", "lora_rank = '8'"]
    assert [c.state for c in page.models[0].panels[0].cells[0]] == ["missing", "missing"]
    assert [c.name for c in page.models[0].panels[1].cells[0] if c] == [
        "Llama-3.2-1B_rank4_lr1e-5",
        "Llama-3.2-1B_rank4_lr5e-5",
    ]


# -- markdown and the terminal -----------------------------------------------------------------


def test_markdown_for_a_pull_request_comment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = mid_sweep(tmp_path)
    monkeypatch.chdir(t.plan.parent)
    result = status("plan.yaml", "--format", "markdown")
    assert result.exit_code == 0
    assert result.output == (
        "### planlint status: cap\\_lora\\_rank\\_lr\\_sweep\n"
        "\n"
        "10 runs: 3 planned, 2 scaffolded, 3 trained, 1 failed, 1 drifted, 1 no run in plan; 3.3 planned GPU hours\n"
        "\n"
        "#### Llama-3.2-1B-Instruct\n"
        "\n"
        "| lora\\_rank \\ lr | 1e-5 | 5e-5 |\n"
        "|---|---|---|\n"
        "| 4 | ✅ | ❌ |\n"
        "| 8 | 🏗️ | ✅ |\n"
        "\n"
        "Controls and other runs: 🏗️ Llama-3.2-1B\\_base\n"
        "\n"
        "#### Llama-3.2-3B-Instruct\n"
        "\n"
        "| lora\\_rank \\ lr | 1e-5 | 5e-5 |\n"
        "|---|---|---|\n"
        "| 4 | ✅ | ⬜ |\n"
        "| 8 | ⬜ | ⚠️ |\n"
        "\n"
        "Controls and other runs: ⬜ Llama-3.2-3B\\_base\n"
        "\n"
        "Folders of no run: 🔷 brave\\_turing/\n"
        "\n"
        "⬜ planned · 🏗️ scaffolded · ✅ trained · ❌ failed · ⚠️ drifted · 🔷 no run in plan\n"
    )


def test_markdown_escapes_plan_text() -> None:
    from planlint.commands.status_page import md_text

    assert md_text("a|b <script>alert(1)</script> *x* [l](u) `c`") == (
        "a\\|b \\<script\\>alert(1)\\</script\\> \\*x\\* \\[l\\](u) \\`c\\`"
    )
    assert md_text("two\nlines") == "two lines"


def test_terminal_grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = mid_sweep(tmp_path)
    monkeypatch.chdir(t.plan.parent)
    plain = status("plan.yaml")
    assert "legend:" not in plain.output  # not a terminal, no --grid: the table alone
    result = status("plan.yaml", "--grid")
    assert result.exit_code == 0
    assert result.output.startswith(plain.output + "\n")
    assert result.output[len(plain.output) + 1 :] == (
        "Llama-3.2-1B-Instruct (lora_rank x lr)\n"
        "    lora_rank \\ lr  1e-5  5e-5\n"
        "    4               ●     ✗\n"
        "    8               ◐     ●\n"
        "  ◐ Llama-3.2-1B_base (control): scaffolded\n"
        "\n"
        "Llama-3.2-3B-Instruct (lora_rank x lr)\n"
        "    lora_rank \\ lr  1e-5  5e-5\n"
        "    4               ●     ○\n"
        "    8               ○     ≠\n"
        "  ○ Llama-3.2-3B_base (control): planned\n"
        "\n"
        "◇ brave_turing/: no run in plan\n"
        "\n"
        "legend: ○ planned  ◐ scaffolded  ● trained  ✗ failed  ≠ drifted  ◇ no run in plan\n"
    )
    assert "legend:" not in status("plan.yaml", "--no-grid").output


def test_grid_from_the_page_data(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(prompt_sweep(), encoding="utf-8")
    page = page_of(plan)
    grid = format_grid(page)
    assert "  prompt = 'Caps: {input}'; epochs = 2\n" in grid
    assert grid.endswith("legend: ○ planned  ⊘ excluded  ? missing\n")
    assert "| 8 | ⬜ | ➖ |" in format_markdown(page)


# -- writing the file --------------------------------------------------------------------------


def test_html_never_overwrites_a_file_it_did_not_write(tmp_path: Path) -> None:
    t = mid_sweep(tmp_path)
    doc = t.plan.parent / "PLAN.md"
    doc.write_text(
        "# cap sweep\n\n<!-- planlint:begin all-runs -->\n<!-- planlint:end all-runs -->\n", encoding="utf-8"
    )
    for target in (t.plan, doc):
        before = target.read_bytes()
        result = status(str(t.plan), "--html", str(target))
        assert result.exit_code == 2
        assert (
            result.err
            == f"planlint: error: --html: {target} exists and is not a page planlint wrote: not overwritten\n"
        )
        assert target.read_bytes() == before
    page = tmp_path / "status.html"
    assert status(str(t.plan), "--html", str(page)).exit_code == 0
    assert page.read_text(encoding="utf-8").splitlines()[:2] == ["<!DOCTYPE html>", PAGE_MARK]
    (t.exp / "Llama-3.2-3B_rank4_lr5e-5" / "artifacts" / "epoch_0").mkdir(parents=True)
    assert status(str(t.plan), "--html", str(page)).exit_code == 0  # its own page is regenerated
    assert 'data-run="Llama-3.2-3B_rank4_lr5e-5" title' in page.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".planlint-")] == []
    missing = tmp_path / "no" / "such" / "status.html"
    result = status(str(t.plan), "--html", str(missing))
    assert (
        result.exit_code == 2
        and result.err.startswith("planlint: error: --html: ")
        and result.err.count("\n") == 1
    )
    result = status(str(t.plan), "--html", str(tmp_path))
    assert result.exit_code == 2 and result.err == f"planlint: error: --html: {tmp_path} is a folder\n"


def test_check_and_plain_status_never_import_jinja2() -> None:
    code = (
        "import sys; from planlint.cli import main\n"
        "rc = main(['check', 'examples/two-model-sweep'])\n"
        "main(['status', 'examples/two-model-sweep/plan.yaml'])\n"
        "print(rc, 'jinja2' in sys.modules, 'planlint.commands.status_page' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 False False"


def test_runs_of_undeclared_models_and_empty_plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text(
        "variables: {lr: [1e-5, 5e-5]}\n"
        "runs:\n"
        "  - {name: Qwen2.5-0.5B_lr1e-5, type: fine-tuned, model: Qwen2.5-0.5B-Instruct, parameters: {lr: 1e-5}}\n"
        "  - {name: no_model_run, type: fine-tuned, parameters: [1e-5]}\n",
        encoding="utf-8",
    )
    result = status("plan.yaml", "--grid")
    assert result.exit_code == 0 and result.err == ""
    # no model in models.base: its runs are drawn, but the sweep implies nothing for it (no "missing")
    assert result.output.split("\n\n", 3)[3] == (
        "Qwen2.5-0.5B-Instruct (lr)\n"
        "    1e-5  5e-5\n"
        "    ○\n"
        "\n"
        "(no model)\n"
        "  ○ no_model_run (fine-tuned): planned\n"
        "\n"
        "legend: ○ planned\n"
    )
    Path("plan.yaml").write_text("experiment: {name: empty}\nruns: []\n", encoding="utf-8")
    assert status("plan.yaml", "--grid").output.endswith("\nthe plan has no runs\n")
    assert status("plan.yaml", "--format", "markdown").output.endswith("\nThe plan has no runs.\n")
    assert status("plan.yaml", "--html", "empty.html").exit_code == 0
    assert "0 runs: none; 0.0 planned GPU hours" in Path("empty.html").read_text(encoding="utf-8")
