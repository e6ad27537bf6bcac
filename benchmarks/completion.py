"""Completion benchmarks through the real language server over stdio.

1. Typing replay: a real Python file we did not write is opened, the cursor placed on a starting
   line until the full prompt there is ready (unless --cold), and the rest is "typed" from there,
   one character at a time (didChange + inlineCompletion per keystroke, realistic pauses, requests
   overlapping as in an editor). Reports latency p50/p95, prompt tokens evaluated per request
   p50/p95, context tokens in the prompt, and the share of requests served without a model call.
2. Overhead: a shorter sequential replay whose model calls are logged (token ids); the same token
   sequences are then run through a direct llama-cpp-python `Llama.generate` (which also reuses its
   KV cache for the common prefix) generating the same number of tokens. Ratio = Ubiq end-to-end
   latency ÷ raw latency, over the same prompts, measured in the same run.
3. Peer (with `--peer-url`): the same keystrokes sent to a running llama.cpp `llama-server`'s
   `/infill` the way llama.vim sends them (256 lines of prefix, 64 of suffix, the current line as
   `prompt`, `cache_prompt`), one request per keystroke; its own `timings` give the tokens it
   evaluated. Start it with the same model and threads, e.g.
   `llama-server -m MODEL.gguf -t 1 -c 4096 --port 8012`.

    python benchmarks/completion.py [--model PACK] [--file PATH] [--start-line N] [--lines N]
                                    [--peer-url http://127.0.0.1:8012]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parent.parent


def default_file() -> Path:
    import textwrap

    return Path(inspect.getsourcefile(textwrap))


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Session:
    """A real server process and a pygls client talking to it."""

    def __init__(
        self,
        model: str,
        threads: int,
        prompt_log: str | None = None,
        options: dict | None = None,
        server_log: str | None = None,
    ) -> None:
        self.env = {**os.environ, "UBIQ_MODEL": model, "UBIQ_THREADS": str(threads)}
        if prompt_log:
            self.env["UBIQ_PROMPT_LOG"] = prompt_log
        self.options = options if options is not None else {"completion": {"timeBudgetMs": 5000}}
        self.client = LanguageClient("ubiq-bench", "1")
        self.version = 1
        self.log_args = ["-v", "--log-file", server_log] if server_log else []

    async def __aenter__(self) -> Session:
        await self.client.start_io(sys.executable, "-m", "lsp_server", *self.log_args, "serve", env=self.env)
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=REPO.as_uri(),
                initialization_options=self.options,
            )
        )
        self.client.initialized(types.InitializedParams())
        while "name" not in (await self.stats())["model"]:
            await asyncio.sleep(0.1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await asyncio.sleep(0.5)
        await self.client.stop()

    async def stats(self, reset: bool = False) -> dict:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="ubiq.stats", arguments=[{"reset": reset}])
        )

    def open(self, uri: str, text: str) -> None:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )

    def type_char(self, uri: str, line: int, col: int, ch: str) -> None:
        self.version += 1
        at = types.Position(line=line, character=col)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=ch)
                ],
            )
        )

    async def inline(self, uri: str, line: int, col: int) -> tuple[float, str]:
        start = time.perf_counter()
        result = await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=col),
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
            )
        )
        items = list(result.items) if result else []
        return (time.perf_counter() - start) * 1000, items[0].insert_text if items else ""


def keystrokes(lines: list[str], start: int, count: int) -> list[tuple[int, int, str]]:
    """(line, column, character) for typing lines[start:start+count], newline included."""
    strokes = []
    for i, line in enumerate(lines[start : start + count]):
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip():
            strokes.append((start + i, 0, "\n"))
            continue
        # Editors auto-indent: the indentation arrives with the newline, the user types the rest.
        strokes.append((start + i, 0, " " * indent))
        for col, ch in enumerate(line[indent:], start=indent):
            strokes.append((start + i, col, ch))
        strokes.append((start + i, len(line), "\n"))
    return strokes


async def typing_replay(args: argparse.Namespace, lines: list[str]) -> dict:
    uri = (REPO / "bench_typing.py").as_uri()
    async with Session(args.model, args.threads) as session:
        session.open(uri, "".join(line + "\n" for line in lines[: args.start_line]))
        if not args.cold:
            await settle(session, uri, args.start_line)
        await session.stats(reset=True)
        pending: list[asyncio.Task] = []
        for line, col, text in keystrokes(lines, args.start_line, args.lines):
            session.type_char(uri, line, col, text)
            cursor = (line + 1, 0) if text == "\n" else (line, col + len(text))
            pending.append(asyncio.ensure_future(session.inline(uri, *cursor)))
            await asyncio.sleep((args.pause_ms * (4 if text == "\n" else 1)) / 1000)
        results = await asyncio.gather(*pending)
        data = await session.stats()
        info = data["model"]
    latencies = [ms for ms, _ in results]
    return {
        "model": info["name"],
        "threads": info["threads"],
        "requests": data["requests"],
        "model_calls": data["model_calls"],
        "typed_ahead_hits": data["typed_ahead_hits"],
        "cache_hits": data["cache_hits"],
        "cancelled": data["cancelled"],
        "served_without_model": data["served_without_model"] / max(data["requests"], 1),
        "server_latency_ms": data["latency_ms"],
        "client_latency_ms": {"p50": pct(latencies, 0.5), "p95": pct(latencies, 0.95)},
        "evaluated_tokens": data["evaluated_tokens"],
        "prompt_tokens": data["prompt_tokens"],
        "cached_tokens": data["cached_tokens"],
        "shown": sum(1 for _, text in results if text),
    }


async def settle(session: Session, uri: str, line: int) -> None:
    """The user opened the file and placed the cursor before typing: ask there until the answer
    comes from the full prompt (a quick answer first, while it is prepared in the background)."""
    for _ in range(20):
        before = (await session.stats())["quick"]
        await session.inline(uri, line, 0)
        data = await session.stats()
        if data["quick"] == before and data["cache_hits"] == 0 and not data["preparing"]:
            return
        while (await session.stats())["preparing"]:
            await asyncio.sleep(0.1)
        await session.stats(reset=True)
    raise RuntimeError("the full prompt was never ready")


async def type_awaited(
    session: Session, uri: str, lines: list[str], start: int, count: int, settled: bool = False
) -> list[float]:
    """Type lines[start:start+count] with each keystroke's request awaited before the next one;
    the end-to-end latency of each request that reached the model."""
    session.open(uri, "".join(line + "\n" for line in lines[:start]))
    if settled:
        await settle(session, uri, start)
    latencies = []
    for line, col, text in keystrokes(lines, start, count):
        session.type_char(uri, line, col, text)
        cursor = (line + 1, 0) if text == "\n" else (line, col + len(text))
        before = (await session.stats())["model_calls"]
        ms, _ = await session.inline(uri, *cursor)
        if (await session.stats())["model_calls"] > before:
            latencies.append(ms)
    return latencies


async def sequential(
    args: argparse.Namespace,
    lines: list[str],
    log: str | None,
    quick_first: bool = False,
    count: int | None = None,
) -> list[float]:
    """Keystrokes awaited one by one; returns the end-to-end latency of each model call. With
    quick answers and early first lines off, each request does all the work it logs, the same
    work the raw replay repeats; with them on, what the user waits for is measured."""
    options = {"completion": {"timeBudgetMs": 5000, "quickFirst": quick_first}}
    async with Session(args.model, args.threads, prompt_log=log, options=options) as session:
        uri = (REPO / "bench_overhead.py").as_uri()
        return await type_awaited(
            session, uri, lines, args.start_line, count or args.overhead_lines, settled=quick_first
        )


def raw_replay(args: argparse.Namespace, log: str) -> list[float]:
    """The same token sequences through llama-cpp-python directly: reuse the KV cache for the
    common prefix (as any engine must), evaluate the rest, sample greedily the same number of
    tokens. The minimum work for these prompts, with no Ubiq code in the loop."""
    import llama_cpp

    from lsp_server.engine.resolve import resolve_model

    entries = [json.loads(line) for line in Path(log).read_text().splitlines()]
    model = resolve_model(args.model)
    llm = llama_cpp.Llama(
        model_path=str(model.path),
        n_ctx=4096,
        n_batch=128,
        n_ubatch=128,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        verbose=False,
    )
    latencies = []
    for entry in entries:
        tokens, wanted = entry["tokens"], entry["stats"]["generated_tokens"]
        start = time.perf_counter()
        have = llm.input_ids[: llm.n_tokens].tolist()
        common = 0
        while common < min(len(have), len(tokens) - 1) and have[common] == tokens[common]:
            common += 1
        llm._ctx.kv_cache_seq_rm(-1, common, -1)
        llm.n_tokens = common
        llm.eval(tokens[common:])
        llm._sampler = llm._init_sampler(temp=0.0)
        for _ in range(wanted):
            llm.eval([llm.sample()])
        llm._sampler = None
        latencies.append((time.perf_counter() - start) * 1000)
    llm.close()
    return latencies


def peer_replay(args: argparse.Namespace, lines: list[str]) -> dict:
    """llama.vim's request shape against llama-server, keystroke by keystroke."""
    import urllib.request

    doc = lines[: args.start_line] + [""]
    latencies, evaluated, cached = [], [], []
    for line, col, text in keystrokes(lines, args.start_line, args.lines):
        if text == "\n":
            doc.insert(line + 1, "")
            cur_line, cur_col = line + 1, 0
        else:
            doc[line] = doc[line][:col] + text + doc[line][col:]
            cur_line, cur_col = line, col + len(text)
        current = doc[cur_line]
        body = {
            "input_prefix": "".join(x + "\n" for x in doc[max(0, cur_line - 256) : cur_line]),
            "input_suffix": current[cur_col:]
            + "\n"
            + "".join(x + "\n" for x in doc[cur_line + 1 : cur_line + 65]),
            "input_extra": [],
            "prompt": current[:cur_col],
            "n_predict": 128,
            "top_k": 40,
            "top_p": 0.99,
            "stream": False,
            "samplers": ["top_k", "top_p", "infill"],
            "cache_prompt": True,
            "t_max_prompt_ms": 500,
            "t_max_predict_ms": 1000,
        }
        request = urllib.request.Request(
            args.peer_url.rstrip("/") + "/infill",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        latencies.append((time.perf_counter() - start) * 1000)
        timings = answer.get("timings", {})
        evaluated.append(timings.get("prompt_n", 0))
        cached.append(answer.get("tokens_cached", 0))
    return {
        "requests": len(latencies),
        "latency_ms": {"p50": pct(latencies, 0.5), "p95": pct(latencies, 0.95)},
        "evaluated_tokens": {"p50": pct(evaluated, 0.5), "p95": pct(evaluated, 0.95)},
        "cached_tokens": {"p50": pct(cached, 0.5), "p95": pct(cached, 0.95)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=1, help="same for Ubiq and the raw baseline")
    parser.add_argument(
        "--file", type=Path, default=None, help="a real Python file (default: stdlib textwrap)"
    )
    parser.add_argument("--start-line", type=int, default=300)
    parser.add_argument("--lines", type=int, default=12, help="lines typed in the replay")
    parser.add_argument("--overhead-lines", type=int, default=2, help="lines typed in the overhead run")
    parser.add_argument("--pause-ms", type=int, default=120, help="pause between keystrokes")
    parser.add_argument(
        "--cold", action="store_true", help="type at once after opening (no pause for the prompt to be ready)"
    )
    parser.add_argument("--peer-url", default=None, help="a llama-server to replay against (/infill)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    path = args.file or default_file()
    lines = path.read_text().splitlines()

    replay = asyncio.run(typing_replay(args, lines))
    with tempfile.TemporaryDirectory() as tmp:
        log = str(Path(tmp) / "prompts.jsonl")
        ubiq_ms = asyncio.run(sequential(args, lines, log))
        raw_ms = raw_replay(args, log)
    first_ms = asyncio.run(sequential(args, lines, None, quick_first=True))
    overhead = {
        "model_calls": len(ubiq_ms),
        "ubiq_total_ms": sum(ubiq_ms),
        "raw_total_ms": sum(raw_ms),
        "ratio": sum(ubiq_ms) / sum(raw_ms) if raw_ms else 0.0,
        "ubiq_p50_ms": statistics.median(ubiq_ms) if ubiq_ms else 0.0,
        "raw_p50_ms": statistics.median(raw_ms) if raw_ms else 0.0,
        # the same keystrokes with a block's first line shown at once (completion.quickFirst)
        "first_line_p50_ms": statistics.median(first_ms) if first_ms else 0.0,
    }
    report = {"file": str(path), "start_line": args.start_line, "typing_replay": replay, "overhead": overhead}
    if args.peer_url:
        peer = peer_replay(args, lines)
        peer["latency_ratio_p50"] = replay["client_latency_ms"]["p50"] / max(peer["latency_ms"]["p50"], 1e-9)
        # The peer's keystrokes are each awaited: so are Ubiq's here, the same ones (first lines
        # first, as users get them); typed-ahead keystrokes, served without the model, left out.
        awaited = asyncio.run(sequential(args, lines, None, quick_first=True, count=args.lines))
        peer["awaited_model_calls"] = len(awaited)
        peer["awaited_p50_ms"] = statistics.median(awaited) if awaited else 0.0
        peer["awaited_ratio_p50"] = peer["awaited_p50_ms"] / max(peer["latency_ms"]["p50"], 1e-9)
        report["peer"] = peer
    if args.json:
        print(json.dumps(report, indent=2))
        return
    r = replay
    print(
        f"file {path} from line {args.start_line}, {args.lines} lines typed; model {r['model']}, "
        f"{r['threads']} thread(s)"
    )
    print(
        f"requests {r['requests']}, model calls {r['model_calls']}, typed-ahead {r['typed_ahead_hits']}, "
        f"LRU {r['cache_hits']}, cancelled {r['cancelled']}, suggestions shown {r['shown']}"
    )
    print(f"served without a model call: {r['served_without_model']:.1%}")
    print(
        f"prompt tokens (context) p50/p95: {r['prompt_tokens']['p50']:.0f} / {r['prompt_tokens']['p95']:.0f}"
    )
    print(
        f"tokens evaluated per request p50/p95: {r['evaluated_tokens']['p50']:.0f} / "
        f"{r['evaluated_tokens']['p95']:.0f}"
    )
    print(
        f"server latency ms p50/p95: {r['server_latency_ms']['p50']:.0f} / "
        f"{r['server_latency_ms']['p95']:.0f};"
        f" client-side p50/p95: {r['client_latency_ms']['p50']:.0f} / {r['client_latency_ms']['p95']:.0f}"
    )
    o = overhead
    print(
        f"overhead over {o['model_calls']} model calls: Ubiq end-to-end {o['ubiq_total_ms']:.0f} ms vs raw "
        f"llama-cpp-python {o['raw_total_ms']:.0f} ms on the same prompts: ratio {o['ratio']:.3f}"
    )
    print(
        f"awaited keystrokes, latency p50: whole answers {o['ubiq_p50_ms']:.0f} ms, first line first "
        f"{o['first_line_p50_ms']:.0f} ms (ratio {o['first_line_p50_ms'] / max(o['ubiq_p50_ms'], 1e-9):.2f})"
    )
    if "peer" in report:
        p = report["peer"]
        print(
            f"peer llama-server /infill ({p['requests']} requests, llama.vim's shape): tokens evaluated "
            f"p50/p95 {p['evaluated_tokens']['p50']:.0f} / {p['evaluated_tokens']['p95']:.0f}, latency ms "
            f"p50/p95 {p['latency_ms']['p50']:.0f} / {p['latency_ms']['p95']:.0f}; "
            f"Ubiq client p50 ÷ peer p50 = {p['latency_ratio_p50']:.2f}"
        )
        print(
            f"the same keystrokes awaited one by one in Ubiq ({p['awaited_model_calls']} model calls, "
            f"first lines first): latency p50 {p['awaited_p50_ms']:.0f} ms; "
            f"÷ peer p50 = {p['awaited_ratio_p50']:.2f}"
        )


if __name__ == "__main__":
    main()
