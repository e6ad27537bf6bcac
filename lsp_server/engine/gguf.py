"""Check a GGUF file's structure before llama.cpp sees it, and read the metadata we need.

llama.cpp's GGUF parser has had many memory-safety bugs, so a file we did not verify by hash is
first walked here, in Python, with hard limits: magic, version, every metadata value, every
tensor descriptor, and that the file is long enough to hold all tensor data (a truncated
download is the most common corruption). Only then is it handed to llama.cpp.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from lsp_server.errors import ModelError

MAGIC = b"GGUF"
MAX_STRING = 64 << 20  # the largest strings are tokenizer merges/chat templates, far below this
MAX_ARRAY = 1 << 24
MAX_COUNT = 1 << 20  # tensors / metadata entries
MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_GGML_TYPE = 63  # ids past this are no ggml type (llama.cpp has about 40)
MAX_ELEMENTS = (1 << 63) - 1  # tensor sizes are int64 in llama.cpp

# ggml type id → (elements per block, bytes per block). Unknown ids skip the size check only.
GGML_TYPES: dict[int, tuple[int, int]] = {
    0: (1, 4),
    1: (1, 2),
    2: (32, 18),
    3: (32, 20),
    6: (32, 22),
    7: (32, 24),
    8: (32, 34),
    9: (32, 36),
    10: (256, 84),
    11: (256, 110),
    12: (256, 144),
    13: (256, 176),
    14: (256, 210),
    15: (256, 292),
    16: (256, 66),
    17: (256, 74),
    18: (256, 98),
    19: (256, 50),
    20: (32, 18),
    21: (256, 110),
    22: (256, 82),
    23: (256, 136),
    24: (1, 1),
    25: (1, 2),
    26: (1, 4),
    27: (1, 8),
    28: (1, 8),
    29: (256, 56),
    30: (1, 2),
    34: (256, 54),
    35: (256, 66),
}

# GGUF metadata value types
_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
# Metadata keys worth keeping (arrays such as the vocabulary are skipped, not stored).
_KEEP_PREFIXES = ("general.", "tokenizer.chat_template", "tokenizer.ggml.model")
_KEEP_SUFFIXES = (".context_length", ".block_count", ".embedding_length")


@dataclass
class GgufInfo:
    """What the checked header of a GGUF file says; only the metadata Ubiq reads is kept."""

    path: Path
    version: int
    file_size: int
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if isinstance(value, int) else None

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get("tokenizer.chat_template")
        return value if isinstance(value, str) else None


class _Reader:
    def __init__(self, handle: BinaryIO, path: Path, size: int) -> None:
        self.handle, self.path, self.size = handle, path, size

    def read(self, n: int) -> bytes:
        data = self.handle.read(n)
        if len(data) != n:
            raise ModelError(
                f"{self.path} is truncated: its header ends at byte {self.handle.tell()} of {self.size}",
                "download or reinstall the model file",
            )
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.unpack("<Q")
        if n > MAX_STRING:
            raise ModelError(f"{self.path} is corrupt: a string of {n} bytes in its header")
        return self.read(n).decode("utf-8", errors="replace")

    def skip(self, n: int) -> None:
        if self.handle.tell() + n > self.size:
            self.read(self.size + 1)  # raises the truncation error
        self.handle.seek(n, 1)

    def value(self, vtype: int, keep: bool) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item_type, count = self.unpack("<I"), self.unpack("<Q")
            if count > MAX_ARRAY:
                raise ModelError(f"{self.path} is corrupt: an array of {count} items in its header")
            if item_type in _SCALARS and not keep:
                self.skip(count * struct.calcsize(_SCALARS[item_type]))
                return None
            items = [self.value(item_type, keep) for _ in range(count)]
            return items if keep else None
        raise ModelError(f"{self.path} is corrupt: unknown metadata type {vtype}")


def inspect_gguf(path: Path) -> GgufInfo:
    """Validate the file's structure and return its metadata; raise ModelError on any problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except FileNotFoundError:
        raise ModelError(
            f"model file not found: {path}", "check the model path (`ubiq models` lists packs)"
        ) from None
    except IsADirectoryError:
        raise ModelError(f"model path is a directory, not a GGUF file: {path}") from None
    except PermissionError:
        raise ModelError(f"model file is not readable: {path}", "check its permissions") from None
    except OSError as exc:
        raise ModelError(f"cannot open model file {path}: {exc.strerror or exc}") from None
    with handle:
        reader = _Reader(handle, path, size)
        head = handle.read(4)
        if head != MAGIC:
            raise ModelError(
                f"{path} is not a GGUF model file (it starts with {head!r}, not b'GGUF')",
                "point Ubiq at a .gguf file",
            )
        version = reader.unpack("<I")
        if version not in (2, 3):
            raise ModelError(f"{path} has GGUF version {version}; Ubiq reads versions 2 and 3")
        n_tensors, n_kv = reader.unpack("<Q"), reader.unpack("<Q")
        if n_tensors > MAX_COUNT or n_kv > MAX_COUNT:
            raise ModelError(f"{path} is corrupt: {n_tensors} tensors, {n_kv} metadata entries")
        metadata: dict[str, Any] = {}
        for _ in range(n_kv):
            key = reader.string()
            keep = key.startswith(_KEEP_PREFIXES) or key.endswith(_KEEP_SUFFIXES)
            value = reader.value(reader.unpack("<I"), keep)
            if keep:
                metadata[key] = value
        alignment = metadata.get("general.alignment", 32)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise ModelError(f"{path} is corrupt: alignment {alignment!r}")
        data_end = 0
        names: set[str] = set()
        for _ in range(n_tensors):
            name = reader.string()
            if name in names:  # the patterns of llama.cpp's GGUF parser CVEs: refused before it runs
                raise ModelError(f"{path} is corrupt: two tensors named {name!r}")
            names.add(name)
            n_dims = reader.unpack("<I")
            if n_dims > MAX_DIMS:
                raise ModelError(f"{path} is corrupt: tensor {name!r} has {n_dims} dimensions")
            elements = 1
            for _ in range(n_dims):
                elements *= reader.unpack("<Q")
                if elements > MAX_ELEMENTS:
                    raise ModelError(f"{path} is corrupt: tensor {name!r} is too large to address")
            ggml_type, offset = reader.unpack("<I"), reader.unpack("<Q")
            if ggml_type > MAX_GGML_TYPE:
                raise ModelError(f"{path} is corrupt: tensor {name!r} has type {ggml_type}")
            if offset % alignment:
                raise ModelError(f"{path} is corrupt: tensor {name!r} is not aligned to {alignment} bytes")
            block = GGML_TYPES.get(ggml_type)
            if block is not None:
                blocks, rest = divmod(elements, block[0])
                if rest:
                    raise ModelError(f"{path} is corrupt: tensor {name!r} does not fill its blocks")
                data_end = max(data_end, offset + blocks * block[1])
        header_end = handle.tell()
        data_start = (header_end + alignment - 1) // alignment * alignment
        if data_start + data_end > size:
            raise ModelError(
                f"{path} is truncated: its tensors need {data_start + data_end:,} bytes, "
                f"the file has {size:,}",
                "download or reinstall the model file",
            )
    return GgufInfo(path=path, version=version, file_size=size, tensor_count=n_tensors, metadata=metadata)
