"""The one JSON Schema file of plan.yaml: where this installation keeps it, and its parsed text.

A leaf module (nothing of planlint's imported), so configuration can validate its `naming` table
against the same schema without importing the plan validator.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any


def schema_path() -> Path:
    """The one schema file: inside the installed wheel, else at the repository root."""
    package = Path(__file__).resolve().parent
    for candidate in (
        package / "schemas" / "plan.schema.json",
        package.parent / "schemas" / "plan.schema.json",
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("plan.schema.json is missing from this installation")


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The JSON Schema of plan.yaml, parsed."""
    return json.loads(schema_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]
