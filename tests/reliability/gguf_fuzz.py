"""Mutated GGUF headers: truncations, absurd counts, bad types, sizes that overflow, and the
patterns of llama.cpp's published GGUF parser CVEs (huge string and array lengths, too many
dimensions, out-of-range tensor types, element counts past int64, duplicate tensor names,
misaligned offsets, a zero or odd alignment). Each mutation is invalid by construction; the file
is the real model's header over a sparse body of the real size, so building one costs nothing.
Shared by tests/reliability/test_gguf_fuzz.py and benchmarks/reliability.py."""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from pathlib import Path

SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY = 8, 9


@dataclass
class Layout:
    """Where the fields of a GGUF header are (byte offsets), read independently of the validator."""

    size: int
    header_end: int
    kv_types: list[int]  # offset of each metadata value's type
    string_lengths: list[int]  # offset of each string's length (keys, values, tensor names)
    array_counts: list[int]
    alignment_value: int | None  # offset of general.alignment's value, if present
    n_dims: list[int]
    dims: list[int]
    tensor_types: list[int]
    tensor_offsets: list[int]
    tensor_names: list[tuple[int, int]]  # (offset, length) of each tensor's name bytes


def layout(path: Path) -> tuple[bytes, Layout]:
    data = path.read_bytes() if path.stat().st_size < (64 << 20) else _head(path)
    pos = 24
    kv_types, strings, arrays, n_dims, dims, types, offsets, names = [], [], [], [], [], [], [], []
    alignment_value = None

    def u(fmt: str) -> int:
        nonlocal pos
        value = struct.unpack_from(fmt, data, pos)[0]
        pos += struct.calcsize(fmt)
        return value

    def string() -> tuple[int, int]:
        nonlocal pos
        strings.append(pos)
        n = u("<Q")
        start = pos
        pos += n
        return start, n

    def value(vtype: int) -> None:
        nonlocal pos
        if vtype in SCALARS:
            pos += SCALARS[vtype]
        elif vtype == STRING:
            string()
        elif vtype == ARRAY:
            item = u("<I")
            arrays.append(pos)
            count = u("<Q")
            for _ in range(count):
                value(item)

    n_tensors, n_kv = struct.unpack_from("<QQ", data, 8)
    for _ in range(n_kv):
        start, n = string()
        key = data[start : start + n]
        kv_types.append(pos)
        vtype = u("<I")
        if key == b"general.alignment":
            alignment_value = pos
        value(vtype)
    for _ in range(n_tensors):
        names.append(string())
        n_dims.append(pos)
        count = u("<I")
        for _ in range(count):
            dims.append(pos)
            u("<Q")
        types.append(pos)
        u("<I")
        offsets.append(pos)
        u("<Q")
    return data[:pos], Layout(path.stat().st_size, pos, kv_types, strings, arrays, alignment_value,
                              n_dims, dims, types, offsets, names)  # fmt: skip


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64 << 20)


@dataclass
class Mutation:
    kind: str
    header: bytes
    size: int  # the file's size (a truncation makes it the cut)


def _put(header: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(header)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def mutations(header: bytes, at: Layout, count: int, seed: int = 1) -> list[Mutation]:
    rng = random.Random(seed)
    made: list[Mutation] = []
    kinds = ["truncated", "counts", "kv-type", "string-length", "array-count", "n-dims", "dim-overflow",
             "tensor-type", "tensor-offset", "duplicate-name", "alignment", "version"]  # fmt: skip
    for index in range(count):
        kind = kinds[index % len(kinds)]
        size = at.size
        if kind == "truncated":
            cut = rng.randrange(4, at.header_end)
            made.append(Mutation(kind, header[:cut], cut))
            continue
        if kind == "counts":
            field = rng.choice([8, 16])
            value = rng.choice([2**64 - 1, 2**63, 1 << 40, (1 << 20) + 1])
            made.append(Mutation(kind, _put(header, field, "<Q", value), size))
            continue
        if kind == "kv-type":
            made.append(
                Mutation(
                    kind, _put(header, rng.choice(at.kv_types), "<I", rng.choice([13, 99, 2**32 - 1])), size
                )
            )
            continue
        if kind == "string-length":
            value = rng.choice([2**64 - 1, 2**63, 1 << 40, (64 << 20) + 1])
            made.append(Mutation(kind, _put(header, rng.choice(at.string_lengths), "<Q", value), size))
            continue
        if kind == "array-count" and at.array_counts:
            value = rng.choice([2**64 - 1, 2**62, (1 << 24) + 1])
            made.append(Mutation(kind, _put(header, rng.choice(at.array_counts), "<Q", value), size))
            continue
        if kind == "n-dims":
            made.append(
                Mutation(
                    kind, _put(header, rng.choice(at.n_dims), "<I", rng.choice([5, 64, 2**32 - 1])), size
                )
            )
            continue
        if kind == "dim-overflow":
            made.append(
                Mutation(
                    kind,
                    _put(header, rng.choice(at.dims), "<Q", rng.choice([2**63, 2**64 - 1, 1 << 62])),
                    size,
                )
            )
            continue
        if kind == "tensor-type":
            made.append(
                Mutation(
                    kind,
                    _put(header, rng.choice(at.tensor_types), "<I", rng.choice([64, 1000, 2**32 - 1])),
                    size,
                )
            )
            continue
        if kind == "tensor-offset":
            choice = rng.choice(["huge", "misaligned"])
            where = rng.choice(at.tensor_offsets)
            old = struct.unpack_from("<Q", header, where)[0]
            value = rng.choice([2**64 - 32, at.size]) if choice == "huge" else old + rng.choice([1, 3, 17])
            made.append(Mutation(f"tensor-offset-{choice}", _put(header, where, "<Q", value), size))
            continue
        if kind == "duplicate-name":
            (a, n), (b, m) = rng.sample(at.tensor_names, 2)
            while m != n:
                (a, n), (b, m) = rng.sample(at.tensor_names, 2)
            out = bytearray(header)
            out[b : b + m] = header[a : a + n]
            made.append(Mutation(kind, bytes(out), size))
            continue
        if kind == "alignment" and at.alignment_value is not None:
            made.append(Mutation(kind, _put(header, at.alignment_value, "<I", rng.choice([0, 3, 48])), size))
            continue
        made.append(Mutation("version", _put(header, 4, "<I", rng.choice([0, 1, 4, 2**32 - 1])), size))
    return made


def write(mutation: Mutation, path: Path) -> Path:
    """The mutated header over a sparse body: the real file's size at no cost."""
    with path.open("wb") as out:
        out.write(mutation.header)
        out.truncate(mutation.size)
    return path
