"""Completions wherever the cursor goes: the first suggestion after a jump or a file switch.

Two real files we did not write (from an installed package) are opened in the real server over
stdio. The cursor visits N seeded places, alternating files: a statement inside a function body,
its line cleared as if about to rewrite it. After each move the client waits for ghost text the
way the editors do: one request; then another whenever the server sends `ubiq/completionReady`
for this place, or every 0.5 s as a fallback; up to 30 s. Then the line is put back.

After the moves, the user works a while at the last place of each file (until its full prompt is
ready), then switches back to the first file and types a character there: the tokens that switch
evaluated are counted.

With `--read-first` the moves start once the server has read both files ahead (a user who had
them open a while); without it, a second after opening them.

The same moves run twice in the same run: with the new reuse (shifted spans, saved document
states, documents read ahead, quick first answers, preparation ahead) and without it (`model.cacheReuse` and
`completion.quickFirst` off) as the baseline.

    python benchmarks/jumps.py [--model PACK] [--files A.py B.py] [--moves 12] [--seed 7] [--read-first]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from pathlib import Path

from lsprotocol import types

sys.path.insert(0, str(Path(__file__).resolve().parent))
from completion import Session, pct

from lsp_server.context.syntax import PY_LANGUAGE, SyntaxTree

READY = "ubiq/completionReady"
WAIT_S = 30.0
POLL_S = 0.5
_STATEMENTS = {"expression_statement", "return_statement", "raise_statement", "assert_statement"}


def default_files() -> list[Path]:
    import jinja2

    root = Path(jinja2.__file__).parent
    return [root / "environment.py", root / "compiler.py"]


def places(path: Path, count: int, rng: random.Random) -> list[int]:
    """Lines of one-line statements inside function bodies, at least 12 characters long."""
    text = path.read_text(encoding="utf-8")
    tree = SyntaxTree(text).tree
    lines = text.splitlines()
    found: set[int] = set()
    query_stack = [tree.root_node]
    while query_stack:
        node = query_stack.pop()
        query_stack.extend(node.children)
        if node.type not in _STATEMENTS or node.start_point.row != node.end_point.row:
            continue
        parent, inside = node.parent, False
        while parent is not None:
            if parent.type == "function_definition":
                inside = True
                break
            parent = parent.parent
        row = node.start_point.row
        if inside and len(lines[row].strip()) >= 12 and not lines[row].strip().startswith(("#", '"', "'")):
            found.add(row)
    assert PY_LANGUAGE is not None
    return rng.sample(sorted(found), count)


def place_arguments(parser: argparse.ArgumentParser, moves: int) -> None:
    """The model, files and seeded places, as the engine-level benchmarks of reading ahead take them."""
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--files", type=Path, nargs=2, default=None)
    parser.add_argument("--moves", type=int, default=moves)
    parser.add_argument("--seed", type=int, default=23)


def seeded_moves(args: argparse.Namespace) -> tuple[list[Path], list[str], list[tuple[int, int]]]:
    """The files, their texts, and (file index, line) of each move, alternating files; printed."""
    files = args.files or default_files()
    rng = random.Random(args.seed)
    per_file = [places(f, (args.moves + 1) // 2, rng) for f in files]
    print(f"files: {', '.join(f.name for f in files)}; {args.moves} places, seed {args.seed}", flush=True)
    texts = [f.read_text(encoding="utf-8") for f in files]
    return files, texts, [(i % 2, per_file[i % 2][i // 2]) for i in range(args.moves)]


def cleared(text: str, line: int) -> tuple[str, int, str]:
    """The document with `line` emptied but for its indentation, the cursor there, and the line."""
    lines = text.splitlines(keepends=True)
    start = sum(len(s) for s in lines[:line])
    indent = len(lines[line]) - len(lines[line].lstrip())
    doc = text[: start + indent] + "\n" + text[start + len(lines[line]) :]
    return doc, start + indent, lines[line].strip()


def differing_start(line: str, shown: str) -> str:
    """The shortest start of `line` that `shown` does not start with."""
    for end in range(1, len(line) + 1):
        if not shown.startswith(line[:end]):
            return line[:end]
    return line + " "


class Jumper:
    """A user moving around in one server session: clears a line, waits for ghost text the way the
    editors do, then puts the line back."""

    def __init__(self, session: Session, settle: float) -> None:
        self.session = session
        self.settle = settle
        self.ready: asyncio.Queue = asyncio.Queue()

        @session.client.feature(READY)
        def on_ready(params: object) -> None:
            self.ready.put_nowait(params)

    def edit(self, uri: str, line: int, start: int, end: int, text: str) -> None:
        s = self.session
        s.version += 1
        rng = types.Range(
            start=types.Position(line=line, character=start), end=types.Position(line=line, character=end)
        )
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=s.version),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
            )
        )

    async def counted(self) -> int:
        data = await self.session.stats()
        return data["evaluated_total"] + data["background_evaluated_total"]

    async def move(
        self, uri: str, line: int, original: str, settle: float | None = None, typed: str = ""
    ) -> dict:
        """Clear the line (then type `typed` there) and wait for ghost text as an editor does."""
        settle = self.settle if settle is None else settle
        while not self.ready.empty():
            self.ready.get_nowait()
        before = await self.counted()
        start_col = len(original) - len(original.lstrip())
        self.edit(uri, line, start_col, len(original), typed)
        indent = start_col + len(typed)
        start = time.perf_counter()
        requests, first_answered, suggestion = 0, False, ""
        while True:
            requests += 1
            _, suggestion = await self.session.inline(uri, line, indent)
            if suggestion:
                first_answered = requests == 1
                break
            left = WAIT_S - (time.perf_counter() - start)
            if left <= 0:
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.ready.get(), timeout=min(POLL_S, left))
        elapsed = time.perf_counter() - start
        truth = original.strip()[len(typed) :]
        first_line = suggestion.split("\n", 1)[0].strip()
        settled = first_line
        if suggestion and settle > 0:  # a user who pauses: the full prompt's answer replaces it
            # The first ubiq/completionReady may announce the rest of the quick answer; the full
            # prompt's answer is there once nothing is being prepared any more.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.ready.get(), timeout=settle)
            await self.prepared(settle)
            _, again = await self.session.inline(uri, line, indent)
            settled = again.split("\n", 1)[0].strip() or first_line
        result = {
            "uri": uri,
            "line": line + 1,
            "seconds": elapsed if suggestion else None,
            "first_request_answered": first_answered,
            "requests": requests,
            "exact_first_line": bool(suggestion) and first_line == truth,
            "suggestion": first_line,
            "settled": settled,
            "exact_settled": bool(settled) and settled == truth,
            "truth": truth,
        }
        result["evaluated"] = await self.counted() - before
        return result

    async def prepared(self, limit_s: float = 300.0) -> None:
        """Wait until no full prompt is being prepared in the background (polled: the server says
        so in `ubiq.stats`); a slow machine may need longer than a move's wait."""
        deadline = time.perf_counter() + limit_s
        while (await self.session.stats())["preparing"] and time.perf_counter() < deadline:
            await asyncio.sleep(POLL_S)

    async def idle(self, limit_s: float = 900.0) -> None:
        """Wait until the server neither prepares a prompt nor reads documents ahead."""
        deadline = time.perf_counter() + limit_s
        while time.perf_counter() < deadline:
            data = await self.session.stats()
            if not data["preparing"] and not data.get("reading"):
                return
            await asyncio.sleep(POLL_S)

    def restore(self, uri: str, line: int, original: str, typed: str = "") -> None:
        indent = len(original) - len(original.lstrip())
        self.edit(uri, line, indent, indent + len(typed), original[indent:])


async def run(args: argparse.Namespace, files: list[Path], plan: list[tuple[int, int]], reuse: bool) -> dict:
    options = {"model": {"cacheReuse": reuse}, "completion": {"quickFirst": reuse}}
    texts = [f.read_text(encoding="utf-8") for f in files]
    uris = [f"file:///bench/{i}_{f.name}" for i, f in enumerate(files)]
    log = f"{args.server_log}.{'on' if reuse else 'off'}" if args.server_log else None
    async with Session(args.model, args.threads, options=options, server_log=log) as session:
        # The baseline's first answer is already the full prompt's: nothing better follows it.
        jumper = Jumper(session, args.settle if reuse else 0.0)
        for uri, text in zip(uris, texts, strict=True):
            session.open(uri, text)
        await asyncio.sleep(args.dwell)  # a user glances at the file they opened
        if args.read_first and reuse:
            # A user who had the files open a while: the server read them ahead meanwhile.
            started = time.perf_counter()
            await jumper.idle()
            read = (await session.stats())["kv_cache"]
            print(
                f"  read ahead in {time.perf_counter() - started:.0f} s: {read.get('read_tokens')} tokens, "
                f"{read.get('read_used_mb')} MB",
                file=sys.stderr,
            )
        moves, last = [], {}
        for which, line in plan:
            original = texts[which].splitlines()[line]
            result = await jumper.move(uris[which], line, original)
            moves.append(result)
            jumper.restore(uris[which], line, original)
            last[which] = line
            seconds = result["seconds"] if result["seconds"] is not None else float("nan")
            same = "=" if result["exact_first_line"] else "≠"
            print(
                f"  {'reuse' if reuse else 'base '} {files[which].name}:{line + 1} {seconds:.2f}s "
                f"eval {result['evaluated']} {same} {result['suggestion'][:50]!r}"
                + ("" if result["exact_first_line"] else f" (was {result['truth'][:50]!r})")
                + (f" settled {'=' if result['exact_settled'] else '≠'}" if jumper.settle else ""),
                file=sys.stderr,
            )
            await asyncio.sleep(args.dwell)
        # Switching back: work a while at the last place of each file (until its full prompt is
        # ready), then return to the first of them and type the start of its line: as little as
        # differs from the suggestion last shown there, so that the answer cannot come from
        # what was shown (typed ahead) nor from the cache of answers, only from the model.
        order = sorted(last, key=lambda w: plan.index((w, last[w])))
        returns, shown = [], {}
        for n, which in enumerate([*order, order[0]]):
            original = texts[which].splitlines()[last[which]]
            typed = differing_start(original.strip(), shown.get(which, "")) if n == len(order) else ""
            result = await jumper.move(
                uris[which], last[which], original, settle=WAIT_S if reuse else 0, typed=typed
            )
            jumper.restore(uris[which], last[which], original, typed)
            if reuse and n < len(order):
                await jumper.prepared()  # "worked a while": until its full prompt is ready
            shown[which] = result["settled"]
            returns.append(result)
        returns = returns[-1:]
        final = await session.stats()
    times = [m["seconds"] if m["seconds"] is not None else WAIT_S for m in moves]
    evaluated = [m["evaluated"] for m in moves]
    return {
        "reuse": reuse,
        "moves": moves,
        "returns": returns,
        "first_suggestion_s": {"p50": pct(times, 0.5), "p95": pct(times, 0.95)},
        "within_2s": sum(1 for t in times if t <= 2.0) / len(times),
        "first_request_answered": sum(m["first_request_answered"] for m in moves) / len(moves),
        "evaluated_per_move": {"p50": pct(evaluated, 0.5), "p95": pct(evaluated, 0.95)},
        "exact_first_line": sum(m["exact_first_line"] for m in moves) / len(moves),
        "exact_settled": sum(m["exact_settled"] for m in moves) / len(moves),
        "switch_back_evaluated": [r["evaluated"] for r in returns],
        "kv_cache": final.get("kv_cache", {}),
        "model": final["model"].get("name", ""),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=0, help="0: measured at load, as users get")
    parser.add_argument("--files", type=Path, nargs=2, default=None)
    parser.add_argument("--moves", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dwell", type=float, default=1.0, help="seconds between moves")
    parser.add_argument(
        "--settle", type=float, default=0.0, help="after a suggestion, wait this long for a better one"
    )
    parser.add_argument(
        "--read-first",
        action="store_true",
        help="before the moves, wait until the server has read the files ahead (files open a while)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--server-log", help="debug log of the servers: PATH.on and PATH.off")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = args.files or default_files()
    rng = random.Random(args.seed)
    per_file = [places(f, (args.moves + 1) // 2, rng) for f in files]
    plan = [(i % 2, per_file[i % 2][i // 2]) for i in range(args.moves)]
    results = [asyncio.run(run(args, files, plan, reuse=True))]
    if not args.no_baseline:
        results.append(asyncio.run(run(args, files, plan, reuse=False)))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    names = ", ".join(str(f) for f in files)
    print(f"files: {names}; {args.moves} moves, seed {args.seed}; model {results[0]['model']}")
    for r in results:
        first, evaluated = r["first_suggestion_s"], r["evaluated_per_move"]
        print(
            f"{'reuse on ' if r['reuse'] else 'reuse off'}: first suggestion p50/p95 "
            f"{first['p50']:.2f} / {first['p95']:.2f} s; within 2 s {r['within_2s']:.0%}; "
            f"first request answered {r['first_request_answered']:.0%}; evaluated per move p50/p95 "
            f"{evaluated['p50']:.0f} / {evaluated['p95']:.0f}; first-line exact {r['exact_first_line']:.0%} "
            f"(after settling {r['exact_settled']:.0%}); "
            f"switch back evaluated {r['switch_back_evaluated']}"
        )
    if len(results) == 2:
        on, off = (r["first_suggestion_s"] for r in results)
        print(
            f"ratio on/off: p50 {on['p50'] / max(off['p50'], 1e-9):.2f}, "
            f"p95 {on['p95'] / max(off['p95'], 1e-9):.2f}; "
            f"first-line exact {results[0]['exact_first_line']:.0%} vs {results[1]['exact_first_line']:.0%}"
        )
    print(f"KV cache: {json.dumps(results[0]['kv_cache'])}")


if __name__ == "__main__":
    main()
