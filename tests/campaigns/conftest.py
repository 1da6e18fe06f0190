"""Two campaigns of one Subcommittee in one bot: Kon Tum 2023 and Tết 2024, sharing units."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.plan import Plan
from bot.plan import load_plan
from tests.conftest import ROOT

TET = ROOT / "plans" / "kontum-tet-2024.yaml"
# Tết rehearsed alongside the border exchange: its report deadline (also "bao-cao-don-vi")
# falls on 15/12/2023 17:00 like Kon Tum's, so one tick nudges for both.
TET_ALONGSIDE = date(2023, 12, 1)


@pytest.fixture(scope="session")
def tet_plan() -> Plan:
    """The Tết 2024 plan moved to run alongside Kon Tum 2023."""
    return load_plan(TET, event_date=TET_ALONGSIDE)


@pytest.fixture
def tet_file() -> Path:
    """The shipped Tết 2024 plan file."""
    return TET
