"""The one place that decides a model's fill-in-the-middle format: read from its vocabulary.

Prompts are assembled as token ids, piece by piece (each piece tokenized on its own, special
tokens inserted by id), so a change in one piece never changes the tokens of the pieces before
it — which is what lets the KV cache be reused across keystrokes — and so that text in the user's
file that merely looks like `<|fim_prefix|>` can never act as a control token. Remote servers
that take a prompt string get the same layout spelled as text (`FimText`, `build_text_prompt`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lsp_server.engine.backend import Chunk, CompletionRequest

Tokenize = Callable[[str], list[int]]


@dataclass(frozen=True)
class FimTokens:
    """A model's fill-in-the-middle token ids; -1 marks an optional one its vocabulary lacks."""

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


@dataclass(frozen=True)
class FimText:
    """A FIM format spelled as text, for servers that take the prompt as a string (OpenAI-compatible
    `/v1/completions`) and turn the markers into the model's special tokens themselves.

    Which one a remote model uses is decided by asking the server's tokenizer whether each marker
    is a single token (see `engine.capabilities`); `name_pattern` is the fallback for servers
    without a tokenize endpoint."""

    name: str
    prefix: str
    suffix: str
    middle: str
    repo: str = ""
    file_sep: str = ""
    name_pattern: str = ""

    def markers(self) -> tuple[str, ...]:
        return tuple(m for m in (self.prefix, self.suffix, self.middle, self.repo, self.file_sep) if m)


TEXT_FORMATS = (
    FimText(
        "qwen",
        "<|fim_prefix|>",
        "<|fim_suffix|>",
        "<|fim_middle|>",
        "<|repo_name|>",
        "<|file_sep|>",
        r"qwen.*coder",
    ),
    FimText(
        "starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<repo_name>", "<file_sep>", r"starcoder"
    ),
    FimText("deepseek", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "", "", r"deepseek.*coder"),
)


def build_text_prompt(request: CompletionRequest, fim: FimText | None) -> str:
    """The prompt string for a completion request, laid out as `build_prompt` lays out token ids.

    A string prompt cannot insert control tokens by id, so markers that happen to appear in the
    user's text are removed from it: a file must never be able to steer the model's format."""
    if request.prompt is not None:
        return request.prompt
    markers = fim.markers() if fim else ()

    def clean(text: str) -> str:
        for marker in markers:
            text = text.replace(marker, "")
        return text

    if fim is None or not fim.file_sep:
        head = "".join(f"# {clean(c.path)}\n{clean(c.text)}\n" for c in request.extra)
    else:
        head = fim.repo + "workspace\n" if fim.repo and (request.extra or request.path) else ""
        head += "".join(f"{fim.file_sep}{clean(c.path)}\n{clean(c.text)}\n" for c in request.extra)
        head += f"{fim.file_sep}{clean(request.path)}\n" if request.path else ""
    if fim is None:
        return head + request.prefix + request.middle
    return (
        f"{head}{fim.prefix}{clean(request.prefix)}{fim.suffix}{clean(request.suffix)}"
        f"{fim.middle}{clean(request.middle)}"
    )
