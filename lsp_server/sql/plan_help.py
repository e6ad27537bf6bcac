"""What the model adds to `ubiq sql explain`, each piece checked before it is shown: rewrites of the
query (judged like the rules' rewrites: same rows on generated databases, and less engine work) and
a short explanation of the plan in the user's language, which may name only what the plan, the
query and the advice name. A small model invents index names and plan steps; an explanation that
does is dropped, and the next sample tried, and when none passes the user is told so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.prompts import render
from lsp_server.sql.resolve import Resolver
from lsp_server.sql.rewrite import Judge, Rewrite
from lsp_server.sql.schema import SqlSchema
from lsp_server.sql.write import draw, schema_prompt

log = logging.getLogger(__name__)

REWRITE_SAMPLES = 3
NARRATION_SAMPLES = 3
# Plan steps as SQLite and PostgreSQL print them: an explanation may name one only if the plan does.
OPERATORS = (
    "SCAN", "SEARCH", "COVERING INDEX", "AUTOMATIC INDEX", "TEMP B-TREE", "CO-ROUTINE", "MATERIALIZE",
    "CORRELATED", "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan",
    "Hash Join", "Merge Join", "Nested Loop", "HashAggregate", "GroupAggregate", "Subquery Scan",
    "CTE Scan", "WindowAgg", "Incremental Sort",
)  # fmt: skip
_INDEX_LIKE = re.compile(r"(?i)^(idx|ix|ubiq)_|_(idx|index)$|autoindex")
_CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = {"zh": "Simplified Chinese (简体中文)", "en": "English"}


@dataclass
class Narration:
    """The explanation shown ("" when none passed) and what was checked, or why none was shown."""

    text: str
    note: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "note": self.note}


@dataclass
class ModelHelp:
    """The model, and where and in what language it answers, for one `explain`."""

    backend: Backend
    language: str = "en"
    prompts_dir: str = ""
    project_root: Path | None = None
    cancel: CancelToken | None = None

    def rewrites(
        self, statement: exp.Expression, schema: SqlSchema, plan: list[str], findings: list[str], judge: Judge
    ) -> list[Rewrite]:
        return model_rewrites(
            self.backend, statement, schema, plan, findings, judge,
            prompts_dir=self.prompts_dir, project_root=self.project_root, cancel=self.cancel,
        )  # fmt: skip

    def narration(
        self, query: str, plan: list[str], findings: list[str], advice: list[str], schema: SqlSchema
    ) -> Narration:
        return narrate(
            self.backend, query, plan, findings, advice, schema, self.language,
            prompts_dir=self.prompts_dir, project_root=self.project_root, cancel=self.cancel,
        )  # fmt: skip


def language_of(locale: str | None) -> str:
    """`zh-CN`, `zh_TW.UTF-8` → zh; anything else → en (the languages the prompts are written for)."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def model_rewrites(
    backend: Backend,
    statement: exp.Expression,
    schema: SqlSchema,
    plan: list[str],
    findings: list[str],
    judge: Judge,
    *,
    prompts_dir: str = "",
    project_root: Path | None = None,
    cancel: CancelToken | None = None,
) -> list[Rewrite]:
    """The model's rewrites that parse, differ from the query and resolve, each judged."""
    original = statement.sql(dialect="sqlite")
    variables = {
        "schema": schema_prompt(schema, original),
        "query": original,
        "plan": "\n".join(plan),
        "findings": "\n".join(f"- {f}" for f in findings) or "- none",
    }
    messages = [
        ChatMessage("system", render("sql_rewrite.system.txt", {}, prompts_dir, project_root)),
        ChatMessage("user", render("sql_rewrite.txt", variables, prompts_dir, project_root)),
    ]
    seen = {_normal(original)}
    found = []
    for number in range(REWRITE_SAMPLES):
        candidate = draw(backend, messages, number, cancel).sql.strip().rstrip(";")
        try:
            tree = sqlglot.parse_one(candidate, read="sqlite") if candidate else None
        except (ParseError, TokenError):
            tree = None
        if tree is None or _normal(tree.sql(dialect="sqlite")) in seen:
            continue
        rewritten = tree.sql(dialect="sqlite")
        seen.add(_normal(rewritten))
        resolver = Resolver(schema)
        resolver.resolve(tree)
        if resolver.problems:
            found.append(
                Rewrite("model", rewritten, False, f"not the schema's: {resolver.problems[0].message}")
            )
            continue
        found.append(judge("model", rewritten))
    return found


def _normal(sql: str) -> str:
    return " ".join(sql.lower().split())


def narrate(
    backend: Backend,
    query: str,
    plan: list[str],
    findings: list[str],
    advice: list[str],
    schema: SqlSchema,
    language: str,
    *,
    prompts_dir: str = "",
    project_root: Path | None = None,
    cancel: CancelToken | None = None,
) -> Narration:
    """A few sentences on the plan in `language` (zh or en) that name only what the engine printed."""
    variables = {
        "language": LANGUAGES.get(language, "English"),
        "query": query,
        "plan": "\n".join(plan),
        "findings": "\n".join(f"- {f}" for f in findings) or "- none",
        "advice": "\n".join(f"- {a}" for a in advice) or "- none",
    }
    messages = [ChatMessage("user", render("sql_plan_explain.txt", variables, prompts_dir, project_root))]
    allowed = "\n".join([query, *plan, *advice])
    reasons = []
    for number in range(NARRATION_SAMPLES):
        answer = backend.chat(
            messages,
            max_tokens=220,
            temperature=0.0 if number == 0 else 0.7,
            cancel=cancel,
            **({"seed": 2000 + number} if number else {}),
        )
        text = answer.text.strip()
        if answer.stop_reason == "cancelled":
            break
        problem = unfounded(text, allowed, schema, language)
        if not problem:
            return Narration(text, "checked: it names only steps, tables, columns and indexes of the plan")
        reasons.append(problem)
        log.info("plan explanation dropped (%s): %s", problem, text[:200])
    return Narration("", "no explanation shown: " + ("; ".join(dict.fromkeys(reasons)) or "cancelled"))


def unfounded(text: str, allowed: str, schema: SqlSchema, language: str) -> str:
    """Why the explanation may not be shown ("" when it may): a name or a plan step that the plan,
    the query and the advice do not contain, an empty text, or the wrong language."""
    if not text:
        return "empty answer"
    if language == "zh" and not _CJK.search(text):
        return "not in Chinese"
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", allowed)}
    known = set(schema.tables)
    for table in schema.tables.values():
        known |= set(table.columns)
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
        lower = token.lower()
        looks_named = lower in known or _INDEX_LIKE.search(token) or ("_" in token and len(token) > 3)
        if looks_named and lower not in words:
            return f"names {token}, which the plan does not"
    quoted = re.findall(r"`([^`]+)`", text)
    for name in quoted:
        if name.lower() not in allowed.lower():
            return f"names {name}, which the plan does not"
    for operator in OPERATORS:
        if re.search(rf"(?<![\w-]){re.escape(operator)}(?![\w-])", text) and operator not in allowed:
            return f"names the step {operator}, which the plan does not have"
    return ""
