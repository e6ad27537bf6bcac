"""Map an attribute's type, as its source spelled it (`String(50)`, `CharField(100)`,
`BigAutoField`, `Optional[int]`, `VARCHAR(32)`), to a SQL type for a chosen dialect.

ORM and Python types go through one table of families; SQL types are parsed by sqlglot and then
made valid for the target (no `BIGINT(20)` display widths in PostgreSQL, no `SERIAL` outside it,
no `UUID` in MySQL). A foreign key column takes the type of the column it references.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import ParseError

from lsp_server.datamodel.model import Attribute, ERModel

T = exp.DataType.Type
_FAMILIES: dict[str, T] = {}
for _type, _names in {
    T.INT: "int integer integerfield autofield positiveintegerfield serial int4 mediumint",
    T.BIGINT: "biginteger bigintegerfield bigautofield positivebigintegerfield bigserial int8 long",
    T.SMALLINT: "smallinteger smallintegerfield smallautofield positivesmallintegerfield smallserial int2 "
    "tinyint",
    T.VARCHAR: "str string unicode charfield slugfield emailfield urlfield filefield imagefield "
    "filepathfield genericipaddressfield ipaddressfield enum emailstr httpurl anyurl secretstr",
    T.TEXT: "text unicodetext textfield",
    T.BOOLEAN: "bool boolean booleanfield nullbooleanfield",
    T.DATE: "date datefield",
    T.TIMESTAMP: "datetime datetimefield timestamp",
    T.TIME: "time timefield",
    T.INTERVAL: "timedelta interval durationfield",
    T.DOUBLE: "float floatfield double",
    T.DECIMAL: "decimal numeric decimalfield",
    T.BLOB: "bytes largebinary binaryfield blob pickletype",
    T.UUID: "uuid uuidfield guid",
    T.JSON: "json jsonb jsonfield dict list set tuple arrayfield array hstorefield",
}.items():
    for _name in _names.split():
        _FAMILIES[_name] = _type

_SERIALS = {T.SERIAL: T.INT, T.BIGSERIAL: T.BIGINT, T.SMALLSERIAL: T.SMALLINT}
_INTEGERS = {T.INT, T.BIGINT, T.SMALLINT, T.TINYINT, T.MEDIUMINT}
_UNSIGNED = {T.UBIGINT, T.UINT, T.USMALLINT, T.UTINYINT, T.UMEDIUMINT}
_TYPE_TEXT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:\((.*)\))?\s*$")


def _parts(type_text: str) -> tuple[str, list[str]]:
    """`sa.String(50)` → ("string", ["50"]); `list[str]` → ("list", [])."""
    text = type_text.split("[", 1)[0] if "[" in type_text and "(" not in type_text else type_text
    match = _TYPE_TEXT.match(text)
    if not match:
        return "", []
    base = match.group(1).rsplit(".", 1)[-1].lower()
    params = [p.strip() for p in (match.group(2) or "").split(",") if p.strip()]
    return base, [p.split("=", 1)[-1] for p in params if p.split("=", 1)[-1].isdigit()]


def key_family(type_text: str) -> str | None:
    """What kind of key a column of this type can hold: `integer`, `uuid`, `string`, or None
    (anything else, or a type nobody spelled)."""
    data_type = _data_type(type_text) if type_text.strip() else None
    if data_type is None:
        return None
    kind = _SERIALS.get(data_type.this, data_type.this)
    if kind in _INTEGERS or kind in _UNSIGNED:
        return "integer"
    if kind == T.UUID:
        return "uuid"
    if kind in (T.VARCHAR, T.CHAR, T.NVARCHAR, T.NCHAR, T.TEXT):
        return "string"
    return None


def _data_type(type_text: str) -> exp.DataType | None:
    base, params = _parts(type_text)
    family = _FAMILIES.get(base)
    if family is not None:
        expressions = [exp.DataTypeParam(this=exp.Literal.number(p)) for p in params]
        if family == T.VARCHAR and not expressions:
            expressions = [exp.DataTypeParam(this=exp.Literal.number(255))]
        if family not in (T.VARCHAR, T.DECIMAL):
            expressions = []
        return exp.DataType(this=family, expressions=expressions or None)
    for dialect in (None, "postgres", "mysql"):
        try:
            return exp.DataType.build(type_text, dialect=dialect)
        except (ParseError, ValueError):
            continue
    return None


def _for_dialect(data_type: exp.DataType, dialect: str, key: bool) -> exp.DataType:
    kind = data_type.this
    if kind in _SERIALS:
        kind = _SERIALS[kind]
        data_type = exp.DataType(this=kind)
    if kind in _INTEGERS and data_type.expressions:
        data_type = exp.DataType(this=kind)  # `BIGINT(20)`: a MySQL display width only
    if dialect == "mysql" and kind == T.UUID:
        return exp.DataType.build("CHAR(36)")
    if dialect == "mysql" and key and kind in (T.TEXT, T.BLOB, T.JSON):
        return exp.DataType.build("VARCHAR(255)")  # MySQL cannot index TEXT without a length
    if dialect == "sqlite" and (kind == T.ARRAY or data_type.args.get("nested")):
        return exp.DataType(this=T.TEXT)
    return data_type


def sql_type(attribute: Attribute, model: ERModel, dialect: str) -> exp.DataType:
    """The SQL type for an attribute in `dialect`; TEXT when nothing better is known."""
    target = _referenced(attribute, model)
    source = target if target is not None else attribute
    data_type = _data_type(source.type) if source.type else None
    if data_type is None and attribute.fk is not None:
        data_type = exp.DataType(this=T.BIGINT)
    if data_type is None:
        data_type = exp.DataType(this=T.TEXT)
    key = attribute.pk or attribute.unique or attribute.fk is not None
    return _for_dialect(data_type, dialect, key)


def _referenced(attribute: Attribute, model: ERModel) -> Attribute | None:
    if attribute.fk is None:
        return None
    parent = model.entity(attribute.fk.entity)
    if parent is None:
        return None
    if attribute.fk.column:
        return parent.attribute(attribute.fk.column)
    keys = parent.primary_key
    return keys[0] if len(keys) == 1 else None
