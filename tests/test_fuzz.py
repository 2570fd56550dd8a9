"""Fuzz the whole pipeline: arbitrary YAML, near-valid plans, markdown around markers.

The only outcomes allowed are findings and exit codes 0/1 — never a traceback (exit 2 with a
one-line message is reserved for usage errors). Sized for CI by the "ci" hypothesis profile;
HYPOTHESIS_PROFILE=long runs thousands of examples.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, SEED, TWO_MODEL
from hypothesis import given
from hypothesis import strategies as st

from planlint.cli import main
from planlint.commands.fix import fix
from planlint.config import Config
from planlint.engine import run

yaml_atoms = st.sampled_from(
    [
        "",
        " ",
        "  ",
        "-",
        "- ",
        ":",
        ": ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "#",
        "&a",
        "*a",
        "!!python/object",
        "!x",
        "<<",
        "'",
        '"',
        "|",
        ">",
        "\n",
        "\t",
        "~",
        "null",
        "yes",
        "1e-5",
        "1:15:00",
        "2026-13-45",
        "0755",
        "runs",
        "name",
        "type",
        "model",
        "parameters",
        "\ufeff",
        "\x00",
        "\r\n",
        "é",
        "?",
        "%YAML 1.1",
        "---",
        "...",
    ]
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check_exit(path: Path) -> int:
    code = main(["check", str(path)])
    assert code in (0, 1), f"exit {code}"
    return code


@given(st.lists(yaml_atoms, max_size=60).map("".join))
def test_arbitrary_yaml_like_text(workdir: Path, text: str) -> None:
    path = workdir / "plan.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    check_exit(path)


@given(st.binary(max_size=400))
def test_arbitrary_bytes(workdir: Path, data: bytes) -> None:
    path = workdir / "plan.yaml"
    path.write_bytes(data)
    check_exit(path)


def _mutations(base: str) -> st.SearchStrategy[str]:
    lines = base.splitlines(keepends=True)

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        out = list(lines)
        for _ in range(draw(st.integers(1, 6))):
            if not out:
                break
            i = draw(st.integers(0, len(out) - 1))
            op = draw(
                st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "indent", "dedent"])
            )
            if op == "delete":
                del out[i]
            elif op == "duplicate":
                out.insert(i, out[i])
            elif op == "swap" and i + 1 < len(out):
                out[i], out[i + 1] = out[i + 1], out[i]
            elif op == "insert":
                out.insert(i, draw(st.lists(yaml_atoms, max_size=8).map("".join)) + "\n")
            elif op == "truncate":
                out[i] = out[i][: draw(st.integers(0, len(out[i])))]
            elif op == "indent":
                out[i] = "  " + out[i]
            elif op == "dedent":
                out[i] = out[i].lstrip(" ")
        return "".join(out)

    return mutate()


@given(_mutations(TWO_MODEL))
def test_near_valid_plans(workdir: Path, text: str) -> None:
    path = workdir / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    check_exit(path)
    run([str(path)], Config(extend_select=["ALL"]))


markdown_atoms = st.sampled_from(
    [
        "# Title\n",
        "\n",
        "text ",
        "<!-- planlint:begin all-runs -->",
        "<!-- planlint:end all-runs -->",
        "<!-- planlint:begin eval-matrix plan=plan.yaml -->",
        "<!-- planlint:begin all-runs plan=../x.yaml -->",
        "```\n",
        "~~~\n",
        "    ",
        "> ",
        "- ",
        "<details>\n",
        "| a | b |\n",
        "|---|---|\n",
        "| x |\n",
        "\ufeff",
        "\r\n",
        "<!--",
        "-->",
        "`",
        "\\|",
    ]
)


@given(st.lists(markdown_atoms, max_size=40).map("".join))
def test_arbitrary_markdown_around_markers(workdir: Path, text: str) -> None:
    exp = workdir / "exp"
    exp.mkdir(exist_ok=True)
    (exp / "plan.yaml").write_text(SEED, encoding="utf-8")
    doc = exp / "PLAN.md"
    doc.write_text(text, encoding="utf-8")
    check_exit(doc)
    report = fix([str(doc)], Config())
    if not report.changes:
        return
    assert fix([str(doc)], Config()).changes == []  # idempotent
    assert [
        f for f in run([str(doc)], Config()).findings if f.rule == "PL501"
    ] == []  # fix then check is clean


def test_examples_survive_every_rule_selected(workdir: Path) -> None:
    assert main(["check", "--select", "ALL", str(EXAMPLES)]) in (0, 1)


log_atoms = st.sampled_from(
    [
        "Running LoRAFinetuneRecipeSingleDevice with resolved config:\n",
        "Running FullFinetuneRecipeDistributed with resolved config:\n",
        "batch_size: 4\n",
        "epochs: 2\n",
        "gradient_accumulation_steps: x\n",
        "  _component_: torchtune.models.llama3_2.lora_llama3_2_1b\n",
        "1|40|Loss: 10.48:  16%|█▌        | 40/250 [00:19<01:44,  2.00it/s]",
        "\r",
        "1|250|Loss: 0.22: 100%|██████████| 250/250 [01:55<00:00,  2.22it/s]",
        " 3/0 [00:0",
        "Checkpoint saved in 33.06 seconds.\n",
        "GPU peak memory reserved: 2.37 GiB\n",
        "torch.OutOfMemoryError: CUDA out of memory.\n",
        "Job Wall-clock time: 1-02:03:04\n",
        "total time: 0:05:00\n",
        "302,904 tokens [I: 297,904, O: 5,000]\n",
        "timestamp, name, utilization.gpu [%], memory.used [MiB], memory.total [MiB]\n",
        "2025/01/01 00:00:00.000, NVIDIA A100, [N/A], 18000 MiB, 40960 MiB\n",
        "[rank1]: ",
        "INFO:torchtune.utils._logging:",
        "\xff\xfe",
        "\n",
        "é",
    ]
)


@given(st.lists(log_atoms, max_size=40).map("".join), st.booleans())
def test_arbitrary_log_text_never_crashes_the_parsers_or_the_estimator(
    workdir: Path, text: str, cut: bool
) -> None:
    from planlint.estimate.model import RunSpec, estimate
    from planlint.logs import parse_file

    data = text.encode("utf-8")
    if cut and len(data) > 3:
        data = data[:-1]  # often the middle of a UTF-8 sequence
    path = workdir / "slurm-4242.out"
    path.write_bytes(data)
    record = parse_file(path)
    spec = RunSpec(
        run="Llama-3.2-1B_rank8_lr1e-5",
        model="Llama-3.2-1B-Instruct",
        model_path="/models/Llama-3.2-1B-Instruct",
        train_samples=800,
        batch_size=4,
        epochs=2,
    )
    result = estimate(spec, [record])
    assert result.time is None or result.time.count(":") == 2
