"""What the model adds to `sql explain`: rewrites judged like the rules' (same rows on generated
databases, less engine work) and an explanation that may name only what the plan names. The check
itself on written examples; then the real default model through the library and the CLI, where
whatever is shown must have passed the check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsp_server.sql.explain import explain
from lsp_server.sql.plan_help import ModelHelp, language_of, unfounded
from lsp_server.sql.schema import load
from tests.cli.test_cli import ubiq
from tests.conftest import DEFAULT, REPO

SHOP = REPO / "tests" / "data" / "sql_shop"
PLAN = ["SCAN shop_order", "SEARCH shop_customer USING INTEGER PRIMARY KEY (rowid=?)"]
QUERY = "SELECT c.name FROM shop_order AS o JOIN shop_customer AS c ON c.id = o.customer_id WHERE o.total > 3"


@pytest.fixture(scope="module")
def schema():
    return load([SHOP])


def test_an_explanation_may_name_only_what_the_plan_and_query_name(schema):
    allowed = "\n".join([QUERY, *PLAN])
    fine = "SQLite reads every row of shop_order (SCAN), then finds each customer by its key (SEARCH)."
    assert unfounded(fine, allowed, schema, "en") == ""
    assert "idx_order_total" in unfounded("It uses the index idx_order_total.", allowed, schema, "en")
    assert "email" in unfounded(
        "Each customer's email is compared.", allowed, schema, "en"
    )  # a column not read
    assert "Hash Join" in unfounded("The tables meet in a Hash Join.", allowed, schema, "en")
    assert "COVERING INDEX" in unfounded("A COVERING INDEX serves it.", allowed, schema, "en")
    assert unfounded("It scans shop_order.", allowed, schema, "zh") == "not in Chinese"
    assert (
        unfounded("数据库逐行扫描 shop_order（SCAN），再按主键查找 shop_customer。", allowed, schema, "zh")
        == ""
    )
    assert unfounded("", allowed, schema, "en") == "empty answer"


def test_the_users_language_comes_from_the_locale():
    assert [language_of(x) for x in ("zh-cn", "zh_TW.UTF-8", "en-US", None, "C.UTF-8")] == [
        "zh",
        "zh",
        "en",
        "en",
        "en",
    ]


def test_the_real_models_rewrites_are_judged_and_its_explanation_checked(schema, default_backend):
    query = (
        "SELECT name FROM shop_customer WHERE id IN (SELECT customer_id FROM shop_order WHERE total > 900)"
    )
    for language in ("en",):  # Chinese: test_cli_ask_model_in_chinese, through the CLI
        result = explain(query, schema, rows=3000, helper=ModelHelp(default_backend, language))
        assert result.narration is not None
        if result.narration.text:  # shown: it passed the check
            allowed = "\n".join([result.query, *result.plan, *(a.statement for a in result.advice)])
            assert unfounded(result.narration.text, allowed, schema, language) == ""
        else:
            assert result.narration.note.startswith("no explanation shown: ")
        for rewrite in (r for r in result.rewrites if r.rule == "model"):
            assert rewrite.reason and (not rewrite.accepted or "same rows on" in rewrite.reason)


def test_cli_ask_model_in_chinese(tmp_path: Path):
    query = "SELECT id FROM shop_order WHERE note = 'x'"
    found = ubiq("sql", "explain", "--query", query, "--schema", str(SHOP), "--rows", "2000", "--ask-model",
                 "--lang", "zh", "--model", DEFAULT, "--json", cwd=tmp_path)  # fmt: skip
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert set(data["explanation"]) == {"text", "note"}
    assert data["explanation"]["text"] or data["explanation"]["note"].startswith("no explanation shown")
    assert all(r["rule"] != "model" or r["reason"] for r in data["rewrites"])
