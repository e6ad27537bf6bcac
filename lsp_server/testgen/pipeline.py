"""The gen-tests pipeline: ask the model per target, run, repair or discard, check stability,
measure coverage, aim further rounds at uncovered lines, keep only tests that add coverage.

Protocol-free and UI-free: the CLI and the editor command pass an `on_progress` callback and a
cancel token, and get back a `Report` (tests to write, and what happened to every candidate).
"""

from __future__ import annotations

import ast
import json
import logging
import random
import shutil
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.engine.chat_json import UnparsableAnswer, chat_json
from lsp_server.errors import InputError
from lsp_server.prompts import render
from lsp_server.testgen import runner, sandbox
from lsp_server.testgen.cases import (
    EXPECTABLE_ERRORS,
    ONE_TEST_SCHEMA,
    SCHEMA,
    Case,
    calls_schema,
    from_calls,
    from_json,
    raised,
)
from lsp_server.testgen.examples import arguments, placeholders
from lsp_server.testgen.imports import free_names, raised_names, with_imports
from lsp_server.testgen.mutate import Mutator, qualify_members
from lsp_server.testgen.targets import ModuleInfo, Target

log = logging.getLogger(__name__)
STABILITY_RUNS = 3
STALE_ROUNDS = 2  # rounds in a row without new coverage before giving up
RESERVE = 0.1  # share of the budget kept for stabilising and measuring the kept tests (a few runs)
WHOLE_CASE_SECONDS = 40  # budget per target below which the first round asks only for calls
EXPLORE_GENERATIONS = 10  # model-free variant rounds after each model round, while they add coverage
EXPLORE_VARIANTS = 80  # variants run per generation (one sandboxed pytest run)

OnProgress = Callable[[str, float], None]  # (message, fraction done 0..1)


@dataclass
class TargetStats:
    """What became of one target's generated tests; discards are counted by reason."""

    generated: int = 0
    kept: int = 0
    repaired: int = 0
    discarded: dict[str, int] = field(default_factory=dict)  # reason → count


@dataclass
class Options:
    """Limits of one pipeline run, taken from the request; `budget_s` covers the whole module."""

    budget_s: float = 300.0
    rounds: int = 2
    tests_per_target: int = 4
    prompts_dir: str = ""
    project_root: Path | None = None


@dataclass
class Report:
    """What a run produced: the tests to write, and what happened to every candidate."""

    module: ModuleInfo
    kept: list[Case]
    targets: dict[str, TargetStats]
    discarded: list[tuple[Case, str]]
    coverage_before: tuple[float, float]  # (lines, branches)
    coverage_after: tuple[float, float]
    seconds: float
    isolation: str
    # The package's other modules the tests reached beyond importing them: path → lines run
    # (before, after, of total), see `runner.RunReport.package_lines`.
    dispatched: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "module": self.module.module,
            "path": str(self.module.path),
            "tests_kept": len(self.kept),
            "coverage_before": {"lines": self.coverage_before[0], "branches": self.coverage_before[1]},
            "coverage_after": {"lines": self.coverage_after[0], "branches": self.coverage_after[1]},
            "seconds": round(self.seconds, 1),
            "isolation": self.isolation,
            "dispatched": {
                path: {"lines_before": b, "lines_after": a, "lines": n}
                for path, (b, a, n) in self.dispatched.items()
            },
            "targets": {
                name: {
                    "generated": s.generated,
                    "kept": s.kept,
                    "repaired": s.repaired,
                    "discarded": s.discarded,
                }
                for name, s in self.targets.items()
            },
            "discarded": [{"test": c.function, "target": c.target, "reason": r} for c, r in self.discarded],
        }


class Generator:
    """The pipeline on one module, run once: `run()` returns the `Report`."""

    def __init__(
        self,
        backend: Backend,
        module: ModuleInfo,
        options: Options,
        on_progress: OnProgress | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.backend, self.module, self.options = backend, module, options
        self.on_progress = on_progress or (lambda message, fraction: None)
        self.cancel = cancel or CancelToken()
        self.stats = {t.name: TargetStats() for t in module.targets}
        self.discarded: list[tuple[Case, str]] = []
        self.names: set[str] = set()
        self.ask_seconds: dict[str, list[float]] = {"cases": [], "probe": []}
        self.round = 0
        self.mutator = Mutator(module.source)
        self._planned: list[Case] = []  # dispatch-value variants not tried yet (see _explore)
        self._raised: dict[str, list[str]] = {}  # function or class → the errors its calls raised
        self._built: set[str] = set()  # classes whose first target's tests ran early (see run)
        self._working: dict[str, str] = {}  # class → a constructor call of a test that passed
        self._classes = {t.class_name for t in module.targets if t.class_name}
        # Exceptions the module defines, imports or raises: raising them is its behaviour.
        self._own_errors = runner.imported_names(module) | raised_names(module.source)
        self._run_seconds: list[float] = []
        self._available = runner.header_names(module) | {"pytest"}  # what every test file imports
        self.started = time.monotonic()

    # -- helpers ---------------------------------------------------------------------------------

    def _run(self, cases: list[Case], timeout: float, coverage: bool = True) -> runner.RunReport:
        """`runner.run_cases`, timed: the end of the run is sized from how long runs take here."""
        started = time.monotonic()
        report = runner.run_cases(self.module, cases, timeout=timeout, coverage=coverage)
        self._run_seconds.append(time.monotonic() - started)
        return report

    def _reserve(self) -> float:
        """Seconds kept for the end (the stability runs, the final measure and the file's own
        check): a share of the budget, or what that many runs took so far, whichever is more."""
        runs = sorted(self._run_seconds)
        typical = runs[len(runs) // 2] if runs else 0.0
        return max(RESERVE * self.options.budget_s, (STABILITY_RUNS + 2) * typical)

    def _time_left(self) -> float:
        return self.options.budget_s - (time.monotonic() - self.started)

    def _discard(self, case: Case, reason: str) -> None:
        key = reason.split(":")[0]
        stats = self.stats[case.target].discarded
        stats[key] = stats.get(key, 0) + 1
        self.discarded.append((case, reason))

    def _name(self, case: Case) -> None:
        base = f"test_{case.target.replace('.', '_').lower()}_{case.name}"[:70]
        name, n = base, 2
        while name in self.names:
            name, n = f"{base}_{n}", n + 1
        self.names.add(name)
        case.function = name

    def _ask(self, prompt: str, schema: dict, max_tokens: int, temperature: float = 0.0) -> dict:
        """An answer that does not parse gives the cases it wrote whole, or none this round: the
        budget, not one bad answer, decides when generation stops."""
        system = render("gen_tests.system.txt", {}, self.options.prompts_dir, self.options.project_root)
        messages = [ChatMessage("system", system), ChatMessage("user", prompt)]
        try:
            return chat_json(
                self.backend,
                messages,
                schema,
                max_tokens=max_tokens,
                temperature=temperature,
                cancel=self.cancel,
            )
        except UnparsableAnswer as error:  # the calls or tests written whole before the cut still count
            log.info("%s: %.200s", error.message, error.text)
            return error.partial or {}

    def _variables(self, target: Target, uncovered: str = "", probe: bool = False) -> dict[str, object]:
        names = sorted(runner.imported_names(self.module))
        context = ""
        # Functions: a shape-only example (a concrete one is copied verbatim, giving duplicate tests;
        # a copied `...` is refused). Methods: a concrete constructor, the part small models miss.
        call = f"{target.name}(...)"
        example = {"name": "typical_case", "setup": [], "call": call, "expected": 42, "raises": ""}
        if target.kind == "method":
            cls, method = target.name.split(".", 1)
            init = _constructor(self.module.source, cls)
            context = f"The class is created like this:\n```python\n{init}\n```\n" if init else ""
            # A constructor call that ran is the example: a small model copies the example's
            # values, and one the constructor refused ("only 2 parts") blocks every method.
            make = self._working.get(cls) or f"{cls}({arguments(init) if init else ''})"
            if cls not in self._working and self._raised.get(cls) and init and placeholders(init):
                # Its constructor refused what was tried: name the arguments, do not show values.
                make = f"{cls}({placeholders(init)})"
                context += f"Replace each <...> with a value `{cls}` accepts.\n"
            example = {
                **example,
                "setup": [f"obj = {make}"],
                "call": f"obj.{method}({arguments(target.source)})",
            }
            call = f"{make}.{method}({arguments(target.source)})"
        return {
            "module": self.module.module,
            "target": target.name,
            "kind": target.kind,
            "source": self._shown_source(target.source),
            "context": context,
            "uncovered": uncovered,
            "count": self.options.tests_per_target,
            "names": ", ".join(names),
            "example": json.dumps(call if probe else example),
        }

    def _shown_source(self, source: str) -> str:
        """The target's source as the prompt shows it: a long function (a 700-line `tabulate()`)
        is cut to its head, within half the model's context, so that the request still fits."""
        limit = self.backend.info().context_size // 2
        if self.backend.count_tokens(source) <= limit:
            return source
        lines = source.splitlines()
        low, high = 1, len(lines)
        while low < high:  # the most lines whose text fits
            middle = (low + high + 1) // 2
            if self.backend.count_tokens("\n".join(lines[:middle])) <= limit:
                low = middle
            else:
                high = middle - 1
        return "\n".join([*lines[:low], f"    ...  # {len(lines) - low} more lines not shown"])

    def _propose(self, target: Target, uncovered: str = "", probe: bool = False) -> list[Case]:
        """Ask for tests of one target: whole cases (call and expectation), or, with `probe`,
        only calls, whose results the code itself will supply."""
        started = time.monotonic()
        count = self.options.tests_per_target
        template = "gen_tests.calls.txt" if probe else "gen_tests.txt"
        schema = calls_schema(count) if probe else SCHEMA
        prompt = render(
            template,
            self._variables(target, uncovered, probe),
            self.options.prompts_dir,
            self.options.project_root,
        )
        # Later probe rounds sample: the same prompt at temperature 0 would repeat the same calls.
        temperature = min(0.8, 0.3 * self.round) if probe else 0.0
        data = self._ask(prompt, schema, (60 if probe else 180) * count, temperature)
        cases = from_calls(target.name, data) if probe else from_json(target.name, data)
        self.ask_seconds["probe" if probe else "cases"].append(time.monotonic() - started)
        valid = []
        for case in cases:
            _scaffold(case, target)
            self._name(case)
            self.stats[target.name].generated += 1
            problem = case.problems()
            if problem:
                self._discard(case, f"invalid: {problem}")
            else:
                valid.append(case)
        return valid

    def _repair_error(self, case: Case, error: str) -> Case | None:
        target = next(t for t in self.module.targets if t.name == case.target)
        prompt = render(
            "gen_tests.repair.txt",
            {**self._variables(target), "test": case.code(), "error": error.strip()[-1200:]},
            self.options.prompts_dir,
            self.options.project_root,
        )
        fixed = from_json(case.target, self._ask(prompt, ONE_TEST_SCHEMA, 200))
        if not fixed or fixed[0].problems():
            return None
        new = fixed[0]
        _scaffold(new, target)
        new.function, new.repaired = case.function, True
        return new

    # -- the pipeline ----------------------------------------------------------------------------

    def _settle(self, cases: list[Case]) -> list[Case]:
        """Run candidates; keep passes, turn wrong expectations into observed values, give erroring
        tests one repair round with the error, discard the rest with their reason."""
        if not cases:
            return []
        cases = [self._resolved(case) for case in cases]
        report = self._run(cases, coverage=False, timeout=self._run_timeout(cases))
        kept, retry = [], []
        for case in cases:
            outcome = report.outcomes[case.function]
            if outcome.status == "passed":
                kept.append(case)
            elif outcome.status == "failed" and outcome.returned and not case.raises:
                if outcome.observed is not None and len(outcome.observed) <= 300:
                    case.expected, case.observed = outcome.observed, True
                    case.imports = sorted({*case.imports, *outcome.imports})
                    retry.append(case)
                else:
                    self._discard(case, "failed: no short expression equals the returned value")
            elif outcome.status == "failed" and case.raises:
                self._discard(case, f"failed: did not raise {case.raises}")
            elif outcome.status == "missing" and report.timed_out:
                self._discard(case, "timeout: the test run did not finish")
            else:
                error = raised(outcome.message)
                if error:  # the next request for this target is told why (see _feedback)
                    first = outcome.message.strip().split("\n")[0][:200]
                    errors = self._raised.setdefault(case.target.split(".")[0], [])  # a class's: shared
                    if first not in errors:
                        errors.append(first)
                if case.probe or self._expectable(outcome.message):
                    self._settle_probe_error(case, outcome.message, retry)
                else:
                    self._repair_or_discard(case, outcome.message, retry)
        if retry:
            retry = [self._resolved(case) for case in retry]
            second = self._run(retry, coverage=False, timeout=self._run_timeout(retry))
            for case in retry:
                outcome = second.outcomes[case.function]
                if outcome.status == "passed":
                    kept.append(case)
                else:
                    first_line = outcome.message.strip().split("\n")[0][:160]
                    self._discard(
                        case,
                        f"{'error' if outcome.status == 'error' else 'failed'} after repair: {first_line}",
                    )
        for case in kept:
            if not case.raises:
                self._note_constructor(case)
        return kept

    def _note_constructor(self, case: Case) -> None:
        """Remember how a passing test built its object (`Cls(...)` in its call or setup)."""
        for statement in [*case.setup, case.call]:
            try:
                tree = ast.parse(statement)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in self._classes
                    and node.func.id not in self._working
                ):
                    self._working[node.func.id] = ast.unparse(node)

    def _repair_or_discard(self, case: Case, message: str, retry: list[Case]) -> None:
        fixed = self._repair_error(case, message) if self._time_left() > 0 else None
        if fixed is None:
            self._discard(case, f"error: {message.strip().split(chr(10))[0][:160]}")
        else:
            retry.append(fixed)

    def _feedback(self, target: Target) -> str:
        """What the code said about earlier calls of the target: the next request sees why they
        raised ("Expression only has 2 parts. At least 5 part are required.") and can choose
        arguments the code accepts — otherwise every method behind a failing constructor stays
        unreached. Only the errors: a small model copies the calls it is shown, wrong values too."""
        raised = self._raised.get(target.name.split(".")[0], [])
        if not raised:
            return ""
        shown = [f"- {error}" for error in raised[:3]]
        return "Earlier calls raised these errors; write calls with arguments the code accepts:\n" + (
            "\n".join(shown) + "\n"
        )

    def _resolved(self, case: Case) -> Case:
        """The case with the names it reads but nothing defines made good before it runs: an Enum
        member without its class (`SECONDS` → `Unit.SECONDS`), a module or class imported."""
        available = self._available
        for name in sorted(free_names(case) - available):
            case = qualify_members(case, name, self.module.source) or case
        return with_imports(case, self.module.source, self.module.module, available)

    def _expectable(self, message: str) -> bool:
        """The test raised an exception the code raises on purpose (ValueError, the module's own
        errors…), not one that says the test itself is wrong (NameError, TypeError…)."""
        error = raised(message)
        return bool(error) and (error in EXPECTABLE_ERRORS or error in self._own_errors)

    def _settle_probe_error(self, case: Case, message: str, retry: list[Case]) -> None:
        """A call that raised on purpose: the exception becomes the expectation (observed, like a
        returned value). Otherwise a probe is dropped: cheaper than a repair round."""
        error = raised(message)
        if error and self._expectable(message):
            case.expected, case.observed = f"raises {error}", True
            retry.append(case)
        else:
            self._discard(case, f"error: {message.strip().split(chr(10))[0][:160]}")

    def _probe_now(self, round_no: int, remaining: int) -> bool:
        """Whole cases (the model's own expectations) only in the first round, and only while the
        budget gives every target left a whole request and room to explore around it; otherwise
        calls only — about 3× cheaper, and exploration then finds most of the coverage."""
        if round_no > 0:
            return True
        usable = self._time_left() - self._reserve()
        spent = self.ask_seconds["cases"]
        per_target = sum(spent) / len(spent) if spent else WHOLE_CASE_SECONDS
        return usable < remaining * max(per_target, WHOLE_CASE_SECONDS)

    def _run_timeout(self, cases: list[Case]) -> float:
        return 30.0 + runner.PER_TEST_SECONDS * len(cases)

    def _stable(self, cases: list[Case]) -> list[Case]:
        """Re-run the kept tests, in changing orders; drop any that ever fail."""
        flaky: set[str] = set()
        rng = random.Random(0)
        for run in range(STABILITY_RUNS):
            order = list(cases)
            if run:
                rng.shuffle(order)
            report = self._run(order, coverage=False, timeout=self._run_timeout(order))
            flaky |= {name for name, outcome in report.outcomes.items() if outcome.status != "passed"}
        for case in cases:
            if case.function in flaky:
                self._discard(case, "flaky: failed in one of the repeated runs")
        return [c for c in cases if c.function not in flaky]

    def _useful(self, cases: list[Case]) -> tuple[list[Case], runner.RunReport]:
        """Keep, greedily, only tests that run a line or take a branch no kept test does."""
        report = self._run(cases, timeout=self._run_timeout(cases))

        def reach(case: Case) -> set:
            return report.lines_by_test.get(case.function, set()) | report.arcs_by_test.get(
                case.function, set()
            )

        covered: set = set()
        kept = []
        for case in sorted(cases, key=lambda c: -len(reach(c))):
            if reach(case) - covered:
                covered |= reach(case)
                kept.append(case)
            else:
                self._discard(case, "redundant: adds no coverage")
        order = {c.function: i for i, c in enumerate(cases)}
        return sorted(kept, key=lambda c: order[c.function]), report

    def _explore(self, kept: list[Case], report: runner.RunReport) -> tuple[list[Case], runner.RunReport]:
        """Model-free generations around the kept tests (see mutate.py), while they still add
        coverage and the budget lasts: cheap next to a model request, and where most branches are."""
        stale = 0
        for _ in range(EXPLORE_GENERATIONS):
            if stale >= STALE_ROUNDS or self._time_left() <= self._reserve():
                break
            seeds = [c for c in kept if not c.raises] or kept
            # The values the code dispatches on first (each once; those guarding a branch not yet
            # taken before the others), the object's other methods, then random edits to fill up.
            # What does not fit waits.
            self._planned += [
                v for seed in kept for v in self.mutator.choice_variants(seed, report.open_branches)
            ] + [v for seed in seeds for v in self.mutator.sibling_calls(seed) if v.target in self.stats]
            planned, self._planned = self._planned[:EXPLORE_VARIANTS], self._planned[EXPLORE_VARIANTS:]
            per_seed = max(2, EXPLORE_VARIANTS // max(1, len(seeds)))
            variants = [v for seed in seeds for v in self.mutator.variants(seed, per_seed)]
            fill = min(EXPLORE_VARIANTS - len(planned), len(variants))
            variants = planned + self.mutator.rng.sample(variants, fill)
            if not variants:
                break
            self.on_progress(f"trying {len(variants)} variants of the kept tests", 0.9)
            for case in variants:
                self._name(case)
                self.stats[case.target].generated += 1
            settled = self._settle(variants)
            before = report.covered_arcs
            kept, report = self._useful(kept + settled)
            # Unfinished dispatch values keep the search going: their branches are still reachable.
            stale = stale + 1 if report.covered_arcs <= before and not planned else 0
            log.info(
                "explored %d variants: %d ran, %d new lines or branches, %.0f s left",
                len(variants), len(settled), len(report.covered_arcs - before), self._time_left(),
            )  # fmt: skip
        return kept, report

    def _uncovered(self, target: Target, missing: set[int]) -> str:
        lines = self.module.source.splitlines()
        shown = [f"{n}: {lines[n - 1]}" for n in sorted(missing) if target.start_line <= n <= target.end_line]
        if not shown:
            return ""
        return (
            "These lines of it are not run by any test yet; write tests that reach them:\n"
            + "\n".join(shown[:20])
            + "\n"
        )

    def run(self) -> Report:
        empty = self._run([], timeout=60)
        baseline = (empty.line_rate, empty.branch_rate)
        kept: list[Case] = []
        report: runner.RunReport | None = None
        targets = self.module.targets
        stale = 0
        for round_no in range(self.options.rounds):
            self.round = round_no
            missing = report.missing_lines if report else None
            todo = [t for t in targets if missing is None or self._uncovered(t, missing)]
            if not todo:
                break
            new: list[Case] = []
            settled: list[Case] = []
            for i, target in enumerate(todo):
                asked = sorted(self.ask_seconds["cases"] + self.ask_seconds["probe"])
                typical_ask = asked[len(asked) // 2] if asked else 0.0
                if self._time_left() <= self._reserve() + typical_ask:
                    break  # a request that would end past the budget
                self.on_progress(
                    f"round {round_no + 1}: asking for tests of {target.name}",
                    (round_no + i / len(todo)) / self.options.rounds,
                )
                uncovered = (self._uncovered(target, missing) if missing else "") + self._feedback(target)
                proposed = self._propose(target, uncovered, probe=self._probe_now(round_no, len(todo) - i))
                if target.class_name and target.class_name not in self._built:
                    # The first tests of a class run at once: when its constructor refuses what
                    # the model wrote, the requests for its other methods are told why.
                    self._built.add(target.class_name)
                    settled += self._settle(proposed)
                else:
                    new += proposed
            self.on_progress(
                f"round {round_no + 1}: running {len(new)} candidate tests",
                (round_no + 0.9) / self.options.rounds,
            )
            settled += self._settle(new)
            if not settled:
                if self._time_left() <= 0:
                    break
                continue
            before = report.covered_arcs if report else set()
            kept, report = self._useful(kept + settled)
            kept, report = self._explore(kept, report)
            stale = stale + 1 if report.covered_arcs <= before else 0
            if stale >= STALE_ROUNDS or self._time_left() <= 0:
                break  # no gain twice in a row (sampling differs per round), or out of time
        self.on_progress("checking that the kept tests are stable", 0.95)
        kept = self._stable(kept)
        final = self._run(kept, timeout=self._run_timeout(kept)) if kept else empty
        for case in kept:
            self.stats[case.target].kept += 1
            self.stats[case.target].repaired += case.observed or case.repaired
        return Report(
            self.module,
            kept,
            self.stats,
            self.discarded,
            baseline,
            (final.line_rate, final.branch_rate),
            time.monotonic() - self.started,
            sandbox.isolation(),
            {
                path: (empty.package_lines.get(path, (0, n))[0], run, n)
                for path, (run, n) in final.package_lines.items()
                if run > empty.package_lines.get(path, (0, n))[0]
            },
        )


def _scaffold(case: Case, target: Target) -> None:
    """Methods are called on `obj`: build it when the model forgot to (a no-argument constructor)."""
    if target.kind != "method" or "obj" not in case.call:
        return
    if not any(line.replace(" ", "").startswith("obj=") for line in case.setup):
        case.setup.insert(0, f"obj = {target.name.split('.')[0]}()")


def _constructor(source: str, class_name: str) -> str:
    """The class line and its __init__ (or dataclass fields): how a test builds an object."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            lines = source.splitlines()
            init = next(
                (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
            )
            head = lines[node.lineno - 1]
            doc = ast.get_docstring(node)
            if doc:  # what the object is ("Converts a Cron Expression…") says what to build it from
                head += "\n" + textwrap.indent(f'"""{doc.strip().splitlines()[0]}"""', "    ")
            if init is not None:
                return "\n".join([head, *lines[init.lineno - 1 : init.end_lineno]])
            fields = [lines[n.lineno - 1] for n in node.body if isinstance(n, ast.AnnAssign)]
            return "\n".join([*(lines[d.lineno - 1] for d in node.decorator_list), head, *fields])
    return ""


def check_importable(module: ModuleInfo) -> None:
    """Fail early, with the module's own error, if it cannot be imported in the sandbox."""
    workdir = sandbox.make_workdir()
    try:
        result = sandbox.run(
            [sys.executable, "-c", f"import {module.module}"], workdir, [module.root], timeout=60
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if result.timed_out:
        raise InputError(f"importing {module.module} did not finish within 60 s")
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no error output)"])[-1]
        raise InputError(f"{module.path} cannot be imported as {module.module}: {last}")
