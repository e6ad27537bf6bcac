"""What reading ahead leaves to evaluate after a far jump, by tokenizer alone (no evaluation).

The same seeded places as `benchmarks/jumps.py` (a statement in a function body, its line cleared)
in two real files; each file is cut into pieces as the server reads it ahead, for several piece
sizes, and the prompt at each place is planned against them as `engine.sequences` would. Prints,
per piece size (each evaluated after `--context` tokens of the text before it, which an edit
there also makes unusable), the tokens left to evaluate (median, mean) against the whole prompt's
tokens (the baseline: what a jump costs without reading ahead). Counts, not times. Other
files' chunks are left out (the jump's first prompt has none when they would make it late).

    python benchmarks/read_coverage.py [--files A.py B.py] [--moves 12] [--seed 23] [--sizes 128 256]
        [--context 256]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import llama_cpp
from jumps import cleared, place_arguments, seeded_moves

import lsp_server.engine.reading as reading_module
from lsp_server.context.prompt import make_layout
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine.backend import CompletionRequest
from lsp_server.engine.fim import build_prompt, read_fim_tokens
from lsp_server.engine.reading import Piece, Reading, context_of
from lsp_server.engine.resolve import resolve_model
from lsp_server.engine.reuse import plan_reuse


def left_to_evaluate(text: str, line: int, size: int, llm: llama_cpp.Llama, fim: object) -> tuple[int, int]:
    """(prompt tokens, tokens a plan against the pieces of `text` leaves to evaluate) at `line`."""

    def tokenize(piece: str) -> list[int]:
        return llm.tokenize(piece.encode(), add_bos=False, special=False) if piece else []

    reading_module.PIECE_TOKENS = size
    reading = Reading(1 << 40)
    for start, end in reading.unread("doc", text, 0):
        tokens = tokenize(text[start:end])
        ends = list(accumulate(len(llm.detokenize([t])) for t in tokens))
        reading.add("doc", Piece(text[start:end], tokens, None, 0, 1, ends, start, context_of(text, start)))
    doc, offset, _ = cleared(text, line)
    layout = make_layout(doc, offset, lambda s: len(tokenize(s)), SyntaxTree(doc))
    request = CompletionRequest(
        prefix=layout.prefix, suffix=layout.suffix, middle=doc[layout.anchor : offset], path="file.py"
    )
    prompt = build_prompt(request, fim, tokenize, [])
    plan = plan_reuse([[], [], reading.found("doc", doc).tokens], prompt)
    return len(prompt), plan.evaluate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    place_arguments(parser, 12)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--context", type=int, default=reading_module.CONTEXT_TOKENS)
    args = parser.parse_args()
    model = resolve_model(args.model)
    llm = llama_cpp.Llama(str(model.path), vocab_only=True, verbose=False)
    fim = read_fim_tokens(llama_cpp, llm.model)
    reading_module.CONTEXT_TOKENS = args.context
    _, texts, moves = seeded_moves(args)
    for size in args.sizes:
        counts = [left_to_evaluate(texts[f], line, size, llm, fim) for f, line in moves]
        whole = [p for p, _ in counts]
        left = [e for _, e in counts]
        print(
            f"pieces of ~{size} tokens: left to evaluate median {statistics.median(left):.0f}, "
            f"mean {statistics.mean(left):.0f} of a median {statistics.median(whole):.0f}-token prompt "
            f"(ratio to the whole prompt {statistics.median(left) / statistics.median(whole):.3f})"
        )


if __name__ == "__main__":
    main()
