"""Glossary drafting quality: acceptable English names, and definitions a domain expert would keep.

Two term lists, each written with the English names a reviewer accepts before the system was run
on it: `glossary_terms.json` (46 Chinese e-commerce terms, the tuning set) and
`glossary_terms_logistics.json` (24 logistics terms, held out: never looked at while tuning).
Terms are added one after another to a fresh glossary, as a user does (`--alone` drafts each on
an empty glossary), with the same code as `ubiq glossary add`. Reported per list:

- acceptable English name (top-1): equal to an accepted name after normalisation (case, hyphens,
  articles, plural s);
- definitions free of the worked examples' domains (library, clinic, airline words; the check
  `ubiq` itself runs, so this is the share that reached the user without borrowing);
- definitions that name the term by its English name or an alias (not only a synonym);
- hand-judged definitions: `glossary_verdicts.json` holds a reviewer's verdict for exact
  definition texts ("would a domain expert keep this definition?"), judged from the term and the
  definition alone; definitions not judged yet are listed with `--unjudged`;
- errors (the draft refused: a clash, or a definition that kept borrowing) and seconds per entry.

    python benchmarks/glossary.py [--model PACK] [--set ecommerce|logistics|both] [--alone] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from lsp_server.config import Settings
from lsp_server.engine import load_backend
from lsp_server.engine.backend import Backend
from lsp_server.errors import UbiqError
from lsp_server.glossary.draft import borrowed_words, draft_entry
from lsp_server.glossary.model import Entry

DATA = Path(__file__).resolve().parent / "data"
SETS = {"ecommerce": DATA / "glossary_terms.json", "logistics": DATA / "glossary_terms_logistics.json"}
VERDICTS = DATA / "glossary_verdicts.json"


def normal(name: str) -> str:
    words = re.sub(r"[-_/]+", " ", name.casefold()).split()
    words = [w for w in words if w not in ("the", "a", "an")]
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)


def names_itself(entry: Entry) -> bool:
    """The definition uses the entry's English name or an alias (stemmed), not only a synonym."""
    definition = normal(entry.definition)
    return any(normal(name) in definition for name in (entry.english, *entry.aliases) if name.strip())


def run_set(backend: Backend, terms: list[dict[str, Any]], alone: bool, quiet: bool) -> list[dict[str, Any]]:
    existing: list[Entry] = []
    rows = []
    for item in terms:
        start = time.monotonic()
        try:
            entry: Entry | None = draft_entry(backend, item["term"], existing=[] if alone else existing)
            error = ""
        except UbiqError as exc:
            entry, error = None, exc.message
        seconds = time.monotonic() - start
        english = entry.english if entry else ""
        row = {
            "term": item["term"],
            "english": english,
            "accepted": bool(entry) and normal(english) in {normal(a) for a in item["accept"]},
            "definition": entry.definition if entry else "",
            "examples": list(entry.examples) if entry else [],
            "borrowed": sorted(
                borrowed_words(" ".join([entry.definition, *entry.examples]), f"{item['term']} {english}")
            )
            if entry
            else [],
            "names_itself": bool(entry) and names_itself(entry),
            "error": error,
            "seconds": seconds,
        }
        rows.append(row)
        if entry is not None and not any(e.english == english for e in existing):
            existing.append(entry)
        if not quiet:
            mark = "ok" if row["accepted"] else "x"
            print(
                f"  {item['term']}: {english or '<' + error + '>'} {mark} | {row['definition']}",
                file=sys.stderr,
            )
    return rows


def summary(rows: list[dict[str, Any]], verdicts: dict[str, dict[str, bool]]) -> dict[str, Any]:
    drafted = [r for r in rows if not r["error"]]
    judged = [
        verdicts[r["term"]][r["definition"]]
        for r in drafted
        if r["definition"] in verdicts.get(r["term"], {})
    ]
    return {
        "terms": len(rows),
        "accepted_names": sum(r["accepted"] for r in rows) / len(rows),
        "errors": len(rows) - len(drafted),
        "no_borrowed_words": sum(not r["borrowed"] for r in drafted) / max(1, len(drafted)),
        "names_itself": sum(r["names_itself"] for r in drafted) / max(1, len(drafted)),
        "judged": len(judged),
        "acceptable_definitions": sum(judged) / len(judged) if judged else None,
        "seconds_per_entry": sum(r["seconds"] for r in rows) / len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--set", choices=[*SETS, "both"], default="both")
    parser.add_argument("--alone", action="store_true", help="draft each term on an empty glossary")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--unjudged", action="store_true", help="list definitions without a verdict")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    verdicts = json.loads(VERDICTS.read_text(encoding="utf-8")) if VERDICTS.exists() else {}
    settings = Settings()
    settings.model.path = args.model
    backend = load_backend(settings)
    results = {}
    for name in SETS if args.set == "both" else [args.set]:
        terms = json.loads(SETS[name].read_text(encoding="utf-8"))["terms"]
        rows = run_set(backend, terms[: args.limit] if args.limit else terms, args.alone, args.json)
        results[name] = {"summary": summary(rows, verdicts), "rows": rows}
    info = backend.info()
    backend.close()
    if args.json:
        print(json.dumps({"model": info.name, "alone": args.alone, **results}, ensure_ascii=False))
        return
    print(
        f"glossary drafting, model {info.name}, {'each term alone' if args.alone else 'one glossary growing'}"
    )
    for name, result in results.items():
        s = result["summary"]
        judged = (
            f"{s['acceptable_definitions']:.1%} of {s['judged']} hand-judged"
            if s["judged"]
            else "none hand-judged yet"
        )
        print(
            f"  {name} ({'held out' if name == 'logistics' else 'tuning'}, {s['terms']} terms): "
            f"names {s['accepted_names']:.1%}; definitions acceptable {judged}; "
            f"no example-domain words {s['no_borrowed_words']:.1%}; naming the term {s['names_itself']:.1%}; "
            f"refused {s['errors']}; {s['seconds_per_entry']:.1f} s per entry"
        )
        if args.unjudged:
            for row in result["rows"]:
                if row["definition"] and row["definition"] not in verdicts.get(row["term"], {}):
                    print(f"    unjudged {row['term']} = {row['english']}: {row['definition']}")


if __name__ == "__main__":
    main()
