"""workspace/executeCommand `ubiq.sqlWrite` and `ubiq.sqlExplain`: the CLI's `sql write` and
`sql explain` in the editor, on the schema the editor session already holds.

`ubiq.sqlWrite` takes the question from its arguments, or from the comment on the given line
(`-- …` in SQL, `# …` in Python), or the selected text; the query goes in below it as an edit the
editor can undo. When no candidate passes, nothing is inserted and the user is told why.
`ubiq.sqlExplain` takes the SQL at a line (or given as `query`) and returns the plan, findings and
advice as data and as Markdown for the client to show as a document."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import attrs
from lsprotocol import types

from lsp_server.errors import InputError, NothingValid
from lsp_server.features.arguments import options
from lsp_server.features.edits import apply
from lsp_server.features.sql import schema_holder
from lsp_server.progress import JobProgress, run_job
from lsp_server.server import UbiqServer
from lsp_server.sql.check import snippets_of
from lsp_server.sql.dialects import dialect_of
from lsp_server.sql.explain import Explanation, explain
from lsp_server.sql.locate import snippets_at
from lsp_server.sql.plan_help import ModelHelp, language_of
from lsp_server.sql.schema import SqlSchema
from lsp_server.sql.write import write

SQL_WRITE = "ubiq.sqlWrite"
SQL_EXPLAIN = "ubiq.sqlExplain"
_COMMENT = re.compile(r"^\s*(?:--|#)\s?(.*?)\s*$")


@attrs.define
class SqlWriteArgs:
    """`{uri, line?, question?, range?}`: the question, else the comment on `line`, else the
    selected text; the query is inserted after `line` (or the selection)."""

    uri: str | None = None
    line: int | None = None
    question: str | None = None
    range: types.Range | None = None


@attrs.define
class SqlExplainArgs:
    """`{uri, line}` (the statement or SQL string on that line) or `{query}`; `rows` per table."""

    uri: str | None = None
    line: int | None = None
    query: str | None = None
    rows: int = 20_000
    ask_model: bool | None = (
        None  # the model's rewrites and explanation; None: the sql.explainWithModel setting
    )


async def _schema(ls: UbiqServer) -> SqlSchema:
    """The session's schema, waiting for its first reading if it is still under way."""
    holder = schema_holder(ls)
    if holder is None:
        raise InputError("open a project folder first: the schema is read from it")
    for _ in range(600):  # up to a minute for a very large project
        schema = holder.get()
        if schema is not None:
            break
        await asyncio.sleep(0.1)
    else:
        raise InputError("the schema is still being read; try again in a moment")
    if not schema:
        raise InputError("no tables found in the schema", "set ubiq.sql.schema to the models or DDL")
    return schema


def _dialect(ls: UbiqServer, path: str, text: str) -> str:
    setting = ls.settings.sql.dialect
    return setting if setting != "auto" else dialect_of(path, text, default="sqlite")


def _question(text: str, given: SqlWriteArgs) -> tuple[str, int]:
    """The question and the line to insert after."""
    lines = text.split("\n")
    if given.question:
        return given.question.strip(), given.line if given.line is not None else len(lines) - 1
    if given.range is not None and given.range.start != given.range.end:
        start, end = given.range.start, given.range.end
        selected = lines[start.line : end.line + 1]
        selected[-1] = (
            selected[-1][: end.character]
            if start.line != end.line
            else selected[-1][start.character : end.character]
        )
        if start.line != end.line:
            selected[0] = selected[0][start.character :]
        question = " ".join(_COMMENT.sub(r"\1", s).strip() for s in selected).strip()
        return question, end.line
    if given.line is None or not 0 <= given.line < len(lines):
        raise InputError("no question: give one, or put the cursor on a comment that asks it")
    match = _COMMENT.match(lines[given.line])
    if match is None or not match.group(1):
        raise InputError("the line is not a comment asking a question", "e.g. -- 上个月销售额最高的十位客户")
    return match.group(1), given.line


def _insertion(uri: str, text: str, after: int, sql: str, python: bool) -> types.WorkspaceEdit:
    lines = text.split("\n")
    after = min(after, len(lines) - 1)
    indent = re.match(r"\s*", lines[after]).group(0)
    body = sql.rstrip().rstrip(";")
    if python:
        inner = "\n".join(f"{indent}    {line}" for line in body.split("\n"))
        block = f'{indent}sql = """\n{inner}\n{indent}"""'
    else:
        block = "\n".join(f"{indent}{line}" for line in body.split("\n")) + ";"
    position = types.Position(line=after + 1, character=0)
    new_text = block + "\n"
    if after + 1 >= len(lines):  # the last line: start a new one
        position = types.Position(line=after, character=len(lines[after].encode("utf-16-le")) // 2)
        new_text = "\n" + block
    edit = types.TextEdit(range=types.Range(start=position, end=position), new_text=new_text)
    return types.WorkspaceEdit(changes={uri: [edit]})


async def sql_write(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    given = options(SQL_WRITE, args, SqlWriteArgs)
    document = ls.workspace.text_documents.get(given.uri or "")
    backend = ls.model.backend()
    if document is None or backend is None:
        message = (
            "Ubiq: open a .sql or Python file first"
            if document is None
            else "Ubiq: the model is not loaded yet"
        )
        ls.warn(message)
        return {"error": message}
    text, path = document.source, document.path

    async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
        question, after = _question(text, given)
        schema = await _schema(ls)
        result = await asyncio.to_thread(
            write,
            question,
            schema,
            backend,
            dialect=_dialect(ls, path, text),
            prompts_dir=ls.settings.prompts_dir,
            project_root=ls.project_root,
            cancel=progress.cancel,
            on_progress=progress.report,
        )
        if result.sql is None:
            raise NothingValid(result.refusal())
        edit = _insertion(document.uri, text, after, result.sql, path.endswith(".py"))
        await apply(ls, edit, "Ubiq: SQL")
        agreed = f"{result.agreement} of {len(result.candidates)} candidates agree"
        return result.to_dict(), f"Ubiq: inserted SQL that {result.source} ({agreed})"

    return await run_job(ls, "Ubiq: writing SQL", "drawing candidates", "Ubiq wrote no SQL", job)


def _query_at(text: str, path: str, line: int) -> str:
    here = snippets_at(snippets_of(path, text), line)
    if not here:
        raise InputError(f"no SQL statement at line {line + 1}")
    return here[0].text


async def sql_explain(ls: UbiqServer, *args: Any) -> dict[str, Any]:
    given = options(SQL_EXPLAIN, args, SqlExplainArgs)
    document = ls.workspace.text_documents.get(given.uri or "") if given.uri else None

    async def job(progress: JobProgress) -> tuple[dict[str, Any], str]:
        if given.query:
            sql, dialect = (
                given.query,
                ls.settings.sql.dialect if ls.settings.sql.dialect != "auto" else "sqlite",
            )
        elif document is not None and given.line is not None:
            sql = _query_at(document.source, document.path, given.line)
            dialect = _dialect(ls, document.path, document.source)
        else:
            raise InputError("give the uri and line of a statement, or the query")
        progress.report("building a scratch database and trying indexes")
        result: Explanation
        ask = given.ask_model if given.ask_model is not None else ls.settings.sql.explain_with_model
        backend = ls.model.backend() if ask else None
        unready = ask and backend is None
        helper = None
        if backend is not None:
            language = language_of(ls.locale)
            helper = ModelHelp(backend, language, ls.settings.prompts_dir, ls.project_root, progress.cancel)
        if ls.settings.sql.database_url:
            from lsp_server.sql.databases import explain_database
            from lsp_server.sql.postgres import password_from

            password = password_from(ls.settings.sql.password_env)
            result = await asyncio.to_thread(
                explain_database, sql, ls.settings.sql.database_url, password, False
            )
            if helper is not None:  # the project's names, where it has models, guard the explanation too
                progress.report("the model explains the plan")
                holder = schema_holder(ls)
                await asyncio.to_thread(
                    result.narrate, helper, (holder.get() if holder else None) or SqlSchema()
                )
        else:
            schema = await _schema(ls)
            result = await asyncio.to_thread(explain, sql, schema, dialect, given.rows, helper)
        if unready:
            result.notes.append("the model is not loaded yet: no rewrites or explanation from it this time")
        data = {**result.to_dict(), "markdown": markdown(result)}
        advice = f"{len(result.advice)} index{'es' if len(result.advice) != 1 else ''} advised"
        return data, f"Ubiq: plan explained, {len(result.findings)} findings, {advice}"

    return await run_job(
        ls, "Ubiq: explaining SQL", "reading the plan", "Ubiq could not explain the query", job
    )


def markdown(result: Explanation) -> str:
    """The explanation as a Markdown document the editor can open beside the query."""
    parts = ["# Query plan", "", "```sql", result.query, "```", "", f"Engine: {result.engine}", "", "```"]
    parts += [*result.plan, "```"]
    if result.findings:
        parts += ["", "## Findings", "", *(f"- {f}" for f in result.findings)]
    if result.notes:
        parts += ["", "## Notes", "", *(f"- {n}" for n in result.notes)]
    if result.advice:
        parts += ["", "## Index advice", "", "Each index was tried: the engine's new plan uses it.", ""]
        parts += [f"- `{a.line()}`" for a in result.advice]
    if result.rejected:
        parts += ["", "## Tried and not advised", "", *(f"- `{r}`" for r in result.rejected)]
    for rewrite in result.rewrites:
        verdict = "shown" if rewrite.accepted else "rejected"
        parts += [
            "",
            f"## Rewrite ({rewrite.rule}), {verdict}",
            "",
            rewrite.reason,
            "",
            "```sql",
            rewrite.sql,
            "```",
        ]
        if rewrite.counterexample:
            parts += ["", f"Counterexample: {rewrite.counterexample}"]
    if result.narration is not None:
        parts += ["", "## In short", ""]
        parts += (
            [result.narration.text, "", f"_{result.narration.note}_"]
            if result.narration.text
            else [result.narration.note]
        )
    return "\n".join(parts) + "\n"


def register(server: UbiqServer) -> None:
    @server.command(SQL_WRITE)
    async def sql_write_command(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await sql_write(ls, *args)

    @server.command(SQL_EXPLAIN)
    async def sql_explain_command(ls: UbiqServer, *args: Any) -> dict[str, Any]:
        return await sql_explain(ls, *args)
