"""In-process vs team server: the same model and the same typing replay as benchmarks/completion.py,
once with the model in the language server's process and once through the remote backend.

The replay (a real stdlib file typed character by character through the real server over stdio,
requests overlapping as in an editor) is imported from completion.py, not copied. Reports client
latency p50/p95 for both, the ratio remote ÷ in-process, and prompt tokens evaluated per request.

Give `--url` of a running llama-server started with the same model and threads, e.g.
    llama-server -m MODEL.gguf -t 1 -c 4096 -b 4096 -ub 128 -np 1 --port 8012
(`-b 4096`: /infill keeps at most 3/4 of the batch size of prefix; `-ub 128` is the in-process
engine's batch; `-np 1`: one developer, one slot — with several slots a keystroke arriving while
the slot holding its cached prompt is busy starts over on another slot)
or leave it out and this script starts `python -m llama_cpp.server` itself (the OpenAI-compatible
path; that server does not report tokens evaluated, so those show as 0).

    python benchmarks/remote.py [--model PACK] [--threads N] [--url http://127.0.0.1:8012]
                                [--start-line N] [--lines N] [--pause-ms MS] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

# benchmarks/completion.py, beside this file (run as `python benchmarks/remote.py`)
from completion import REPO, Session, default_file, pct, type_awaited, typing_replay


@contextlib.contextmanager
def own_server(model_path: Path, threads: int) -> Iterator[str]:
    """`python -m llama_cpp.server` with the model, until the block ends."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads), "--n_batch", "128"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for _ in range(600):
                try:
                    with urllib.request.urlopen(url + "/v1/models", timeout=5):
                        break
                except OSError:
                    if proc.poll() is not None:
                        log.seek(0)
                        raise SystemExit(f"llama_cpp.server exited:\n{log.read().decode()[-2000:]}") from None
                    time.sleep(0.5)
            yield url
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


async def one_by_one(args: argparse.Namespace, lines: list[str]) -> dict:
    """Keystrokes awaited one by one, so no request is cancelled by the next: the latency and the
    tokens of each model call (the overlapping replay cancels most calls before they report)."""
    uri = (REPO / "bench_remote.py").as_uri()
    async with Session(args.model, args.threads) as session:
        await session.stats(reset=True)
        latencies = await type_awaited(session, uri, lines, args.start_line, args.sequential_lines)
        data = await session.stats()
    return {
        "model_calls": len(latencies),
        "latency_ms": {"p50": pct(latencies, 0.5), "p95": pct(latencies, 0.95)},
        "evaluated_tokens": data["evaluated_tokens"],
        "prompt_tokens": data["prompt_tokens"],
    }


async def both_replays(args: argparse.Namespace, lines: list[str]) -> dict:
    return {"typing": await typing_replay(args, lines), "one_by_one": await one_by_one(args, lines)}


def replay_with(args: argparse.Namespace, lines: list[str], env: dict[str, str]) -> dict:
    """Both replays with these UBIQ_* variables (the replay's server inherits os.environ)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return asyncio.run(both_replays(args, lines))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument(
        "--threads", type=int, default=1, help="in-process threads (give the server the same)"
    )
    parser.add_argument("--url", default=None, help="a running llama-server with the same model")
    parser.add_argument(
        "--file", type=Path, default=None, help="a real Python file (default: stdlib textwrap)"
    )
    parser.add_argument("--start-line", type=int, default=300)
    parser.add_argument("--lines", type=int, default=12, help="lines typed in the replay")
    parser.add_argument("--pause-ms", type=int, default=120, help="pause between keystrokes")
    parser.add_argument("--sequential-lines", type=int, default=2, help="lines typed one request at a time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    path = args.file or default_file()
    lines = path.read_text().splitlines()

    local = replay_with(args, lines, {"UBIQ_BACKEND": "local"})
    remote_env = {"UBIQ_BACKEND": "remote", "UBIQ_CONTEXT_SIZE": "4096"}
    if args.url:
        remote = replay_with(args, lines, {**remote_env, "UBIQ_URL": args.url})
        server = args.url
    else:
        from lsp_server.engine.resolve import resolve_model

        with own_server(resolve_model(args.model).path, args.threads) as url:
            remote = replay_with(args, lines, {**remote_env, "UBIQ_URL": url})
        server = "python -m llama_cpp.server"
    ratio = {
        replay: {q: remote[replay][key][q] / max(local[replay][key][q], 1e-9) for q in ("p50", "p95")}
        for replay, key in (("typing", "client_latency_ms"), ("one_by_one", "latency_ms"))
    }
    report = {"file": str(path), "server": server, "local": local, "remote": remote, "latency_ratio": ratio}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"file {path} from line {args.start_line}; model {local['typing']['model']}; remote: {server}")
    print(f"typing replay ({args.lines} lines, {args.pause_ms} ms between keystrokes, requests overlapping):")
    for name, r in (("in-process", local["typing"]), ("remote", remote["typing"])):
        print(
            f"  {name:>10}: requests {r['requests']}, model calls {r['model_calls']}, cancelled "
            f"{r['cancelled']}, shown {r['shown']}; latency ms p50/p95 {r['client_latency_ms']['p50']:.0f} / "
            f"{r['client_latency_ms']['p95']:.0f}"
        )
    print(f"one request at a time ({args.sequential_lines} lines):")
    for name, r in (("in-process", local["one_by_one"]), ("remote", remote["one_by_one"])):
        latency, evaluated = r["latency_ms"], r["evaluated_tokens"]
        print(
            f"  {name:>10}: model calls {r['model_calls']}; latency ms p50/p95 {latency['p50']:.0f} / "
            f"{latency['p95']:.0f}; tokens evaluated per request p50/p95 {evaluated['p50']:.0f} / "
            f"{evaluated['p95']:.0f}; prompt tokens p50 {r['prompt_tokens']['p50']:.0f}"
        )
    for replay, q in ratio.items():
        print(f"latency ratio remote ÷ in-process, {replay}: p50 {q['p50']:.2f}, p95 {q['p95']:.2f}")


if __name__ == "__main__":
    main()
