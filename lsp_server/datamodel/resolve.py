"""Turn every extractor's drafts into one ER model: give entities unique names, resolve
references across files by class name, table name or `app.Model`, decide each relationship's
direction and cardinality, merge the several declarations of one relationship (a foreign key,
`relationship(back_populates=…)` on both sides, a `backref`) into one, and infer many-to-many
relationships from association tables that hold nothing but the two foreign keys.

Order matters: foreign keys first (they are storage facts), then many-to-many declarations, then
navigation attributes, whose direction SQLAlchemy itself derives from where the foreign key is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from lsp_server.datamodel.drafts import (
    FK,
    MANY_TO_MANY,
    NAVIGATION,
    ONE_TO_ONE_FK,
    Drafts,
    EntityDraft,
    RefDraft,
)
from lsp_server.datamodel.model import (
    MANY_TO_MANY as N_M,
)
from lsp_server.datamodel.model import (
    ONE_TO_MANY,
    ONE_TO_ONE,
    Entity,
    ERModel,
    ERWarning,
    Ref,
    Relationship,
)


def resolve(drafts: Drafts) -> ERModel:
    """The model the drafts describe; every reference that resolves to nothing is a warning."""
    return _Resolver(drafts).run()


class _Resolver:
    def __init__(self, drafts: Drafts) -> None:
        self.drafts = drafts
        self.warnings = list(drafts.warnings)
        self.relationships: list[Relationship] = []
        self._typed: list[bool] = []  # per relationship: read from plain-class annotations only
        self._exact: dict[str, list[EntityDraft]] = defaultdict(list)
        self._folded: dict[str, list[EntityDraft]] = defaultdict(list)

    def run(self) -> ERModel:
        self._name_entities()
        for draft in self.drafts.entities:
            for alias in dict.fromkeys([draft.entity.name, *draft.aliases]):
                if alias:
                    self._exact[alias].append(draft)
                    self._folded[alias.lower()].append(draft)
        refs = self.drafts.refs
        for ref in refs:
            if ref.kind in (FK, ONE_TO_ONE_FK):
                self._foreign_key(ref)
        for ref in refs:
            if ref.kind == MANY_TO_MANY:
                self._many_to_many(ref)
        for ref in refs:
            if ref.kind == NAVIGATION:
                self._navigation(ref)
        self._associations()
        self._fill_key_types()
        return ERModel([d.entity for d in self.drafts.entities], self.relationships, self.warnings)

    # ---- names and lookup --------------------------------------------------------------------------

    def _name_entities(self) -> None:
        groups: dict[str, list[EntityDraft]] = defaultdict(list)
        for draft in self.drafts.entities:
            groups[draft.entity.name].append(draft)
        for name, group in groups.items():
            if len(group) == 1:
                continue
            namespaces = [d.entity.namespace for d in group]
            for number, draft in enumerate(group, start=1):
                namespace = draft.entity.namespace
                if namespace and namespaces.count(namespace) == 1:
                    draft.entity.name = f"{namespace}.{name}"
                else:
                    draft.entity.name = f"{name}_{number}"
                    self.warnings.append(
                        ERWarning(
                            f"{name} is defined more than once; this one is named {draft.entity.name}",
                            draft.entity.location,
                            "ambiguous-reference",
                        )
                    )

    def _find(self, target: str, owner: EntityDraft, ref: RefDraft | None = None) -> EntityDraft | None:
        if target == "self":
            return owner
        candidates = self._exact.get(target) or self._folded.get(target.lower())
        if not candidates and "." in target:
            tail = target.rsplit(".", 1)[1]
            candidates = self._exact.get(tail) or self._folded.get(tail.lower())
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        owner_entity = owner.entity
        for prefer in (
            lambda d: d is owner,
            lambda d: d.entity.namespace == owner_entity.namespace,
            lambda d: d.entity.kind == owner_entity.kind,
            lambda d: (
                d.entity.location is not None
                and owner_entity.location is not None
                and d.entity.location.path == owner_entity.location.path
            ),
        ):
            preferred = [d for d in candidates if prefer(d)]
            if len(preferred) == 1:
                return preferred[0]
            if preferred:
                candidates = preferred
        self.warnings.append(
            ERWarning(
                f"{target!r} could mean {', '.join(d.entity.name for d in candidates)}; "
                f"took {candidates[0].entity.name}",
                ref.location if ref else None,
                "ambiguous-reference",
            )
        )
        return candidates[0]

    def _unresolved(self, ref: RefDraft, what: str) -> None:
        if ref.quiet:
            return
        where = f"{ref.owner.entity.name}.{ref.field_name or ', '.join(ref.columns)}"
        code = "unknown-type" if ref.typed else "unresolved-reference"
        self.warnings.append(
            ERWarning(
                f"{where}: {what} {ref.target!r} is not a model or table that was read", ref.location, code
            )
        )

    # ---- foreign keys ------------------------------------------------------------------------------

    def _foreign_key(self, ref: RefDraft) -> None:
        target = self._find(ref.target, ref.owner, ref)
        if target is None:
            self._unresolved(ref, "foreign key target")
            return
        owner, parent = ref.owner.entity, target.entity
        referenced = [_attribute_name(parent, c) for c in ref.target_columns] or [
            a.name for a in parent.primary_key
        ]
        for position, column in enumerate(ref.columns):
            attribute = owner.attribute(column)
            if attribute is not None:
                attribute.fk = Ref(parent.name, referenced[position] if position < len(referenced) else None)
        columns = [_attribute_name(owner, c) for c in ref.columns]
        pk = {a.name for a in owner.primary_key}
        single = owner.attribute(columns[0]) if len(columns) == 1 else None
        unique = (
            ref.kind == ONE_TO_ONE_FK
            or (single is not None and single.unique)
            or (bool(pk) and pk == set(columns) and owner is not parent)
        )
        self._add(
            Relationship(
                from_entity=parent.name,
                to_entity=owner.name,
                cardinality=ONE_TO_ONE if unique else ONE_TO_MANY,
                from_columns=referenced,
                to_columns=columns,
                from_field=ref.back,
                to_field=ref.field_name,
                optional=ref.nullable,
                declared=ref.declared,
                evidence=ref.evidence,
                location=ref.location,
            )
        )

    def _many_to_many(self, ref: RefDraft) -> None:
        target = self._find(ref.target, ref.owner, ref)
        if target is None:
            self._unresolved(ref, "many-to-many target")
            return
        through = ref.through
        if through is not None:
            found = self._find(through, ref.owner, ref)
            if found is None:
                self.warnings.append(
                    ERWarning(
                        f"{ref.owner.entity.name}.{ref.field_name}: association {through!r} "
                        "is not a model or table that was read",
                        ref.location,
                        "unresolved-reference",
                    )
                )
            else:
                through = found.entity.name
        self._add(
            Relationship(
                from_entity=ref.owner.entity.name,
                to_entity=target.entity.name,
                cardinality=N_M,
                from_field=ref.field_name,
                to_field=ref.back,
                through=through,
                declared=ref.declared,
                evidence=ref.evidence,
                location=ref.location,
            )
        )

    # ---- navigation attributes ---------------------------------------------------------------------

    def _holds_key(self, holder: Entity, parent: Entity, hint: list[str]) -> bool:
        return any(
            rel.to_entity == holder.name
            and rel.from_entity == parent.name
            and rel.to_columns
            and (not hint or set(hint) & set(rel.to_columns))
            for rel in self.relationships
        )

    def _navigation(self, ref: RefDraft) -> None:
        target = self._find(ref.target, ref.owner, ref)
        if target is None:
            self._unresolved(ref, "type" if ref.typed else "relationship target")
            return
        owner, other = ref.owner.entity, target.entity
        owner_holds = self._holds_key(owner, other, ref.foreign_keys)
        other_holds = self._holds_key(other, owner, ref.foreign_keys)
        collection = ref.collection
        if collection is None:  # SQLAlchemy's rule: a local foreign key makes it many-to-one
            collection = not ref.remote_side if owner is other else not (owner_holds and not other_holds)
        common = {"declared": ref.declared, "evidence": ref.evidence, "location": ref.location}
        if collection:
            rel = Relationship(
                owner.name,
                other.name,
                ONE_TO_ONE if ref.back_scalar else ONE_TO_MANY,
                from_field=ref.field_name,
                to_field=ref.back,
                **common,
            )
        elif not ref.typed and (
            (owner is not other and other_holds and not owner_holds)
            or (owner is other and not ref.remote_side)
        ):
            rel = Relationship(
                owner.name, other.name, ONE_TO_ONE, from_field=ref.field_name, to_field=ref.back, **common
            )
        else:
            rel = Relationship(
                other.name,
                owner.name,
                ONE_TO_ONE if ref.back_scalar else ONE_TO_MANY,
                from_field=ref.back,
                to_field=ref.field_name,
                optional=ref.nullable,
                **common,
            )
        self._add(rel, typed=ref.typed, hint=ref.foreign_keys)

    # ---- merging -----------------------------------------------------------------------------------

    def _add(self, rel: Relationship, typed: bool = False, hint: list[str] | None = None) -> None:
        for index, existing in enumerate(self.relationships):
            if hint and existing.to_columns and not set(hint) & set(existing.to_columns):
                continue
            both_typed = typed and self._typed[index]
            merged = _merge(existing, rel, both_typed)
            if merged is not None:
                self.relationships[index] = merged
                self._typed[index] = both_typed
                return
        self.relationships.append(rel)
        self._typed.append(typed)

    # ---- after merging -----------------------------------------------------------------------------

    def _associations(self) -> None:
        """A table whose columns are exactly two foreign keys (together its primary key, if it
        has one) joins the two entities it references: a many-to-many nothing declared."""
        throughs = {r.through for r in self.relationships if r.cardinality == N_M}
        for draft in self.drafts.entities:
            entity = draft.entity
            if entity.name in throughs or not entity.attributes:
                continue
            keys = [
                r
                for r in self.relationships
                if r.to_entity == entity.name
                and r.to_columns
                and r.cardinality == ONE_TO_MANY
                and r.from_entity != entity.name
            ]
            if len(keys) != 2:
                continue
            key_columns = {c for r in keys for c in r.to_columns}
            pk = {a.name for a in entity.primary_key}
            if {a.name for a in entity.attributes} != key_columns or (pk and pk != key_columns):
                continue
            first, second = keys
            self.relationships.append(
                Relationship(
                    from_entity=first.from_entity,
                    to_entity=second.from_entity,
                    cardinality=N_M,
                    through=entity.name,
                    declared=False,
                    evidence=f"{entity.name} holds only the foreign keys to {first.from_entity} "
                    f"and {second.from_entity}",
                    location=entity.location,
                )
            )

    def _fill_key_types(self) -> None:
        """A foreign key column declared without a type has the type of the column it references."""
        entities = {d.entity.name: d.entity for d in self.drafts.entities}
        for entity in entities.values():
            for attribute in entity.attributes:
                if attribute.fk is None or attribute.type:
                    continue
                parent = entities.get(attribute.fk.entity)
                referenced = parent.attribute(attribute.fk.column) if parent and attribute.fk.column else None
                if referenced is None and parent is not None and len(parent.primary_key) == 1:
                    referenced = parent.primary_key[0]
                if referenced is not None:
                    attribute.type = referenced.type


def _attribute_name(entity: Entity, column: str) -> str:
    attribute = entity.attribute(column)
    return attribute.name if attribute is not None else column


def _same(a: object, b: object) -> bool:
    return not a or not b or a == b


def _merge(a: Relationship, b: Relationship, both_typed: bool) -> Relationship | None:
    """One relationship from two declarations of it, or None if they describe different ones."""
    if a.from_entity == b.from_entity and a.to_entity == b.to_entity:
        other = b
    elif (
        a.from_entity == b.to_entity and a.to_entity == b.from_entity and (a.cardinality == N_M or both_typed)
    ):
        other = _reversed(b)
    else:
        return None
    cardinalities = {a.cardinality, other.cardinality}
    if both_typed and other is not b:
        # `A.b: B` with `B.a: A` is one-to-one; `A.bs: list[B]` with `B.as_: list[A]` many-to-many.
        if a.cardinality != ONE_TO_MANY or b.cardinality != ONE_TO_MANY:
            return None
        if a.to_field and b.to_field and not a.from_field and not b.from_field:
            cardinality = ONE_TO_ONE
            other = replace(other, cardinality=ONE_TO_ONE)
        elif a.from_field and b.from_field and not a.to_field and not b.to_field:
            cardinality = N_M
            other = replace(other, from_field=b.to_field, to_field=b.from_field)
        else:
            return None
    elif len(cardinalities) == 1:
        cardinality = a.cardinality
    elif cardinalities == {ONE_TO_ONE, ONE_TO_MANY}:
        cardinality = ONE_TO_ONE
    else:
        return None
    for name in ("from_field", "to_field", "through"):
        if not _same(getattr(a, name), getattr(other, name)):
            return None
    if not _same(a.to_columns, other.to_columns) or not _same(a.from_columns, other.from_columns):
        return None
    if a.to_columns:
        optional = a.optional
    elif other.to_columns:
        optional = other.optional
    else:
        optional = a.optional and other.optional
    evidence = "; ".join(dict.fromkeys(e for e in (a.evidence, other.evidence) if e))
    return Relationship(
        from_entity=a.from_entity,
        to_entity=a.to_entity,
        cardinality=cardinality,
        from_columns=a.from_columns or other.from_columns,
        to_columns=a.to_columns or other.to_columns,
        from_field=a.from_field or other.from_field,
        to_field=a.to_field or other.to_field,
        through=a.through or other.through,
        optional=optional,
        declared=a.declared or other.declared,
        evidence=evidence,
        location=a.location or other.location,
    )


def _reversed(rel: Relationship) -> Relationship:
    return replace(
        rel,
        from_entity=rel.to_entity,
        to_entity=rel.from_entity,
        from_columns=rel.to_columns,
        to_columns=rel.from_columns,
        from_field=rel.to_field,
        to_field=rel.from_field,
    )
