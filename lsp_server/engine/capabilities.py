"""What a remote inference server offers, found out once at start: which API, which endpoints,
fill-in-the-middle, the tokenizer, the context size and the model's name.

llama.cpp's `llama-server` answers `/props`; anything else is treated as OpenAI-compatible (vLLM,
Ollama, LM Studio, `python -m llama_cpp.server`) and described by `/v1/models` plus probes.
"""

from __future__ import annotations

import logging
import math
import posixpath
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from lsp_server.config import ModelSettings
from lsp_server.engine.fim import TEXT_FORMATS, FimText
from lsp_server.engine.http import HttpClient, ServerError
from lsp_server.errors import ConfigError

log = logging.getLogger(__name__)

LLAMA_SERVER = "llama-server"
OPENAI = "openai"
# Tokenize endpoints, most specific first: llama-cpp-python's server, then llama-server and vLLM.
_TOKENIZERS = ("/extras/tokenize", "/tokenize")
CHARS_PER_TOKEN = 3.0  # for servers that cannot count: code averages 3-4 characters a token


@dataclass(frozen=True)
class Capabilities:
    """What `detect` found out about a remote server, so that requests are shaped for it without
    asking again."""

    api: str  # LLAMA_SERVER | OPENAI
    model: str  # the name shown to people
    model_id: str  # the `model` field of OpenAI requests
    owned_by: str = ""  # what /v1/models says of the model: "llamacpp", "vllm", "me" (llama-cpp-python)…
    context_size: int | None = None  # per request (slot), as the server reports it
    trained_context: int | None = None
    fim: bool = False
    fim_text: FimText | None = None  # OpenAI completions: the markers written into the prompt
    tokenizer: str = ""  # endpoint path, "" = estimated from the length
    token_baseline: int = 0  # tokens the tokenizer adds to any text (a BOS)
    slots: int | None = None  # parallel requests the server runs (llama-server --parallel)
    endpoints: tuple[str, ...] = ()
    schema_form: str = "json_schema"  # response_format type the chat endpoint accepts
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fim_format"] = (
            "infill"
            if self.api == LLAMA_SERVER and self.fim
            else (self.fim_text.name if self.fim_text else "")
        )
        del data["fim_text"]
        return data


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def detect(http: HttpClient, settings: ModelSettings) -> Capabilities:
    """Ask the server what it is; raise ServerError/ConfigError with what to fix."""
    try:
        props = http.get_json("/props")
    except ServerError as exc:
        if exc.status not in (404, 405):
            raise
        props = None
    if isinstance(props, dict) and "default_generation_settings" in props:
        caps = _llama_server(http, props)
    else:
        caps = _openai(http, settings)
    log.info(
        "remote model %s at %s: %s API, FIM %s, context %s, tokenizer %s",
        caps.model,
        http.url,
        caps.api,
        caps.to_dict()["fim_format"] or "no",
        caps.context_size or "unknown",
        caps.tokenizer or "estimated",
    )
    return caps


def _first_model(models: Any) -> dict[str, Any]:
    data = models.get("data") if isinstance(models, dict) else None
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}


def _llama_server(http: HttpClient, props: dict[str, Any]) -> Capabilities:
    settings = props.get("default_generation_settings") or {}
    path = str(props.get("model_path") or "")
    meta = _first_model(_optional(http.get_json, "/v1/models")).get("meta") or {}
    fim = _infill_works(http)
    endpoints = ["/props", "/v1/models", "/completion", "/tokenize", "/v1/chat/completions"]
    if fim:
        endpoints.insert(2, "/infill")
    return Capabilities(
        api=LLAMA_SERVER,
        model=posixpath.basename(str(props.get("model_alias") or path)) or "llama-server",
        model_id=str(props.get("model_alias") or path),
        owned_by="llamacpp",
        context_size=_int(settings.get("n_ctx")) or _int(meta.get("n_ctx")),
        trained_context=_int(meta.get("n_ctx_train")),
        fim=fim,
        tokenizer="/tokenize",
        slots=_int(props.get("total_slots")),
        endpoints=tuple(endpoints),
    )


def _infill_works(http: HttpClient) -> bool:
    """llama-server refuses /infill (501) for a model without FIM tokens: ask it with one token."""
    body = {"input_prefix": "", "input_suffix": "", "prompt": "", "n_predict": 1, "cache_prompt": False}
    try:
        http.post_json("/infill", body)
    except ServerError as exc:
        if exc.status in (400, 404, 501):
            return False
        raise
    return True


def _openai(http: HttpClient, settings: ModelSettings) -> Capabilities:
    models = http.get_json("/v1/models")
    data = models.get("data") if isinstance(models, dict) else None
    if not isinstance(data, list) or not data:
        raise ServerError(
            f"{http.url}/v1/models lists no model",
            "is model.url an OpenAI-compatible server with a model loaded?",
        )
    ids = [str(m.get("id", "")) for m in data if isinstance(m, dict)]
    wanted = settings.remote_model
    if wanted and wanted not in ids:
        raise ConfigError(
            f"model.remoteModel {wanted!r} is not served by {http.url}",
            f"it serves: {', '.join(ids[:10])}",
        )
    chosen = data[ids.index(wanted)] if wanted else data[0]
    model_id = str(chosen.get("id", ""))
    meta = chosen.get("meta") or {}
    context = (
        _int(chosen.get("max_model_len")) or _int(meta.get("n_ctx")) or _int(chosen.get("context_length"))
    )
    caps = Capabilities(
        api=OPENAI,
        model=posixpath.basename(model_id.rstrip("/")) or model_id,
        model_id=model_id,
        owned_by=str(chosen.get("owned_by", "")),
        context_size=context,
        trained_context=_int(meta.get("n_ctx_train")),
        endpoints=("/v1/models", "/v1/completions", "/v1/chat/completions"),
    )
    caps = _with_tokenizer(http, caps)
    fim = _text_fim(http, caps)
    if fim is not None:
        caps = replace(caps, fim=True, fim_text=fim)
    return caps


def _with_tokenizer(http: HttpClient, caps: Capabilities) -> Capabilities:
    for path in _TOKENIZERS:
        try:
            count = _count_with(http, path, caps.model_id, "")
        except ServerError as exc:
            if exc.status is not None and exc.status < 500:
                continue  # no such endpoint here, or another server's body shape
            raise
        if count is not None:
            return replace(caps, tokenizer=path, token_baseline=count, endpoints=(*caps.endpoints, path))
    caps.notes.append("no tokenize endpoint: token counts are estimated from text length")
    return caps


def tokenize_body(text: str, model_id: str) -> dict[str, Any]:
    """One body every known tokenize endpoint reads its own fields from: `content` (llama-server),
    `input` (llama-cpp-python), `prompt` (vLLM); servers ignore the others."""
    return {
        "content": text,
        "input": text,
        "prompt": text,
        "model": model_id,
        "add_special": False,
        "add_special_tokens": False,
    }


def count_from(answer: Any) -> int | None:
    if isinstance(answer, dict):
        if isinstance(answer.get("tokens"), list):
            return len(answer["tokens"])
        if isinstance(answer.get("count"), int):
            return answer["count"]
    return None


def _count_with(http: HttpClient, path: str, model_id: str, text: str) -> int | None:
    return count_from(http.post_json(path, tokenize_body(text, model_id)))


def _text_fim(http: HttpClient, caps: Capabilities) -> FimText | None:
    """The FIM format whose markers are single tokens of this model (asked of the server's
    tokenizer); without a tokenizer, the format the model's name suggests."""
    if not caps.tokenizer:
        for fmt in TEXT_FORMATS:
            if fmt.name_pattern and re.search(fmt.name_pattern, caps.model_id, re.IGNORECASE):
                caps.notes.append(f"FIM format {fmt.name} guessed from the model's name")
                return fmt
        return None
    single: Callable[[str], bool] = lambda marker: (  # noqa: E731
        _count_with(http, caps.tokenizer, caps.model_id, marker) == caps.token_baseline + 1
    )
    for fmt in TEXT_FORMATS:
        if all(single(m) for m in (fmt.prefix, fmt.suffix, fmt.middle)):
            # Repository markers only where they are tokens too, never as literal text.
            return replace(
                fmt,
                repo=fmt.repo if fmt.repo and single(fmt.repo) else "",
                file_sep=fmt.file_sep if fmt.file_sep and single(fmt.file_sep) else "",
            )
    return None


def _optional(call: Callable[[str], Any], path: str) -> Any:
    try:
        return call(path)
    except ServerError as exc:
        if exc.status is None or exc.status >= 500:
            raise
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
