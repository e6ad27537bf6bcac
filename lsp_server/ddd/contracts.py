"""import-linter contracts written from the contexts and layers read from the code, and run.

Three kinds, each from what the model already knows:
- per context with more than one layer, a `layers` contract: interfaces above infrastructure above
  application above domain (a lower layer may not import a higher one);
- one `forbidden` contract: no domain package imports the project's infrastructure packages, nor
  an infrastructure library (SQLAlchemy, Django, HTTP clients…, the rules' own list) it imports;
- per context, a `forbidden` contract naming the contexts it does not depend on today, so that a
  new dependency between contexts is a decision, not an accident.

Running them (`lint-imports`, import-linter's own command, on the project's source) reports the
violations that exist today; nothing is added to `ignore_imports` to silence them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lsp_server.ddd.contexts import INFRASTRUCTURE_LAYERS, layer_of
from lsp_server.ddd.model import DomainModel
from lsp_server.ddd.rules import INFRASTRUCTURE_IMPORTS
from lsp_server.errors import InputError

# Top to bottom: a layer may import those below it, never those above.
LAYER_ORDER = (
    "interfaces", "api", "web", "ui", "views", "infrastructure", "application", "services", "domain",
)  # fmt: skip
RUN_TIMEOUT_S = 300


@dataclass
class Contract:
    """One import-linter contract: its name, type and options (lists of module names)."""

    name: str
    kind: str  # layers | forbidden
    options: dict[str, list[str]] = field(default_factory=dict)

    def ini(self, key: str) -> str:
        lines = [f"[importlinter:contract:{key}]", f"name = {self.name}", f"type = {self.kind}"]
        for option, values in self.options.items():
            lines.append(f"{option} =" + "".join(f"\n    {value}" for value in values))
        return "\n".join(lines)


def root_packages(model: DomainModel) -> list[str]:
    return sorted({module.split(".")[0] for module in model.code.modules if "." in module})


def _packages(model: DomainModel) -> dict[tuple[str, str], str]:
    """(context, layer) → the package that holds that layer of that context (`shop.ordering.domain`)."""
    found: dict[tuple[str, str], str] = {}
    for module, context in model.contexts.items():
        layer = layer_of(module)
        if not context or not layer:
            continue
        parts = module.split(".")
        for end in range(1, len(parts)):
            if (
                layer_of(".".join(parts[: end + 1]) + ".x") == layer
                and layer_of(".".join(parts[:end]) + ".x") != layer
            ):
                found.setdefault((context, layer), ".".join(parts[: end + 1]))
                break
    return found


def _context_package(model: DomainModel, context: str) -> str:
    """The package named after the context that holds its modules (`shop.ordering`)."""
    for module, found in sorted(model.contexts.items()):
        if found == context:
            parts = module.split(".")
            if context in parts:
                return ".".join(parts[: parts.index(context) + 1])
    return ""


def contracts(model: DomainModel) -> list[Contract]:
    packages = _packages(model)
    written: list[Contract] = []
    contexts = sorted({c for c in model.contexts.values() if c})
    for context in contexts:
        layers = [packages[(context, layer)] for layer in LAYER_ORDER if (context, layer) in packages]
        container = _context_package(model, context)
        if len(layers) > 1 and container and all(layer.startswith(container + ".") for layer in layers):
            written.append(
                Contract(
                    f"{context}: layers",
                    "layers",
                    {"containers": [container], "layers": [layer[len(container) + 1 :] for layer in layers]},
                )
            )
    domains = sorted(package for (_, layer), package in packages.items() if layer == "domain")
    infrastructure = sorted(
        package
        for (_, layer), package in packages.items()
        if layer in INFRASTRUCTURE_LAYERS | {"infrastructure"}
    )
    imported = {
        qualified.split(".")[0]
        for module, fact in model.code.modules.items()
        for qualified, _ in fact.imports.values()
    }
    libraries = sorted({i.split(".")[0] for i in INFRASTRUCTURE_IMPORTS if i.split(".")[0] in imported})
    if domains and (infrastructure or libraries):
        written.append(
            Contract(
                "the domain does not import infrastructure",
                "forbidden",
                {"source_modules": domains, "forbidden_modules": infrastructure + libraries},
            )
        )
    depends = {(r.source, r.target) for r in model.relations}
    for context in contexts:
        others = [
            _context_package(model, other)
            for other in contexts
            if other != context and (context, other) not in depends and _context_package(model, other)
        ]
        source = _context_package(model, context)
        if source and others:
            written.append(
                Contract(
                    f"{context} depends on no other context but those it does today",
                    "forbidden",
                    {"source_modules": [source], "forbidden_modules": others},
                )
            )
    return written


def config_text(model: DomainModel) -> str:
    """An `.importlinter` file: the root packages and the contracts."""
    found = contracts(model)
    libraries = any(
        not any(m.startswith(root) for root in root_packages(model))
        for c in found
        for m in c.options.get("forbidden_modules", [])
    )
    head = ["[importlinter]"]
    roots = root_packages(model)
    head.append("root_packages =" + "".join(f"\n    {root}" for root in roots))
    if libraries:
        head.append("include_external_packages = True")
    parts = ["\n".join(head)] + [c.ini(f"ubiq-{n}") for n, c in enumerate(found, start=1)]
    return (
        "# import-linter contracts written by `ubiq ddd contracts` from the code's contexts and layers.\n"
        "# Run them with `lint-imports`; today's violations are reported, not ignored.\n"
        + "\n\n".join(parts)
        + "\n"
    )


@dataclass
class Outcome:
    """What `lint-imports` said: contracts kept and broken, and the import chains that break them."""

    kept: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    output: str = ""


def run(config: Path, source_root: Path) -> Outcome:
    """Run import-linter on the project (its packages found from `source_root`)."""
    command = _lint_imports()
    if command is None:
        raise InputError(
            "import-linter is not installed",
            "pip install import-linter (or drop --run and run lint-imports yourself)",
        )
    env = {**os.environ, "PYTHONPATH": str(source_root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run(
            [*command, str(config), "--no-cache", "--no-logo"],
            cwd=source_root, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise InputError(f"lint-imports did not finish in {RUN_TIMEOUT_S} s") from None
    output = done.stdout + done.stderr
    outcome = Outcome(output=output)
    for line in output.splitlines():
        match = re.match(r"^(.+?) (KEPT|BROKEN)\s*$", line.strip())
        if match:
            (outcome.kept if match.group(2) == "KEPT" else outcome.broken).append(match.group(1))
        elif re.match(r"^-?\s*[\w.]+ -> [\w.]+", line.strip()) or re.match(
            r"^[\w.]+ is not allowed to import", line.strip()
        ):
            outcome.violations.append(line.strip().lstrip("- "))
    if not outcome.kept and not outcome.broken:
        raise InputError("lint-imports failed", output.strip()[-2000:])
    return outcome


def _lint_imports() -> list[str] | None:
    beside = Path(sys.executable).with_name("lint-imports")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("lint-imports")
    return [found] if found else None
