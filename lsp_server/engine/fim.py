"""The one place that decides a model's fill-in-the-middle format: read from its vocabulary.

Prompts are assembled as token ids, piece by piece (each piece tokenized on its own, special
tokens inserted by id), so a change in one piece never changes the tokens of the pieces before
it — which is what lets the KV cache be reused across keystrokes — and so that text in the user's
file that merely looks like `<|fim_prefix|>` can never act as a control token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lsp_server.engine.backend import Chunk, CompletionRequest

Tokenize = Callable[[str], list[int]]


@dataclass(frozen=True)
class FimTokens:
    prefix: int
    suffix: int
    middle: int
    repo: int = -1  # repository-name token (Qwen2.5-Coder's <|repo_name|>)
    file_sep: int = -1  # file separator (<|file_sep|>)
    pad: int = -1

    @classmethod
    def from_ids(cls, pre: int, suf: int, mid: int, rep: int, sep: int, pad: int) -> FimTokens | None:
        """None when the model lacks any of prefix/suffix/middle: it can only continue a prefix."""
        if min(pre, suf, mid) < 0:
            return None
        return cls(pre, suf, mid, rep, sep, pad)


def read_fim_tokens(llama_cpp_module: object, model: object) -> FimTokens | None:
    """Ask llama.cpp's vocabulary for the FIM token ids (-1 means absent)."""
    lib = llama_cpp_module
    vocab = lib.llama_model_get_vocab(model)
    return FimTokens.from_ids(
        lib.llama_vocab_fim_pre(vocab),
        lib.llama_vocab_fim_suf(vocab),
        lib.llama_vocab_fim_mid(vocab),
        lib.llama_vocab_fim_rep(vocab),
        lib.llama_vocab_fim_sep(vocab),
        lib.llama_vocab_fim_pad(vocab),
    )


def _extra_tokens(fim: FimTokens, extra: Sequence[Chunk], path: str, tokenize: Tokenize) -> list[int]:
    """Other files first, as the model saw repositories in training (llama-server does the same)."""
    tokens: list[int] = []
    if fim.file_sep < 0:
        for chunk in extra:
            tokens += tokenize(f"# {chunk.path}\n{chunk.text}\n")
        return tokens
    if fim.repo >= 0 and (extra or path):
        tokens += [fim.repo, *tokenize("workspace\n")]
    for chunk in extra:
        tokens += [fim.file_sep, *tokenize(f"{chunk.path}\n{chunk.text}\n")]
    if path:
        tokens += [fim.file_sep, *tokenize(f"{path}\n")]
    return tokens


def build_prompt(
    request: CompletionRequest, fim: FimTokens | None, tokenize: Tokenize, bos: list[int]
) -> list[int]:
    """Token ids for a completion request in the model's own format."""
    if request.prompt is not None:
        return bos + tokenize(request.prompt)
    if fim is None:
        # Prefix-only: other files as commented headers, then the text before the cursor.
        tokens = list(bos)
        for chunk in request.extra:
            tokens += tokenize(f"# {chunk.path}\n{chunk.text}\n")
        return tokens + tokenize(request.prefix + request.middle)
    return [
        *bos,
        *_extra_tokens(fim, request.extra, request.path, tokenize),
        fim.prefix,
        *tokenize(request.prefix),
        fim.suffix,
        *tokenize(request.suffix),
        fim.middle,
        *tokenize(request.middle),
    ]
