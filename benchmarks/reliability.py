"""The reliability campaign against a real `ubiq serve` over stdio (tiny model; issue 19).

(1) Protocol fuzzing: N hostile messages generated with hypothesis (tests/reliability/fuzz.py:
mutated requests, wrong types, huge numbers, unknown methods, ids on notifications, batches,
invalid UTF-8, cut and lying bodies, absurd or missing headers), each followed by a valid request:
exits, unanswered requests, and the time to the answer (p50, p95, max).

(2) Document sync: M random edit scripts per position encoding (UTF-16, UTF-8) over text with
CRLF, lone CR, surrogate pairs, Chinese, emoji and U+2028: scripts whose final text or parse tree
differs from the reference model.

(3) Edit cost: one-character edits in a 5 kB and a 5 MB Python document, each followed by a cheap
request answered after the edit is applied (requests are handled in order): p50 and p95 of the
round trip, with the same request alone as the baseline.

(4) Model files: 1,000 mutated GGUF headers of the tiny pack (tests/reliability/gguf_fuzz.py):
how many the pre-validator lets through, by kind (goal 0), and any error that is not a ModelError.

(5) Storm (tests/reliability/storm.py): 1,000 completion requests in 10 s over five documents being
typed in, 30 % cancelled: unanswered requests, cancel-to-answer p50/p95 (goal ≤ 50 ms at p95), the
most live model jobs one document had queued (goal ≤ 1), RSS growth (goal ≤ 50 MB), threads and
asyncio tasks after against before, the server's CPU once idle (goal 0 %).

(6) Kills during writes (tests/reliability/kills.py): SIGKILL at random moments, half of them
around the write, during `ubiq er --out`, `glossary add`, `eval --out`, `gen-tests` and the editor's
"Add to glossary": files left partial or corrupt, temporary files left, reruns that failed
(goal 0, 0, 0 over ≥ 100 kills).

(7) Soak (tests/reliability/soak.py): mixed editor traffic for --soak-minutes (60 by default) in six
windows: crashes, errors, RSS per window (goal: flat within 50 MB), p50/p95 of each feature in the
first and the last window (goal: equal).

    python benchmarks/reliability.py [--parts 1 2 3 4 5 6 7] [--cases 10000] [--scripts 1000]
                                     [--kills 100] [--soak-minutes 60] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.edits import Script, scripts  # noqa: E402
from tests.reliability.fuzz import Case, cases  # noqa: E402
from tests.reliability.test_document_sync import replay, start  # noqa: E402
from tests.reliability.test_fuzz import URI, open_document  # noqa: E402
from tests.reliability.wire import WireServer, message, project_server  # noqa: E402


class _Factory:
    """Stands in for pytest's tmp_path_factory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=name, dir=self.root))
        (path / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n")
        return path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def fuzz(work: Path, count: int) -> dict:
    server = project_server(_Factory(work), "fuzz")
    open_document(server)
    latencies: list[float] = []
    kinds: dict[str, int] = {}
    unanswered: list[str] = []

    @settings(max_examples=count, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=cases(URI))
    def run(case: Case) -> None:
        kinds[case.kind] = kinds.get(case.kind, 0) + 1
        server.send(case.data)
        if case.swallows:
            server.send(message({"jsonrpc": "2.0", "id": "sacrifice", "method": "x/none", "params": {}}))
        started = time.perf_counter()
        try:
            server.alive()
        except Exception as exc:
            unanswered.append(f"{case.kind}: {exc}")
            raise
        latencies.append(time.perf_counter() - started)

    with contextlib.suppress(Exception):
        run()
    exited = server.process.poll() is not None
    if not exited:
        server.close()
    return {
        "messages": sum(kinds.values()), "kinds": kinds, "exits": int(exited), "unanswered": unanswered,
        "p50_ms": 1000 * percentile(latencies, 0.5), "p95_ms": 1000 * percentile(latencies, 0.95),
        "max_ms": 1000 * max(latencies, default=0.0),
    }  # fmt: skip


def _replayer(server: WireServer, encoding: str, count: int, failures: list[str], done: list[int]):  # noqa: ANN202
    @settings(max_examples=count, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(script=scripts(encoding))
    def run(script: Script) -> None:
        done[0] += 1
        try:
            replay(server, script)
        except AssertionError as exc:
            failures.append(str(exc)[:300])

    return run


def sync(work: Path, count: int) -> dict:
    factory = _Factory(work)
    out = {}
    for encoding in ("utf-16", "utf-8"):
        server = start(factory, encoding)
        failures: list[str] = []
        done = [0]
        _replayer(server, encoding, count, failures, done)()
        server.close()
        out[encoding] = {"scripts": done[0], "mismatches": len(failures), "first": failures[:3]}
    return out


def _document(size: int) -> str:
    block = "def total_{n}(orders):\n    # 订单合计\n    return sum(o.amount for o in orders)\n\n\n"
    text, n = [], 0
    while sum(map(len, text)) < size:
        text.append(block.format(n=n))
        n += 1
    return "".join(text)


def edit_cost(work: Path, edits: int = 200) -> dict:
    server = project_server(_Factory(work), "cost")
    root = server.root
    stats = {"command": "ubiq.stats", "arguments": []}
    baseline = []
    for _ in range(50):
        started = time.perf_counter()
        server.request("workspace/executeCommand", stats)
        baseline.append(time.perf_counter() - started)
    out = {"baseline_p50_ms": 1000 * percentile(baseline, 0.5)}
    for label, size in (("5kB", 5_000), ("5MB", 5_000_000)):
        uri = (root / f"big_{label}.py").as_uri()
        text = _document(size)
        document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        server.send(
            message(
                {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}}
            )
        )
        server.request("workspace/executeCommand", stats)  # the open is done
        line = text.count("\n") // 2
        times = []
        for version in range(2, edits + 2):
            typed = version % 2 == 0  # type one character, then take it away
            end = {"line": line, "character": 4 if typed else 5}
            span = {"start": {"line": line, "character": 4}, "end": end}
            change = {"range": span, "text": "x" if typed else ""}
            params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
            started = time.perf_counter()
            server.send(message({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}))
            server.request("workspace/executeCommand", stats)
            times.append(time.perf_counter() - started)
        out[label] = {"chars": len(text), "p50_ms": 1000 * percentile(times, 0.5),
                      "p95_ms": 1000 * percentile(times, 0.95)}  # fmt: skip
    server.close()
    return out


def model_files(work: Path, count: int = 1000) -> dict:
    from lsp_server.engine.gguf import inspect_gguf
    from lsp_server.engine.resolve import resolve_model
    from lsp_server.errors import ModelError
    from tests.reliability.gguf_fuzz import layout, mutations, write

    header, at = layout(resolve_model("smollm2-135m").path)
    kinds: dict[str, int] = {}
    accepted: dict[str, int] = {}
    other: list[str] = []
    for mutation in mutations(header, at, count):
        kinds[mutation.kind] = kinds.get(mutation.kind, 0) + 1
        try:
            inspect_gguf(write(mutation, work / "mutated.gguf"))
            accepted[mutation.kind] = accepted.get(mutation.kind, 0) + 1
        except ModelError:
            pass
        except Exception as exc:
            other.append(f"{mutation.kind}: {type(exc).__name__}: {exc}")
    return {"mutations": sum(kinds.values()), "kinds": kinds, "accepted": accepted, "other_errors": other}


def storm_part(work: Path) -> dict:
    from dataclasses import asdict

    from tests.reliability.storm import close, storm

    server = project_server(_Factory(work), "storm")
    server.wait_for_model()
    report = storm(server, requests=1000, seconds=10.0)
    close(server)
    data = asdict(report)
    data["cancel_p50_ms"], data["cancel_p95_ms"] = report.percentile(0.5), report.percentile(0.95)
    data["growth_mb"] = report.growth_mb
    data["cancel_ms"] = len(report.cancel_ms)
    return data


def kills_part(work: Path, kills: int) -> dict:
    from dataclasses import asdict

    from tests.reliability.kills import campaign, editor_campaign, project, targets

    # shares of the kills: the quick command most, the slow ones (a model run each) fewer
    shares = {"er": 0.3, "glossary": 0.2, "eval": 0.15, "gen-tests": 0.15, "editor": 0.2}
    found = {}
    for n, (name, share) in enumerate(shares.items()):
        root = project(Path(tempfile.mkdtemp(prefix=name, dir=work)))
        count = max(1, round(kills * share))
        outcome = editor_campaign(root, count, seed=n) if name == "editor" else (
            campaign(root, targets()[name], count, seed=n))  # fmt: skip
        found[name] = asdict(outcome)
        print(f"    {name}: {outcome.kills} kills, {outcome.finished} ended first, "
              f"{len(outcome.broken)} broken, {len(outcome.leftovers)} left, rerun "
              f"{outcome.rerun or 'ok'} ({outcome.seconds:.0f} s)", file=sys.stderr)  # fmt: skip
    return found


def soak_part(work: Path, minutes: float) -> dict:
    from tests.reliability.soak import project, soak
    from tests.reliability.storm import close

    root = project(Path(tempfile.mkdtemp(prefix="soak", dir=work)))
    server = WireServer(root)
    server.initialize()
    server.wait_for_model()
    report = soak(server, minutes * 60)
    if not report.crashed:
        close(server)
    windows = []
    for window in report.windows:
        row = {"rss_mb": window.rss_bytes / (1 << 20), "threads": window.threads, "tasks": window.tasks,
               "glossary_edits": window.glossary_edits, "memory": window.memory}  # fmt: skip
        for feature, values in window.latencies.items():
            row[feature] = {
                "n": len(values),
                "p50_ms": percentile(values, 0.5),
                "p95_ms": percentile(values, 0.95),
            }
        windows.append(row)
    return {"seconds": report.seconds, "crashed": report.crashed, "errors": report.errors[:20],
            "error_count": len(report.errors), "windows": windows}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parts = ("1", "2", "3", "4", "5", "6", "7")
    parser.add_argument("--parts", nargs="+", choices=parts, default=list(parts))
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--scripts", type=int, default=1_000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--soak-minutes", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if "1" in args.parts:
            report["fuzz"] = fuzz(work, args.cases)
        if "2" in args.parts:
            report["sync"] = sync(work, args.scripts)
        if "3" in args.parts:
            report["edit_cost"] = edit_cost(work)
        if "4" in args.parts:
            report["model_files"] = model_files(work)
        if "5" in args.parts:
            report["storm"] = storm_part(work)
        if "6" in args.parts:
            report["kills"] = kills_part(work, args.kills)
        if "7" in args.parts:
            report["soak"] = soak_part(work, args.soak_minutes)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if "fuzz" in report:
        f = report["fuzz"]
        print(f"(1) protocol fuzzing: {f['messages']} hostile messages, {f['exits']} exits, "
              f"{len(f['unanswered'])} valid requests unanswered; answer after each: "
              f"p50 {f['p50_ms']:.1f} ms, "
              f"p95 {f['p95_ms']:.1f} ms, max {f['max_ms']:.0f} ms")  # fmt: skip
        print("    by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(f["kinds"].items())))
        for line in f["unanswered"][:5]:
            print(f"    unanswered: {line}")
    if "sync" in report:
        for encoding, s in report["sync"].items():
            print(f"(2) document sync, {encoding}: {s['scripts']} edit scripts, {s['mismatches']} mismatches")
            for line in s["first"]:
                print(f"    {line}")
    if "edit_cost" in report:
        c = report["edit_cost"]
        print(f"(3) edit cost (one-character edit + a request answered after it; the request alone "
              f"p50 {c['baseline_p50_ms']:.1f} ms):")  # fmt: skip
        for label in ("5kB", "5MB"):
            print(f"    {label} ({c[label]['chars']:,} characters): p50 {c[label]['p50_ms']:.1f} ms, "
                  f"p95 {c[label]['p95_ms']:.1f} ms")  # fmt: skip
        print(f"    ratio 5MB/5kB at p95: {c['5MB']['p95_ms'] / max(c['5kB']['p95_ms'], 1e-9):.1f}x")
    if "model_files" in report:
        m = report["model_files"]
        through = sum(m["accepted"].values())
        print(f"(4) model files: {m['mutations']} mutated GGUF headers, {through} let through "
              f"{m['accepted'] or ''}, {len(m['other_errors'])} errors other than a ModelError")  # fmt: skip
        print("    by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(m["kinds"].items())))
    if "storm" in report:
        s = report["storm"]
        print(f"(5) storm: {s['requests']} requests sent in {s['seconds_to_send']:.1f} s, all answered after "
              f"{s['seconds_to_answer_all']:.1f} s, {s['unanswered']} unanswered, {len(s['errors'])} errors; "
              f"{s['cancelled_answers']} answered as cancelled")  # fmt: skip
        print(f"    $/cancelRequest to answer ({s['cancel_ms']} cancels reaching a request in flight): "
              f"p50 {s['cancel_p50_ms']:.1f} ms, p95 {s['cancel_p95_ms']:.1f} ms (goal <= 50)")  # fmt: skip
        before, after = s["before"], s["after"]
        print(f"    model jobs queued per document at most: {s['queue_peak_per_document']} "
              f"(goal <= 1); {s['dropped_while_queued']} dropped while queued; "
              f"{s['model_calls']} model calls")  # fmt: skip
        kv = s["saved_states_mb"]
        print(f"    RSS {before['rss_bytes'] / 2**20:.0f} -> {after['rss_bytes'] / 2**20:.0f} MB "
              f"after a first storm as warm-up; saved KV states {kv[0]:.0f} -> {kv[1]:.0f} MB "
              f"(a cache bounded on its own); growth less those {s['growth_mb']:+.1f} MB (goal <= 50); "
              f"threads "
              f"{before['threads']} -> {after['threads']}; tasks {before['tasks']} -> {after['tasks']}; "
              f"idle CPU {s['idle_cpu_percent']:.1f} %")  # fmt: skip
    if "kills" in report:
        k = report["kills"]
        kills = sum(o["kills"] for o in k.values())
        broken = sum(len(o["broken"]) for o in k.values())
        left = sum(len(o["leftovers"]) for o in k.values())
        reruns = sum(1 for o in k.values() if o["rerun"])
        by_target = ", ".join(f"{name} {o['kills']}" for name, o in k.items())
        print(f"(6) kills during writes: {kills} kills ({by_target}); {broken} partial or corrupt files, "
              f"{left} temporary files left, {reruns} failed reruns")  # fmt: skip
        for name, o in k.items():
            for line in (o["broken"] + o["leftovers"])[:3] + ([o["rerun"][:300]] if o["rerun"] else []):
                print(f"    {name}: {line}")
    if "soak" in report:
        s = report["soak"]
        print(f"(7) soak: {s['seconds'] / 60:.1f} min, crashed: {s['crashed'] or 'no'}, "
              f"{s['error_count']} errors")  # fmt: skip
        for n, w in enumerate(s["windows"]):
            cells = ", ".join(f"{f} p50 {w[f]['p50_ms']:.0f}/p95 {w[f]['p95_ms']:.0f} ms (n {w[f]['n']})"
                              for f in ("completion", "hover", "code_action", "stats"))  # fmt: skip
            footprint = f"RSS {w['rss_mb']:.0f} MB, threads {w['threads']}, tasks {w['tasks']}"
            print(f"    window {n + 1}: {footprint}; {cells}")
            print("      memory parts: " + ", ".join(f"{k} {v:.1f}" for k, v in w["memory"].items()))
        if len(s["windows"]) >= 2:
            first, last = s["windows"][0], s["windows"][-1]
            rss = [w["rss_mb"] for w in s["windows"]]
            print(f"    RSS range {max(rss) - min(rss):.1f} MB (goal <= 50); last/first p50: " + ", ".join(
                f"{f} {last[f]['p50_ms'] / max(first[f]['p50_ms'], 1e-9):.2f}x"
                for f in ("completion", "hover", "code_action", "stats")))  # fmt: skip


if __name__ == "__main__":
    main()
