"""The in-process llama.cpp backend: one `Llama`, owned by one worker thread.

We drive evaluation and sampling ourselves instead of calling `Llama.generate`/`create_completion`
because they cannot stop between prompt batches and hide what was reused from the KV cache; here a
superseded request stops within one batch, and every request reports the tokens it really evaluated.
The context is made anew with several sequences in one unified KV cache (`engine.sequences`), which
`Llama` itself only does for embeddings. All use of llama-cpp-python internals (`_ctx`,
`_init_sampler`, `context_params`) is confined to this module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from lsp_server.config import ModelSettings, prompt_log_path
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
from lsp_server.engine.fim import FimTokens, build_prompt, read_fim_tokens
from lsp_server.engine.resolve import ResolvedModel
from lsp_server.engine.sequences import N_SEQ, Sequences
from lsp_server.engine.tokens import TokenMemo
from lsp_server.engine.windows import WINDOW_TOKENS, window_tokens
from lsp_server.engine.worker import ModelWorker
from lsp_server.errors import ModelError

log = logging.getLogger(__name__)

# Code-like text for measuring thread counts: what the engine spends its time on.
_CALIBRATION_TEXT = (
    "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n"
    "    return fibonacci(n - 1) + fibonacci(n - 2)\n\n\nclass Cache:\n"
    "    def __init__(self):\n        self.items = {}\n"
)


# Cells beyond the prompt's own context: a quick prompt beside it (a window read ahead, its suffix
# and answer), a window being read, and room to assemble the next prompt from cached runs while
# the old one is still held.
QUICK_CELLS = 2 * WINDOW_TOKENS + 1024
# Passes over a document reading it ahead: a window cut short (too many tokens) leaves a gap.
READ_PASSES = 3
# Background preparation evaluates in smaller steps, so an interactive request waits less for it.
BACKGROUND_STEP = 32
# A model has several tokens that end an answer (end of text, FIM end and pad, …): how many to pass
# over when an answer must go on.
MAX_ENDING_TOKENS = 16


def _thread_candidates() -> list[int]:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return sorted({1, max(1, cores // 2), cores})


class _Utf8Stream:
    """Turns token bytes into text without splitting multi-byte characters across tokens."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, data: bytes) -> str:
        self.pending += data
        for cut in range(len(self.pending), max(len(self.pending) - 4, -1), -1):
            try:
                text = self.pending[:cut].decode("utf-8")
            except UnicodeDecodeError:
                continue
            self.pending = self.pending[cut:]
            return text
        text = self.pending.decode("utf-8", errors="replace")
        self.pending = b""
        return text


class LocalBackend(Backend):
    """A GGUF model loaded in this process."""

    def __init__(self, model: ResolvedModel, settings: ModelSettings) -> None:
        trained = model.gguf.context_length
        if trained is not None and settings.context_size > trained:
            raise ModelError(
                f"context size {settings.context_size} is larger than {model.gguf.name}'s "
                f"trained context of {trained} tokens",
                f"set model.contextSize to at most {trained}",
            )
        self._model = model
        self._settings = settings
        self._worker = ModelWorker()
        self._tokens = TokenMemo(self._tokenize_now)
        self._timings: dict[int, dict[str, float]] = {}
        self._prompt_rate = 0.0  # prompt tokens/s, a running average of what evaluation really took
        # Debugging and benchmarks only: every prompt's token ids and outcome, one JSON line each.
        self._prompt_log = prompt_log_path()
        try:
            self._worker.run(lambda cancel, queued: self._load())
        except BaseException:
            self._worker.close()
            raise

    # -- loading (runs on the worker thread) ---------------------------------------------------

    def _load(self) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self._grammars_ok: set[str] = set()  # grammars llama.cpp has parsed (see _check_grammar)
        settings = self._settings
        threads = settings.threads or 1
        start = time.monotonic()
        try:
            self._llm = llama_cpp.Llama(
                model_path=str(self._model.path),
                n_ctx=settings.context_size,
                n_batch=settings.batch_size,
                n_ubatch=settings.batch_size,
                n_threads=threads,
                n_threads_batch=threads,
                n_gpu_layers=settings.gpu_layers,
                verbose=False,
            )
            self._make_context()
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"llama.cpp could not load {self._model.path}: {exc}") from None
        self.load_seconds = time.monotonic() - start
        llm = self._llm
        self._vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self._fim: FimTokens | None = read_fim_tokens(llama_cpp, llm.model)
        self._bos = [llm.token_bos()] if llama_cpp.llama_vocab_get_add_bos(self._vocab) else []
        self._control = {t for t in vars(self._fim).values() if t >= 0} if self._fim else set()
        if settings.threads:
            self._threads = self._threads_batch = settings.threads
            self._measure_prompt_rate()
        else:
            self._threads, self._threads_batch = self._calibrate()
        self._chat_formatter = self._make_chat_formatter()
        if settings.gpu_layers and not llama_cpp.llama_supports_gpu_offload():
            log.warning(
                "model.gpuLayers is %d but this llama-cpp-python build has no GPU support: the model "
                "runs on the CPU (README, 'On a GPU', says how to build it with CUDA)",
                settings.gpu_layers,
            )
        log.info(
            "loaded %s (%s) in %.1fs: ctx %d, threads %d, FIM %s",
            self._model.gguf.name,
            self._model.path,
            self.load_seconds,
            settings.context_size,
            self._threads,
            "yes" if self._fim else "no (prefix-only)",
        )

    def _make_context(self) -> None:
        """Replace `Llama`'s context by one whose unified KV cache holds several sequences."""
        from llama_cpp import _internals

        llm, settings = self._llm, self._settings
        params = llm.context_params
        # Room to assemble the next prompt while the old one is still held; a long context gets at
        # most 4,096 cells more (a rare overflow clears the cache once rather than costing memory).
        params.n_ctx = settings.context_size + min(settings.context_size, 4096) + QUICK_CELLS
        params.n_seq_max = N_SEQ
        params.kv_unified = True
        context = _internals.LlamaContext(model=llm._model, params=params, verbose=False)
        old, llm._ctx = llm._ctx, context
        old.close()
        llm._stack.enter_context(contextlib.closing(context))
        self._seqs = Sequences(
            self._lib,
            llm.ctx,
            settings.batch_size,
            reuse=settings.cache_reuse,
            memory_bytes=settings.cache_memory_mb << 20,
            read_bytes=settings.read_ahead_mb << 20,
        )

    def _set_threads(self, generation: int, batch: int) -> None:
        self._lib.llama_set_n_threads(self._llm.ctx, generation, batch)

    def _calibrate(self) -> tuple[int, int]:
        """Measure each candidate thread count on prompt batches and on single-token steps; keep
        the fastest for each (llama.cpp takes separate counts for the two).

        On a busy 2-core machine 2 threads were 5x slower than 1, and even on a quiet one the tiny
        model generated twice as fast with 1 thread as with 2: cpu_count() is no guide."""
        candidates = _thread_candidates()
        if len(candidates) == 1:
            self._set_threads(candidates[0], candidates[0])
            return candidates[0], candidates[0]
        tokens = self._tokenize(_CALIBRATION_TEXT)
        seqs = self._seqs
        self._eval_fresh(tokens)  # warm-up: page in the weights
        for n in candidates:
            self._set_threads(n, n)
            start = time.perf_counter()
            self._eval_fresh(tokens)
            batch_s = time.perf_counter() - start
            start = time.perf_counter()
            for i, token in enumerate(tokens[:12]):
                seqs.decode([token], len(tokens) + i, seqs.slots["quick"].seq, True)
            step_s = time.perf_counter() - start
            self._timings[n] = {"prompt": len(tokens) / batch_s, "generation": 12 / step_s}
        seqs.clear()
        batch = max(candidates, key=lambda n: self._timings[n]["prompt"])
        generation = max(candidates, key=lambda n: self._timings[n]["generation"])
        self._set_threads(generation, batch)
        self._prompt_rate = self._timings[batch]["prompt"]
        log.info("thread calibration (tok/s): %s → %d generation, %d batch", self._timings, generation, batch)
        return generation, batch

    def _measure_prompt_rate(self) -> None:
        """The prompt speed decides when a quick first answer is needed: measure it at load
        (which also pages the weights in) rather than guess until the first long prompt."""
        tokens = self._tokenize(_CALIBRATION_TEXT)
        start = time.perf_counter()
        self._eval_fresh(tokens)
        self._prompt_rate = len(tokens) / max(time.perf_counter() - start, 1e-6)
        self._seqs.clear()

    def _eval_fresh(self, tokens: list[int]) -> None:
        self._seqs.clear()
        self._seqs.fill("quick", tokens, lambda: None)

    def _make_chat_formatter(self) -> Any:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._model.gguf.chat_template or (
            "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        )
        special = lambda tok: self._llm.detokenize([tok], special=True).decode("utf-8", "replace")  # noqa: E731
        return Jinja2ChatFormatter(
            template=template,
            eos_token=special(self._llm.token_eos()),
            bos_token=special(self._llm.token_bos()),
        )

    # -- the Backend interface -----------------------------------------------------------------

    def info(self) -> ModelInfo:
        return ModelInfo(
            name=self._model.gguf.name,
            path=str(self._model.path),
            backend="local",
            architecture=self._model.gguf.architecture,
            context_size=self._settings.context_size,
            trained_context=self._model.gguf.context_length,
            fim=self._fim is not None,
            threads=self._threads,
            threads_batch=self._threads_batch,
            source=self._model.source,
            thread_timings=dict(self._timings),
            gpu_layers=self._settings.gpu_layers,
            gpu_offload=bool(self._lib.llama_supports_gpu_offload()),
        )

    @property
    def fim_tokens(self) -> FimTokens | None:
        return self._fim

    def _tokenize(self, text: str, special: bool = False) -> list[int]:
        if not text:
            return []
        return self._tokens(text, special)

    def _tokenize_now(self, text: str, special: bool) -> list[int]:
        return self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenize(text))

    def tokenize_prompt(self, request: CompletionRequest) -> list[int]:
        return build_prompt(request, self._fim, self._tokenize, self._bos)

    def evaluation_cost(self, request: CompletionRequest) -> tuple[int, float] | None:
        """Tokens the request would evaluate now, and the seconds that takes at the measured rate."""
        seqs = getattr(self, "_seqs", None)
        if seqs is None:
            return None
        tokens = self.tokenize_prompt(request)
        cost = seqs.estimate(request.cache_slot, tokens, request.cache_key, request.document)
        return cost, cost / self._prompt_rate if self._prompt_rate > 0 else 0.0

    def cache_report(self) -> dict[str, Any]:
        report = self._seqs.report()
        report["prompt_tokens_per_s"] = round(self._prompt_rate, 1)
        report["queue"] = self._worker.load()
        report["token_memo"] = self._tokens.report()
        return report

    def forget(self, key: str) -> None:
        self._worker.submit(lambda token, queued: self._seqs.forget(key), Priority.INTERACTIVE)

    def window_start(self, key: str, text: str, offset: int) -> int | None:
        return self._seqs.windows.start_for(key, text, offset)

    def _window_lead(self, path: str) -> list[int]:
        """What a short prompt (no other files) has before its prefix's text."""
        head = build_prompt(CompletionRequest(prefix="", path=path), self._fim, self._tokenize, self._bos)
        return head[: head.index(self._fim.prefix) + 1] if self._fim else head

    def read_ahead(self, key: str, text: str, around: int, cancel: CancelToken, path: str = "") -> str:
        seqs = self._seqs
        if not seqs.windows.memory_bytes:
            return "done"

        def stopped() -> str | None:
            if cancel.cancelled:
                return "cancelled"
            return "preempted" if self._worker.interactive_waiting() else None

        def job(token: CancelToken, queued: float) -> str:
            lead = self._window_lead(path)
            for _ in range(READ_PASSES):  # a window cut short leaves a gap for the next pass
                todo = seqs.windows.todo(key, text, around)
                if not todo:
                    break
                for start, end, old in todo:
                    span = text[start:end]
                    tokens, ends = window_tokens(span, self._tokenize(span), self._token_bytes)
                    why = seqs.read_window(
                        key, start, span, lead, tokens, ends, stopped, BACKGROUND_STEP, old
                    )
                    if why:
                        return why
            return "done"

        return self._worker.run(job, Priority.BATCH, cancel)

    def _token_bytes(self, token: int) -> int:
        return len(self._llm.detokenize([token]))

    def complete(
        self, request: CompletionRequest, cancel: CancelToken | None = None, on_text: OnText | None = None
    ) -> Completion:
        tokens = self.tokenize_prompt(request)
        return self._worker.run(
            lambda token, queued: self._generate(tokens, request, token, queued, on_text),
            request.priority,
            cancel,
            request.cache_key if request.priority == Priority.INTERACTIVE else "",
        )

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
        rendered = self._chat_formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
        prompt = rendered.prompt
        bos_text = self._chat_formatter.bos_token
        tokens = self._tokenize(prompt, special=True)
        if self._bos and not (bos_text and prompt.startswith(bos_text)):
            tokens = self._bos + tokens
        request = CompletionRequest(
            prompt=prompt,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            priority=priority,
            json_schema=json_schema,
            stop=tuple(s for s in rendered.stop if s),
        )
        return self._worker.run(
            lambda token, queued: self._generate(tokens, request, token, queued, None), priority, cancel
        )

    def close(self) -> None:
        worker = getattr(self, "_worker", None)
        if worker is not None:
            worker.close()
        seqs = getattr(self, "_seqs", None)
        if seqs is not None:
            seqs.close()
        llm = getattr(self, "_llm", None)
        if llm is not None:
            with contextlib.suppress(Exception):
                llm.close()
            self._llm = None

    # -- generation (runs on the worker thread) -------------------------------------------------

    def _generate(
        self,
        tokens: list[int],
        request: CompletionRequest,
        cancel: CancelToken,
        queued_at: float,
        on_text: OnText | None,
    ) -> Completion:
        n_ctx = self._settings.context_size
        stats = GenerationStats(prompt_tokens=len(tokens), queue_ms=(time.monotonic() - queued_at) * 1000)
        if len(tokens) >= n_ctx:
            raise ModelError(
                f"the prompt has {len(tokens)} tokens but the model runs with a context of {n_ctx}",
                "raise model.contextSize or send less text",
            )
        max_tokens = min(request.max_tokens, n_ctx - len(tokens))

        def stopped() -> str | None:
            if cancel.cancelled:
                return "cancelled"
            if request.deadline is not None and time.monotonic() >= request.deadline:
                return "deadline"
            if request.yield_to_interactive and self._worker.interactive_waiting():
                return "preempted"
            return None

        start = time.monotonic()
        try:
            step = BACKGROUND_STEP if request.yield_to_interactive else 0
            fill = self._seqs.fill(
                request.cache_slot, tokens, stopped, request.cache_key, step, request.document
            )
        finally:
            stats.prompt_ms = (time.monotonic() - start) * 1000
        stats.evaluated_tokens = fill.evaluated
        stats.cached_tokens = fill.plan.reused
        stats.moved_tokens = fill.plan.moved
        if fill.evaluated >= 32 and fill.decode_s > 0 and not step:  # full batches, as requests get
            rate = fill.evaluated / fill.decode_s
            self._prompt_rate = rate if not self._prompt_rate else 0.7 * self._prompt_rate + 0.3 * rate
        if fill.stopped:
            return Completion("", fill.stopped, stats)
        result = self._sample(request, max_tokens, stats, stopped, on_text)
        if self._prompt_log:
            self._log_prompt(tokens, request, result)
        return result

    def _ends(self, token: int) -> bool:
        return bool(self._lib.llama_vocab_is_eog(self._vocab, token)) or token in self._control

    def _first_choice(self, token: int, avoid: Sequence[str]) -> int:
        """The most likely first token that starts none of the rejected answers."""
        banned = {ids[0] for text in avoid if (ids := self._tokenize(text))}
        no_end = "" in avoid
        if token not in banned and not (no_end and self._ends(token)):
            return token
        import numpy as np

        lib = self._lib
        n_vocab = lib.llama_vocab_n_tokens(self._vocab)
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(self._llm.ctx, -1), shape=(n_vocab,)).copy()
        logits[list(banned)] = -np.inf
        for _ in range(MAX_ENDING_TOKENS):
            token = int(np.argmax(logits))
            if not (no_end and self._ends(token)):
                break
            logits[token] = -np.inf
        return token

    def _log_prompt(self, tokens: list[int], request: CompletionRequest, result: Completion) -> None:
        entry = {
            "tokens": tokens,
            "max_tokens": request.max_tokens,
            "stop_reason": result.stop_reason,
            "stats": result.stats.to_dict(),
            "grammar": request.json_schema is not None,
        }
        with open(self._prompt_log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def _check_grammar(self, grammar: Any) -> None:
        """llama.cpp's own parse of the grammar a JSON schema became, before it samples with it:
        one it cannot parse (the Python converter writes some escapes the C parser refuses) would
        be added as a null sampler, and crash the process."""
        text = grammar._grammar
        if text in self._grammars_ok:
            return
        lib = self._lib
        sampler = lib.llama_sampler_init_grammar(
            self._llm._model.vocab, text.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not sampler:
            raise ModelError("llama.cpp could not parse the grammar of the answer's JSON schema")
        lib.llama_sampler_free(sampler)
        self._grammars_ok.add(text)

    def _sample(self, request, max_tokens, stats, stopped, on_text) -> Completion:  # noqa: ANN001
        llm, lib = self._llm, self._lib
        seqs = self._seqs
        slot = seqs.slots[request.cache_slot]
        grammar = None
        if request.json_schema is not None:
            grammar = lib.LlamaGrammar.from_json_schema(json.dumps(request.json_schema), verbose=False)
            self._check_grammar(grammar)
        if request.seed is not None:
            llm.set_seed(request.seed)
        llm._sampler = llm._init_sampler(temp=request.temperature, repeat_penalty=1.0, grammar=grammar)
        stream, text, reason = _Utf8Stream(), "", "length"
        start = time.monotonic()
        try:
            for _ in range(max_tokens):
                halted = stopped()
                if halted:
                    reason = halted
                    break
                token = llm._sampler.sample(llm._ctx, -1)
                if request.avoid_first and not stats.generated_tokens:
                    token = self._first_choice(token, request.avoid_first)
                if self._ends(token):
                    reason = "eos"
                    break
                stats.generated_tokens += 1
                piece = stream.feed(llm.detokenize([token]))
                text += piece
                hit = min((i for s in request.stop if (i := text.find(s)) >= 0), default=-1)
                if hit >= 0:
                    text, reason = text[:hit], "stop"
                    break
                if on_text and piece and on_text(piece):
                    reason = "stop"  # the caller has what it needs
                    break
                try:
                    seqs.decode([token], len(slot.tokens), slot.seq, True)
                except ModelError:
                    seqs.clear()
                    raise
                slot.tokens.append(token)
        finally:
            llm._sampler = None
            stats.generation_ms = (time.monotonic() - start) * 1000
        tail = stream.pending.decode("utf-8", "replace") if reason != "stop" else ""
        return Completion(text + tail, reason, stats)
