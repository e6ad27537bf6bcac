"""The evaluation report without matplotlib (the `eval` extra): no chart, said in the report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lsp_server.evaluation import report

REPORT = {
    "metric": "first_line_exact",
    "models": [],
    "tasks": [],
    "recommendation": "",
}


def test_without_matplotlib_the_report_has_no_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    assert report.chart(REPORT, tmp_path / "chart.png") is False
    assert not (tmp_path / "chart.png").exists()
