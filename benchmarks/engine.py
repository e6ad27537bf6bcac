"""Engine benchmark: prompt and generation tokens/s for 1 and 2 threads, and Ubiq's overhead
against a direct `llama_cpp.Llama` call on the same prompt, measured in the same run.

    python benchmarks/engine.py [--model PACK_OR_PATH ...] [--runs N] [--threads 1 2]

Each run prepends a distinct first line so that neither side can reuse its KV cache; raw and
Ubiq runs alternate so machine noise hits both alike. Medians are printed.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import time

import llama_cpp

from lsp_server.config import ModelSettings
from lsp_server.engine.backend import CompletionRequest
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.resolve import resolve_model

MAX_TOKENS = 32


def prompt_text() -> str:
    """About 450 tokens of real code (not ours), ending mid-function so generation keeps going."""
    import json.decoder as source

    text = inspect.getsource(source)
    return text[:1500]


def raw_run(llm: llama_cpp.Llama, prompt: str) -> dict:
    tokens = llm.tokenize(prompt.encode(), add_bos=True)
    llm.reset()
    start = time.perf_counter()
    llm.eval(tokens)
    prompt_s = time.perf_counter() - start
    llm.reset()
    start = time.perf_counter()
    out = llm.create_completion(prompt, max_tokens=MAX_TOKENS, temperature=0.0)
    total_s = time.perf_counter() - start
    generated = out["usage"]["completion_tokens"]
    gen_s = max(total_s - prompt_s, 1e-9)
    return {
        "prompt_tps": len(tokens) / prompt_s,
        "gen_tps": generated / gen_s,
        "total_s": total_s,
        "tokens": len(tokens),
        "generated": generated,
    }


def ubiq_run(backend: LocalBackend, prompt: str) -> dict:
    start = time.perf_counter()
    result = backend.complete(CompletionRequest(prompt=prompt, max_tokens=MAX_TOKENS))
    total_s = time.perf_counter() - start
    s = result.stats
    return {
        "prompt_tps": s.evaluated_tokens / (s.prompt_ms / 1000),
        "gen_tps": s.generated_tokens / (s.generation_ms / 1000),
        "total_s": total_s,
        "tokens": s.prompt_tokens,
        "generated": s.generated_tokens,
        "evaluated": s.evaluated_tokens,
    }


def bench(spec: str, threads: int, runs: int) -> dict:
    model = resolve_model(spec)
    raw = llama_cpp.Llama(
        model_path=str(model.path),
        n_ctx=4096,
        n_batch=128,
        n_ubatch=128,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    ubiq = LocalBackend(model, ModelSettings(threads=threads, context_size=4096, batch_size=128))
    base = prompt_text()
    raw_runs, ubiq_runs = [], []
    try:
        raw_run(raw, "# warm-up\n" + base)
        ubiq_run(ubiq, "# warm-up\n" + base)
        for i in range(runs):
            raw_runs.append(raw_run(raw, f"# raw run {i}\n" + base))
            ubiq_runs.append(ubiq_run(ubiq, f"# ubiq run {i}\n" + base))
    finally:
        ubiq.close()
        raw.close()

    def med(rows: list[dict], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    return {
        "model": model.gguf.name,
        "threads": threads,
        "prompt_tokens": raw_runs[0]["tokens"],
        "generated": (raw_runs[0]["generated"], ubiq_runs[0]["generated"]),
        "ubiq_evaluated": ubiq_runs[0]["evaluated"],
        "raw_prompt_tps": med(raw_runs, "prompt_tps"),
        "raw_gen_tps": med(raw_runs, "gen_tps"),
        "ubiq_prompt_tps": med(ubiq_runs, "prompt_tps"),
        "ubiq_gen_tps": med(ubiq_runs, "gen_tps"),
        "raw_total_s": med(raw_runs, "total_s"),
        "ubiq_total_s": med(ubiq_runs, "total_s"),
        "overhead_ratio": med(ubiq_runs, "total_s") / med(raw_runs, "total_s"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", action="append", help="model pack or GGUF path (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [
        bench(spec, t, args.runs)
        for spec in (args.model or ["smollm2-135m", "qwen2.5-coder-0.5b"])
        for t in args.threads
    ]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'model':34} {'thr':>3} {'prompt':>6} {'raw p/s':>8} {'ubiq p/s':>8} {'raw g/s':>8} "
        f"{'ubiq g/s':>8} {'raw s':>6} {'ubiq s':>6} {'ubiq/raw':>8}"
    )
    for r in results:
        print(
            f"{r['model'][:34]:34} {r['threads']:>3} {r['prompt_tokens']:>6} {r['raw_prompt_tps']:>8.1f} "
            f"{r['ubiq_prompt_tps']:>8.1f} {r['raw_gen_tps']:>8.1f} {r['ubiq_gen_tps']:>8.1f} "
            f"{r['raw_total_s']:>6.2f} {r['ubiq_total_s']:>6.2f} {r['overhead_ratio']:>8.3f}"
        )
    print(f"(generated tokens raw/ubiq: {[r['generated'] for r in results]}; medians of {args.runs} runs)")


if __name__ == "__main__":
    main()
