"""The one reader of users' text files: UTF-8 (a byte order mark dropped), else GB18030, else a
clear error that names the file; binary and oversized files are refused the same way."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from lsp_server import files
from lsp_server.errors import InputError
from lsp_server.files import UnreadableFile, decode_text, read_text

ZH = "会员积分：每消费一元积一分。\n"


def test_utf8(tmp_path):
    path = tmp_path / "needs.md"
    path.write_bytes(ZH.encode("utf-8"))
    assert read_text(path) == ZH  # UTF-8 first, though these bytes are also valid GB18030
    assert decode_text(ZH.encode("utf-8"), path) == (ZH, "utf-8")


def test_utf8_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "needs.md"
    path.write_bytes(b"\xef\xbb\xbf" + ZH.encode("utf-8"))
    assert read_text(path) == ZH
    assert decode_text(path.read_bytes(), path) == (ZH, "utf-8-sig")  # written back with the mark


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_and_gb18030(tmp_path, encoding):
    path = tmp_path / "needs.txt"
    path.write_bytes(ZH.encode(encoding))
    assert read_text(path) == ZH
    assert decode_text(ZH.encode(encoding), path) == (ZH, "gb18030")


def test_text_only_gb18030_encodes(tmp_path):
    text = "会员积分 🎁\n"  # the gift takes four bytes in GB18030, beyond GBK
    path = tmp_path / "needs.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read_text(path) == text


def test_undecodable_bytes_are_a_clear_error_naming_the_file(tmp_path):
    path = tmp_path / "needs.txt"
    path.write_bytes("Café au lait\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        read_text(path)
    error = caught.value
    assert isinstance(error, UnreadableFile) and error.path == path
    assert str(path) in error.message and "neither UTF-8 nor GB18030" in error.message
    assert error.hint == "save it as UTF-8" and error.offset == 3


def test_a_stray_byte_is_found_where_it_sits(tmp_path):
    """The offset is the furthest either codec read: in GBK text, the stray byte, not the first
    Chinese character (where UTF-8 gave up)."""
    data = ZH.encode("gbk") + b"\xff"
    with pytest.raises(UnreadableFile) as caught:
        decode_text(data, tmp_path / "needs.txt")
    assert caught.value.offset == len(data) - 1


def test_a_byte_order_mark_means_utf8_only(tmp_path):
    with pytest.raises(UnreadableFile, match="neither UTF-8 nor GB18030"):
        decode_text(b"\xef\xbb\xbf" + ZH.encode("gbk"), tmp_path / "needs.txt")


@pytest.mark.parametrize(
    "setup,fragment",
    [
        (lambda path: path.write_bytes(b"PK\x03\x04\x00\x00 a zip"), "binary, not text"),
        (lambda path: path.write_text("x" * 101), "101 bytes, more than the 100 Ubiq reads"),
        (lambda path: None, "file not found"),
        (lambda path: path.mkdir(), "a folder, not a file"),
    ],
    ids=["binary", "oversized", "missing", "folder"],
)
def test_files_that_are_not_text_are_refused_by_name(tmp_path, setup, fragment):
    path = tmp_path / "needs.txt"
    setup(path)
    with pytest.raises(UnreadableFile) as caught:
        read_text(path, max_bytes=100)
    assert str(caught.value).startswith(f"cannot read {path}: ")
    assert caught.value.reason == fragment


def test_max_bytes_none_reads_any_size(tmp_path):
    path = tmp_path / "dump.sql"
    path.write_text("x" * 101)
    assert read_text(path, max_bytes=None) == "x" * 101


@pytest.mark.parametrize("unnamed", [True, False], ids=["o_tmpfile", "named_temporary"])
def test_an_atomic_write_leaves_only_the_file_and_keeps_its_mode(tmp_path, monkeypatch, unnamed):
    if not unnamed:  # a filesystem without O_TMPFILE: the named temporary file path
        monkeypatch.setattr(files, "_unnamed", lambda folder: None)
    path = tmp_path / "glossary.yml"
    files.write_atomic(path, "术语: 1\n".encode())
    path.chmod(0o640)
    files.write_atomic(path, b"terms: []\n")
    assert path.read_bytes() == b"terms: []\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["glossary.yml"]


def test_what_a_killed_writer_left_is_removed_by_the_next_write(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = tmp_path / "report.json"
    left = tmp_path / f".report.json.ubiq-{gone.pid}-0123abcd.tmp"  # a writer that was killed
    alive = tmp_path / f".report.json.ubiq-{os.getppid()}-0123abcd.tmp"  # one still writing
    other = tmp_path / f".other.json.ubiq-{gone.pid}-0123abcd.tmp"  # another file's
    for leftover in (left, alive, other):
        leftover.write_text("{")
    files.write_atomic(path, b"{}")
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, alive.name, other.name])
