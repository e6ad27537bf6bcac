// Drives code-server (VS Code in a browser) with headless Chromium: opens a Python file, waits for
// Ubiq's model, switches the model in settings.json and back, types and waits for ghost text, opens the ER webview and screenshots it;
// or (config.scenario "sql") writes SQL for a comment, undoes it, and explains a query; or ("ddd")
// shows the context map and asks a question about the domain model. Writes what
// it saw to a JSON file (argv[2] is the config JSON path). Run by tests/editors/test_vscode_e2e.py.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const require = createRequire(config.playwright + "/");
const { chromium } = require("playwright-core");

const result = { steps: [], seconds: {}, error: null };
const started = Date.now();
const step = (name) => {
  result.steps.push(name);
  result.seconds[name] = (Date.now() - started) / 1000; // since the driver started: where a slow run spent its time
  console.log(`step: ${name} at ${result.seconds[name]} s`);
};

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Lines of the Ubiq log (the extension's output channel, as VS Code writes it to disk). */
function ubiqLog(dir) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name === "Ubiq.log") found.push(readFileSync(path, "utf8"));
    }
  };
  try {
    walk(dir);
  } catch {
    return "";
  }
  return found.join("\n");
}

async function runCommand(page, title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.waitForTimeout(500);
  await page.keyboard.press("Enter");
}

async function openFile(page, name) {
  await page.keyboard.press("Control+P");
  const quick = page.locator(".quick-input-widget input");
  await quick.waitFor({ state: "visible", timeout: 10_000 });
  await quick.fill(name);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(500);
  await page.keyboard.press("Enter");
  await page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 30_000 });
  await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: 30_000 });
}

/** Model switch, ghost text, completionReady, the ER view and generated tests (the tiny model). */
async function editorSteps(page, item) {
  // A model setting changed in settings.json reloads the model, no editor restart: the status bar
  // shows the other model, then the first one again once the setting is put back.
  const modelName = async () => (await item.innerText().catch(() => "")).split("·")[0].trim();
  const original = readFileSync(config.settingsFile, "utf8");
  // As a user does: Preferences: Open User Settings (JSON), edit, save.
  const editSettings = async (text) => {
    await runCommand(page, "Preferences: Open User Settings (JSON)");
    // VS Code 1.139 opens it in a modal editor over the workbench (older ones: a tab); either way
    // it is the editor that shows the settings file's text.
    const editor = page.locator(".monaco-editor", { hasText: "ubiq.interpreter" }).last();
    await editor.waitFor({ timeout: 30_000 });
    await editor.locator(".view-lines").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(text);
    await page.keyboard.press("Control+S");
    await page.waitForTimeout(500);
    await page.keyboard.press("Control+W");
  };
  await editSettings(JSON.stringify({ ...JSON.parse(original), "ubiq.model.path": config.switchModel }, null, 2));
  result.switched = await waitFor(
    async () => ((await modelName()).includes(config.switchModelName) ? await modelName() : null),
    config.modelTimeoutMs,
    "the other model in the status bar",
  );
  await editSettings(original);
  const first = result.status.split("·")[0].trim();
  result.switchedBack = await waitFor(
    async () => ((await modelName()) === first ? first : null),
    config.modelTimeoutMs,
    "the first model again in the status bar",
  );
  step("settings change");

  await page.locator(".monaco-editor .view-lines").first().click();
  // The end of `    return` on the last line of code (the file ends with a newline), as in the Neovim test.
  await page.keyboard.press("Control+End");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("End");
  await page.keyboard.type(" ");
  result.ghost = await waitFor(
    async () => {
      const ghost = page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text");
      return (await ghost.count()) > 0 ? (await ghost.allInnerTexts()).join("\n") || "(shown)" : null;
    },
    config.ghostTimeoutMs,
    "ghost text",
  );
  await page.screenshot({ path: `${config.out}/ghost.png` });
  step("ghost text");
  await page.keyboard.press("Tab");
  await page.waitForTimeout(500);
  result.accepted = (await page.locator(".monaco-editor .view-lines").first().innerText()).replace(/\u00a0/g, " ");
  step("accepted");

  await page.keyboard.press("Escape");

  // A jump into a long file with a 50 ms budget: the first answer cannot be ready. The server
  // announces ubiq/completionReady once the full prompt is prepared, the extension asks again
  // (the cursor has not moved, nothing is typed), and the ghost text shows.
  await editSettings(JSON.stringify({ ...JSON.parse(original), "ubiq.completion.timeBudgetMs": 50 }, null, 2));
  await openFile(page, config.longFile);
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+G");
  await page.keyboard.type(String(config.longLine));
  await page.keyboard.press("Enter");
  await page.keyboard.press("Home");
  await page.keyboard.press("Shift+End");
  await page.keyboard.press("Delete");
  await page.keyboard.type("r");
  // The extension logs each time it asks again; whether the model then says anything within 50 ms
  // is the model's business.
  result.ready = await waitFor(
    async () => ubiqLog(config.logs).split("\n").find((line) => line.includes("asking again")) ?? null,
    config.ghostTimeoutMs,
    "the extension to ask again after ubiq/completionReady",
  );
  await page.screenshot({ path: `${config.out}/ready.png` });
  step("asked again after completionReady");
  await page.keyboard.press("Escape");
  await editSettings(original);

  await runCommand(page, "Ubiq: Show ER Model");
  result.er = await waitFor(
    async () => {
      for (const frame of page.frames()) {
        const rendered = await frame.evaluate(() => document.body?.dataset?.rendered ?? null).catch(() => null);
        if (rendered) {
          const svg = await frame.evaluate(() => document.querySelector("#diagram svg")?.outerHTML.length ?? 0);
          const source = await frame.evaluate(() => document.getElementById("source")?.textContent ?? "");
          return { rendered, svg, source };
        }
      }
      return null;
    },
    60_000,
    "the ER webview",
  );
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `${config.out}/er.png` });
  step("er view");

  await openFile(page, config.module);
  await runCommand(page, "Ubiq: Generate Tests for This File");
  // The test file's tab, or the server's message that the (tiny) model kept no test.
  result.tests = await waitFor(
    async () => {
      if ((await page.locator(".tab", { hasText: config.testFile }).count()) > 0) return { written: true };
      const toast = page.locator(".notification-toast", { hasText: "could not generate tests" });
      return (await toast.count()) > 0 ? { written: false, message: await toast.first().innerText() } : null;
    },
    config.genTimeoutMs,
    "the generated tests",
  );
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `${config.out}/tests.png` });
  step("tests");
}

/** The text of the editor whose lines contain `marker` (the DOM holds the visible lines only). */
async function editorText(page, marker) {
  const editor = page.locator(".monaco-editor .view-lines", { hasText: marker }).first();
  return (await editor.innerText().catch(() => "")).replace(/\u00a0/g, " ");
}

/** Ubiq: Write SQL on a `# question` line: the server's edit puts the query below it in the
 * editor (unsaved), Ctrl+Z takes it away; Ubiq: Explain This SQL opens the plan as Markdown. */
async function sqlSteps(page) {
  await page.locator(".monaco-editor .view-lines").first().click();
  const goToLine = async (line) => {
    await page.keyboard.press("Control+G");
    await page.keyboard.type(String(line));
    await page.keyboard.press("Enter");
  };
  await goToLine(config.questionLine);
  const before = await editorText(page, config.question);
  await runCommand(page, "Ubiq: Write SQL for the Comment or Selection");
  const written = await waitFor(
    async () => {
      const text = await editorText(page, config.question);
      if (/\bSELECT\b/i.test(text)) return { written: true, text };
      const toast = page.locator(".notification-toast", { hasText: "wrote no SQL" });
      return (await toast.count()) > 0 ? { written: false, message: await toast.first().innerText() } : null;
    },
    config.writeTimeoutMs,
    "the SQL written below the question",
  );
  result.sqlWrite = { before, ...written };
  await page.screenshot({ path: `${config.out}/sql-write.png` });
  step("sql write");
  if (written.written) {
    await page.keyboard.press("Control+Z");
    result.sqlWrite.undone = await waitFor(
      async () => {
        const text = await editorText(page, config.question);
        return /\bSELECT\b/i.test(text) ? null : text;
      },
      10_000,
      "Ctrl+Z to take the SQL away",
    );
    step("sql undo");
  }

  await openFile(page, config.explainFile);
  await page.locator(".monaco-editor .view-lines").first().click();
  await goToLine(config.explainLine);
  await runCommand(page, "Ubiq: Explain This SQL");
  result.sqlExplain = await waitFor(
    async () => {
      const tab = page.locator(".tab", { hasText: "Untitled" });
      const text = await editorText(page, "Query plan");
      return (await tab.count()) > 0 && text ? { tab: await tab.first().innerText(), text } : null;
    },
    config.explainTimeoutMs,
    "the plan as a Markdown document",
  );
  await page.screenshot({ path: `${config.out}/sql-explain.png` });
  step("sql explain");
}

/** Ubiq: Show Context Map (DDD) opens the map in the ER webview; Ubiq: Ask About the Domain Model
 * takes a question in an input box and opens the answer, with its citations, as Markdown. */
async function dddSteps(page) {
  await runCommand(page, "Ubiq: Show Context Map (DDD)");
  result.contextMap = await waitFor(
    async () => {
      const tab = page.locator(".tab", { hasText: "context map" });
      return (await tab.count()) > 0 ? { tab: await tab.first().innerText() } : null;
    },
    60_000,
    "the context map's tab",
  );
  await page.screenshot({ path: `${config.out}/context-map.png` });
  step("context map");
  await runCommand(page, "Ubiq: Ask About the Domain Model (DDD)");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(config.question);
  await page.keyboard.press("Enter");
  result.answer = await waitFor(
    async () => {
      const tab = page.locator(".tab", { hasText: "Untitled" });
      const text = await editorText(page, config.question);
      return (await tab.count()) > 0 && text ? { tab: await tab.first().innerText(), text } : null;
    },
    60_000,
    "the answer as a Markdown document",
  );
  await page.screenshot({ path: `${config.out}/domain-answer.png` });
  step("domain answer");
}

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${config.url}/?folder=${encodeURIComponent(config.folder)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
  step("workbench");

  await openFile(page, config.file);
  step("file open");

  const item = page.locator(".statusbar-item", { hasText: "Ubiq" }).first();
  result.status = await waitFor(async () => {
    const icons = await item.locator(".codicon").evaluateAll((nodes) => nodes.map((n) => n.className)).catch(() => []);
    const text = await item.innerText().catch(() => "");
    if (icons.some((c) => c.includes("codicon-error"))) throw new Error(`Ubiq status: ${text}`);
    return icons.some((c) => /codicon-(check|warning)\b/.test(c)) ? text : null;
  }, config.modelTimeoutMs, "the model in the status bar");
  step("model ready");

  if (config.scenario === "sql") {
    await sqlSteps(page);
  } else if (config.scenario === "ddd") {
    await dddSteps(page);
  } else {
    await editorSteps(page, item);
  }
} catch (error) {
  result.error = String(error?.stack ?? error);
  await browser.contexts()[0]?.pages()[0]?.screenshot({ path: `${config.out}/failure.png` }).catch(() => {});
} finally {
  writeFileSync(config.result, JSON.stringify(result, null, 2));
  await browser.close();
}
