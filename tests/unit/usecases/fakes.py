"""Fakes for the use-case tests: a backend that answers from a script, a pipeline that "keeps" the
tests it is told to, and a language server with just what the command handlers touch. Plumbing
only: nothing here runs a model, a sandbox or the protocol."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lsprotocol import types

from lsp_server.config import TestgenSettings
from lsp_server.engine.backend import CancelToken, ChatMessage, Completion
from lsp_server.testgen.cases import Case
from lsp_server.testgen.pipeline import Options, Report, TargetStats
from lsp_server.testgen.targets import ModuleInfo

DRAFT = {
    "english": "warehouse",
    "definition": "Where stock is kept.",
    "examples": ["Ship from the Shanghai warehouse."],
    "aliases": [],
    "avoid": ["depot"],
}


class FakeBackend:
    """Answers every chat with `answer` (JSON) and remembers what it was asked."""

    def __init__(self, answer: dict[str, Any] | None = None, name: str = "fake-model") -> None:
        self.answer = DRAFT if answer is None else answer
        self.name = name
        self.asked: list[list[ChatMessage]] = []
        self.cancels: list[CancelToken | None] = []

    def info(self) -> SimpleNamespace:
        return SimpleNamespace(name=self.name)

    def chat(
        self, messages: Sequence[ChatMessage], *, cancel: CancelToken | None = None, **_: Any
    ) -> Completion:
        self.asked.append(list(messages))
        self.cancels.append(cancel)
        return Completion(text=json.dumps(self.answer, ensure_ascii=False), stop_reason="eos")

    def __enter__(self) -> FakeBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FakeGenerator:
    """Stands in for `pipeline.Generator`: keeps one passing test per target (or none)."""

    keep = True
    seen: list[FakeGenerator] = []

    def __init__(
        self, backend: Any, module: ModuleInfo, options: Options, on_progress: Any, cancel: Any
    ) -> None:
        self.backend, self.module, self.options = backend, module, options
        self.on_progress, self.cancel = on_progress, cancel
        FakeGenerator.seen.append(self)

    def run(self) -> Report:
        self.on_progress("round 1: asking", 0.5)
        kept = []
        if self.keep:
            for target in self.module.targets:
                kept.append(
                    Case(
                        target.name,
                        "works",
                        [],
                        f"{target.name}(1, 2)",
                        "3",
                        function=f"test_{target.name}_works",
                    )
                )
        stats = {t.name: TargetStats(generated=1, kept=int(self.keep)) for t in self.module.targets}
        return Report(self.module, kept, stats, [], (0.0, 0.0), (1.0, 1.0), 1.0, "fake")


def fake_server(root: Path, backend: FakeBackend | None) -> SimpleNamespace:
    """What the command handlers use of a UbiqServer; applied edits land in `ls.applied`."""
    ls = SimpleNamespace(
        applied=[],
        messages=[],
        warnings=[],
        project_root=root,
        glossary=None,
        settings=SimpleNamespace(
            prompts_dir="",
            glossary=SimpleNamespace(path="", draft_model="same"),
            model=SimpleNamespace(backend="local", path=""),
            testgen=TestgenSettings(),
        ),
        model=SimpleNamespace(backend=lambda: backend),
        workspace=SimpleNamespace(text_documents={}, position_encoding=types.PositionEncodingKind.Utf16),
        client_capabilities=SimpleNamespace(window=None),
    )

    async def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        ls.applied.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    ls.workspace_apply_edit_async = apply_edit
    ls.window_show_message = lambda params: ls.messages.append(params.message)
    ls.asked, ls.answers = [], []  # questions put to the user, and the titles they pick (None: dismiss)

    async def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        ls.asked.append(params.message)
        title = ls.answers.pop(0) if ls.answers else None
        return types.MessageActionItem(title=title) if title else None

    ls.window_show_message_request_async = ask
    ls.warn = lambda message, *_: ls.warnings.append(message)
    return ls


def inserted_text(edit: types.WorkspaceEdit) -> str:
    """All the text a WorkspaceEdit inserts, in order."""
    return "".join(
        e.new_text
        for change in edit.document_changes or []
        if isinstance(change, types.TextDocumentEdit)
        for e in change.edits
    )
