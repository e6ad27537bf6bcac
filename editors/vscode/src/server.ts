// Finding the Python that runs the server, checking that Ubiq is installed there, and the server command.
import { execFile } from "node:child_process";
import * as vscode from "vscode";
import type { ServerOptions } from "vscode-languageclient/node";
import { interpreterSetting } from "./settings";

export interface Interpreter {
  path: string;
  /** Where the choice came from, for messages. */
  source: "setting ubiq.interpreter" | "Python extension" | "default";
}

/** The part of the Python extension's API (ms-python.python) used here. */
interface PythonApi {
  environments: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(path: string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments ? api : undefined;
  } catch {
    return undefined;
  }
}

/** `ubiq.interpreter` → the Python extension's selected interpreter → `python3`. */
export async function findInterpreter(): Promise<Interpreter> {
  const configured = interpreterSetting();
  if (configured) {
    return { path: configured, source: "setting ubiq.interpreter" };
  }
  const api = await pythonApi();
  if (api) {
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active.path).catch(() => undefined);
    const path = resolved?.executable.uri?.fsPath ?? active.path;
    if (path) {
      return { path, source: "Python extension" };
    }
  }
  return { path: "python3", source: "default" };
}

/** Call `listener` when the Python extension's selected interpreter changes (if it is installed). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const api = await pythonApi();
  return api?.environments.onDidChangeActiveEnvironmentPath(() => listener());
}

/** Why Ubiq cannot start with `python`, or undefined when `import lsp_server` works there. */
export function checkInstalled(python: Interpreter): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python.path, ["-c", "import lsp_server"], { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) {
        resolve(undefined);
      } else if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        resolve(`Python not found: ${python.path} (${python.source}).`);
      } else {
        const detail = stderr.trim().split("\n").pop() ?? error.message;
        resolve(`Ubiq is not installed for ${python.path} (${python.source}): ${detail}`);
      }
    });
  });
}

/** Tell the user what is wrong and how to fix it; the buttons do the fix or open the setting. */
export async function reportNotInstalled(python: Interpreter, problem: string): Promise<void> {
  const install = `"${python.path}" -m pip install ubiq`;
  const copy = "Copy install command";
  const settings = "Set ubiq.interpreter";
  const choice = await vscode.window.showErrorMessage(
    `${problem} Fix: run \`${install}\`, or set ubiq.interpreter to a Python that has Ubiq, then run "Ubiq: Restart Server".`,
    copy,
    settings,
  );
  if (choice === copy) {
    await vscode.env.clipboard.writeText(install);
  } else if (choice === settings) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "ubiq.interpreter");
  }
}

export function serverOptions(python: Interpreter): ServerOptions {
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return { command: python.path, args: ["-m", "lsp_server", "serve"], options: { cwd } };
}
