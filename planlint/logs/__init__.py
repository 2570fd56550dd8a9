"""Prior runs' logs: discovery, classification, streaming parsers and typed records."""

from __future__ import annotations

from planlint.logs.records import (
    EpochProgress,
    EvalRecord,
    GpuMetricsRecord,
    LogKind,
    LogRecord,
    MemoryStats,
    OtherRecord,
    SeffRecord,
    TrainingRecord,
)
from planlint.logs.scan import (
    ScanResult,
    attach_companions,
    classify,
    dedupe,
    discover,
    job_id_from_name,
    parse_file,
    scan,
    scan_files,
)

__all__ = [
    "EpochProgress",
    "EvalRecord",
    "GpuMetricsRecord",
    "LogKind",
    "LogRecord",
    "MemoryStats",
    "OtherRecord",
    "ScanResult",
    "SeffRecord",
    "TrainingRecord",
    "attach_companions",
    "classify",
    "dedupe",
    "discover",
    "job_id_from_name",
    "parse_file",
    "scan",
    "scan_files",
]
