"""Shared fixtures: real model packs (assembled once into the user cache) and loaded backends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lsp_server.config import ModelSettings
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.resolve import ResolvedModel, resolve_model

REPO = Path(__file__).resolve().parent.parent
TINY = "smollm2-135m"
DEFAULT = "qwen2.5-coder-0.5b"
# Every test names its model, and glossary drafting uses that one too (what CI, which installs no
# larger pack, would do anyway); tests/cli/test_glossary_cli.py checks the larger pack's choice.
os.environ.setdefault("UBIQ_GLOSSARY_MODEL", "same")


@pytest.fixture(scope="session")
def tiny_model() -> ResolvedModel:
    return resolve_model(TINY)


@pytest.fixture(scope="session")
def default_model() -> ResolvedModel:
    return resolve_model(DEFAULT)


def make_backend(model: ResolvedModel, **overrides: object) -> LocalBackend:
    settings = ModelSettings(threads=1, context_size=2048, batch_size=64)
    for key, value in overrides.items():
        setattr(settings, key, value)
    return LocalBackend(model, settings)


@pytest.fixture(scope="session")
def tiny_backend(tiny_model: ResolvedModel) -> Iterator[LocalBackend]:
    backend = make_backend(tiny_model)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def default_backend(default_model: ResolvedModel) -> Iterator[LocalBackend]:
    backend = make_backend(default_model)
    yield backend
    backend.close()


def run_pytest_on(test_file: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run a written test file on its own with real pytest, as its user would."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
