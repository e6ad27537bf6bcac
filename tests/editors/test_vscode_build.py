"""The VS Code extension builds: editors/vscode/scripts/build.sh type-checks, bundles and packages
dist/ubiq.vsix, which holds the bundled extension, its settings and commands, and the ER webview with
mermaid bundled in (no CDN). The bundle is also loaded in Node against a stub `vscode` module."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from lsp_server.config import Settings, camel
from tests.conftest import REPO

pytestmark = pytest.mark.editors

EXTENSION = REPO / "editors" / "vscode"
VSIX = EXTENSION / "dist" / "ubiq.vsix"
CLIENT_ONLY = {"ubiq.interpreter", "ubiq.trace.server"}
COMMANDS = {
    "ubiq.client.generateTestsForFile",
    "ubiq.client.generateTestsForSymbol",
    "ubiq.client.addGlossaryTerm",
    "ubiq.client.showErModel",
    "ubiq.client.sqlWrite",
    "ubiq.client.sqlExplain",
    "ubiq.client.showContextMap",
    "ubiq.client.askDomainModel",
    "ubiq.client.showStats",
    "ubiq.client.evaluateModels",
    "ubiq.client.restartServer",
    "ubiq.client.showLog",
}


@pytest.fixture(scope="module")
def vsix() -> Iterator[zipfile.ZipFile]:
    if shutil.which("npm") is None:
        message = "npm not found: install Node.js with npm to build the VS Code extension"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    build = subprocess.run(
        ["bash", str(EXTENSION / "scripts" / "build.sh")], capture_output=True, text=True, timeout=1800
    )
    assert build.returncode == 0, f"build.sh failed:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    with zipfile.ZipFile(VSIX) as archive:
        yield archive


def server_settings() -> dict[str, Any]:
    """Every server setting as `ubiq.dotted.camelCase` → its default, from lsp_server/config.py."""
    found: dict[str, Any] = {}

    def walk(instance: Any, prefix: str) -> None:
        hints = get_type_hints(type(instance))
        for f in dataclasses.fields(instance):
            value = getattr(instance, f.name)
            if dataclasses.is_dataclass(hints[f.name]):
                walk(value, f"{prefix}{camel(f.name)}.")
            else:
                found[f"{prefix}{camel(f.name)}"] = value

    walk(Settings(), "ubiq.")
    return found


def test_vsix_holds_the_bundle(vsix: zipfile.ZipFile) -> None:
    names = set(vsix.namelist())
    for name in ("extension/package.json", "extension/dist/extension.js", "extension/dist/webview.js"):
        assert name in names
    assert not any("node_modules" in name or name.endswith(".ts") for name in names)


def test_package_json_mirrors_the_server_settings(vsix: zipfile.ZipFile) -> None:
    manifest = json.loads(vsix.read("extension/package.json"))
    assert manifest["main"] == "./dist/extension.js"
    assert {c["command"] for c in manifest["contributes"]["commands"]} == COMMANDS
    properties = manifest["contributes"]["configuration"]["properties"]
    assert properties.keys() >= CLIENT_ONLY
    expected = server_settings()
    assert properties.keys() - CLIENT_ONLY == expected.keys()
    for key, default in expected.items():
        assert properties[key]["default"] == default, key
        assert properties[key].get("description") or properties[key].get("markdownDescription"), key


def test_er_webview_bundles_mermaid_and_loads_nothing_remote(vsix: zipfile.ZipFile) -> None:
    html = vsix.read("extension/media/er.html").decode()
    assert not re.search(r"https?://", html)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp[1] and "script-src 'nonce-{{nonce}}'" in csp[1]
    script = vsix.read("extension/dist/webview.js").decode()
    assert "erDiagram" in script and len(script) > 1_000_000  # mermaid itself, not a loader
    extension = vsix.read("extension/dist/extension.js").decode()
    assert not re.search(r"cdn\.jsdelivr|unpkg\.com|cdnjs", html + extension)


STUB = """
const Module = require("module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest);
};
// Every vscode API is a class: enough for the bundle to load (activate() is not called).
const api = new Proxy({}, { get: () => class {} });
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: api };
const extension = require(process.argv[1]);
console.log(JSON.stringify({ activate: typeof extension.activate, deactivate: typeof extension.deactivate }));
"""


def test_bundle_loads_with_only_vscode_external(vsix: zipfile.ZipFile, tmp_path: Path) -> None:
    bundle = tmp_path / "extension.js"
    bundle.write_bytes(vsix.read("extension/dist/extension.js"))
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found")
    loaded = subprocess.run([node, "-e", STUB, str(bundle)], capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert json.loads(loaded.stdout) == {"activate": "function", "deactivate": "function"}
