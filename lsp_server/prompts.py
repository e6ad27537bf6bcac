"""The one prompt loader: templates are plain files in `prompts/`, overridable per project.

A template is `string.Template` text (`$name` / `${name}`), so code with braces needs no
escaping. Lines at the top starting with `#` document the variables and are not sent.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from lsp_server.errors import ConfigError
from lsp_server.files import UnreadableFile, read_text

_PACKAGED = Path(__file__).resolve().parent / "prompts"  # inside the wheel
_SOURCE_TREE = Path(__file__).resolve().parent.parent / "prompts"  # editable install / checkout


def prompt_path(name: str, override_dir: str = "", project_root: Path | None = None) -> Path:
    candidates = []
    if override_dir:
        folder = Path(override_dir).expanduser()
        if not folder.is_absolute() and project_root is not None:
            folder = project_root / folder
        candidates.append(folder / name)
    candidates += [_PACKAGED / name, _SOURCE_TREE / name]
    for path in candidates:
        if path.is_file():
            return path
    raise ConfigError(f"prompt template {name!r} not found (looked in {', '.join(map(str, candidates))})")


def render(
    name: str, variables: dict[str, object], override_dir: str = "", project_root: Path | None = None
) -> str:
    path = prompt_path(name, override_dir, project_root)
    try:
        lines = read_text(path).splitlines(keepends=True)
    except UnreadableFile as exc:  # a project's own template, saved in another encoding
        raise ConfigError(f"cannot read prompt template {path}: {exc.reason}", exc.hint) from None
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    try:
        return Template("".join(lines)).substitute({k: str(v) for k, v in variables.items()}).strip() + "\n"
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"prompt template {path} uses an unknown or malformed variable: {exc}") from None
