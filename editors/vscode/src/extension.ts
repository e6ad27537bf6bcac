// Ubiq for VS Code: starts the Ubiq language server (ghost text through inline completion, hover,
// diagnostics, code actions), keeps it told of setting changes, and adds the commands and status item.
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  type LanguageClientOptions,
} from "vscode-languageclient/node";
import { GENERATE_TESTS, registerCommands, showWritten } from "./commands";
import { checkInstalled, findInterpreter, onInterpreterChange, reportNotInstalled, serverOptions } from "./server";
import { SECTION, serverKeys, serverSettings, watchSettings } from "./settings";
import { ModelStatus, type ModelState } from "./status";

/** Sent by the server when an answer it could not give in time is ready (ghost text is pulled). */
const COMPLETION_READY = "ubiq/completionReady";

let client: LanguageClient | undefined;
let interpreter: string | undefined;
let log: vscode.LogOutputChannel;
let status: ModelStatus;
let keys: string[];

async function execute(command: string, args: unknown[]): Promise<unknown> {
  if (!client || client.state !== State.Running) {
    throw new Error("the Ubiq server is not running (see the Ubiq log, or run Ubiq: Restart Server)");
  }
  return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
}

async function modelState(): Promise<ModelState | undefined> {
  if (!client || client.state !== State.Running) {
    return undefined;
  }
  const result = (await execute("ubiq.stats", [{}])) as { model?: ModelState } | null;
  return result?.model;
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
      { scheme: "file", language: "sql" },
      { scheme: "untitled", language: "sql" },
    ],
    initializationOptions: serverSettings(keys),
    outputChannel: log,
    middleware: {
      workspace: {
        // The server pulls `ubiq`: answer with what the user set, without the client-only settings.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          const pulled: unknown[] = answers;
          return params.items.map((item, index) => (item.section === SECTION ? serverSettings(keys) : pulled[index]));
        },
      },
      // Tests generated from a code action: show the test file the server wrote.
      executeCommand: async (command, args, next) => {
        const result: unknown = await next(command, args);
        if (command === GENERATE_TESTS) {
          await showWritten(result, "written");
        }
        return result;
      },
    },
  };
}

async function start(): Promise<void> {
  status.show("$(sync~spin) Ubiq", "Ubiq: starting the server");
  const python = await findInterpreter();
  interpreter = python.path;
  log.info(`starting the server with ${python.path} (${python.source})`);
  const problem = await checkInstalled(python);
  if (problem) {
    log.error(problem);
    status.show("$(error) Ubiq: not installed", problem, true);
    void reportNotInstalled(python, problem);
    return;
  }
  client = new LanguageClient("ubiq", "Ubiq", serverOptions(python), clientOptions());
  const started = client;
  started.onDidChangeState(({ newState }) => {
    if (newState === State.Stopped && client === started) {
      status.stop();
      status.show("$(error) Ubiq: stopped", "Ubiq: the server stopped (see the log; run Ubiq: Restart Server)", true);
    }
  });
  started.onNotification(COMPLETION_READY, (params: { uri: string; position: { line: number; character: number } }) => {
    void askAgain(params);
  });
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`the server did not start: ${message}`);
    status.show("$(error) Ubiq", `Ubiq: the server did not start: ${message}`, true);
    return;
  }
  status.start();
}

/** Ask for ghost text again, but only where the answer was prepared: same file, cursor unmoved. */
async function askAgain(params: { uri: string; position: { line: number; character: number } }): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.toString() !== vscode.Uri.parse(params.uri).toString()) {
    return;
  }
  const cursor = editor.selection.active;
  if (!editor.selection.isEmpty || cursor.line !== params.position.line || cursor.character !== params.position.character) {
    return;
  }
  log.info(`completion ready at ${params.uri}:${params.position.line + 1}: asking again`);
  await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
}

async function stop(): Promise<void> {
  status.stop();
  const running = client;
  client = undefined;
  if (running) {
    await running.stop().catch((error: unknown) => log.warn(`stopping the server: ${String(error)}`));
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

/** Settings changed: the server applies them (and reloads the model when a model setting changed). */
function sendSettings(): void {
  if (!client || client.state !== State.Running) {
    return;
  }
  void client.sendNotification(DidChangeConfigurationNotification.type, {
    settings: { [SECTION]: serverSettings(keys) },
  });
  status.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel("Ubiq", { log: true });
  keys = serverKeys(context.extension);
  status = new ModelStatus(modelState);
  context.subscriptions.push(log, status, watchSettings(keys, sendSettings, () => void restart()));
  registerCommands(context, execute, restart, () => log.show());
  // Only a different interpreter needs a new server (the event also fires when nothing changed).
  const restartIfChanged = async (): Promise<void> => {
    if ((await findInterpreter()).path !== interpreter) {
      await restart();
    }
  };
  const pythonWatch = await onInterpreterChange(() => void restartIfChanged());
  if (pythonWatch) {
    context.subscriptions.push(pythonWatch);
  }
  void start();
}

export function deactivate(): Promise<void> {
  return stop();
}
