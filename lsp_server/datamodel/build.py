"""The ER-model use case, shared by `ubiq er` and the editor's `ubiq.erModel`: read the code, read
the requirement text with the model, merge, suggest, render. The two differ only in how they take
their arguments and show the result (text and exit codes; LSP data, progress and code actions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsp_server.datamodel.extract import extract
from lsp_server.datamodel.from_text import merge_into, read_text
from lsp_server.datamodel.model import ERModel
from lsp_server.datamodel.render import render
from lsp_server.datamodel.suggest import Suggestion, suggest
from lsp_server.engine.backend import Backend, CancelToken
from lsp_server.glossary.index import TermIndex


@dataclass
class Requirements:
    """Requirement text to read with the model, and the file it came from (named in facts' sources)."""

    text: str
    path: Path


@dataclass
class ERRequest:
    """What to read and how to render it."""

    paths: Sequence[Path] = ()  # code and DDL files or folders; none: the requirement text alone
    fmt: str = "mermaid"
    dialect: str = "postgres"
    requirements: Requirements | None = None
    suggest: bool = False
    overrides: Mapping[str, str] = field(default_factory=dict)  # an editor's unsaved text, by path
    glossary: TermIndex | None = None  # names for renames, and for entities read from text


@dataclass
class ERResult:
    """The model read, the suggestions made (None: none asked for), and the rendering."""

    model: ERModel
    suggestions: list[Suggestion] | None
    text: str


def build(
    request: ERRequest,
    backend: Backend | None = None,
    *,
    prompts_dir: Path | None = None,
    project_root: Path | None = None,
    cancel: CancelToken | None = None,
    on_progress: Callable[[str, float], None] | None = None,
) -> ERResult:
    """Blocking (run it off the event loop); `backend` is needed only for requirement text."""
    model = extract(request.paths, overrides=request.overrides) if request.paths else ERModel()
    if request.requirements is not None:
        if backend is None:
            raise ValueError("reading requirement text needs a model backend")
        text_model = read_text(
            backend,
            request.requirements.text,
            str(request.requirements.path),
            glossary=request.glossary,
            prompts_dir=prompts_dir,
            project_root=project_root,
            cancel=cancel,
            on_progress=on_progress,
        )
        model = merge_into(model, text_model) if request.paths else text_model
    suggestions = suggest(model, glossary=request.glossary) if request.suggest else None
    text = render(model, request.fmt, dialect=request.dialect, suggestions=suggestions)
    return ERResult(model, suggestions, text)
