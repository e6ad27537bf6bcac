"""Find a class's bases across all the files read, by name and import, without importing them.

Models inherit fields from abstract bases and mixins that often live in another file
(`from core.models import TimeStamped`); the extractors need those bases' fields and kinds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from lsp_server.datamodel.pysource import Call, Expr, Name, PyClass, PyModule, Subscript, last


class ClassIndex:
    """Every class of every module read, findable by name."""

    def __init__(self, modules: Iterable[PyModule]) -> None:
        self.modules = list(modules)
        self._by_name: dict[str, list[PyClass]] = defaultdict(list)
        for module in self.modules:
            for cls in module.classes:
                self._by_name[cls.name].append(cls)

    def __iter__(self) -> Iterator[PyClass]:
        for module in self.modules:
            yield from module.classes

    def named(self, name: str) -> list[PyClass]:
        return self._by_name.get(name, [])

    def find(self, qualified: str, near: PyClass | None = None) -> PyClass | None:
        """The class a qualified or bare name stands for: same module first, then the module
        the import names, then a module `near`'s module star-imports, then the first class of
        that name anywhere."""
        candidates = self.named(last(qualified))
        if not candidates:
            return None
        module_part = qualified.rsplit(".", 1)[0].lstrip(".") if "." in qualified else ""
        if module_part:
            # An import names the module: only a class from a module that matches it will do
            # (a suffix either way, or a package re-exporting it), else it is external. Several
            # apps may each have an `abstract_models`: the module named exactly comes first.
            matching = [c for c in candidates if _same_module(c.module.name, module_part)]
            exact = [c for c in matching if c.module.name == module_part]
            return (exact or matching or [None])[0]
        if near is not None:
            local = [c for c in candidates if c.module is near.module]
            starred = [
                c
                for c in candidates
                for source in near.module.star_imports
                if _same_module(c.module.name, source.lstrip("."))
            ]
            if local or starred:
                return (local or starred)[0]
        return candidates[0]

    def base_names(self, cls: PyClass) -> list[str]:
        """Qualified names of the direct bases (`Generic[T]` reads as `Generic`)."""
        names = []
        for base in cls.bases:
            expr: Expr = base.value if isinstance(base, Subscript) else base
            if isinstance(expr, Call):  # `declarative_base()` used inline as a base
                expr = expr.func
            if isinstance(expr, Name):
                names.append(cls.qualify(expr))
        return names

    def bases(self, cls: PyClass) -> list[PyClass]:
        found = []
        for name in self.base_names(cls):
            base = self.find(name, near=cls)
            if base is not None and base is not cls:
                found.append(base)
        return found

    def ancestors(self, cls: PyClass) -> list[PyClass]:
        """All bases found, nearest first, each once (a simple left-to-right MRO)."""
        seen: list[PyClass] = []
        stack = list(reversed(self.bases(cls)))
        while stack:
            base = stack.pop()
            if base in seen or base is cls:
                continue
            seen.append(base)
            stack.extend(reversed(self.bases(base)))
        return seen

    def external_bases(self, cls: PyClass) -> list[str]:
        """Qualified names of bases (of the class or its ancestors) whose source was not read."""
        names = []
        for klass in [cls, *self.ancestors(cls)]:
            for name in self.base_names(klass):
                if self.find(name, near=klass) is None:
                    names.append(name)
        return names


def _same_module(found: str, imported: str) -> bool:
    if not found:
        return False
    return (
        found == imported
        or found.endswith("." + imported)
        or imported.endswith("." + found)
        or found.startswith(imported + ".")
    )
