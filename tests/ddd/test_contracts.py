"""import-linter contracts written from the sample shop's contexts and layers, and run by
import-linter itself: the clean shop keeps them all; an infrastructure import in the domain is
reported as it is today, not silenced."""

from __future__ import annotations

import configparser
import shutil
from pathlib import Path

from lsp_server.ddd.contracts import config_text
from lsp_server.ddd.model import load
from tests.cli.test_cli import ubiq
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "ddd_shop"


def test_contracts_come_from_the_contexts_and_layers():
    parser = configparser.ConfigParser()
    parser.read_string(config_text(load([SHOP])))
    contracts = {
        parser[s]["name"]: parser[s] for s in parser.sections() if s.startswith("importlinter:contract")
    }
    assert parser["importlinter"]["root_packages"].split() == ["shop"]
    assert contracts["ordering: layers"]["layers"].split() == ["application", "domain"]
    assert contracts["shipping: layers"]["layers"].split() == ["infrastructure", "domain"]
    domain = contracts["the domain does not import infrastructure"]
    assert domain["forbidden_modules"].split() == ["shop.shipping.infrastructure", "sqlalchemy"]
    assert len(domain["source_modules"].split()) == 3
    # ordering already depends on customers: only shipping is forbidden to it
    ordering = contracts["ordering depends on no other context but those it does today"]
    assert ordering["forbidden_modules"].split() == ["shop.shipping"]


def test_run_keeps_the_clean_shop_and_reports_a_violation(tmp_path: Path):
    project = tmp_path / "shop_project"
    shutil.copytree(SHOP, project)
    clean = ubiq("ddd", "contracts", ".", "--run", cwd=project)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.count("KEPT") == 6 and "BROKEN" not in clean.stdout
    services = project / "shop" / "ordering" / "domain" / "services.py"
    services.write_text(
        services.read_text()
        + "\nfrom shop.shipping.infrastructure.repositories import SqlShipmentRepository\n"
    )
    out = project / ".importlinter"
    broken = ubiq("ddd", "contracts", ".", "--run", "--out", str(out), cwd=project)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "BROKEN  the domain does not import infrastructure" in broken.stdout
    assert "shop.ordering.domain.services -> shop.shipping.infrastructure.repositories" in broken.stdout
    assert out.read_text().startswith("# import-linter contracts")
    again = ubiq("ddd", "contracts", ".", "--out", str(out), cwd=project)
    assert again.returncode == 2 and "pass --force" in again.stderr
