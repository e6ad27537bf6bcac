"""`ubiq doctor`: load the configured model, measure it, and say what to fix."""

from __future__ import annotations

import argparse
import json
import time

from rich.table import Table

from lsp_server.cli.common import add_model_flags, load_model, settings_from_args, table_console
from lsp_server.engine.backend import CompletionRequest, ModelInfo

# A realistic completion prompt: ~200 tokens of Python, then a short generation.
_PROBE = '''import json
from dataclasses import dataclass, field


@dataclass
class Invoice:
    """A customer invoice with line items."""

    number: str
    customer: str
    items: list[tuple[str, int, float]] = field(default_factory=list)

    def add(self, name: str, quantity: int, price: float) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.items.append((name, quantity, price))

    def total(self) -> float:
        return sum(quantity * price for _, quantity, price in self.items)

    def to_json(self) -> str:
        return json.dumps({"number": self.number, "customer": self.customer, "total": self.total()})


def load_invoices(path: str) -> list[Invoice]:
'''


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("doctor", help="load the model, measure its speed, report what to fix")
    add_model_flags(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    start = time.monotonic()
    backend = load_model(settings)
    load_s = time.monotonic() - start
    with backend:
        info = backend.info()
        result = backend.complete(CompletionRequest(prompt=_PROBE, max_tokens=32))
        cache = backend.cache_report()
    s = result.stats
    prompt_tps = s.evaluated_tokens / (s.prompt_ms / 1000) if s.prompt_ms else 0.0
    gen_tps = s.generated_tokens / (s.generation_ms / 1000) if s.generation_ms else 0.0
    advice = []
    if not info.fim:
        advice.append(
            "this model has no fill-in-the-middle tokens: completions ignore the text after "
            "the cursor; install the default pack: pip install 'ubiq[default]'"
        )
    if gen_tps and gen_tps < 8:
        advice.append(
            "generation is slow (< 8 tok/s): try a smaller model, fewer threads if the "
            "machine is busy, or model.gpuLayers if you have a GPU"
            if info.backend == "local"
            else "generation is slow (< 8 tok/s): the server is busy or too small for its model"
        )
    if info.gpu_layers and info.gpu_offload is False:
        advice.append(
            "model.gpuLayers is set but this llama-cpp-python build has no GPU support, so the model "
            'runs on the CPU: reinstall it with CMAKE_ARGS="-DGGML_CUDA=on" (README: On a GPU)'
        )
    advice += info.server.get("notes", [])
    report = {
        "model": info.to_dict(),
        "load_seconds": round(load_s, 2),
        "prompt_tokens_per_second": round(prompt_tps, 1),
        "generation_tokens_per_second": round(gen_tps, 1),
        "probe": s.to_dict(),
        "kv_cache": cache,
        "advice": advice,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    table = Table(title="ubiq doctor", show_header=False)
    table.add_column(style="bold", overflow="fold")
    table.add_column(overflow="fold")  # paths and model names stay whole in logs
    rows = [
        ("model", f"{info.name} ({info.architecture})" if info.architecture else info.name),
        ("file" if info.backend == "local" else "server", info.path),
        ("chosen by", info.source),
        ("fill-in-the-middle", "yes" if info.fim else "no (prefix-only completion)"),
        ("context", f"{info.context_size} tokens (trained: {info.trained_context or '?'})"),
        *(_local_rows(info) if info.backend == "local" else _server_rows(info.server)),
        ("load time" if info.backend == "local" else "connect and detect", f"{load_s:.1f} s"),
        ("prompt speed", f"{prompt_tps:.0f} tok/s ({s.evaluated_tokens} tokens)"),
        ("generation speed", f"{gen_tps:.0f} tok/s ({s.generated_tokens} tokens)"),
        *_cache_rows(cache),
    ]
    for row in rows:
        table.add_row(*row)
    console = table_console()
    console.print(table)
    for line in advice or ["all good"]:
        console.print(f"- {line}", markup=False)
    return 0


def _cache_rows(cache: dict) -> list[tuple[str, str]]:
    """KV-cache reuse: what a jump or a file switch can keep, and the memory it may use."""
    if not cache:
        return []
    if not cache["reuse"]:
        return [("KV-cache reuse", "off (model.cacheReuse): only a common prompt prefix is kept")]
    spans = "shifted spans and " if cache["shift"] else ""
    return [
        ("KV-cache reuse", f"{spans}saved states of recently used files"),
        (
            "  saved states",
            f"{cache['memory_used_mb']} of {cache['memory_bound_mb']} MB (model.cacheMemoryMb)",
        ),
        (
            "  files read ahead",
            f"{cache['read_used_mb']} of {cache['read_bound_mb']} MB (model.readAheadMb)"
            if cache["read_bound_mb"]
            else "off (model.readAheadMb is 0, or model.cacheReuse is off)",
        ),
    ]


def _local_rows(info: ModelInfo) -> list[tuple[str, str]]:
    return [
        ("threads", f"{info.threads} generating, {info.threads_batch} for prompts"),
        ("GPU", _gpu_row(info)),
        *[
            (
                f"  measured, {n} threads",
                f"prompt {v['prompt']:.0f} tok/s, generation {v['generation']:.0f} tok/s",
            )
            for n, v in info.thread_timings.items()
        ],
    ]


def _gpu_row(info: ModelInfo) -> str:
    build = "this build can offload" if info.gpu_offload else "this build is CPU-only"
    if not info.gpu_layers:
        return f"not used (model.gpuLayers 0); {build}"
    layers = "all layers" if info.gpu_layers < 0 else f"{info.gpu_layers} layers"
    return f"{layers} offloaded" if info.gpu_offload else f"{layers} asked, but {build}: CPU"


def _server_rows(server: dict) -> list[tuple[str, str]]:
    """What the remote backend found out about its server at start."""
    fim = server.get("fim_format") or "none"
    return [
        (
            "API",
            server.get("api", "?")
            + (f" (model owned by {server['owned_by']})" if server.get("owned_by") else ""),
        ),
        ("endpoints", ", ".join(server.get("endpoints", ()))),
        ("FIM format", "llama-server /infill" if fim == "infill" else fim),
        (
            "token counts",
            f"{server['tokenizer']}" if server.get("tokenizer") else "estimated from text length",
        ),
        ("parallel slots", str(server.get("slots") or "?")),
        ("structured output", server.get("schema_form", "?")),
    ]
