"""The ODD's parameter tables are generated from the schema and the scenario files, and current."""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel

from povsim.schema import config
from povsim.schema.paramdoc import main, parameter_tables

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def test_every_schema_field_has_a_meaning():
    import importlib
    import pkgutil

    import povsim.schema
    from povsim.schema.params import Param

    sections = [importlib.import_module(f"povsim.schema.{m.name}")
                for m in pkgutil.iter_modules(povsim.schema.__path__)]
    models = [m for s in sections for m in vars(s).values()
              if isinstance(m, type) and issubclass(m, BaseModel)
              and m.__module__ == s.__name__ and not issubclass(m, Param)
              and m.model_fields]
    assert config.Scenario in models and config.PopulationCfg in models
    assert len(models) >= 20  # every section's
    missing = [f"{m.__name__}.{n}" for m in models for n, f in m.model_fields.items()
               if not (f.description or "").strip()]
    assert not missing


def test_the_committed_tables_are_current():
    assert main(["--check", str(ODD)]) == 0


def test_a_stale_table_is_detected(tmp_path):
    odd = tmp_path / "ODD.md"
    shutil.copy(ODD, odd)
    odd.write_text(odd.read_text().replace("| rural households of the case |", "| households |"))
    assert main(["--check", str(odd)]) == 1
    assert main(["--write", str(odd)]) == 0
    assert main(["--check", str(odd)]) == 0
    assert odd.read_text() == ODD.read_text()


def test_tables_carry_each_cases_values_and_xixius_sources():
    text = parameter_tables()
    row = next(r for r in text.splitlines() if r.startswith("| `population.total_households` |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == "households" and cells[3].startswith("0-1,500,000,000 (refused outside")
    assert cells[4] == "155,000" and cells[5].startswith("derived:")
    assert cells[6:] == ["23,247", "54,480", "4,301", "420"]  # Yushu, Jiangkou, Sanba, Zhenbao
