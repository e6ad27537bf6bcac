"""Glossary drafting quality: the share of drafted English names a reviewer would accept (top-1).

The term list (`benchmarks/data/glossary_terms.json`, 46 Chinese e-commerce terms) was written, with
the English names a reviewer accepts for each, before the system was run on it. Each term is
drafted on its own (empty glossary, no code context) with the same prompt and schema as
`ubiq glossary add`; a name is accepted when it equals one of the accepted names after
normalisation (case, hyphens, articles, plural s). Seconds per entry are measured around the call.

    python benchmarks/glossary.py [--model PACK] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from lsp_server.config import Settings
from lsp_server.engine import load_backend
from lsp_server.errors import UbiqError
from lsp_server.glossary.draft import draft_entry

DATA = Path(__file__).resolve().parent / "data" / "glossary_terms.json"


def normal(name: str) -> str:
    words = re.sub(r"[-_/]+", " ", name.casefold()).split()
    words = [w for w in words if w not in ("the", "a", "an")]
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    terms = json.loads(DATA.read_text(encoding="utf-8"))["terms"]
    if args.limit:
        terms = terms[: args.limit]
    settings = Settings()
    settings.model.path = args.model
    backend = load_backend(settings)
    rows = []
    for item in terms:
        start = time.monotonic()
        try:
            english = draft_entry(backend, item["term"], existing=[]).english
        except UbiqError as error:
            english = f"<{error.message}>"
        seconds = time.monotonic() - start
        accepted = normal(english) in {normal(a) for a in item["accept"]}
        rows.append({"term": item["term"], "english": english, "accepted": accepted, "seconds": seconds})
        if not args.json:
            print(f"  {item['term']}: {english} {'ok' if accepted else 'x'}", file=sys.stderr)
    info = backend.info()
    backend.close()
    share = sum(r["accepted"] for r in rows) / len(rows)
    per_entry = sum(r["seconds"] for r in rows) / len(rows)
    if args.json:
        summary = {"model": info.name, "accepted": share, "seconds_per_entry": per_entry}
        print(json.dumps({**summary, "rows": rows}, ensure_ascii=False))
        return
    print(f"glossary drafting, {len(rows)} Chinese terms, model {info.name}")
    print(f"acceptable English name (top-1): {share:.1%}; {per_entry:.1f} s per entry")


if __name__ == "__main__":
    main()
