"""`ubiq glossary add|extract|check` as a user runs them: a real process, a real (tiny) model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lsp_server.config import Settings
from lsp_server.engine import packs
from lsp_server.glossary.drafting_model import drafting_settings
from tests.conftest import DEFAULT, REPO, TINY

DATA = REPO / "tests" / "data" / "glossary"


def ubiq(*args: str, cwd: Path, **env_vars: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "UBIQ_THREADS": "1", **env_vars}
    return subprocess.run(
        [sys.executable, "-m", "lsp_server", "glossary", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "shop", tmp_path / "shop")
    shutil.copy(DATA / "glossary.yml", tmp_path / "glossary.yml")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\nversion = '0'\n")
    return tmp_path


def test_check_lists_every_forbidden_synonym_and_fails(project: Path):
    result = ubiq("check", cwd=project)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if ": " in line and line.startswith("shop")]
    assert "shop/legacy.py:10:5: `order_sn` is a synonym to avoid for '订单编号'" in "\n".join(lines)
    assert len(lines) == 15
    clean = ubiq("check", "shop/models.py", cwd=project)
    assert clean.returncode == 0, clean.stdout
    as_json = json.loads(ubiq("check", "--json", cwd=project).stdout)
    assert {row["replacement"] for row in as_json} >= {"get_order_number", "OrderNumber"}


def test_add_drafts_with_the_model_and_keeps_the_file_s_comments(project: Path):
    before = (project / "glossary.yml").read_text()
    result = ubiq("add", "仓库", "--model", TINY, "--json", cwd=project)
    assert result.returncode in (0, 2), result.stderr
    after = (project / "glossary.yml").read_text()
    if result.returncode == 2:  # the tiny model's draft clashed with an entry: reported, nothing written
        assert "clashes" in result.stderr and after == before
        return
    entry = json.loads(result.stdout)
    assert entry["term"] == "仓库" and entry["status"] == "draft"
    assert after.startswith(before.split("# End of glossary")[0].rstrip()[:200])
    for comment in (
        "# Ubiquitous language of the sample shop.",
        "# what the finance team says",
        "# --- Loyalty",
    ):
        assert comment in after
    assert "term: 仓库" in after


def test_a_larger_pack_drafts_while_the_configured_model_completes(project: Path):
    result = ubiq(
        "add", "仓库", "--model", TINY, "--dry-run", "--json", cwd=project, UBIQ_GLOSSARY_MODEL=DEFAULT
    )
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 0:
        assert "0.5B" in json.loads(result.stdout)["source"]  # the GGUF's own name of the default pack
    else:  # a clash names the draft, which the larger model wrote
        assert "clashes" in result.stderr


def test_auto_picks_the_largest_installed_pack_for_drafting():
    settings = Settings()
    settings.model.path = TINY
    chosen = drafting_settings(settings)
    largest = max((p for p in packs.PACKS if packs.is_installed(p)), key=lambda p: p.size)
    assert chosen is not None and chosen.model.path == largest.name  # the default pack at least
    settings.glossary.draft_model = "same"
    assert drafting_settings(settings) is None
    settings.glossary.draft_model, settings.model.path = "auto", largest.name
    assert drafting_settings(settings) is None  # nothing larger than what is configured
    settings.model.backend = "remote"
    settings.glossary.draft_model = DEFAULT
    assert drafting_settings(settings) is None  # a team server drafts with its own model


def test_add_refuses_a_duplicate_before_asking_the_model(project: Path):
    result = ubiq("add", "订单号", "--model", "/nonexistent.gguf", cwd=project)  # no model needed to refuse
    assert result.returncode == 2
    assert "订单编号" in result.stderr


def test_extract_proposes_terms_without_writing(project: Path):
    before = (project / "glossary.yml").read_text()
    result = ubiq("extract", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    terms = [c["term"] for c in json.loads(result.stdout)["candidates"]]
    assert "满减活动" in terms and "订单编号" not in terms
    assert (project / "glossary.yml").read_text() == before


def test_a_malformed_glossary_is_reported_with_its_line(project: Path):
    shutil.copy(DATA / "malformed.yml", project / "glossary.yml")
    result = ubiq("check", cwd=project)
    assert result.returncode == 2
    assert "glossary.yml:6:" in result.stderr
