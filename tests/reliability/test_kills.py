"""Kills during writes (issue 19, part 6), the fast slice: SIGKILL at random moments, half of them
around the write, while real commands write a user's files; every file stays as it was or whole,
no temporary file is left, and a run afterwards succeeds. `benchmarks/reliability.py --parts 6`
runs the full campaign (≥ 100 kills)."""

from __future__ import annotations

import pytest

from tests.reliability.kills import campaign, careless, editor_campaign, project, targets

# The commands that need a model (glossary add, eval, gen-tests: a model run of 15 s to a minute
# each) are killed in the benchmark only: they write through the same `files.write_atomic` as
# `ubiq er`. With the editor's 1 (the model drafting, the server killed): 15 kills, and 3 in the
# control.
KILLS = {"er": 14}


@pytest.mark.parametrize("name", list(KILLS))
def test_a_command_killed_while_writing_leaves_whole_files(tmp_path, name):
    outcome = campaign(project(tmp_path / "project"), targets()[name], KILLS[name], seed=len(name))
    assert outcome.rerun == ""
    assert outcome.broken == [] and outcome.leftovers == []
    assert outcome.kills >= 1  # not every moment drawn falls before the end of the run


def test_the_server_killed_while_the_editor_applies_its_edit_leaves_whole_files(tmp_path):
    outcome = editor_campaign(project(tmp_path / "project"), 1, seed=3)
    assert outcome.rerun == ""
    assert outcome.broken == [] and outcome.leftovers == []
    assert outcome.kills >= 1


def test_the_campaign_finds_a_file_written_in_place(tmp_path):
    """The control: the same checks do catch a writer that is not atomic."""
    outcome = campaign(tmp_path, careless(), 3, seed=1)
    assert outcome.broken, outcome
