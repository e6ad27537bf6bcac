"""The team backend: the same `Backend` as the in-process engine, answered by a shared server.

llama.cpp's `llama-server` is used natively (`/infill` builds the FIM prompt from Ubiq's context
chunks with the model's own tokens, `/completion` for raw prompts and JSON schemas, `cache_prompt`
so a keystroke re-evaluates only what changed, and its `timings` give the same per-request stats
as the local engine); OpenAI-compatible servers get `/v1/completions` with the model's FIM markers
written into the prompt where the model has them. Chat goes to `/v1/chat/completions` on both.

Calls block the calling thread, like the local engine's; the server runs requests in parallel (its
slots), so there is no local queue: priorities are the server's business.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lsp_server.config import ModelSettings
from lsp_server.engine.backend import (
    Backend,
    CancelToken,
    ChatMessage,
    Completion,
    CompletionRequest,
    GenerationStats,
    ModelInfo,
    OnText,
    Priority,
)
from lsp_server.engine.capabilities import (
    LLAMA_SERVER,
    Capabilities,
    count_from,
    detect,
    estimate_tokens,
    tokenize_body,
)
from lsp_server.engine.fim import build_text_prompt
from lsp_server.engine.http import EventStream, HttpClient, ServerError, StoppedBeforeStart
from lsp_server.errors import ConfigError

log = logging.getLogger(__name__)

# llama-server's stop_type → our stop reasons
_STOP_TYPES = {"eos": "eos", "word": "stop", "limit": "length"}
_FINISH_REASONS = {"stop": "eos", "length": "length"}
MAX_STOP_STRINGS = 4  # the OpenAI API's limit; more are still applied here


def api_key(settings: ModelSettings) -> str:
    """The key from the environment variable the settings name (never from settings themselves)."""
    if not settings.api_key_env:
        return ""
    key = os.environ.get(settings.api_key_env, "")
    if not key:
        raise ConfigError(
            f"model.apiKeyEnv names {settings.api_key_env}, which is not set in the environment",
            f"export {settings.api_key_env}=<the key> before starting Ubiq, or clear model.apiKeyEnv",
        )
    return key


@dataclass
class _Collected:
    """What one stream produced, as it arrives."""

    text: str = ""
    pieces: int = 0
    reason: str = ""
    finished: bool = False  # the server said it was done
    early: bool = False  # we stopped reading: a stop string, or `on_text` had what it needed
    timings: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int | None = None


Extract = Callable[[dict[str, Any], _Collected], str]  # event → new text; records the rest in _Collected


def _native_event(event: dict[str, Any], got: _Collected) -> str:
    if event.get("stop") is True:
        got.finished = True
        got.reason = _STOP_TYPES.get(str(event.get("stop_type", "")), "eos")
        got.timings = event.get("timings") or {}
        if isinstance(event.get("tokens_evaluated"), int):
            got.prompt_tokens = event["tokens_evaluated"]
    return str(event.get("content") or "")


def _openai_event(event: dict[str, Any], got: _Collected) -> str:
    if isinstance(event.get("usage"), dict):
        got.usage = event["usage"]
    if isinstance(event.get("timings"), dict):  # llama-server's OpenAI endpoints add them
        got.timings = event["timings"]
    choices = event.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return ""
    choice = choices[0]
    if choice.get("finish_reason"):
        got.finished = True
        got.reason = _FINISH_REASONS.get(str(choice["finish_reason"]), "eos")
    delta = choice.get("delta")
    text = delta.get("content") if isinstance(delta, dict) else choice.get("text")
    return str(text or "")


class RemoteBackend(Backend):
    """A model served by llama-server or an OpenAI-compatible server at `settings.url`."""

    def __init__(self, settings: ModelSettings) -> None:
        if not settings.url:
            raise ConfigError(
                "model.backend is 'remote' but model.url is empty",
                "set model.url (UBIQ_URL, --url) to the server, e.g. http://127.0.0.1:8080",
            )
        self._settings = settings
        self._http = HttpClient(
            settings.url, api_key(settings), settings.ca_bundle, key_source=settings.api_key_env
        )
        start = time.monotonic()
        try:
            self.caps: Capabilities = detect(self._http, settings)
        except BaseException:
            self._http.close()
            raise
        self.load_seconds = time.monotonic() - start
        self._count = functools.lru_cache(maxsize=512)(self._count_uncached)

    # -- the Backend interface -------------------------------------------------------------------

    def info(self) -> ModelInfo:
        caps = self.caps
        server = {"url": self._http.url, **caps.to_dict()}
        if caps.context_size is None:
            server["notes"] = [
                *caps.notes,
                f"the server does not say its context size: assuming model.contextSize "
                f"({self._settings.context_size})",
            ]
        return ModelInfo(
            name=caps.model,
            path=self._http.url,
            backend="remote",
            architecture="",
            context_size=caps.context_size or self._settings.context_size,
            trained_context=caps.trained_context,
            fim=caps.fim,
            threads=0,
            threads_batch=0,
            source=f"{caps.api} at {self._http.url}",
            server=server,
        )

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return self._count(text)

    def complete(
        self, request: CompletionRequest, cancel: CancelToken | None = None, on_text: OnText | None = None
    ) -> Completion:
        path, body, extract = self._completion_body(request)
        result = self._generate(path, body, extract, request, cancel, on_text)
        if request.max_tokens <= 0:  # a prefill: only the server's cache was wanted
            return replace(result, text="")
        return result

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        priority: Priority = Priority.BATCH,
        cancel: CancelToken | None = None,
        seed: int | None = None,
    ) -> Completion:
        request = CompletionRequest(
            max_tokens=max_tokens, temperature=temperature, priority=priority, seed=seed
        )
        body = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            **self._common(request, openai=True),
        }
        if json_schema is None:
            return self._generate("/v1/chat/completions", body, _openai_event, request, cancel, None)
        try:
            body["response_format"] = self._response_format(json_schema)
            return self._generate("/v1/chat/completions", body, _openai_event, request, cancel, None)
        except ServerError as exc:
            # llama-cpp-python's server knows only {"type": "json_object", "schema": …}: fall back
            # once and remember, so later requests go straight to the form that works.
            rejected = exc.status in (400, 422) or (exc.status == 500 and "response_format" in exc.message)
            if not rejected or self.caps.schema_form != "json_schema":
                raise
            log.info(
                "%s rejects response_format json_schema; using json_object with a schema", self._http.url
            )
            self.caps = replace(self.caps, schema_form="json_object")
            body["response_format"] = self._response_format(json_schema)
            return self._generate("/v1/chat/completions", body, _openai_event, request, cancel, None)

    def close(self) -> None:
        self._http.close()

    # -- requests --------------------------------------------------------------------------------

    def _common(self, request: CompletionRequest, openai: bool) -> dict[str, Any]:
        """Fields every generation request carries; `openai` for the /v1/ endpoints."""
        # At least one token: a prefill (max_tokens 0) only wants the prompt in the server's cache,
        # and several servers read 0 as "until the context is full".
        n = max(request.max_tokens, 1)
        body: dict[str, Any] = {"temperature": request.temperature, "stream": True}
        if request.seed is not None:
            body["seed"] = request.seed  # llama-server and OpenAI both take it
        if openai:
            body.update(model=self.caps.model_id, max_tokens=n, stream_options={"include_usage": True})
            if request.stop:
                body["stop"] = list(request.stop)[:MAX_STOP_STRINGS]
        else:
            body.update(n_predict=n, stop=list(request.stop))
        if self.caps.api == LLAMA_SERVER:
            body["cache_prompt"] = True
            if request.deadline is not None:
                # The server stops on its own at our deadline even if it misses the closed stream.
                body["t_max_predict_ms"] = max(1, int((request.deadline - time.monotonic()) * 1000))
        return body

    def _completion_body(self, request: CompletionRequest) -> tuple[str, dict[str, Any], Extract]:
        caps = self.caps
        body = self._common(request, openai=caps.api != LLAMA_SERVER)
        if caps.api == LLAMA_SERVER:
            if request.json_schema is not None:
                body["json_schema"] = request.json_schema
            if request.prompt is None and caps.fim:
                body.update(
                    input_prefix=request.prefix,
                    input_suffix=request.suffix,
                    input_extra=[{"filename": c.path, "text": c.text} for c in request.extra],
                    prompt=request.middle,
                )
                return "/infill", body, _native_event
            body["prompt"] = build_text_prompt(request, None)
            return "/completion", body, _native_event
        if request.json_schema is not None:
            body["response_format"] = self._response_format(request.json_schema)
        body["prompt"] = build_text_prompt(request, caps.fim_text)
        return "/v1/completions", body, _openai_event

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.caps.schema_form == "json_object":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}

    def _generate(
        self,
        path: str,
        body: dict[str, Any],
        extract: Extract,
        request: CompletionRequest,
        cancel: CancelToken | None,
        on_text: OnText | None,
    ) -> Completion:
        started = time.monotonic()
        got = _Collected()
        try:
            stream = self._http.stream(path, body, cancel, request.deadline)
        except StoppedBeforeStart as stopped:
            return Completion("", stopped.reason, GenerationStats())
        log.debug("%s %s: %s", self._http.url, path, body)
        try:
            self._read(stream, extract, request, on_text, got)
        finally:
            stream.close(finished=got.finished and not got.early)
        if stream.stopped:
            reason = stream.stopped
        elif got.early:
            reason = "stop"
        elif got.finished or stream.done:
            reason = got.reason or "eos"
        else:
            raise ServerError(
                f"{self._http.url} closed the stream of {path} before the end",
                "the server may have stopped or restarted; the next request reconnects",
            )
        return Completion(got.text, reason, self._stats(got, stream, started))

    @staticmethod
    def _read(
        stream: EventStream,
        extract: Extract,
        request: CompletionRequest,
        on_text: OnText | None,
        got: _Collected,
    ) -> None:
        """Gather text, applying stop strings and `on_text` here too: a server may allow fewer stop
        strings than asked for, and the caller may have what it needs before any stop string."""
        for event in stream:
            piece = extract(event, got)
            if not piece:
                continue
            got.pieces += 1
            got.text += piece
            hit = min((i for s in request.stop if (i := got.text.find(s)) >= 0), default=-1)
            if hit >= 0:
                got.text, got.early = got.text[:hit], True
                return
            if on_text is not None and on_text(piece):
                got.early = True
                return

    @staticmethod
    def _stats(got: _Collected, stream: EventStream, started: float) -> GenerationStats:
        """The server's own accounting where it gives one (llama-server's `timings`, OpenAI
        `usage`); else what the client saw: time to the first event, then the rest."""
        ended = time.monotonic()
        first = stream.first_event_at or ended
        stats = GenerationStats(
            prompt_ms=(first - started) * 1000,
            generation_ms=(ended - first) * 1000,
            generated_tokens=got.pieces,
        )
        usage, timings = got.usage, got.timings
        if usage:
            stats.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            details = usage.get("prompt_tokens_details") or {}
            stats.cached_tokens = int(details.get("cached_tokens") or 0)
            stats.evaluated_tokens = stats.prompt_tokens - stats.cached_tokens
            stats.generated_tokens = int(usage.get("completion_tokens") or stats.generated_tokens)
        if timings:
            stats.cached_tokens = int(timings.get("cache_n") or 0)
            stats.evaluated_tokens = int(timings.get("prompt_n") or 0)
            stats.prompt_tokens = got.prompt_tokens or stats.cached_tokens + stats.evaluated_tokens
            stats.generated_tokens = int(timings.get("predicted_n") or stats.generated_tokens)
            stats.prompt_ms = float(timings.get("prompt_ms") or 0.0)
            stats.generation_ms = float(timings.get("predicted_ms") or 0.0)
            # The rest of the wall time: the network, and waiting for a free slot.
            stats.queue_ms = max(0.0, (ended - started) * 1000 - stats.prompt_ms - stats.generation_ms)
        return stats

    def _count_uncached(self, text: str) -> int:
        if not self.caps.tokenizer:
            return estimate_tokens(text)
        count = count_from(self._http.post_json(self.caps.tokenizer, tokenize_body(text, self.caps.model_id)))
        if count is None:
            return estimate_tokens(text)
        return max(0, count - self.caps.token_baseline)
