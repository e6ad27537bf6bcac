"""Command arguments are structured into typed classes, with defaults for what a client leaves out
and an InvalidParams error naming the command and the field for what is wrong."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcInvalidParams

from lsp_server.features.arguments import options
from lsp_server.features.commands import GENERATE_TESTS, GenerateTestsArgs, StatsArgs
from lsp_server.features.er_model import ER_MODEL, ERModelArgs
from lsp_server.features.evaluate import EVAL, EvalArgs
from lsp_server.features.glossary import ADD_TERM, AddTermArgs
from lsp_server.features.rename import RENAME, RenameArgs


def test_left_out_arguments_take_their_defaults():
    assert options("ubiq.stats", (), StatsArgs) == StatsArgs(reset=False)
    assert options("ubiq.stats", (None,), StatsArgs) == StatsArgs(reset=False)
    assert options(EVAL, ({},), EvalArgs) == EvalArgs(models=[], tasks=20, seed=1)
    assert options(ER_MODEL, ({"fromText": "file:///r.txt"},), ERModelArgs).format == "mermaid"


def test_camel_case_keys_and_positional_arguments():
    given = options(EVAL, ({"models": ["tiny"], "timeBudget": 30},), EvalArgs)
    assert (given.models, given.time_budget) == (["tiny"], 30)
    assert options(GENERATE_TESTS, ("file:///a.py",), GenerateTestsArgs, positional=("uri", "name")) == (
        GenerateTestsArgs(uri="file:///a.py", name=None)
    )
    assert options(
        GENERATE_TESTS, ("file:///a.py", "add"), GenerateTestsArgs, positional=("uri", "name")
    ).name == ("add")
    renamed = options(
        RENAME, ({"uri": "file:///a.py", "line": 1, "character": 4, "newName": "x"},), RenameArgs
    )
    assert renamed.new_name == "x"


def test_unknown_keys_are_ignored():
    assert options(ADD_TERM, ({"term": "积分", "colour": "blue"},), AddTermArgs).term == "积分"


@pytest.mark.parametrize(
    "command,arguments,kind,message",
    [
        (EVAL, ({"tasks": "5"},), EvalArgs, "ubiq.eval: tasks must be a whole number, not '5'"),
        (EVAL, ({"tasks": True},), EvalArgs, "tasks must be a whole number, not True"),
        (EVAL, ({"tasks": 0},), EvalArgs, "tasks must be from 1 to 1000, not 0"),
        (EVAL, ({"models": "tiny"},), EvalArgs, "models must be a list, not 'tiny'"),
        (EVAL, ({"models": ["tiny", 3]},), EvalArgs, "models item 1 must be a string, not 3"),
        (EVAL, ({"timeBudget": "soon"},), EvalArgs, "timeBudget must be a number"),
        (ADD_TERM, ({"force": "yes"},), AddTermArgs, "force must be true or false"),
        (RENAME, ({"uri": "file:///a.py", "line": 1},), RenameArgs, "character is required"),
        (ER_MODEL, ("file:///x",), ERModelArgs, "expects one optional argument, {uri, format"),
        (ER_MODEL, ({}, {}), ERModelArgs, "expects one optional argument"),
    ],
)
def test_wrong_arguments_name_the_command_and_the_field(command, arguments, kind, message):
    with pytest.raises(JsonRpcInvalidParams) as raised:
        options(command, arguments, kind)
    assert message in raised.value.message
    assert raised.value.message.startswith(f"{command}: ")
