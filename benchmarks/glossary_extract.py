"""Term extraction quality: the share of domain terms among the top candidates of `ubiq glossary
extract`, on real projects whose candidates were labelled by hand before the extractor was changed.

Each label file (`benchmarks/data/glossary_extract/<project>.json`) says which candidates are terms
of the project's business domain (`domain_terms`) and which are not (`not_domain`), decided from
the word alone, and whether the project was used to tune the extractor (`split`: tuning) or only
to check it (held-out). A candidate in neither list is unlabelled: reported, and counted as not a
domain term. Projects are given as folders (an installed package's folder will do; the packages
it imports are looked for in the site-packages it lies in, or in --search).

    python benchmarks/glossary_extract.py [--top N] [--search DIR ...] [--json] FOLDER|NAME=FOLDER ...
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lsp_server.glossary.extract import extract_workspace

LABELS = Path(__file__).resolve().parent / "data" / "glossary_extract"


def score(name: str, root: Path, top: int, search: list[Path] | None) -> dict:
    """One project's top candidates, scored against its labels."""
    labels = json.loads((LABELS / f"{name}.json").read_text(encoding="utf-8"))
    domain, other = set(labels["domain_terms"]), set(labels["not_domain"])
    start = time.monotonic()
    terms = [c.term for c in extract_workspace(root, None, limit=top, search_paths=search)]
    seconds = time.monotonic() - start
    hits = [term for term in terms if term in domain]
    return {
        "project": name,
        "split": labels["split"],
        "share": len(hits) / top,
        "before": sum(term in domain for term in labels["before_top30"][:top]) / top,
        "domain": hits,
        "not_domain": [term for term in terms if term in other],
        "unlabelled": [term for term in terms if term not in domain | other],
        "seconds": round(seconds, 1),
    }


def _project(argument: str) -> tuple[str, Path]:
    name, _, folder = argument.rpartition("=")
    path = Path(folder)
    return name or path.name, path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("projects", nargs="+", help="FOLDER or NAME=FOLDER (NAME: the label file)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--search", type=Path, action="append", help="where imports are installed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [score(name, root, args.top, args.search) for name, root in map(_project, args.projects)]
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    for split in ("tuning", "held-out"):
        print(f"== {split}")
        for row in (row for row in rows if row["split"] == split):
            print(
                f"{row['project']:12s} domain share in top {args.top}: {row['share']:.0%} "
                f"(before: {row['before']:.0%}), {row['seconds']}s"
            )
            print(f"    not domain: {', '.join(row['not_domain']) or '-'}")
            if row["unlabelled"]:
                print(f"    unlabelled: {', '.join(row['unlabelled'])}")


if __name__ == "__main__":
    main()
