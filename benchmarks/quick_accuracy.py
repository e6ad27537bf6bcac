"""What answering fast after a jump costs in answers: the first line from the short prompt that
answers first, against the first line from the full prompt, at the same seeded places.

The places are `benchmarks/jumps.py`'s (a statement in a function body of two real files, its
line cleared). At each, the full prompt as the server lays it out (without other files' chunks:
they need the language server's lookups) is the reference. Against it, per configuration:
- `window:N` — the short prompt after the files were read ahead in windows (`engine.windows`):
  its prefix from the window's start down to the cursor's line, evaluated while idle; a suffix of
  N tokens;
- `local:N` — the short local prompt used when no window holds the place: N tokens in all, the
  lines just above the cursor (under the enclosing definitions' headers) and a few after it.
Counted: how often the first lines agree with the full prompt's, how often each equals the cleared
line (exact), and the prompt tokens each evaluated at the place. Greedy decoding: counts do not
wobble on one machine. All run in the same process, one after the other. `--full FILE` keeps the
full prompts' answers between runs (they depend only on the places and the model).

    python benchmarks/quick_accuracy.py [--files A.py B.py] [--moves 24] [--seed 23]
        [--configs window:48 window:96 local:96] [--full answers.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jumps import cleared, place_arguments, seeded_moves

from lsp_server.config import ModelSettings
from lsp_server.context.prompt import Budget, make_layout, quick_layout, suffix_window
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import CancelToken, CompletionRequest
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.resolve import resolve_model

MAX_TOKENS = 24


def full_request(backend: LocalBackend, path: str, key: str, doc: str, offset: int) -> CompletionRequest:
    """The full request at `offset`, as the server lays it out (no other files' chunks); `key` is
    the cache's name for the document (each full prompt gets its own: nothing is reused)."""
    layout = make_layout(doc, offset, backend.count_tokens, SyntaxTree(doc))
    return CompletionRequest(
        prefix=layout.prefix,
        suffix=layout.suffix,
        middle=doc[layout.anchor : offset],
        path=path,
        max_tokens=MAX_TOKENS,
        stop=["\n"],
        cache_key=key,
        document=doc,
    )


def quick_request(
    backend: LocalBackend, config: str, path: str, doc: str, offset: int
) -> CompletionRequest | None:
    """The short prompt of `config` at `offset` (None: no window holds the place)."""
    kind, _, size = config.partition(":")
    tokens = int(size)
    anchor = doc.rfind("\n", 0, offset) + 1
    if kind == "window":
        start = backend.window_start(path, doc, anchor)
        if start is None:
            return None
        prefix, suffix = doc[start:anchor], suffix_window(doc, offset, tokens, backend.count_tokens)
    else:
        budget = Budget(quick_prefix_tokens=tokens * 11 // 20, quick_suffix_tokens=tokens * 9 // 20)
        prefix, suffix = quick_layout(doc, offset, backend.count_tokens, SyntaxTree(doc), budget)
    request = full_request(backend, path, path, doc, offset)
    return dataclasses.replace(request, prefix=prefix, suffix=suffix, cache_slot="quick")


def first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    place_arguments(parser, 24)
    parser.add_argument("--configs", nargs="+", default=["window:48", "window:96", "local:96"])
    parser.add_argument("--full", type=Path, default=None)
    args = parser.parse_args()
    model = resolve_model(args.model)
    files, texts, moves = seeded_moves(args)

    if args.full and args.full.exists():
        full = json.loads(args.full.read_text())
    else:
        fresh = LocalBackend(model, ModelSettings(context_size=4096, cache_reuse=False, read_ahead_mb=0))
        full = []
        for n, (f, line) in enumerate(moves):
            doc, offset, _ = cleared(texts[f], line)
            asked = full_request(fresh, files[f].name, f"w{n}", doc, offset)
            full.append(first_line(fresh.complete(asked).text))
        fresh.close()
        if args.full:
            args.full.write_text(json.dumps(full))
    truths = [cleared(texts[f], line)[2] for f, line in moves]
    full_exact = sum(bool(a) and a == t for a, t in zip(full, truths, strict=True))
    print(f"full prompt: exact {full_exact}/{len(moves)}", flush=True)

    backend = LocalBackend(model, ModelSettings(context_size=4096))
    if any(c.startswith("window") for c in args.configs):
        started = time.perf_counter()
        for f, path in enumerate(files):
            assert backend.read_ahead(path.name, texts[f], 0, CancelToken(), path.name) == "done"
        report = backend.cache_report()
        print(
            f"read ahead: {report['read_windows']} windows, {report['read_tokens']} tokens "
            f"({report['read_evaluated']} evaluated, {report['read_used_mb']} MB) "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    for config in args.configs:
        agree = exact = missing = 0
        evaluated, prompt = [], []
        for n, (f, line) in enumerate(moves):
            doc, offset, truth = cleared(texts[f], line)
            request = quick_request(backend, config, files[f].name, doc, offset)
            if request is None:
                missing += 1
                continue
            result = backend.complete(request)
            shown = first_line(result.text)
            evaluated.append(result.stats.evaluated_tokens)
            prompt.append(result.stats.prompt_tokens)
            agree += shown == full[n]
            exact += bool(shown) and shown == truth
        print(
            f"{config}: agree with the full prompt {agree}/{len(moves)}, exact {exact}/{len(moves)} "
            f"(full {full_exact}); evaluated per place median {statistics.median(evaluated or [0]):.0f} "
            f"of a {statistics.median(prompt or [0]):.0f}-token prompt"
            + (f"; {missing} places without a window" if missing else ""),
            flush=True,
        )
    backend.close()


if __name__ == "__main__":
    main()
