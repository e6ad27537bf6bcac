"""Single-line infilling on HumanEval: Ubiq's completion pipeline against raw FIM, same model.

For each of the 164 problems one line of the canonical solution is masked (chosen with a fixed
seed; the cursor sits after the line's indentation, as in the FIM paper's single-line task). Raw:
the model's FIM output for (prefix, suffix), inserted as is. Ubiq: the editor's pipeline (prompt
layout, post-processing, syntax check). Each completed program runs the problem's tests in a
subprocess with a timeout. Also reported: the share of shown completions that parse.

    pip install 'ubiq[bench]'; python benchmarks/humaneval.py [--model PACK] [--limit N] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time

from lsp_server.completion.service import CompletionInput, CompletionService
from lsp_server.config import CompletionSettings, Settings
from lsp_server.context.syntax import SyntaxTree
from lsp_server.engine import load_backend
from lsp_server.engine.backend import CompletionRequest
from lsp_server.evaluation.metrics import parses
from lsp_server.evaluation.reference import mask, passes
from lsp_server.evaluation.reference import problems as read_all


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=0, help="0: measured at load")
    parser.add_argument("--limit", type=int, default=0, help="first N problems only (0: all 164)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    settings = Settings()
    settings.model.path, settings.model.threads = args.model, args.threads
    backend = load_backend(settings)
    completion = CompletionSettings(max_tokens=args.max_tokens, time_budget_ms=600_000)
    problems = read_all()
    if args.limit:
        problems = problems[: args.limit]
    rng = random.Random(args.seed)
    rows = []
    start = time.monotonic()
    for n, problem in enumerate(problems, 1):
        text, cursor, truth = mask(problem, rng)
        raw = backend.complete(
            CompletionRequest(prefix=text[:cursor], suffix=text[cursor:], max_tokens=args.max_tokens)
        )
        service = CompletionService(completion)  # fresh per problem: no typed-ahead or LRU help
        doc = CompletionInput(
            key=problem["task_id"], text=text, offset=cursor, path="solution.py", syntax=SyntaxTree(text)
        )
        ubiq = asyncio.run(service.complete(backend, doc)).text
        raw_program = text[:cursor] + raw.text + text[cursor:]
        ubiq_program = text[:cursor] + ubiq + text[cursor:]
        rows.append(
            {
                "task": problem["task_id"],
                "masked": truth.strip(),
                "raw": raw.text,
                "ubiq": ubiq,
                "raw_pass": passes(raw_program, problem),
                "ubiq_pass": passes(ubiq_program, problem),
                "raw_parses": parses(raw_program),
                "ubiq_parses": parses(ubiq_program),
                "ubiq_shown": bool(ubiq),
            }
        )
        if not args.json and n % 20 == 0:
            done = sum(r["ubiq_pass"] for r in rows), sum(r["raw_pass"] for r in rows)
            print(
                f"  {n}/{len(problems)}: ubiq {done[0]} raw {done[1]} ({time.monotonic() - start:.0f}s)",
                file=sys.stderr,
            )
    info = backend.info()
    backend.close()
    total = len(rows)
    shown = [r for r in rows if r["ubiq_shown"]]
    summary = {
        "model": info.name,
        "problems": total,
        "seed": args.seed,
        "raw_pass_at_1": sum(r["raw_pass"] for r in rows) / total,
        "ubiq_pass_at_1": sum(r["ubiq_pass"] for r in rows) / total,
        "raw_parse_rate": sum(r["raw_parses"] for r in rows) / total,
        "ubiq_shown_parse_rate": sum(r["ubiq_parses"] for r in shown) / max(len(shown), 1),
        "ubiq_shown": len(shown) / total,
        "seconds": round(time.monotonic() - start, 1),
    }
    summary["points_gained"] = 100 * (summary["ubiq_pass_at_1"] - summary["raw_pass_at_1"])
    if args.json:
        print(json.dumps({"summary": summary, "rows": rows}, indent=2))
        return
    print(f"HumanEval single-line infilling, {total} problems, seed {args.seed}, model {info.name}")
    print(
        f"raw FIM pass@1   {summary['raw_pass_at_1']:.1%}   "
        f"(programs that parse: {summary['raw_parse_rate']:.1%})"
    )
    print(
        f"Ubiq pass@1      {summary['ubiq_pass_at_1']:.1%}   (shown: {summary['ubiq_shown']:.1%}, "
        f"shown that parse: {summary['ubiq_shown_parse_rate']:.1%})"
    )
    print(f"Ubiq - raw: {summary['points_gained']:+.1f} points; {summary['seconds']:.0f} s")


if __name__ == "__main__":
    main()
