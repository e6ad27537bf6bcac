"""Mutated GGUF headers (tests/reliability/gguf_fuzz.py; 240 here, UBIQ_GGUF_MUTATIONS to change,
1,000 in benchmarks/reliability.py), every one refused by the Python pre-validator with one clear
ModelError before llama.cpp could parse it; the real header passes. Before this test the validator
let through out-of-range tensor types, duplicate tensor names and misaligned offsets (48 of 240)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from lsp_server.engine.gguf import inspect_gguf
from lsp_server.errors import ModelError
from tests.reliability.gguf_fuzz import Mutation, layout, mutations, write

COUNT = int(os.environ.get("UBIQ_GGUF_MUTATIONS", "240"))


def test_every_mutated_header_is_refused_with_one_clear_error(tiny_model, tmp_path: Path):
    header, at = layout(tiny_model.path)
    unmutated = write(Mutation("none", header, at.size), tmp_path / "unmutated.gguf")
    assert inspect_gguf(unmutated).tensor_count == len(at.tensor_types)
    accepted, kinds = [], Counter()
    for index, mutation in enumerate(mutations(header, at, COUNT)):
        kinds[mutation.kind] += 1
        path = write(mutation, tmp_path / f"m{index % 8}.gguf")
        try:
            inspect_gguf(path)
        except ModelError as error:
            assert "\n" not in str(error) and str(path) in str(error), (mutation.kind, str(error))
        else:
            accepted.append(mutation.kind)
    assert accepted == [], Counter(accepted)
    assert len(kinds) >= 12, kinds
