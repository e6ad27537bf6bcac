"""How glossary things read to people: an entry as Markdown (hover), a finding as one CLI line."""

from __future__ import annotations

from pathlib import Path

from lsp_server.glossary.check import Finding
from lsp_server.glossary.model import Entry


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def entry_markdown(entry: Entry) -> str:
    """The entry for a hover: term and English name, identifier forms, then whatever it has."""
    title = f"**{entry.term}**" if entry.term == entry.english else f"**{entry.term}** — {entry.english}"
    status = "approved" if entry.approved else "draft, not yet reviewed"
    lines = [f"{title}  *({status})*", ""]
    forms = entry.forms
    lines.append(f"Types {_code(forms.pascal)} · names {_code(forms.snake)} · constants {_code(forms.upper)}")
    if entry.definition:
        lines += ["", entry.definition]
    if entry.examples:
        lines += ["", "Examples:", *(f"- {example}" for example in entry.examples)]
    details = [
        ("Also", ", ".join(_code(alias) for alias in entry.aliases)),
        ("Avoid", ", ".join(_code(avoid) for avoid in entry.avoid)),
        ("Context", entry.context),
        ("Related", ", ".join(entry.related)),
        ("Source", entry.source),
    ]
    shown = [f"{label}: {value}" for label, value in details if value]
    if shown:
        lines += ["", *(line + "  " for line in shown[:-1]), shown[-1]]  # two spaces: a Markdown line break
    return "\n".join(lines)


def finding_line(finding: Finding, root: Path | None = None) -> str:
    """`path:line:col: message`, 1-based like compilers and linters, path relative to `root`."""
    path = finding.path
    if path is not None and root is not None and path.is_relative_to(root):
        path = path.relative_to(root)
    return f"{path or '<source>'}:{finding.line + 1}:{finding.col + 1}: {finding.message}"
