"""`ubiq sql explain --db mysql://…` on a real MariaDB that this module starts: the plan, findings
read from it, ANALYZE with actual rows, a placeholder given a real value, and nothing written."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lsp_server.errors import InputError
from tests.cli.test_cli import assert_one_line_error, ubiq

pymysql = pytest.importorskip("pymysql", reason="PyMySQL is not installed: pip install -e '.[test]'")

from lsp_server.sql.mysql import explain_mysql  # noqa: E402

SERVER = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")
pytestmark = pytest.mark.skipif(
    SERVER is None or shutil.which("mariadb-install-db") is None,
    reason="no MariaDB server on this machine; scripts/test.sh installs mariadb-server with apt",
)
PASSWORD = "my-s3cret-Pa55"
SETUP = [
    "CREATE DATABASE shop",
    "USE shop",
    "CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(80) NOT NULL, country CHAR(2) NOT NULL)",
    "INSERT INTO customers SELECT seq, CONCAT('user', seq, '@example.com'), "
    "ELT(1 + seq % 5, 'fr', 'de', 'es', 'it', 'pl') FROM seq_1_to_5000",
    # zone and depot always agree: multiplying their selectivities underestimates 100×
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(10) NOT NULL, "
    "total DECIMAL(10, 2) NOT NULL, zone INT NOT NULL, depot INT NOT NULL, KEY (customer_id))",
    "INSERT INTO orders SELECT seq, 1 + seq % 5000, IF(seq % 100 = 0, 'refunded', 'paid'), seq % 1000, "
    "seq % 100, seq % 100 FROM seq_1_to_50000",
    "ANALYZE TABLE customers, orders PERSISTENT FOR ALL",
    f"CREATE USER app@'%' IDENTIFIED BY '{PASSWORD}'",
    "GRANT ALL ON shop.* TO app@'%'",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="ubiq-mariadb-"))
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    data, sock, port = folder / "data", folder / "mysqld.sock", _free_port()
    subprocess.run(
        ["mariadb-install-db", "--no-defaults", f"--datadir={data}",
         "--auth-root-authentication-method=normal", "--skip-test-db", *as_root],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    server = subprocess.Popen(
        [SERVER, "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={port}",
         "--bind-address=127.0.0.1", "--skip-name-resolve", "--innodb-buffer-pool-size=32M",
         f"--pid-file={folder / 'pid'}", f"--log-error={folder / 'error.log'}", *as_root],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:  # wait for the socket to answer (or the server to die)
            try:
                root = pymysql.connect(unix_socket=str(sock), user="root", autocommit=True)
                break
            except pymysql.Error:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "error.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"MariaDB did not start: {log}")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=0.2)
        with root.cursor() as cursor:
            for statement in SETUP:
                cursor.execute(statement)
        root.close()
        yield f"mysql://app@127.0.0.1:{port}/shop"
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_full_scan_under_a_filter_and_a_placeholder_given_a_real_value(url):
    result = explain_mysql("SELECT * FROM orders WHERE status = %s", url, PASSWORD)
    assert result.engine.startswith("MariaDB ") and result.engine.endswith("read-only")
    assert "'paid'" in result.query or "'refunded'" in result.query  # a value the column holds
    assert any(line.startswith("1 SIMPLE orders: ALL") for line in result.plan)
    assert any(f.startswith("full scan of orders") for f in result.findings)
    assert "no hypothetical indexes" in result.no_advice and not result.advice


def test_an_indexed_lookup_is_not_reported_and_a_sort_is(url):
    keyed = explain_mysql("SELECT * FROM orders WHERE customer_id = 42", url, PASSWORD)
    assert "key customer_id" in keyed.plan[0] and not keyed.findings
    sorted_ = explain_mysql("SELECT * FROM orders WHERE total > 990 ORDER BY total", url, PASSWORD)
    assert any("Using filesort" in f for f in sorted_.findings)


def test_analyze_shows_actual_rows_and_the_misestimate(url):
    result = explain_mysql("SELECT * FROM orders WHERE zone = 7 AND depot = 7", url, PASSWORD, analyze=True)
    assert result.engine.endswith(", ANALYZE") and "actual rows" in result.plan[0]
    assert any(f.startswith("misestimate on orders") for f in result.findings), result.plan


def test_nothing_is_written(url):
    plain = explain_mysql("DELETE FROM orders WHERE customer_id = 3", url, PASSWORD)
    assert plain.plan
    with pytest.raises(InputError, match="only a query that cannot write is run"):
        explain_mysql("UPDATE orders SET total = 0", url, PASSWORD, analyze=True)
    connection = pymysql.connect(**_app(url))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM orders WHERE customer_id = 3")
        assert cursor.fetchone()[0] == 10
    connection.close()


def _app(url: str) -> dict:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    return {"host": "127.0.0.1", "port": port, "user": "app", "password": PASSWORD, "database": "shop"}


def test_a_wrong_password_is_one_clean_line_without_the_password(url):
    with pytest.raises(InputError) as wrong:
        explain_mysql("SELECT 1", url, "not-the-" + PASSWORD)
    assert "Access denied" in str(wrong.value) and PASSWORD not in str(wrong.value)


def test_cli_explains_on_mariadb(url, tmp_path):
    query = "SELECT * FROM orders WHERE status = 'refunded'"
    result = ubiq("sql", "explain", "--query", query, "--db", url, "--password-env", "SHOP_PASSWORD",
                  "--json", cwd=tmp_path, SHOP_PASSWORD=PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["engine"].startswith("MariaDB ") and data["no_advice"]
    wrong = ubiq("sql", "explain", "--query", "SELECT 1", "--db", url, cwd=tmp_path)
    assert_one_line_error(wrong, 2, "Access denied")
