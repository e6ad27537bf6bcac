#!/usr/bin/env bash
# Install everything the test suite needs into .venv, then lint and run the whole suite.
# This is the README's second command and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
# System packages, where this machine lets us install them: bubblewrap isolates generated tests
# (no network, read-only file system; without it they still run with limits, and the sandbox says
# so); Graphviz's `dot` draws ER models as SVG; Chromium (and libkrb5-dev, which code-server's
# native module builds against) runs the VS Code end-to-end test in code-server.
PACKAGES="bubblewrap graphviz chromium libkrb5-dev"
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && ! { command -v bwrap && command -v dot && command -v chromium && dpkg -s libkrb5-dev; } >/dev/null 2>&1; then
  timeout 900 apt-get install -y -q $PACKAGES >/dev/null 2>&1 || { timeout 300 apt-get update -q >/dev/null && timeout 900 apt-get install -y -q $PACKAGES >/dev/null; } || true
fi
# Emacs with eglot, for the test of the README's Emacs configuration (tests/editors/test_emacs.py).
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && ! command -v emacs >/dev/null; then
  timeout 900 apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot >/dev/null 2>&1 || { timeout 300 apt-get update -q >/dev/null && timeout 900 apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot >/dev/null; } || true
fi
# PostgreSQL and its hypopg extension (hypothetical indexes): tests/sql/test_postgres.py starts a real
# server for `ubiq sql explain --db`; where they cannot be installed those tests are skipped and say so.
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  timeout 900 apt-get install -y -q postgresql >/dev/null 2>&1 || { timeout 300 apt-get update -q >/dev/null && timeout 900 apt-get install -y -q postgresql >/dev/null; } || true
fi
PG_MAJOR="$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sed 's|^/usr/lib/postgresql/\([^/]*\)/.*|\1|' | sort -n | tail -n 1 || true)"
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && [ -n "$PG_MAJOR" ] && [ ! -f "/usr/share/postgresql/$PG_MAJOR/extension/hypopg.control" ]; then
  timeout 900 apt-get install -y -q "postgresql-$PG_MAJOR-hypopg" >/dev/null 2>&1 || { timeout 300 apt-get update -q >/dev/null && timeout 900 apt-get install -y -q "postgresql-$PG_MAJOR-hypopg" >/dev/null; } || true
fi
# MariaDB (a MySQL server): tests/sql/test_mysql.py starts one for `ubiq sql explain --db mysql://…`;
# where it cannot be installed those tests are skipped and say so.
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] && ! command -v mariadbd >/dev/null; then
  timeout 900 apt-get install -y -q --no-install-recommends mariadb-server >/dev/null 2>&1 || { timeout 300 apt-get update -q >/dev/null && timeout 900 apt-get install -y -q --no-install-recommends mariadb-server >/dev/null; } || true
fi
python3 -m venv .venv
.venv/bin/python -m pip install --progress-bar off -q --upgrade pip
# llama-cpp-python compiles llama.cpp on first install (about 3-15 minutes on 2 cores; cached after),
# for this CPU's instruction sets but without AMX (scripts/cmake_args.sh says why). pip's wheel cache
# does not know these flags: a wheel cached from other flags (or one that does not run here) is rebuilt.
export CMAKE_ARGS="${CMAKE_ARGS:-$(sh scripts/cmake_args.sh)}"
.venv/bin/python -m pip install --progress-bar off -e '.[test]'
BUILT="${XDG_CACHE_HOME:-$HOME/.cache}/ubiq/llama-cpp-python.cmake-args"
if [ "$(cat "$BUILT" 2>/dev/null)" != "$CMAKE_ARGS" ] || ! .venv/bin/python scripts/check_engine.py; then
  .venv/bin/python -m pip cache remove 'llama_cpp_python*' || true
  .venv/bin/python -m pip install --progress-bar off --force-reinstall --no-deps 'llama-cpp-python==0.3.36'
  .venv/bin/python scripts/check_engine.py
  mkdir -p "$(dirname "$BUILT")" && echo "$CMAKE_ARGS" > "$BUILT"
fi
.venv/bin/ruff check lsp_server tests benchmarks
.venv/bin/python -m pytest "$@"
