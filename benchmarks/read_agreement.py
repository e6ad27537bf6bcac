"""What reading ahead costs in answers: the first line from a prompt taken from pieces read ahead,
against the first line from the same prompt evaluated whole, at the same seeded places.

A piece's keys and values saw only the piece (`engine.reading`), not the text before it in the
prompt; smaller pieces leave fewer tokens to evaluate after a jump (`benchmarks/read_coverage.py`)
but each saw less. This counts, per piece size, how often the two first lines agree and how often
each equals the cleared line, and the tokens each evaluated. Greedy decoding: counts do not wobble
on one machine. Both sides run the in-process engine in the same run, one after the other.

Each configuration is SIZE:CONTEXT (piece tokens : tokens of the text before a piece evaluated
with it, `engine.reading.CONTEXT_TOKENS`), or `off`: the same engine reading nothing ahead (what
reuse across the file's earlier prompts alone does). `--whole FILE` keeps the whole prompts'
answers between runs (they depend only on the places and the machine).

    python benchmarks/read_agreement.py [--files A.py B.py] [--moves 24] [--seed 23]
        [--configs 256:256 128:256 off] [--whole answers.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jumps import cleared, place_arguments, seeded_moves

import lsp_server.engine.reading as reading_module
from lsp_server.config import ModelSettings
from lsp_server.context.prompt import make_layout
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import CancelToken, CompletionRequest
from lsp_server.engine.local import LocalBackend
from lsp_server.engine.resolve import resolve_model

MAX_TOKENS = 24


def request_at(backend: LocalBackend, path: str, key: str, doc: str, offset: int) -> CompletionRequest:
    """The request at `offset`, as the server lays it out (no other files' chunks); `key` is the
    cache's name for the document (the whole prompts each get their own: nothing is reused)."""
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


def first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    place_arguments(parser, 24)
    parser.add_argument("--configs", nargs="+", default=["256:256", "256:0", "off"])
    parser.add_argument("--whole", type=Path, default=None)
    args = parser.parse_args()
    model = resolve_model(args.model)
    files, texts, moves = seeded_moves(args)

    # The same prompts evaluated whole: no reuse of any kind.
    if args.whole and args.whole.exists():
        whole = json.loads(args.whole.read_text())
    else:
        fresh = LocalBackend(model, ModelSettings(context_size=4096, cache_reuse=False, read_ahead_mb=0))
        whole = []
        for n, (f, line) in enumerate(moves):
            doc, offset, _ = cleared(texts[f], line)
            asked = request_at(fresh, files[f].name, f"w{n}", doc, offset)
            whole.append(first_line(fresh.complete(asked).text))
        fresh.close()
        if args.whole:
            args.whole.write_text(json.dumps(whole))

    for config in args.configs:
        size, _, context = config.partition(":")
        read = size != "off"
        if read:
            reading_module.PIECE_TOKENS, reading_module.CONTEXT_TOKENS = int(size), int(context or 0)
        backend = LocalBackend(model, ModelSettings(context_size=4096, read_ahead_mb=1024 if read else 0))
        evaluated_reading = 0
        if read:
            for f, path in enumerate(files):
                assert backend.read_ahead(path.name, texts[f], 0, CancelToken()) == "done"
            evaluated_reading = backend.cache_report()["read_evaluated"]
        agree = exact = exact_whole = 0
        evaluated = []
        for n, (f, line) in enumerate(moves):
            doc, offset, truth = cleared(texts[f], line)
            result = backend.complete(request_at(backend, files[f].name, files[f].name, doc, offset))
            shown = first_line(result.text)
            evaluated.append(result.stats.evaluated_tokens)
            agree += shown == whole[n]
            exact += bool(shown) and shown == truth
            exact_whole += bool(whole[n]) and whole[n] == truth
        backend.close()
        name = f"pieces of ~{size} tokens, {context or 0} of context" if read else "nothing read ahead"
        print(
            f"{name}: first lines agree with the whole prompt's at {agree}/{len(moves)}; "
            f"exact {exact}/{len(moves)} (whole prompt {exact_whole}/{len(moves)}); "
            f"evaluated per place median {statistics.median(evaluated):.0f}; "
            f"reading evaluated {evaluated_reading}",
            flush=True,
        )


if __name__ == "__main__":
    main()
