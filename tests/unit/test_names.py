"""Names a completion reads that nothing in the file binds (tree-sitter, file-wide)."""

from __future__ import annotations

from lsp_server.completion.names import unbound_names
from lsp_server.context.syntax import SyntaxTree

DOC = '''import os.path as osp
from collections import Counter, defaultdict as dd


def count(values, *rest, limit: int = 3, **options):
    """Count s and t."""
    seen = {}
    for i, (a, b) in enumerate(values):
        with open(a) as handle, lock() as (x, y):
            pass

    for c in s:
        total += c
    return total
'''


def test_names_bound_anywhere_in_the_file_or_builtins_are_known():
    line = "seen = dd(list, Counter(values), osp.join(rest, options), limit, i, a, b, handle, x, y, len)"
    assert unbound_names(line, DOC) == set()


def test_a_name_only_read_below_the_cursor_is_unbound():
    # `s` is iterated over below, but no statement assigns it: the missing line had to.
    assert unbound_names("return sum(c == '7' for c in s)", DOC) == {"s"}
    assert unbound_names("s = ''.join(map(str, values))", DOC) == set()


def test_attributes_keywords_and_the_completions_own_bindings_are_not_reads():
    assert (
        unbound_names("result = [w.upper() for w in values if (n := len(w))]; print(n, sep=result)", DOC)
        == set()
    )
    assert unbound_names("except ValueError as err: log(err)", DOC) == {"log"}
    assert unbound_names("lambda q, r=1: q + r + z", DOC) == {"z"}


def test_a_star_import_turns_the_check_off():
    assert unbound_names("return anything", "from somewhere import *\n") == set()


def test_a_completion_inside_a_name_is_read_with_the_typed_part():
    # Typing `chunks` then `limit`: the completion finishes the name the user started, so the name
    # read is the whole one (bound), not the fragment (which nothing binds).
    doc = DOC + "chunks = []\nprint(chu"
    assert unbound_names("nks, limit)", doc, "print(chu") == set()
    assert unbound_names("nks, limit)", doc) == {"nks"}  # what reading the completion alone says
    assert unbound_names("nks, lmt)", doc, "    print(chu") == {"lmt"}


def test_after_a_dot_the_completion_is_an_attribute():
    assert unbound_names("ndle_long_word(values)", DOC, "        self._ha") == set()


def test_names_the_user_typed_are_not_the_completions():
    # `undefined` is on the line already: the completion only closes the call.
    assert unbound_names(")", DOC, "print(undefined") == set()


def test_the_documents_kept_tree_answers_as_a_fresh_parse():
    syntax = SyntaxTree(DOC)
    lines = ("seen = dd(list, Counter(values), osp.join(rest, options))", "total = sum(s) + undefined_name")
    for line in lines:
        parsed = unbound_names(line, DOC)
        assert unbound_names(line, DOC, tree=syntax.tree) == parsed
        assert unbound_names(line, DOC, tree=syntax.tree) == parsed  # the remembered bindings
    assert unbound_names("total = sum(s) + undefined_name", DOC, tree=syntax.tree) == {"s", "undefined_name"}
