"""gen-tests against Pynguin on real modules neither of us wrote, same time budget, same run.

For each module (standard-library modules by default, copied into a fresh project under a new
name so that coverage measures the copy and not the installed original; or files of downloaded
packages, copied with their package):
1. Ubiq: `gen-tests MODULE --budget B` with the chosen model, wall time measured.
2. Pynguin (search-based, no model): `pynguin --maximum-search-time B` on the same copy.
3. Both written test files are measured the same way, in the same sandbox Ubiq uses for generated
   code: pytest run 3 times under coverage.py (lines and branches of the module); reported are
   the tests in the file, the share of the 3 runs that passed, coverage and wall time.

Pynguin pins its own dependencies, so it lives in a virtual environment of its own:
    python3 -m venv .venv-pynguin && .venv-pynguin/bin/pip install pynguin==0.48.0
    python benchmarks/gen_tests.py [--budget 150] [--modules colorsys fnmatch textwrap]
    python benchmarks/gen_tests.py --budget 120 --modules /tmp/src/humanize/time.py ...  # held out
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from lsp_server.testgen import sandbox
from lsp_server.testgen.targets import import_location

REPO = Path(__file__).resolve().parent.parent
RUNS = 3


def copy_module(name: str, project: Path) -> tuple[Path, Path, str]:
    """(the copy's path, the folder to import from, its dotted name). A standard-library module is
    copied under a new name; a file of a package (a PyPI download, say) comes with its whole
    top-level package, so that its relative imports and the modules it dispatches to work."""
    if name.endswith(".py"):
        path = Path(name).resolve()
        root, dotted = import_location(path)
        top = dotted.split(".")[0]
        if "." not in dotted and path.name != "__init__.py":
            shutil.copyfile(path, project / path.name)
            return project / path.name, project, dotted
        shutil.copytree(root / top, project / top, ignore=shutil.ignore_patterns("__pycache__"))
        return project / path.relative_to(root), project, dotted
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise SystemExit(f"{name}: not a pure-Python module")
    target = project / f"bench_{name.replace('.', '_')}.py"
    shutil.copyfile(spec.origin, target)
    return target, project, target.stem


def run_ubiq(module: Path, root: Path, out: Path, args: argparse.Namespace) -> dict:
    argv = [
        sys.executable, "-m", "lsp_server", "gen-tests", str(module), "--budget", str(args.budget),
        "--rounds", str(args.rounds), "--model", args.model, "--out", str(out), "--json",
    ]  # fmt: skip
    start = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, cwd=root)
    seconds = time.monotonic() - start
    if result.returncode not in (0, 1):
        print(result.stderr[-2000:], file=sys.stderr)
    return {"seconds": seconds, "written": out.exists()}


def run_pynguin(root: Path, dotted: str, out_dir: Path, args: argparse.Namespace) -> dict:
    env = {**os.environ, "PYNGUIN_DANGER_AWARE": "1"}
    argv = [
        args.pynguin, "--project-path", str(root), "--module-name", dotted,
        "--output-path", str(out_dir), "--maximum-search-time", str(int(args.budget)),
        "--seed", str(args.seed), "--report-dir", str(out_dir / "report"),
    ]  # fmt: skip
    start = time.monotonic()
    written = out_dir / f"test_{dotted.rsplit('.', 1)[-1]}.py"  # Pynguin names it after the last part
    try:  # Pynguin 0.48 once ran 9 minutes past a 120 s search on tabulate: it gets 3x, then stops
        result = subprocess.run(
            argv, capture_output=True, text=True, cwd=root, env=env, timeout=3 * args.budget + 60
        )
    except subprocess.TimeoutExpired:
        print(f"pynguin did not finish on {dotted} within {3 * args.budget + 60:.0f} s", file=sys.stderr)
        return {"seconds": time.monotonic() - start, "written": False, "path": written}
    seconds = time.monotonic() - start
    if not written.exists():
        print(f"pynguin wrote nothing for {dotted}: {result.stderr[-1500:]}", file=sys.stderr)
    return {"seconds": seconds, "written": written.exists(), "path": written}


def measure(test_file: Path, module: Path, root: Path) -> dict:
    """Run pytest under coverage, 3 times, in the sandbox; pass rate, tests, coverage of `module`."""
    if not test_file.exists():
        return {"tests": 0, "pass_rate": 0.0, "lines": 0.0, "branches": 0.0}
    passed, lines, branches, tests = 0, [], [], 0
    for _ in range(RUNS):
        workdir = sandbox.make_workdir()
        try:
            target = workdir / test_file.name
            shutil.copyfile(test_file, target)
            argv = [
                sys.executable, "-m", "coverage", "run", "--branch", f"--include={module}",
                "--data-file", str(workdir / ".coverage"), "-m", "pytest", "-q", "-p",
                "no:cacheprovider", "--rootdir", str(workdir), f"--junitxml={workdir / 'junit.xml'}",
                str(target),
            ]  # fmt: skip
            result = sandbox.run(argv, workdir, [root], 600)
            passed += result.returncode == 0
            junit = workdir / "junit.xml"
            if junit.exists():
                suite = ET.parse(junit).getroot().iter("testsuite")
                tests = max(tests, sum(int(s.get("tests", 0)) for s in suite))
            report = workdir / "coverage.json"
            subprocess.run(
                [sys.executable, "-m", "coverage", "json", "--data-file", str(workdir / ".coverage"),
                 "-o", str(report)],
                capture_output=True, cwd=workdir,
            )  # fmt: skip
            if report.exists():
                totals = json.loads(report.read_text())["totals"]
                lines.append(totals["covered_lines"] / max(totals["num_statements"], 1))
                branches.append(totals["covered_branches"] / max(totals["num_branches"], 1))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return {
        "tests": tests,
        "pass_rate": passed / RUNS,
        "lines": min(lines, default=0.0),
        "branches": min(branches, default=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--modules",
        nargs="+",
        default=["colorsys", "fnmatch", "textwrap"],
        help="standard-library module names, or paths of .py files (a package's file brings its package)",
    )
    parser.add_argument("--budget", type=float, default=150, help="seconds per module, both tools")
    parser.add_argument("--rounds", type=int, default=9, help="Ubiq's round cap (the budget rules)")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--pynguin", default=str(REPO / ".venv-pynguin" / "bin" / "pynguin"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tools", nargs="+", choices=("ubiq", "pynguin"), default=["ubiq", "pynguin"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not Path(args.pynguin).exists():
        raise SystemExit(f"no pynguin at {args.pynguin}; see this script's docstring")
    rows = []
    for name in args.modules:
        with tempfile.TemporaryDirectory(prefix="ubiq-bench-") as tmp:
            project = Path(tmp)
            (project / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
            module, root, dotted = copy_module(name, project)
            ubiq_file = project / "tests_ubiq" / f"test_{module.stem}.py"
            skipped = {"seconds": 0.0, "written": False}
            ubiq = run_ubiq(module, root, ubiq_file, args) if "ubiq" in args.tools else dict(skipped)
            ubiq.update(measure(ubiq_file, module, root))
            pynguin_dir = project / "tests_pynguin"
            pynguin = (
                run_pynguin(root, dotted, pynguin_dir, args)
                if "pynguin" in args.tools
                else {**skipped, "path": pynguin_dir / "none.py"}
            )
            pynguin.update(measure(pynguin.pop("path"), module, root))
            rows.append({"module": dotted, "ubiq": ubiq, "pynguin": pynguin})
            if not args.json:
                print(f"  {name}: ubiq {ubiq} / pynguin {pynguin}", file=sys.stderr)
    if args.json:
        print(json.dumps({"budget_s": args.budget, "model": args.model, "rows": rows}, indent=2))
        return
    print(f"gen-tests vs Pynguin, budget {args.budget:.0f} s per module, model {args.model}")
    header = (
        f"{'module':<24} {'tool':<8} {'tests':>5} {'pass 3x':>8} {'lines':>6} {'branches':>8} {'wall s':>7}"
    )
    print(header)
    tools = [tool for tool in ("ubiq", "pynguin") if tool in args.tools]
    for row in rows:
        for tool in tools:
            r = row[tool]
            print(
                f"{row['module']:<24} {tool:<8} {r['tests']:>5} {r['pass_rate']:>8.0%} {r['lines']:>6.0%} "
                f"{r['branches']:>8.0%} {r['seconds']:>7.0f}"
            )
    finished = [row for row in rows if row["ubiq"]["written"] and row["pynguin"]["written"]]
    for key in ("lines", "branches"):
        means = {tool: sum(row[tool][key] for row in rows) / len(rows) for tool in tools}
        line = f"mean {key} coverage: " + ", ".join(f"{tool} {mean:.1%}" for tool, mean in means.items())
        if len(tools) == 2 and finished:  # the ratio where both wrote a file, and over all modules
            ubiq = sum(row["ubiq"][key] for row in finished) / len(finished)
            pyn = sum(row["pynguin"][key] for row in finished) / len(finished)
            line += f" (ratio {means['ubiq'] / max(means['pynguin'], 1e-9):.2f}; where both wrote tests,"
            line += f" {len(finished)} modules: {ubiq:.1%} vs {pyn:.1%}, ratio {ubiq / max(pyn, 1e-9):.2f})"
        print(line)


if __name__ == "__main__":
    main()
