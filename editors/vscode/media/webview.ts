// The ER webview's script: renders the Mermaid text with the bundled mermaid (nothing is fetched).
import mermaid from "mermaid";

interface Model {
  text: string;
  warnings: string[];
}

async function main(): Promise<void> {
  const model = JSON.parse(document.getElementById("model")?.textContent ?? "{}") as Model;
  const source = document.getElementById("source") as HTMLElement;
  const target = document.getElementById("diagram") as HTMLElement;
  const error = document.getElementById("error") as HTMLElement;
  const warnings = document.getElementById("warnings") as HTMLElement;
  source.textContent = model.text;
  for (const warning of model.warnings ?? []) {
    const item = document.createElement("li");
    item.textContent = warning;
    warnings.appendChild(item);
  }
  const dark = document.body.classList.contains("vscode-dark") || document.body.classList.contains("vscode-high-contrast");
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
  try {
    const { svg } = await mermaid.render("ubiq-er", model.text);
    target.innerHTML = svg;
    document.body.dataset.rendered = "true";
  } catch (problem) {
    error.textContent = `Mermaid could not render the diagram: ${problem instanceof Error ? problem.message : String(problem)}`;
    document.body.dataset.rendered = "error";
  }
}

void main();
