"""How a broken contract rule is reported, and the tensor rule several checks share."""

from __future__ import annotations

from typing import Any


def _fail(rule: str, detail: str) -> AssertionError:
    return AssertionError(f"gantools contract [{rule}]: {detail}")


def _require(ok: Any, rule: str, detail: str) -> None:
    if not ok:
        raise _fail(rule, detail)


def _check_tensor(t: Any, rule: str, what: str, unit_range: bool = True) -> None:
    import torch

    _require(isinstance(t, torch.Tensor), rule, f"{what} must be a tensor, got {type(t)}")
    _require(t.is_floating_point(), rule, f"{what} must be floating point, got {t.dtype}")
    _require(bool(torch.isfinite(t).all()), rule, f"{what} has NaN or infinite values")
    if unit_range:
        lo, hi = float(t.min()), float(t.max())
        _require(lo >= -1e-6 and hi <= 1 + 1e-6, rule,
                 f"{what} must be in [0, 1], got values in [{lo:.4f}, {hi:.4f}]")
