"""Shared fixtures for the glossary tests: the sample glossary file and project."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.store import Glossary

DATA = Path(__file__).resolve().parents[2] / "data" / "glossary"


@pytest.fixture
def glossary_file(tmp_path: Path) -> Path:
    """A writable copy of the sample glossary."""
    path = tmp_path / "glossary.yml"
    path.write_bytes((DATA / "glossary.yml").read_bytes())
    return path


@pytest.fixture(scope="session")
def index() -> TermIndex:
    return Glossary.load(DATA / "glossary.yml").index
