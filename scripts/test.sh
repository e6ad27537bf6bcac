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
python3 -m venv .venv
.venv/bin/python -m pip install --progress-bar off -q --upgrade pip
# llama-cpp-python compiles llama.cpp on first install (about 3-15 minutes on 2 cores; cached after),
# for x86-64-v3 (AVX2) rather than -march=native: a native build used AMX on a Sapphire Rapids CPU
# and crashed in its first matrix multiply.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}"
.venv/bin/python -m pip install --progress-bar off -e '.[test]'
# A wheel cached by an earlier build may not run on this CPU: rebuild it once if it does not.
if ! .venv/bin/python scripts/check_engine.py; then
  .venv/bin/python -m pip cache remove 'llama_cpp_python*' || true
  .venv/bin/python -m pip install --progress-bar off --force-reinstall --no-deps 'llama-cpp-python==0.3.36'
  .venv/bin/python scripts/check_engine.py
fi
.venv/bin/ruff check lsp_server tests benchmarks
.venv/bin/python -m pytest "$@"
