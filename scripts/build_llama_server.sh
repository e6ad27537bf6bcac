#!/bin/sh
# Build llama.cpp's own `llama-server` from the same llama-cpp-python sdist Ubiq runs (0.3.36), for
# the peer comparisons in benchmarks/completion.py (`--peer-url`) and benchmarks/remote.py. About
# 4–12 minutes on 2 cores; PyPI is the only download. Prints the binary's path.
#
#   sh scripts/build_llama_server.sh [DIR]     (default DIR: ~/.cache/ubiq/llama-server)
#   "$(sh scripts/build_llama_server.sh)" -m MODEL.gguf -t 1 -c 4096 --port 8012 --cache-reuse 256
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/ubiq/llama-server}"
bin="$dir/llama_cpp_python-0.3.36/vendor/llama.cpp/build/bin/llama-server"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  py="$here/../.venv/bin/python"; [ -x "$py" ] || py=python3  # the project's venv has pip
  "$py" -m pip download --quiet llama-cpp-python==0.3.36 --no-binary :all: --no-deps -d "$dir" >&2
  tar -xzf "$dir/llama_cpp_python-0.3.36.tar.gz" -C "$dir"
  src="$dir/llama_cpp_python-0.3.36/vendor/llama.cpp"
  generator=""; command -v ninja >/dev/null && generator="-G Ninja"
  # shellcheck disable=SC2086
  cmake -S "$src" -B "$src/build" $generator $(sh "$here/cmake_args.sh") -DLLAMA_BUILD_SERVER=ON \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$src/build" --target llama-server -j 2 >&2
fi
echo "$bin"
