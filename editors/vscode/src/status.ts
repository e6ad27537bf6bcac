// The status-bar item: the model's state (starting / loading / ready with tokens per second / slow /
// error), from polling `ubiq.stats`; clicking it opens the log.
import * as vscode from "vscode";

/** Below this many generated tokens per second, ghost text feels late. */
const SLOW_TOKENS_PER_SECOND = 5;

export interface ModelState {
  state?: string;
  message?: string;
  name?: string;
  threads?: number;
  thread_timings?: Record<string, { prompt?: number; generation?: number }>;
}

export class ModelStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("ubiq.model", vscode.StatusBarAlignment.Right, 100);
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by stop(), so that a poll still in flight does not schedule another. */
  private generation = 0;

  constructor(private readonly query: () => Promise<ModelState | undefined>) {
    this.item.name = "Ubiq model";
    this.item.command = "ubiq.client.showLog";
    this.show("$(sync~spin) Ubiq", "Ubiq: starting the server");
    this.item.show();
  }

  /** Poll the server: often while the model loads, rarely once it is ready. */
  start(): void {
    this.stop();
    const generation = this.generation;
    const tick = (): void => {
      void this.refresh().then((ready) => {
        if (generation === this.generation) {
          this.timer = setTimeout(tick, ready ? 30_000 : 1_000);
        }
      });
    };
    this.timer = setTimeout(tick, 500);
  }

  stop(): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Show a state the client knows without asking the server (stopped, failed to start). */
  show(text: string, tooltip: string, error = false): void {
    this.item.text = text;
    this.item.tooltip = `${tooltip}\nClick to open the Ubiq log.`;
    this.item.backgroundColor = error ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  /** Ask the server for the model's state; true when the model is ready. */
  async refresh(): Promise<boolean> {
    let model: ModelState | undefined;
    try {
      model = await this.query();
    } catch (error) {
      this.show("$(error) Ubiq", `Ubiq: ${error instanceof Error ? error.message : String(error)}`, true);
      return false;
    }
    if (!model) {
      return false;
    }
    if (model.name) {
      const speed = model.thread_timings?.[String(model.threads)]?.generation;
      const slow = speed !== undefined && speed < SLOW_TOKENS_PER_SECOND;
      const rate = speed !== undefined ? ` · ${speed.toFixed(0)} tok/s` : "";
      this.show(
        `${slow ? "$(warning)" : "$(check)"} Ubiq: ${model.name}${rate}`,
        `Ubiq: ${model.name} is ready${rate}${slow ? " (slow: try a smaller model or more threads)" : ""}`,
      );
      this.item.backgroundColor = slow ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
      return true;
    }
    const message = model.message ? `: ${model.message}` : "";
    if (model.state === "error") {
      this.show("$(error) Ubiq: model error", `Ubiq: the model could not be loaded${message}`, true);
    } else if (model.state === "loading") {
      this.show(`$(sync~spin) Ubiq: loading${message}`, `Ubiq: loading the model${message}`);
    } else {
      this.show(`$(circle-outline) Ubiq: ${model.state ?? "no model"}`, `Ubiq: no model loaded${message}`);
    }
    return false;
  }

  dispose(): void {
    this.stop();
    this.item.dispose();
  }
}
