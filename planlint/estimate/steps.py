"""Optimizer steps: the one count of steps per epoch, shared by the training rules, the estimator and init.

Kept apart from `estimate.model` so that the rules can count steps without importing the log
parsers the estimator needs.
"""

from __future__ import annotations

import math


def steps_per_epoch(train_samples: int, batch_size: int, grad_accum: int = 1, gpus: int = 1) -> int:
    """Optimizer steps in one epoch: ceil(samples / (batch x grad-accum x GPUs))."""
    per_step = max(1, batch_size) * max(1, grad_accum) * max(1, gpus)
    return max(1, math.ceil(train_samples / per_step))
