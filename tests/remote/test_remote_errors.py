"""Every way a team server can fail is one clear ModelError naming the server and what to check,
never a hang: closed port, wrong path, refused key, 5xx, malformed or cut streams, TLS, silence."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from lsp_server.config import ModelSettings
from lsp_server.engine.backend import CancelToken, CompletionRequest, deadline_in
from lsp_server.engine.remote import RemoteBackend
from lsp_server.errors import ConfigError, ModelError
from tests.remote.conftest import ServerProcess, free_port
from tests.remote.fake_server import event, fake_server, piece, send_json, start_events

REQUEST = CompletionRequest(prompt="def add(a, b):\n", max_tokens=8)


def remote(url: str, **overrides: object) -> RemoteBackend:
    return RemoteBackend(ModelSettings(backend="remote", url=url, context_size=2048, **overrides))


def test_closed_port_is_refused_with_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelError) as caught:
        remote(url)
    assert "connection refused" in caught.value.message and url in caught.value.message
    assert "model.url" in caught.value.hint


def test_wrong_path_names_the_missing_endpoint(openai_server: ServerProcess):
    with pytest.raises(ModelError) as caught:
        remote(openai_server.url + "/nope")
    assert "/v1/models" in caught.value.message and "404" in caught.value.message
    assert "base URL" in caught.value.hint


def test_empty_url_and_unset_key_variable_say_what_to_set(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ConfigError, match="model.url is empty"):
        remote("")
    monkeypatch.delenv("UBIQ_TEST_NO_SUCH_KEY", raising=False)
    with pytest.raises(ConfigError, match="UBIQ_TEST_NO_SUCH_KEY"):
        remote("http://127.0.0.1:1", api_key_env="UBIQ_TEST_NO_SUCH_KEY")


def test_401_names_the_key_variable_and_never_the_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UBIQ_TEST_KEY", "s3cret-key")
    with fake_server(unauthorized=True) as (url, server), pytest.raises(ModelError) as caught:
        remote(url, api_key_env="UBIQ_TEST_KEY")
    assert server.authorizations[0] == "Bearer s3cret-key"
    assert "401" in caught.value.message and url in caught.value.message
    assert "UBIQ_TEST_KEY" in caught.value.hint
    assert "s3cret" not in str(caught.value)
    with fake_server(unauthorized=True) as (url, server), pytest.raises(ModelError) as caught:
        remote(url)
    assert server.authorizations[0] is None
    assert "model.apiKeyEnv" in caught.value.hint


def test_server_error_points_to_its_log():
    def fail(handler):
        send_json(handler, 500, {"error": {"message": "out of memory"}})

    with fake_server({"/v1/completions": fail}) as (url, _), pytest.raises(ModelError) as caught:
        remote(url).complete(REQUEST)
    assert "500" in caught.value.message and "out of memory" in caught.value.message
    assert "log" in caught.value.hint


def test_malformed_stream():
    def malformed(handler):
        start_events(handler)
        event(handler, piece("x"))
        event(handler, "{this is not json")

    with fake_server({"/v1/completions": malformed}) as (url, _), pytest.raises(ModelError) as caught:
        remote(url).complete(REQUEST)
    assert "malformed" in caught.value.message and url in caught.value.message


def test_stream_cut_before_the_end():
    def truncated(handler):
        start_events(handler)
        event(handler, piece("return"))  # then the connection closes: no finish_reason, no [DONE]

    with fake_server({"/v1/completions": truncated}) as (url, _), pytest.raises(ModelError) as caught:
        remote(url).complete(REQUEST)
    assert "before the end" in caught.value.message
    assert "reconnects" in caught.value.hint


@pytest.mark.parametrize("how", ["cancel", "deadline"])
def test_silent_server_cannot_hang_a_cancel_or_a_deadline(how: str):
    """A server evaluating a long prompt sends nothing; cancelling must still end the request."""

    def silent(handler):
        start_events(handler)
        handler.wfile.flush()
        server.release.wait(120)

    with fake_server({"/v1/completions": silent}) as (url, server):
        backend = remote(url)
        cancel = CancelToken()
        request = CompletionRequest(prompt="x", max_tokens=8)
        if how == "cancel":
            threading.Timer(0.3, cancel.cancel).start()
        else:
            request.deadline = deadline_in(300)
        result = backend.complete(request, cancel)
        assert result.stop_reason == ("cancelled" if how == "cancel" else "deadline")
        assert result.text == ""


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not found")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_is_verified_and_a_ca_bundle_can_be_trusted(certificate: tuple[Path, Path]):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with fake_server(tls=context) as (url, _):
        with pytest.raises(ModelError) as caught:
            remote(url)
        assert "not trusted" in caught.value.message and "model.caBundle" in caught.value.hint
        backend = remote(url, ca_bundle=str(cert))
        assert backend.info().name == "fake-model"
        backend.close()
    with pytest.raises(ConfigError, match="caBundle"):
        remote(url, ca_bundle=str(cert.parent / "missing.pem"))
