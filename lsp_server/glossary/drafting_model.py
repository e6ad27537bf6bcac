"""Which model drafts glossary entries: by default the largest installed model pack.

Drafting is an action the user asks for and waits on, where 5-10 s is fine, while completions
need the fastest model. Measured with `benchmarks/glossary.py` (README, "Glossary"), the 1.5B pack
drafts far better entries than the 0.5B default, so when it is installed it drafts, and the
configured model keeps completing. `glossary.draftModel` says otherwise: `same` (the configured
model), a pack name, or a GGUF path.
"""

from __future__ import annotations

from dataclasses import replace

from lsp_server.config import Settings
from lsp_server.engine import packs

AUTO, SAME = "auto", "same"


def drafting_settings(settings: Settings) -> Settings | None:
    """The settings to load the drafting model with, or None when the configured model drafts
    (a remote server, `same`, a model file of the user's own, or no larger pack installed)."""
    spec = settings.glossary.draft_model.strip() or AUTO
    if spec == SAME or settings.model.backend == "remote":
        return None
    configured = packs.find_pack(settings.model.path) if settings.model.path else packs.best_installed()
    if spec == AUTO:
        largest = max((p for p in packs.PACKS if packs.is_installed(p)), key=lambda p: p.size, default=None)
        if configured is None or largest is None or largest.size <= configured.size:
            return None
        spec = largest.name
    if spec == settings.model.path or (configured is not None and spec in configured.aliases):
        return None  # the configured model already: not a second copy of it
    return replace(settings, model=replace(settings.model, path=spec))
