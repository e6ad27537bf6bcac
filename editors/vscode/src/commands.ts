// The extension's commands: each asks the server (workspace/executeCommand) and shows the result.
import * as vscode from "vscode";
import { showErModel, type ErModel } from "./erView";

/** Runs a server command; rejects when the server is not running. */
export type Execute = (command: string, args: unknown[]) => Promise<unknown>;

/** Server commands (lsp_server/features). */
export const GENERATE_TESTS = "ubiq.generateTests";
const ADD_GLOSSARY_TERM = "ubiq.addGlossaryTerm";
const ER_MODEL = "ubiq.erModel";
const STATS = "ubiq.stats";
const EVAL = "ubiq.eval";
const SQL_WRITE = "ubiq.sqlWrite";
const SQL_EXPLAIN = "ubiq.sqlExplain";
const DDD_MAP = "ubiq.dddMap";
const DDD_ASK = "ubiq.dddAsk";

function pythonEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId === "python") {
    return editor;
  }
  void vscode.window.showWarningMessage("Ubiq: open a Python file first.");
  return undefined;
}

/** The function or class whose body holds the cursor (the nearest less-indented def/class above it). */
export function enclosingDefinition(document: vscode.TextDocument, line: number): string | undefined {
  let indent = Infinity;
  for (let number = line; number >= 0; number--) {
    const text = document.lineAt(number).text;
    if (!text.trim()) {
      continue;
    }
    const width = text.length - text.trimStart().length;
    const match = /^\s*(?:async\s+)?(?:def|class)\s+(\w+)/.exec(text);
    if (match && (width < indent || number === line)) {
      return match[1];
    }
    indent = Math.min(indent, width);
  }
  return undefined;
}

/** Open the file the server wrote (generated tests, the glossary). */
export async function showWritten(result: unknown, key: "written" | "path"): Promise<void> {
  const path = (result as Record<string, unknown> | null)?.[key];
  if (typeof path === "string") {
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false, viewColumn: vscode.ViewColumn.Beside });
  }
}

async function generateTests(execute: Execute, symbol: boolean): Promise<void> {
  const editor = pythonEditor();
  if (!editor) {
    return;
  }
  let name: string | null = null;
  if (symbol) {
    name = enclosingDefinition(editor.document, editor.selection.active.line) ?? null;
    if (!name) {
      void vscode.window.showWarningMessage("Ubiq: put the cursor inside a function or class.");
      return;
    }
  }
  await editor.document.save();
  const result = await execute(GENERATE_TESTS, [editor.document.uri.toString(), name]);
  await showWritten(result, "written");
}

async function addGlossaryTerm(execute: Execute): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const range = editor?.document.getWordRangeAtPosition(editor.selection.active);
  const selected = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : undefined;
  const term = await vscode.window.showInputBox({
    title: "Ubiq: Add Glossary Term",
    prompt: "The term; the model drafts its definition into the glossary",
    value: selected ?? (range ? editor?.document.getText(range) : ""),
    validateInput: (value) => (value.trim() ? undefined : "Type a term"),
  });
  if (!term?.trim()) {
    return;
  }
  const result = await execute(ADD_GLOSSARY_TERM, [{ term: term.trim() }]);
  await showWritten(result, "path");
}

async function erModel(execute: Execute, extensionUri: vscode.Uri): Promise<void> {
  const result = (await execute(ER_MODEL, [{ format: "mermaid" }])) as ErModel | null;
  if (typeof result?.text !== "string") {
    return;
  }
  await showErModel(extensionUri, result);
}

async function stats(execute: Execute): Promise<void> {
  const result = await execute(STATS, [{}]);
  const document = await vscode.workspace.openTextDocument({
    language: "json",
    content: JSON.stringify(result, null, 2),
  });
  await vscode.window.showTextDocument(document, { preview: true });
}

/** Compare models on tasks cut from the workspace; the server opens report.md when it is done. */
async function evaluateModels(execute: Execute): Promise<void> {
  const models = await vscode.window.showInputBox({
    title: "Ubiq: Evaluate Models",
    prompt: "Models to compare, separated by commas: GGUF paths, pack names (`ubiq models`) or `remote`. Empty: the configured model.",
    placeHolder: "qwen2.5-coder-0.5b, qwen2.5-coder-1.5b",
  });
  if (models === undefined) {
    return;
  }
  const tasks = await vscode.window.showInputBox({
    title: "Ubiq: Evaluate Models",
    prompt: "Tasks per model",
    value: "20",
    validateInput: (value) => (/^\d+$/.test(value.trim()) && Number(value) >= 1 ? undefined : "A whole number ≥ 1"),
  });
  if (tasks === undefined) {
    return;
  }
  const names = models.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
  const result = (await execute(EVAL, [{ models: names, tasks: Number(tasks) }])) as Record<string, unknown> | null;
  if (typeof result?.recommendation === "string") {
    void vscode.window.showInformationMessage(`Ubiq eval: ${result.recommendation}`);
  }
}

/** A line that asks a question as a comment (`-- …` in SQL, `# …` in Python). */
function isComment(text: string): boolean {
  return /^\s*(?:--|#)\s*\S/.test(text);
}

/** Write the SQL that answers the selected text, the comment on the cursor line, or a question asked
 * for; the server checks and runs it, then inserts it below as an edit (undoable) or says why not. */
async function sqlWrite(execute: Execute): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage("Ubiq: open a .sql or Python file first.");
    return;
  }
  const { document, selection } = editor;
  const options: Record<string, unknown> = { uri: document.uri.toString(), line: selection.end.line };
  if (!selection.isEmpty) {
    const position = ({ line, character }: vscode.Position) => ({ line, character });
    options.range = { start: position(selection.start), end: position(selection.end) };
  } else if (!isComment(document.lineAt(selection.active.line).text)) {
    const question = await vscode.window.showInputBox({
      title: "Ubiq: Write SQL",
      prompt: "The question the query answers (or put the cursor on a comment that asks it)",
      placeHolder: "customers with no orders this year",
      validateInput: (value) => (value.trim() ? undefined : "Type a question"),
    });
    if (!question?.trim()) {
      return;
    }
    options.question = question.trim();
  }
  await execute(SQL_WRITE, [options]);
}

/** The plan of the SQL statement (or Python SQL string) at the cursor, its costs and the indexes
 * advised, as a Markdown document beside the editor. The server shows its own errors. */
async function sqlExplain(execute: Execute): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage("Ubiq: open a .sql or Python file first.");
    return;
  }
  const options = { uri: editor.document.uri.toString(), line: editor.selection.active.line };
  const result = (await execute(SQL_EXPLAIN, [options])) as { markdown?: unknown } | null;
  if (typeof result?.markdown !== "string") {
    return;
  }
  const document = await vscode.workspace.openTextDocument({ language: "markdown", content: result.markdown });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

/** The context map read from the code (bounded contexts, their aggregates, the relationships between
 * them) drawn by the same webview as the ER model. */
async function contextMap(execute: Execute, extensionUri: vscode.Uri): Promise<void> {
  const result = (await execute(DDD_MAP, [])) as { mermaid?: unknown } | null;
  if (typeof result?.mermaid !== "string") {
    return;
  }
  await showErModel(extensionUri, { text: result.mermaid }, "Ubiq: context map");
}

/** A question about the domain model, answered by the server from the glossary and the code (every
 * statement citing file:line, or "no evidence"), shown as a Markdown document beside the editor. */
async function askDomainModel(execute: Execute): Promise<void> {
  const question = await vscode.window.showInputBox({
    title: "Ubiq: ask about the domain model",
    prompt: "Answered only from the glossary and the code, citing file:line",
    placeHolder: "which aggregate owns OrderLine?  /  订单行属于哪个聚合？  /  may Order hold a Customer?",
    ignoreFocusOut: true,
  });
  if (!question?.trim()) {
    return;
  }
  const result = (await execute(DDD_ASK, [{ question: question.trim() }])) as { markdown?: unknown } | null;
  if (typeof result?.markdown !== "string") {
    return;
  }
  const document = await vscode.workspace.openTextDocument({ language: "markdown", content: result.markdown });
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

/** Run `action`, turning a failure into an error message instead of an unhandled rejection. */
function guarded(title: string, action: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await action();
    } catch (error) {
      void vscode.window.showErrorMessage(`Ubiq: ${title} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

export function registerCommands(
  context: vscode.ExtensionContext,
  execute: Execute,
  restart: () => Promise<void>,
  showLog: () => void,
): void {
  const commands: Record<string, () => Promise<void> | void> = {
    "ubiq.client.generateTestsForFile": guarded("generating tests", () => generateTests(execute, false)),
    "ubiq.client.generateTestsForSymbol": guarded("generating tests", () => generateTests(execute, true)),
    "ubiq.client.addGlossaryTerm": guarded("adding a glossary term", () => addGlossaryTerm(execute)),
    "ubiq.client.showErModel": guarded("the ER model", () => erModel(execute, context.extensionUri)),
    "ubiq.client.sqlWrite": guarded("writing SQL", () => sqlWrite(execute)),
    "ubiq.client.sqlExplain": guarded("explaining SQL", () => sqlExplain(execute)),
    "ubiq.client.showContextMap": guarded("the context map", () => contextMap(execute, context.extensionUri)),
    "ubiq.client.askDomainModel": guarded("the question", () => askDomainModel(execute)),
    "ubiq.client.showStats": guarded("stats", () => stats(execute)),
    "ubiq.client.evaluateModels": guarded("the evaluation", () => evaluateModels(execute)),
    "ubiq.client.restartServer": guarded("restarting the server", restart),
    "ubiq.client.showLog": showLog,
  };
  for (const [id, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
}
