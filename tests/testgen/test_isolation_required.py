"""Where bubblewrap cannot isolate generated code (no network, read-only file system), gen-tests
refuses before anything runs, with the install hint, unless the user allows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.config import load_settings
from lsp_server.testgen import sandbox
from lsp_server.testgen.generate import Request, prepare
from tests.cli.test_cli import assert_one_line_error, ubiq

MODULE = "def double(x):\n    return 2 * x\n"


def test_no_isolation_is_refused_unless_allowed(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(sandbox, "_bwrap_works", lambda: False)
    path = tmp_path / "doubling.py"
    path.write_text(MODULE)
    with pytest.raises(sandbox.NotIsolated) as refused:
        prepare(Request(path=path))
    assert "apt install bubblewrap" in refused.value.hint and "--allow-unsandboxed" in refused.value.hint
    assert prepare(Request(path=path, allow_unsandboxed=True)).module == "doubling"


def test_the_setting_and_its_environment_variable(monkeypatch):
    monkeypatch.setenv("UBIQ_ALLOW_UNSANDBOXED", "1")
    assert load_settings({}).settings.testgen.allow_unsandboxed is True
    monkeypatch.delenv("UBIQ_ALLOW_UNSANDBOXED")
    assert load_settings({"testgen": {"allowUnsandboxed": True}}).settings.testgen.allow_unsandboxed is True
    assert load_settings({}).settings.testgen.allow_unsandboxed is False


def test_the_cli_refuses_before_loading_a_model(tmp_path: Path):
    path = tmp_path / "doubling.py"
    path.write_text(MODULE)
    result = ubiq("gen-tests", str(path), cwd=tmp_path, PATH=str(tmp_path))  # no bwrap on this PATH
    assert_one_line_error(result, 2, "without network or file-system isolation")
    assert "apt install bubblewrap" in result.stderr
