"""Plumbing of the search around a strict constructor, with real pytest and coverage.py in the
sandbox and a scripted model: the errors of earlier calls reach the next request, a constructor
call that passed becomes the example, and the object's other methods are tried without the model.
The same path runs on a real model in test_gen_tests.py."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsp_server.engine.backend import Backend, ChatMessage, Completion, CompletionRequest, ModelInfo
from lsp_server.testgen.pipeline import Generator, Options
from lsp_server.testgen.targets import load_module

CRON = '''from .errors import FormatError


class Cron:
    """A cron expression."""

    def __init__(self, expression: str):
        parts = expression.split()
        if len(parts) < 5:
            raise FormatError(f"Expression only has {len(parts)} parts, at least 5 are required")
        self.parts = parts

    def minutes(self):
        return "every minute" if self.parts[0] == "*" else "at minute " + self.parts[0]

    def hours(self):
        return "every hour" if self.parts[1] == "*" else "at hour " + self.parts[1]

    def describe(self, verbose: bool = False):
        text = self.minutes() + ", " + self.hours()
        return text.upper() if verbose else text
'''


class Scripted(Backend):
    """A model that writes 'hello world' until told why that fails, then a valid expression."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def info(self) -> ModelInfo:
        return ModelInfo("scripted", "", "test", "none", 4096, None, True, 1, 1)

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        raise NotImplementedError

    def chat(self, messages: Sequence[ChatMessage], *, json_schema: dict, **_: Any) -> Completion:
        prompt = messages[-1].content
        self.prompts.append(prompt)
        method = re.search(r"`Cron\.(\w+)`", prompt).group(1)
        told = "only has 2 parts" in prompt
        call = f"Cron({'0 12 * * 1' if told and method == 'hours' else 'hello world'!r}).{method}()"
        if "calls" in json_schema["properties"]:
            return Completion(json.dumps({"calls": [call]}), "eos")
        test = {"name": "typical", "setup": [], "call": call, "expected": "x", "raises": ""}
        return Completion(json.dumps({"tests": [test]}), "eos")

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def close(self) -> None:
        pass


def test_a_strict_constructor_is_learned_from_its_errors_and_opens_every_method(tmp_path: Path):
    package = tmp_path / "crontab"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("class FormatError(Exception):\n    pass\n")
    (package / "cron.py").write_text(CRON)
    module = load_module(package / "cron.py")
    model = Scripted()
    generator = Generator(model, module, Options(budget_s=120, rounds=2, tests_per_target=1))
    report = generator.run()

    first, second = model.prompts[0], model.prompts[1]
    assert "`Cron.minutes`" in first and "only has 2 parts" not in first
    assert "`Cron.hours`" in second and "only has 2 parts" in second  # told why 'hello world' failed
    describe = next(t for t in module.targets if t.name == "Cron.describe")
    example = generator._variables(describe, probe=True)["example"]
    assert "Cron('0 12 * * 1').describe(" in example  # the constructor that ran is the example now
    kept = {case.target: case for case in report.kept}
    assert kept["Cron.minutes"].raises == "FormatError" or any(
        c.raises == "FormatError" for c in report.kept
    )  # the module's own error, imported into the test file
    # `describe` was only ever asked with 'hello world': reached through the object that worked.
    assert any(c.target == "Cron.describe" and "0 12 * * 1" in c.call and not c.raises for c in report.kept)
    assert report.coverage_after[0] == 1.0
