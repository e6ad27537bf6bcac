"""The DDD glossary: the team's ubiquitous language in one file, and the code checked against it.

Everything here is deterministic and protocol-free, so the CLI, the server and the benchmarks share it:

- `naming`     words of phrases and identifiers; identifier forms (PascalCase, snake_case, …)
- `model`      an entry of the glossary and its validation
- `store`      the glossary file: round-trip load, add, atomic save, errors with line numbers
- `index`      finding glossary phrases in identifiers and comment text
- `duplicates` is a new term already in the glossary, or nearly?
- `workspace`  which files of a project are scanned
- `scan`       identifiers, comments, docstrings and classes of Python source (tree-sitter)
- `check`      identifiers that use a forbidden synonym or an unknown form of a term
- `locate`     the entries at a position (hover), and where a term is used (drafting context)
- `extract`    candidate terms proposed from the code
- `format`     Markdown for hover and one-line text for the CLI
"""
