// "Show ER model": a webview that renders the server's Mermaid text with the bundled mermaid,
// under a strict content security policy (scripts only from the extension, with a nonce).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as vscode from "vscode";

export interface ErModel {
  text: string;
  warnings?: string[];
}

let panel: vscode.WebviewPanel | undefined;

/** JSON that is safe inside a <script> element (no `</script>`, no comment or CDATA openers). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

export async function showErModel(
  extensionUri: vscode.Uri,
  model: ErModel,
  title = "Ubiq: ER model",
): Promise<void> {
  const dist = vscode.Uri.joinPath(extensionUri, "dist");
  if (panel) {
    panel.reveal(vscode.ViewColumn.Beside);
  } else {
    panel = vscode.window.createWebviewPanel("ubiq.erModel", title, vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [dist],
    });
    panel.onDidDispose(() => (panel = undefined));
  }
  panel.title = title;
  const webview = panel.webview;
  const template = await readFile(vscode.Uri.joinPath(extensionUri, "media", "er.html").fsPath, "utf8");
  const values: Record<string, string> = {
    nonce: randomBytes(16).toString("base64"),
    cspSource: webview.cspSource,
    script: webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js")).toString(),
    model: scriptJson({ text: model.text, warnings: model.warnings ?? [] }),
  };
  webview.html = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? "");
}
