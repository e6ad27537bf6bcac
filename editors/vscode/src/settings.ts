// The `ubiq` settings: which ones go to the server, and telling it when they change.
import * as vscode from "vscode";

export const SECTION = "ubiq";

/** Settings the extension itself uses; the server would reject them as unknown. */
const CLIENT_ONLY = new Set(["interpreter", "trace.server"]);

interface PackageJson {
  contributes: { configuration: { properties: Record<string, unknown> } };
}

/** The server's setting keys (e.g. `model.path`), read from package.json's contributes.configuration. */
export function serverKeys(extension: vscode.Extension<unknown>): string[] {
  const properties = (extension.packageJSON as PackageJson).contributes.configuration.properties;
  return Object.keys(properties)
    .map((key) => key.slice(SECTION.length + 1))
    .filter((key) => !CLIENT_ONLY.has(key));
}

function scope(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/**
 * The settings the user set explicitly, nested as the server expects (`{model: {path: …}}`).
 * Defaults are left out so that `[tool.ubiq]` in pyproject.toml and `UBIQ_*` variables still apply.
 */
export function serverSettings(keys: readonly string[]): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope());
  const settings: Record<string, unknown> = {};
  for (const key of keys) {
    const seen = config.inspect(key);
    const value = seen?.workspaceFolderValue ?? seen?.workspaceValue ?? seen?.globalValue;
    if (value === undefined) {
      continue;
    }
    const parts = key.split(".");
    let node = settings;
    for (const part of parts.slice(0, -1)) {
      node = (node[part] ??= {}) as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return settings;
}

/** The interpreter setting (empty when not set). */
export function interpreterSetting(): string {
  return vscode.workspace.getConfiguration(SECTION, scope()).get<string>("interpreter", "").trim();
}

/**
 * Call `onServerSettings` when a server setting changes (the server applies it, reloading the
 * model when a model setting changed) and `onInterpreter` when the interpreter changes.
 */
export function watchSettings(
  keys: readonly string[],
  onServerSettings: () => void,
  onInterpreter: () => void,
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(`${SECTION}.interpreter`)) {
      onInterpreter();
    } else if (keys.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
      onServerSettings();
    }
  });
}
