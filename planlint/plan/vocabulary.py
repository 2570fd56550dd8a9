"""The plan's closed vocabularies, read from the schema: the one list of each."""

from __future__ import annotations

from planlint.schemafile import load_schema

_SCHEMA = load_schema()

#: The dataset types torchtune takes (`controls.dataset_type`).
DATASET_TYPES: tuple[str, ...] = tuple(
    _SCHEMA["properties"]["controls"]["properties"]["dataset_type"]["enum"]
)
#: The kinds of run a plan may hold (`runs[].type`).
RUN_TYPES: tuple[str, ...] = tuple(_SCHEMA["$defs"]["run"]["properties"]["type"]["enum"])
