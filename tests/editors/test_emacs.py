"""Emacs with eglot, configured exactly as the README says: the snippet is taken from the README's
Emacs section, pointed at this checkout's `ubiq`, and run in batch Emacs (Debian's emacs-nox with
elpa-eglot on Emacs 28; eglot is built into 29+). completion-at-point must offer the model's
completion of a sample file — what a new user would see after following the README."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEFAULT, REPO

pytestmark = [pytest.mark.editors, pytest.mark.default_model]
DRIVER = Path(__file__).with_name("emacs_driver.el")


def readme_snippet() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Emacs (eglot)", 1)[1].split("\n## ", 1)[0]
    (snippet,) = re.findall(r"```elisp\n(.*?)```", section, re.S)
    assert "/path/to/ubiq/.venv/bin/ubiq" in snippet
    return snippet.replace("/path/to/ubiq/.venv/bin/ubiq", str(Path(sys.executable).with_name("ubiq")))


def emacs_with_eglot() -> str | None:
    emacs = shutil.which("emacs")
    if emacs is None:
        return None
    probe = subprocess.run([emacs, "--batch", "--eval", "(require 'eglot)"], capture_output=True, timeout=60)
    return emacs if probe.returncode == 0 else None


def test_readme_configuration_gives_completions(tmp_path: Path):
    emacs = emacs_with_eglot()
    if emacs is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs emacs with eglot (scripts/test.sh installs emacs-nox and elpa-eglot)")
        pytest.skip("emacs with eglot is not installed (apt install emacs-nox elpa-eglot)")
    project = tmp_path / "project"
    project.mkdir()
    shutil.copyfile(REPO / "examples" / "shapes.py", project / "shapes.py")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    config = tmp_path / "init.el"
    config.write_text(readme_snippet(), encoding="utf-8")
    out = tmp_path / "seen.json"
    env = {
        **os.environ,
        "HOME": str(tmp_path),  # a fresh user: no personal Emacs configuration
        "UBIQ_MODEL": DEFAULT,
        "UBIQ_THREADS": "1",
        "UBIQ_EMACS_FILE": str(project / "shapes.py"),
        "UBIQ_EMACS_OUT": str(out),
        "UBIQ_EMACS_LINE": "24",  # the README's first command completes shapes.py:24:9 too
        "UBIQ_EMACS_COLUMN": "9",
    }
    done = subprocess.run(
        [emacs, "--batch", "-l", str(config), "-l", str(DRIVER)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(out.read_text())
    assert seen["server"] == "ubiq"
    assert seen["candidates"], f"no completion after {seen['tries']} tries: {done.stderr[-2000:]}"
    # The model's answer (`return 2 * (self.width + self.height)` here; greedy answers differ in the
    # last bits of the logits between CPUs' instruction sets), or its start when the editor's time
    # budget (completion.timeBudgetMs, 2 s by default) cut it on a busy machine: Python either way.
    assert all(_is_python_line(c) for c in seen["candidates"]), seen["candidates"]


def _is_python_line(text: str) -> bool:
    """A line that parses in a method body (a cut-off answer is closed with `...` first)."""
    import ast

    for attempt in (text, text + ")", text + "))", text + " ..."):
        try:
            ast.parse("def f(self):\n    " + attempt.strip().split("\n")[0] + "\n")
            return True
        except SyntaxError:
            continue
    return False
