"""`ubiq sql explain --db` on a real PostgreSQL that this module starts: the plan, the findings read
from it, hypopg's index advice, EXPLAIN ANALYZE, and that nothing the explain does can write."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lsp_server.errors import InputError
from tests.cli.test_cli import assert_one_line_error, ubiq

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]'")

from lsp_server.sql.databases import explain_database  # noqa: E402
from lsp_server.sql.postgres import explain_postgres  # noqa: E402

PASSWORD = "s3cret-Pa55word"  # the application role's; no message may ever show it


def _server_binaries() -> Path | None:
    """The newest PostgreSQL server's bin folder: Debian's /usr/lib/postgresql/<major>/bin, or PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


BIN = _server_binaries()
pytestmark = pytest.mark.skipif(
    BIN is None,
    reason="no PostgreSQL server binaries (initdb) on this machine; scripts/test.sh installs them with apt",
)

SETUP = """
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, country text NOT NULL);
INSERT INTO customers
  SELECT g, 'user' || g || '@example.com', (ARRAY['fr', 'de', 'es', 'it', 'pl'])[1 + g % 5]
  FROM generate_series(1, 5000) g;
-- zone and depot always agree: the planner multiplies their selectivities and underestimates 100×
CREATE TABLE orders (
  id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, status text NOT NULL,
  total numeric NOT NULL, created date NOT NULL, zone int NOT NULL, depot int NOT NULL
);
INSERT INTO orders
  SELECT g, 1 + g % 5000, CASE WHEN g % 100 = 0 THEN 'refunded' ELSE 'paid' END, g % 1000,
         date '2024-01-01' + g % 365, g % 100, g % 100
  FROM generate_series(1, 50000) g;
CREATE SEQUENCE tickets;
ANALYZE;
CREATE ROLE app LOGIN PASSWORD '{password}';
GRANT ALL ON ALL TABLES IN SCHEMA public TO app;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app;
-- a role whose sorts of a few MB spill to disk
CREATE ROLE small_memory LOGIN PASSWORD '{password}' IN ROLE app;
ALTER ROLE small_memory SET work_mem = '64kB';
"""


@dataclass
class Server:
    """The started server: where to reach it, and whether hypopg is installed in its database."""

    port: int
    socket_dir: str
    hypopg: bool

    def url(self, user: str = "app", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/shop"

    def superuser(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.socket_dir, port=self.port, user="postgres", dbname="shop", autocommit=True
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    assert BIN is not None
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if (
            shutil.which("runuser") is None
            or subprocess.run(["id", "postgres"], capture_output=True).returncode
        ):
            pytest.skip(
                "running as root, and there is no `postgres` user (or runuser) to start PostgreSQL as"
            )
        as_postgres = ["runuser", "-u", "postgres", "--"]
    folder = tempfile.mkdtemp(prefix="ubiq-pg-")  # not under pytest's root-only tmp folders
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, log, port = f"{folder}/data", f"{folder}/server.log", _free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=120)

    run(
        str(BIN / "initdb"), "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync",
        "--auth-local=trust", "--auth-host=scram-sha-256",
    )  # fmt: skip
    options = f"-c fsync=off -c listen_addresses=127.0.0.1 -p {port} -k {folder}"
    run(str(BIN / "pg_ctl"), "-D", data, "-l", log, "-o", options, "-W", "start")
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([str(BIN / "pg_isready"), "-q", "-h", folder, "-p", str(port)]).returncode:
            if time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL did not start: {Path(log).read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        with psycopg.connect(
            host=folder, port=port, user="postgres", dbname="postgres", autocommit=True
        ) as c:
            c.execute("CREATE DATABASE shop")
            c.execute("CREATE DATABASE bare")  # no hypopg in this one
        started = Server(port, folder, hypopg=False)
        with psycopg.connect(host=folder, port=port, user="postgres", dbname="bare", autocommit=True) as c:
            c.execute("CREATE TABLE items AS SELECT g AS id, g % 1000 AS k FROM generate_series(1, 20000) g")
            c.execute("ANALYZE items")
            c.execute("GRANT SELECT ON items TO PUBLIC")
        with started.superuser() as connection:
            connection.execute(SETUP.format(password=PASSWORD))
            try:
                connection.execute("CREATE EXTENSION hypopg")
                started.hypopg = True
            except psycopg.Error:
                pass  # the hypopg tests say it is missing
        yield started
    finally:
        subprocess.run(
            [*as_postgres, str(BIN / "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def hypopg(server: Server) -> Server:
    if not server.hypopg:
        pytest.skip(
            f"hypopg is not installed for this PostgreSQL ({BIN}): apt install postgresql-<major>-hypopg"
        )
    return server


def test_plain_explain_shows_the_plan_and_a_full_scan_under_a_selective_filter(server):
    result = explain_postgres("SELECT * FROM orders WHERE customer_id = %s", server.url(), PASSWORD)
    assert result.engine.startswith("PostgreSQL ")
    assert "'2'" in result.query and "%s" not in result.query  # a value the column really holds
    assert result.plan[0].startswith("Seq Scan on orders  (rows=")
    assert any("Filter: (customer_id = 2)" in line for line in result.plan)
    assert any(f.startswith("full scan of orders under a selective filter") for f in result.findings)
    assert result.elapsed_ms is None  # planned, not run
    assert any("--analyze" in note for note in result.notes)
    assert "actual rows" not in "\n".join(result.plan)


def test_an_unselective_filter_is_no_finding(server):
    result = explain_postgres("SELECT * FROM orders WHERE status = 'paid'", server.url(), PASSWORD)
    assert not any("full scan" in f for f in result.findings)


def test_hypopg_advises_the_index_the_new_plan_uses(hypopg):
    result = explain_postgres("SELECT * FROM orders WHERE customer_id = :id", hypopg.url(), PASSWORD)
    best = result.advice[0]
    assert best.statement == 'CREATE INDEX ON orders ("customer_id")'
    assert best.estimated and best.source == "hypopg" and best.after_ms < best.before_ms
    assert any(
        "using <hypothetical index>" in line or "on <hypothetical index>" in line for line in best.plan
    )
    assert best.to_dict()["before_cost"] > best.to_dict()["after_cost"]
    assert "estimated cost" in result.text()
    with hypopg.superuser() as connection:  # the advice was only hypothetical
        indexes = connection.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders'").fetchall()
    assert indexes == [("CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)",)]


def test_an_index_the_plan_does_not_use_is_not_advised(hypopg):
    result = explain_postgres("SELECT * FROM orders WHERE status = 'paid'", hypopg.url(), PASSWORD)
    assert result.advice == []
    assert 'CREATE INDEX ON orders ("status")  -- the plan does not use it' in result.rejected


def test_without_hypopg_no_index_is_advised_and_it_says_why(server):
    url = server.url().replace("/shop", "/bare")
    result = explain_postgres("SELECT * FROM items WHERE k = 5", url, PASSWORD)
    assert any(f.startswith("full scan of items under a selective filter") for f in result.findings)
    assert result.advice == [] and "hypopg" in result.no_advice
    assert f"No index advice: {result.no_advice}" in result.text()
    assert result.to_dict()["no_advice"] == result.no_advice


def test_analyze_reports_actual_rows_and_a_misestimate(server):
    result = explain_postgres(
        "SELECT * FROM orders WHERE zone = 7 AND depot = 7", server.url(), PASSWORD, analyze=True
    )
    assert "actual rows=500 loops=1" in result.plan[0]
    assert result.elapsed_ms is not None
    assert any(f.startswith("misestimate: Seq Scan on orders planned") for f in result.findings)
    assert "underestimated" in "\n".join(result.findings)
    assert result.notes == []


def test_analyze_finds_a_sort_on_disk(server):
    result = explain_postgres(
        "SELECT * FROM orders ORDER BY total, created", server.url("small_memory"), PASSWORD, analyze=True
    )
    assert any(f.startswith("sort on disk (external") for f in result.findings)
    plain = explain_postgres(
        "SELECT * FROM orders ORDER BY total, created", server.url("small_memory"), PASSWORD
    )
    assert not any("sort on disk" in f for f in plain.findings)


def test_nothing_is_written(server):
    deleted = explain_postgres("DELETE FROM orders WHERE customer_id = 3", server.url(), PASSWORD)
    assert deleted.plan[0].startswith("Delete on orders")
    with pytest.raises(InputError, match="--analyze runs the query"):
        explain_postgres("UPDATE orders SET total = 0", server.url(), PASSWORD, analyze=True)
    with pytest.raises(InputError, match="--analyze runs the query"):
        explain_postgres(
            "WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone",
            server.url(),
            PASSWORD,
            analyze=True,
        )
    # a SELECT that writes is stopped by the read-only transaction itself
    with pytest.raises(InputError, match="read-only transaction"):
        explain_postgres("SELECT nextval('tickets')", server.url(), PASSWORD, analyze=True)
    with server.superuser() as connection:
        assert connection.execute("SELECT count(*) FROM orders").fetchone() == (50_000,)
        assert connection.execute("SELECT is_called FROM tickets").fetchone() == (False,)


def test_connection_errors_never_show_the_password(server):
    with pytest.raises(InputError) as wrong:
        explain_postgres("SELECT 1", server.url(), "not-the-" + PASSWORD)
    assert "password authentication failed" in str(wrong.value) and PASSWORD not in str(wrong.value)
    with pytest.raises(InputError) as in_url:
        explain_postgres("SELECT 1", server.url(password="wrong-" + PASSWORD), None)
    assert "app:***@127.0.0.1" in str(in_url.value) and PASSWORD not in str(in_url.value)
    with pytest.raises(InputError, match="cannot connect to"):
        explain_postgres("SELECT 1", f"postgresql://app@127.0.0.1:{_free_port()}/shop", PASSWORD)
    with pytest.raises(InputError, match="no explain for oracle URLs"):
        explain_database("SELECT 1", "oracle://app:pw@127.0.0.1/shop", PASSWORD)


def test_the_query_errors_of_postgresql_are_one_clean_line(server):
    with pytest.raises(InputError, match='PostgreSQL refused the query: column "nope" does not exist'):
        explain_postgres("SELECT nope FROM orders", server.url(), PASSWORD)


def test_cli_explains_on_the_database(server, tmp_path):
    result = ubiq(
        "sql", "explain", "--query", "SELECT * FROM orders WHERE customer_id = %s",
        "--db", server.url(), "--password-env", "SHOP_PASSWORD", "--json",
        cwd=tmp_path, SHOP_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["engine"].startswith("PostgreSQL ") and data["elapsed_ms"] is None
    assert any(f.startswith("full scan of orders") for f in data["findings"])
    if server.hypopg:
        assert data["advice"][0]["index"] == 'CREATE INDEX ON orders ("customer_id")'


def test_cli_reads_the_url_and_the_password_variable_from_the_settings(server, tmp_path):
    settings = {"UBIQ_SQL_DATABASE_URL": server.url(), "UBIQ_SQL_PASSWORD_ENV": "SHOP_PASSWORD"}
    query = "SELECT * FROM orders WHERE zone = 7 AND depot = 7"
    result = ubiq(
        "sql", "explain", "--query", query, "--analyze", cwd=tmp_path, SHOP_PASSWORD=PASSWORD, **settings
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Plan on PostgreSQL ")
    assert "actual rows=500" in result.stdout and "misestimate" in result.stdout
    wrong = ubiq("sql", "explain", "--query", query, cwd=tmp_path, SHOP_PASSWORD="x" + PASSWORD, **settings)
    assert_one_line_error(wrong, 2, "password authentication failed")
    assert PASSWORD not in wrong.stderr


def test_cli_refuses_other_databases(tmp_path):
    result = ubiq(
        "sql", "explain", "--query", "SELECT 1", "--db", "oracle://app@localhost/shop", cwd=tmp_path
    )
    assert_one_line_error(result, 2, "no explain for oracle URLs")
