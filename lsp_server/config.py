"""Ubiq's settings: one typed model, parsed in one place from every source a user can set them in.

Sources, lowest to highest precedence: defaults → `[tool.ubiq]` in the project's pyproject.toml →
`UBIQ_*` environment variables → CLI flags or LSP settings (initializationOptions /
workspace/configuration). Keys are camelCase in dictionaries (LSP and pyproject), as editors
expect; an invalid value is reported and the default is kept, so a typo never stops the server.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclass
class ModelSettings:
    """Which model to run and how."""

    path: str = field(default="", metadata={"env": "UBIQ_MODEL"})
    """A GGUF file, a model pack name (`ubiq models`), or `hf:REPO/FILE` once pulled."""
    backend: str = field(default="local", metadata={"env": "UBIQ_BACKEND", "choices": ("local", "remote")})
    url: str = field(default="", metadata={"env": "UBIQ_URL"})
    """The remote server's base URL (llama-server or OpenAI-compatible) when backend is remote."""
    api_key_env: str = field(default="", metadata={"env": "UBIQ_API_KEY_ENV"})
    """The name of the environment variable holding the API key: the key never sits in settings."""
    ca_bundle: str = field(default="", metadata={"env": "UBIQ_CA_BUNDLE"})
    """A PEM file of CA certificates to trust for https instead of the system's (verification stays on)."""
    remote_model: str = field(default="", metadata={"env": "UBIQ_REMOTE_MODEL"})
    """The model to ask an OpenAI-compatible server for when it serves several (default: its first)."""
    threads: int = field(default=0, metadata={"env": "UBIQ_THREADS", "min": 0, "max": 256})
    """0 = measure at load time and keep the fastest thread count."""
    context_size: int = field(default=4096, metadata={"env": "UBIQ_CONTEXT_SIZE", "min": 256, "max": 1 << 20})
    batch_size: int = field(default=128, metadata={"min": 8, "max": 4096})
    """Prompt tokens evaluated per step; cancellation is checked between steps."""
    gpu_layers: int = field(default=0, metadata={"env": "UBIQ_GPU_LAYERS", "min": -1, "max": 10_000})
    cache_reuse: bool = field(default=True, metadata={"env": "UBIQ_CACHE_REUSE"})
    """Reuse cached spans at shifted positions and keep recently used documents' KV states."""
    cache_memory_mb: int = field(
        default=256, metadata={"env": "UBIQ_CACHE_MEMORY_MB", "min": 0, "max": 1 << 20}
    )
    """Host memory for the saved KV states of recently used documents."""
    read_ahead_mb: int = field(default=1024, metadata={"env": "UBIQ_READ_AHEAD_MB", "min": 0, "max": 1 << 20})
    """Host memory for windows of open documents read ahead while the model is idle, so that the
    first answer after a jump anywhere in them evaluates a hundred tokens or so instead of
    thousands (0: off)."""


@dataclass
class CompletionSettings:
    """Editor completions."""

    enabled: bool = True
    max_tokens: int = field(default=64, metadata={"min": 1, "max": 4096})
    time_budget_ms: int = field(default=2000, metadata={"min": 50, "max": 600_000})
    debounce_ms: int = field(default=0, metadata={"min": 0, "max": 10_000})
    quick_first: bool = field(default=True, metadata={"env": "UBIQ_QUICK_FIRST"})
    """Answer fast first: after a jump, from a short local prompt while the full one is prepared;
    a block's first line before the rest."""


@dataclass
class GlossarySettings:
    """The DDD glossary."""

    path: str = field(default="glossary.yml", metadata={"env": "UBIQ_GLOSSARY"})
    """The glossary file, relative to the project root."""
    diagnostics: bool = True
    """Warn in the editor about identifiers that use a forbidden synonym."""
    draft_model: str = field(default="auto", metadata={"env": "UBIQ_GLOSSARY_MODEL"})
    """The model that drafts entries: `auto` (the largest installed pack), `same` (the configured
    model), a pack name or a GGUF path."""


@dataclass
class SqlSettings:
    """SQL checks, plans and writing against the project's schema."""

    dialect: str = field(
        default="auto",
        metadata={"env": "UBIQ_SQL_DIALECT", "choices": ("auto", "sqlite", "postgres", "mysql")},
    )
    """The SQL dialect; `auto` reads it from the driver a file imports or from the SQL itself."""
    diagnostics: bool = True
    """Check SQL in `.sql` files and in Python strings run by `execute` against the schema."""
    schema: list[str] = field(default_factory=list)
    """Where the schema comes from (model files, folders, DDL), relative to the project root;
    empty: the whole project."""
    database_url: str = field(default="", metadata={"env": "UBIQ_SQL_DATABASE_URL"})
    """A real PostgreSQL or MySQL to explain plans on (read-only); empty: a scratch SQLite database."""
    password_env: str = field(default="", metadata={"env": "UBIQ_SQL_PASSWORD_ENV"})
    """The environment variable holding the database password, kept out of settings files."""
    explain_with_model: bool = False
    """Let the model add rewrites and a plain-language explanation to the editor's Explain (each
    checked; ~30 s more with the default pack on 2 cores): off, Explain answers in about 2 s."""


@dataclass
class DddSettings:
    """DDD modelling help: the rules the domain model's code breaks."""

    diagnostics: bool = True
    """Show the DDD rules' findings (references across aggregates, mutable value objects…) in
    Python files."""


@dataclass
class TestgenSettings:
    """Test generation: how generated (untrusted) code may run."""

    allow_unsandboxed: bool = field(default=False, metadata={"env": "UBIQ_ALLOW_UNSANDBOXED"})
    """Run generated tests on a machine where bubblewrap cannot cut them off from the network and
    the file system (otherwise gen-tests refuses, saying how to install it)."""


@dataclass
class Settings:
    """Everything configurable; every field has a working default."""

    model: ModelSettings = field(default_factory=ModelSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    glossary: GlossarySettings = field(default_factory=GlossarySettings)
    sql: SqlSettings = field(default_factory=SqlSettings)
    ddd: DddSettings = field(default_factory=DddSettings)
    testgen: TestgenSettings = field(default_factory=TestgenSettings)
    prompts_dir: str = field(default="", metadata={"env": "UBIQ_PROMPTS_DIR"})
    log_level: str = field(
        default="info", metadata={"env": "UBIQ_LOG_LEVEL", "choices": ("debug", "info", "warning", "error")}
    )


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _coerce(value: Any, typ: type, meta: Mapping[str, Any], key: str) -> Any:
    """Convert one raw value (from JSON, TOML or an environment string) to the field's type."""
    if typ is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ValueError(f"{key} must be true or false, not {value!r}")
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, (int, str, float)):
            raise ValueError(f"{key} must be an integer, not {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{key} must be an integer, not {value!r}") from None
        if isinstance(value, float) and number != value:
            raise ValueError(f"{key} must be an integer, not {value!r}")
        low, high = meta.get("min"), meta.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"{key} must be between {low} and {high}, not {number}")
        return number
    if typ is str:
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string, not {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise ValueError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
        return value
    if typ == list[str]:
        if isinstance(value, str):  # from the environment: comma-separated
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{key} must be a list of strings, not {value!r}")
        return list(value)
    raise TypeError(f"unsupported setting type {typ!r}")  # pragma: no cover - programming error


def _apply(target: Any, data: Mapping[str, Any], prefix: str, errors: list[str]) -> None:
    hints = get_type_hints(type(target))
    by_key = {camel(f.name): f for f in dataclasses.fields(target)}
    by_key.update({f.name: f for f in dataclasses.fields(target)})
    for key, value in data.items():
        f = by_key.get(key)
        dotted = f"{prefix}{key}"
        if f is None:
            errors.append(f"unknown setting {dotted!r}")
            continue
        typ = hints[f.name]
        if dataclasses.is_dataclass(typ):
            if f.name == "model" and isinstance(value, str):
                value = {"path": value}  # `[tool.ubiq] model = "…"` shorthand
            if not isinstance(value, Mapping):
                errors.append(f"{dotted} must be a table/object, not {value!r}")
                continue
            _apply(getattr(target, f.name), value, f"{dotted}.", errors)
            continue
        try:
            setattr(target, f.name, _coerce(value, typ, f.metadata, dotted))
        except ValueError as exc:
            errors.append(str(exc))


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    """Collect `UBIQ_*` variables into a nested camelCase dictionary."""
    layer: dict[str, Any] = {}

    def walk(cls: type, path: list[str]) -> None:
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            typ = hints[f.name]
            if dataclasses.is_dataclass(typ):
                walk(typ, [*path, camel(f.name)])
                continue
            names = [f.metadata["env"]] if "env" in f.metadata else []
            names.append("UBIQ_" + "_".join(p.upper() for p in [*path, f.name]))
            for name in names:
                if name in env:
                    node = layer
                    for part in path:
                        node = node.setdefault(part, {})
                    node[camel(f.name)] = env[name]
                    break

    walk(Settings, [])
    return layer


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding pyproject.toml or .git; else `start`."""
    start = start if start.is_dir() else start.parent
    for folder in [start, *start.parents]:
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return folder
    return start


def pyproject_layer(project_root: Path | None, errors: list[str]) -> dict[str, Any]:
    if project_root is None:
        return {}
    pyproject = project_root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        errors.append(f"cannot read [tool.ubiq] from {pyproject}: {exc}")
        return {}
    section = data.get("tool", {}).get("ubiq", {})
    if not isinstance(section, dict):
        errors.append(f"[tool.ubiq] in {pyproject} must be a table")
        return {}
    model = section.get("model")
    if isinstance(model, str) and model and not model.startswith("hf:"):
        # A relative model path in pyproject.toml means relative to the project, not to the cwd.
        candidate = project_root / model
        if candidate.suffix == ".gguf" or candidate.exists():
            section = {**section, "model": str(candidate)}
    return section


@dataclass
class LoadedSettings:
    """Settings merged from every source, with the problems found on the way: a bad value is
    reported and replaced by its default, never fatal."""

    settings: Settings
    errors: list[str]
    project_root: Path | None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    project_root: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Merge every source into one Settings; collect (never raise) the problems found."""
    errors: list[str] = []
    settings = Settings()
    layers = [
        ("pyproject.toml [tool.ubiq]", pyproject_layer(project_root, errors)),
        ("environment", _env_layer(os.environ if env is None else env)),
        ("settings", dict(overrides or {})),
    ]
    for source, layer in layers:
        found: list[str] = []
        _apply(settings, layer, "", found)
        errors.extend(f"{source}: {message}" for message in found)
    return LoadedSettings(settings, errors, project_root)


# Process-wide switches with no LSP or pyproject equivalent (the machine's cache, a debugging log,
# a mirror): read here, at call time, so every `UBIQ_*` variable Ubiq honours is parsed in one module.
HF_ENDPOINT = "https://huggingface.co"


def cache_dir_override(env: Mapping[str, str] | None = None) -> Path | None:
    """`UBIQ_CACHE_DIR`: where model packs are assembled instead of the platform's cache folder."""
    value = (os.environ if env is None else env).get("UBIQ_CACHE_DIR")
    return Path(value) if value else None


def prompt_log_path(env: Mapping[str, str] | None = None) -> str | None:
    """`UBIQ_PROMPT_LOG`: a file to append every prompt's tokens to (debugging, benchmarks)."""
    return (os.environ if env is None else env).get("UBIQ_PROMPT_LOG") or None


def hf_endpoint(env: Mapping[str, str] | None = None) -> str:
    """`UBIQ_HF_ENDPOINT`: a Hugging Face mirror for `hf:` models, without a trailing slash."""
    return (os.environ if env is None else env).get("UBIQ_HF_ENDPOINT", HF_ENDPOINT).rstrip("/")
