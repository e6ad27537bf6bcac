"""The context map as text: Mermaid (a flowchart of contexts with their aggregates), Context Mapper
CML, and JSON (`DomainModel.to_dict`). Every relationship keeps the evidence it rests on."""

from __future__ import annotations

import json
import re

from lsp_server.ddd.model import DomainModel

FORMATS = ("mermaid", "cml", "json")


def render(model: DomainModel, form: str) -> str:
    if form == "json":
        return json.dumps(model.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if form == "cml":
        return cml(model)
    return mermaid(model)


def _id(name: str) -> str:
    return re.sub(r"\W", "_", name) or "_"


def mermaid(model: DomainModel) -> str:
    data = model.to_dict()
    lines = ["flowchart LR"]
    for context in data["contexts"]:
        lines.append(f'  subgraph {_id(context["name"])}["{context["name"]}"]')
        for aggregate in context["aggregates"]:
            members = ", ".join(aggregate["members"])
            label = aggregate["root"] + (f"<br/>{members}" if members else "")
            lines.append(f'    {_id(context["name"])}__{_id(aggregate["root"])}["{label}"]')
        if not context["aggregates"]:
            lines.append(f'    {_id(context["name"])}__none[" "]')
        lines.append("  end")
    for relation in data["relations"]:
        count = len(relation["evidence"])
        label = f"{relation['kind']}: {count} edge{'s' if count != 1 else ''}"
        lines.append(f'  {_id(relation["from"])} -->|"{label}"| {_id(relation["to"])}')
    return "\n".join(lines) + "\n"


def cml(model: DomainModel) -> str:
    """Context Mapper's language: a ContextMap with the relationships (downstream <- upstream: the
    context that depends on another is its downstream), then each BoundedContext and its aggregates."""
    data = model.to_dict()
    lines = ["ContextMap ProjectMap {"]
    lines += [f"  contains {_id(c['name'])}" for c in data["contexts"]]
    seen = set()
    for relation in data["relations"]:
        pair = (relation["from"], relation["to"])
        if pair in seen:
            continue
        seen.add(pair)
        cited = [
            e for rel in data["relations"] if (rel["from"], rel["to"]) == pair for e in rel["evidence"][:2]
        ]
        evidence = "; ".join(cited)
        lines.append(f"  // {evidence}")
        lines.append(f"  {_id(relation['from'])} [D]<-[U] {_id(relation['to'])}")
    lines.append("}")
    for context in data["contexts"]:
        lines += ["", f"BoundedContext {_id(context['name'])} {{"]
        kinds = {c["name"]: c["kind"] for c in context["classes"]}
        for aggregate in context["aggregates"]:
            lines.append(f"  Aggregate {_id(aggregate['root'])} {{")
            lines.append(f"    Entity {_id(aggregate['root'])} {{ aggregateRoot }}")
            for member in aggregate["members"]:
                word = "ValueObject" if kinds.get(member) == "value_object" else "Entity"
                lines.append(f"    {word} {_id(member)} {{ }}")
            lines.append("  }")
        lines.append("}")
    return "\n".join(lines) + "\n"
