"""The in-process engine on real GGUF models: FIM detection, cache reuse, cancellation, JSON."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest

from lsp_server.engine.backend import (
    CancelToken,
    ChatMessage,
    CompletionRequest,
    Priority,
    deadline_in,
)
from lsp_server.engine.local import _thread_candidates
from lsp_server.errors import Cancelled, ModelError
from tests.conftest import make_backend

CODE = (
    "def add(a, b):\n    return a + b\n\n\ndef multiply(a, b):\n    return a * b\n\n\n"
    "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n"
)


class CancelAfter(CancelToken):
    """Reports `cancelled` after a fixed number of checks: a deterministic mid-request cancel.

    The worker checks once before it starts a job, then the engine once per prompt batch and
    once per generated token."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.remaining = checks

    @property
    def cancelled(self) -> bool:
        self.remaining -= 1
        return self.remaining < 0


def test_tiny_model_has_no_fim_and_completes_prefix_only(tiny_backend):
    assert tiny_backend.info().fim is False
    assert tiny_backend.fim_tokens is None
    request = CompletionRequest(
        prefix=CODE, middle="        self.items.", suffix="\n\nSUFFIX_IGNORED = 1\n", max_tokens=8
    )
    tokens = tiny_backend.tokenize_prompt(request)
    assert tokens == tiny_backend.tokenize_prompt(CompletionRequest(prefix=CODE + "        self.items."))
    result = tiny_backend.complete(request)
    assert result.text.strip()
    assert result.stats.prompt_tokens == len(tokens)
    assert result.stats.generated_tokens <= 8


@pytest.mark.default_model
def test_default_model_fim_tokens_come_from_the_vocabulary(default_backend):
    fim = default_backend.fim_tokens
    assert (fim.prefix, fim.suffix, fim.middle) == (151659, 151661, 151660)
    assert (fim.repo, fim.file_sep, fim.pad) == (151663, 151664, 151662)
    request = CompletionRequest(
        prefix="def square(x):\n", middle="    return", suffix="\n\nprint(square(3))\n"
    )
    tokens = default_backend.tokenize_prompt(request)
    assert tokens[0] == fim.prefix and fim.suffix in tokens and fim.middle in tokens
    result = default_backend.complete(request)
    assert "x" in result.text
    assert result.stop_reason in ("eos", "length")


def test_cache_reuse_evaluates_only_the_new_tail(tiny_backend):
    code = "# cache reuse\n" + CODE
    first = tiny_backend.complete(CompletionRequest(prompt=code, max_tokens=1))
    assert first.stats.evaluated_tokens == first.stats.prompt_tokens - first.stats.cached_tokens
    second = tiny_backend.complete(
        CompletionRequest(prompt=code + "        self.items.append(item)\n", max_tokens=1)
    )
    base = len(tiny_backend.tokenize_prompt(CompletionRequest(prompt=code)))
    assert second.stats.cached_tokens >= base - 1
    assert second.stats.evaluated_tokens == second.stats.prompt_tokens - second.stats.cached_tokens
    assert second.stats.evaluated_tokens < 15
    again = tiny_backend.complete(
        CompletionRequest(prompt=code + "        self.items.append(item)\n", max_tokens=1)
    )
    assert again.stats.evaluated_tokens == 1  # identical prompt: one token re-run for fresh logits


def _lines(n: int, tag: str) -> str:
    return "".join(f"def {tag}_{i}(value):\n    return value * {i} + len('{tag}')\n\n" for i in range(n))


def test_a_jump_keeps_cached_spans_at_shifted_positions(tiny_model):
    """The next layout puts new text first and the cached text later: the cached text is moved,
    not evaluated again, and the answer is the same as from a prompt evaluated afresh."""
    body = _lines(20, "body")
    new = _lines(3, "fresh")
    with make_backend(tiny_model) as backend:
        body_tokens = len(backend.tokenize_prompt(CompletionRequest(prompt=body))) - 1  # less the BOS
        backend.complete(CompletionRequest(prompt=body, max_tokens=1, cache_key="a.py"))
        moved = backend.complete(CompletionRequest(prompt=new + body, max_tokens=8, cache_key="a.py"))
    assert moved.stats.moved_tokens >= body_tokens - 30
    assert moved.stats.evaluated_tokens <= moved.stats.prompt_tokens - moved.stats.moved_tokens
    assert moved.stats.evaluated_tokens < moved.stats.prompt_tokens / 2
    with make_backend(tiny_model, cache_reuse=False) as plain:
        plain.complete(CompletionRequest(prompt=body, max_tokens=1))
        fresh = plain.complete(CompletionRequest(prompt=new + body, max_tokens=8))
    assert fresh.stats.moved_tokens == 0
    assert fresh.stats.evaluated_tokens >= fresh.stats.prompt_tokens - 2
    assert moved.text.strip() and fresh.text.strip()


def test_switching_back_to_a_document_restores_its_state(tiny_model):
    first, other = _lines(15, "first"), _lines(15, "other")
    with make_backend(tiny_model) as backend:
        backend.complete(CompletionRequest(prompt=first, max_tokens=2, cache_key="first.py"))
        backend.complete(CompletionRequest(prompt=other, max_tokens=2, cache_key="other.py"))
        back = backend.complete(
            CompletionRequest(prompt=first + "x = 1\n", max_tokens=2, cache_key="first.py")
        )
        report = backend.cache_report()
    assert back.stats.evaluated_tokens <= 8, back.stats
    assert report["documents_restored"] >= 1
    assert 0 < report["memory_used_mb"] <= report["memory_bound_mb"]
    with make_backend(tiny_model, cache_reuse=False) as plain:
        plain.complete(CompletionRequest(prompt=first, max_tokens=2, cache_key="first.py"))
        plain.complete(CompletionRequest(prompt=other, max_tokens=2, cache_key="other.py"))
        again = plain.complete(
            CompletionRequest(prompt=first + "x = 1\n", max_tokens=2, cache_key="first.py")
        )
    assert again.stats.evaluated_tokens >= again.stats.prompt_tokens - 2


def test_saved_states_stay_within_the_memory_bound(tiny_model):
    """Three documents in turn; each state (about 5 MB here) fits the 8 MB bound alone, two do
    not: the older one is dropped when the newer is saved."""
    with make_backend(tiny_model, cache_memory_mb=8) as backend:
        for name in ("a", "b", "c"):
            backend.complete(CompletionRequest(prompt=_lines(12, name), max_tokens=1, cache_key=name))
        report = backend.cache_report()
    assert 0 < report["memory_used_mb"] <= 8
    assert report["documents_saved"] == 1


def test_a_document_read_ahead_in_windows_holds_a_short_prompts_prefix_exactly(tiny_model):
    """Windows of a document evaluated while idle hold the prefix of a short prompt far into it:
    only the rest is evaluated, and the answer is the one a fresh evaluation gives. After an edit
    the window is used up to the edit, and only its rest is read again."""
    doc = _lines(150, "body")
    offset = doc.index("def body_120(")
    edit = doc.index("return value * 110 +")
    edited = doc[:edit] + "return value * 1000 +" + doc[edit + len("return value * 110 +") :]

    def request(text: str, start: int, at: int) -> CompletionRequest:
        return CompletionRequest(
            prefix=text[start:at],
            max_tokens=8,
            cache_slot="quick",
            cache_key="a.py",
            document=text,
            path="a.py",
        )

    with make_backend(tiny_model, read_ahead_mb=256) as backend:
        assert backend.read_ahead("a.py", doc, 0, CancelToken(), "a.py") == "done"
        report = backend.cache_report()
        start = backend.window_start("a.py", doc, offset)
        far = backend.complete(request(doc, start, offset))
        shifted = offset + len(edited) - len(doc)
        edited_start = backend.window_start("a.py", edited, shifted)
        after_edit = backend.complete(request(edited, start, shifted))
        assert backend.read_ahead("a.py", edited, 0, CancelToken(), "a.py") == "done"
        read_again = backend.cache_report()["read_evaluated"] - report["read_evaluated"]
        doc_tokens = backend.count_tokens(doc)
        edit_tokens = backend.count_tokens(doc[start:edit])
        tail_tokens = backend.count_tokens(doc[edit:])
    with make_backend(tiny_model, cache_reuse=False, read_ahead_mb=0) as fresh:
        expected = fresh.complete(request(doc, start, offset))
    assert start is not None and 0 < start < offset and doc[start - 1] == "\n"
    assert doc_tokens <= report["read_tokens"] <= doc_tokens * 2
    assert 0 < report["read_used_mb"] <= report["read_bound_mb"]
    assert far.stats.evaluated_tokens <= 2, far.stats
    assert far.text == expected.text
    # The window holding the prompt's prefix still serves up to the edit.
    assert edited_start is None or edited_start <= start
    cached = after_edit.stats.cached_tokens
    assert edit_tokens - 2 <= cached < after_edit.stats.prompt_tokens, after_edit.stats
    # Only the windows holding the edit are read again, from the edit on.
    assert 0 < read_again <= 2 * tail_tokens, read_again
    assert report["read_windows"] >= 2


def test_a_document_past_its_share_of_the_read_ahead_memory_is_not_read_in_vain(tiny_model):
    """Once a window has shown what a token's state costs, a file with no room left is not
    evaluated again only to be dropped."""
    doc = _lines(150, "body")
    with make_backend(tiny_model, read_ahead_mb=1) as backend:
        first = backend.read_ahead("a.py", doc, 0, CancelToken(), "a.py")
        evaluated = backend.cache_report()["read_evaluated"]
        second = backend.read_ahead("a.py", doc, 0, CancelToken(), "a.py")
        report = backend.cache_report()
    assert first == second == "full"
    assert report["read_evaluated"] == evaluated > 0
    assert report["read_used_mb"] <= report["read_bound_mb"]


class InteractiveArrives(CancelToken):
    """Never cancels; on its third check (the engine's second step) an interactive job arrives."""

    def __init__(self, backend) -> None:
        super().__init__()
        self.backend, self.checks, self.job = backend, 0, None

    @property
    def cancelled(self) -> bool:
        self.checks += 1
        if self.checks == 3:
            self.job = self.backend._worker.submit(lambda token, queued: "ran", Priority.INTERACTIVE)
        return False


def test_background_work_steps_aside_for_an_interactive_request(tiny_model):
    """A preparation stops between steps when an interactive request waits, keeping what it
    evaluated; asked again, it evaluates only the rest."""
    with make_backend(tiny_model) as backend:
        prep = CompletionRequest(
            prompt=_lines(40, "long"), max_tokens=0, priority=Priority.BATCH, yield_to_interactive=True
        )
        token = InteractiveArrives(backend)
        first = backend.complete(prep, token)
        assert first.stop_reason == "preempted"
        assert token.job.result() == "ran"
        rest = backend.complete(prep)
    assert 0 < first.stats.evaluated_tokens < first.stats.prompt_tokens
    assert rest.stop_reason == "length"
    assert rest.stats.cached_tokens >= first.stats.evaluated_tokens
    assert rest.stats.evaluated_tokens == rest.stats.prompt_tokens - rest.stats.cached_tokens


@pytest.mark.default_model
def test_typing_in_the_middle_part_only_appends_tokens(default_backend):
    prefix, suffix = CODE, "\n\n    def pop(self):\n        return self.items.pop()\n"
    line = "        self.items.append(item)"
    evaluated = []
    for cut in range(10, len(line), 4):
        result = default_backend.complete(
            CompletionRequest(prefix=prefix, middle=line[:cut], suffix=suffix, max_tokens=2)
        )
        evaluated.append(result.stats.evaluated_tokens)
    assert max(evaluated[1:]) <= 4, evaluated


def test_cancel_mid_prompt_stops_within_one_batch(tiny_model):
    backend = make_backend(tiny_model, batch_size=32)
    try:
        prompt = CODE * 6
        n_tokens = len(backend.tokenize_prompt(CompletionRequest(prompt=prompt)))
        result = backend.complete(CompletionRequest(prompt=prompt, max_tokens=8), cancel=CancelAfter(1 + 2))
        assert result.stop_reason == "cancelled"
        assert result.stats.evaluated_tokens == 2 * 32 < n_tokens
        assert result.stats.generated_tokens == 0
        # The evaluated batches stay cached: the next request starts from them.
        after = backend.complete(CompletionRequest(prompt=prompt, max_tokens=1))
        assert after.stats.cached_tokens == 64
    finally:
        backend.close()


def test_cancel_mid_generation_keeps_what_was_generated(tiny_backend):
    prompt = "# A list of fruits\nfruits = ["
    result = tiny_backend.complete(
        CompletionRequest(prompt=prompt, max_tokens=50), cancel=CancelAfter(1 + 1 + 5)
    )
    assert result.stop_reason == "cancelled"
    assert result.stats.generated_tokens == 5
    assert result.text


def test_cancel_from_another_thread_during_a_long_prompt(tiny_model):
    backend = make_backend(tiny_model, batch_size=16)
    try:
        prompt = CODE * 12
        n_tokens = len(backend.tokenize_prompt(CompletionRequest(prompt=prompt)))
        cancel = CancelToken()
        timer = threading.Timer(0.3, cancel.cancel)
        timer.start()
        result = backend.complete(CompletionRequest(prompt=prompt, max_tokens=8), cancel=cancel)
        timer.cancel()
        assert result.stop_reason == "cancelled"
        assert result.stats.evaluated_tokens < n_tokens
    finally:
        backend.close()


def test_a_request_cancelled_while_queued_never_runs(tiny_backend):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        tiny_backend.complete(CompletionRequest(prompt="x = ", max_tokens=4), cancel=cancel)


def test_deadline_returns_what_is_ready(tiny_backend):
    result = tiny_backend.complete(
        CompletionRequest(prompt=CODE + "# more\n", max_tokens=16, deadline=deadline_in(-1))
    )
    assert result.stop_reason == "deadline"
    assert result.text == ""


def test_stop_strings_cut_the_text(tiny_backend):
    result = tiny_backend.complete(
        CompletionRequest(prompt="numbers = [1, 2, 3, 4, 5, 6, 7", max_tokens=40, stop=("\n",))
    )
    assert "\n" not in result.text


def test_an_answer_rejected_here_is_not_started_again(default_backend):
    request = CompletionRequest(prefix=CODE, suffix="\n", max_tokens=8)
    first = default_backend.complete(request)
    assert first.text
    again = default_backend.complete(dataclasses.replace(request, avoid_first=(first.text,)))
    tokenize = default_backend._tokenize
    assert again.text and tokenize(again.text)[0] != tokenize(first.text)[0]


def test_an_empty_answer_rejected_here_is_not_given_again(tiny_backend):
    # After a closing sentence, ending the text is among SmolLM2's likeliest answers (the likeliest
    # on some CPUs, not on others: logits differ in the last bits between instruction sets). With
    # the empty answer rejected, every one of these prompts gets text.
    for prompt in ("The end.", "The End.", "Thank you.", "That is all."):
        request = CompletionRequest(prompt=prompt, max_tokens=8)
        again = tiny_backend.complete(dataclasses.replace(request, avoid_first=("",)))
        assert again.stats.generated_tokens >= 1 and again.text, prompt


SCHEMA = {
    "type": "object",
    "properties": {
        "english": {"type": "string"},
        "definition": {"type": "string"},
        "examples": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    },
    "required": ["english", "definition", "examples"],
}


@pytest.mark.parametrize("which", ["tiny", pytest.param("default", marks=pytest.mark.default_model)])
def test_json_schema_output_parses(which, request):
    backend = request.getfixturevalue(f"{which}_backend")
    result = backend.chat(
        [
            ChatMessage("system", "You answer with JSON only."),
            ChatMessage(
                "user",
                "Describe the domain term 'loyalty points' as JSON with english, definition, and examples.",
            ),
        ],
        json_schema=SCHEMA,
        max_tokens=160,
    )
    data = json.loads(result.text)
    assert set(SCHEMA["required"]) <= set(data)
    assert isinstance(data["examples"], list)


def test_interactive_requests_jump_the_batch_queue(tiny_backend):
    order = []
    gate = threading.Event()
    worker = tiny_backend._worker
    blocker = worker.submit(lambda c, q: gate.wait(5), Priority.BATCH)
    batch = worker.submit(lambda c, q: order.append("batch"), Priority.BATCH)
    interactive = worker.submit(lambda c, q: order.append("interactive"), Priority.INTERACTIVE)
    gate.set()
    for future in (blocker, batch, interactive):
        future.result(timeout=10)
    assert order == ["interactive", "batch"]


def test_measured_thread_count_is_one_of_the_candidates(tiny_model):
    backend = make_backend(tiny_model, threads=0)
    try:
        info = backend.info()
        assert info.threads in _thread_candidates() and info.threads_batch in _thread_candidates()
        if len(_thread_candidates()) > 1:
            timings = info.thread_timings
            assert set(timings) == set(_thread_candidates())
            assert info.threads == max(timings, key=lambda n: timings[n]["generation"])
            assert info.threads_batch == max(timings, key=lambda n: timings[n]["prompt"])
    finally:
        backend.close()


def test_context_larger_than_the_model_is_refused(tiny_model):
    with pytest.raises(ModelError, match="trained context of 8192"):
        make_backend(tiny_model, context_size=16384)


def test_prompt_larger_than_the_context_is_a_clear_error(tiny_model):
    backend = make_backend(tiny_model, context_size=256)
    try:
        with pytest.raises(ModelError, match="context of 256"):
            backend.complete(CompletionRequest(prompt=CODE * 10))
        assert backend.complete(CompletionRequest(prompt="x = ", max_tokens=2)).stop_reason  # still serves
    finally:
        backend.close()
