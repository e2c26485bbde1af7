"""Everything a plugin author imports, from one module (documented in docs/plugins.md).

::

    from gantools.plugin_api import RestorationConfig, RestorationTask, opt, psnr, ...

Importing this module does not import torch: the task contract, ``opt``, the
restoration base, the score tables and the command helpers are light and imported
here; the metrics, ``infer_image``, ``read_rgb`` and the tensor conversions are
loaded on first use (PEP 562), so a plugin's task module may import them at its top
and stay light as long as it calls them inside its methods.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gantools import load, train
from gantools.cli_options import ReportedError, friendly_errors, model_options, precision_option
from gantools.engine.config import opt
from gantools.restoration import RestorationConfig, RestorationTask, random_flip
from gantools.restoration_eval import (
    RestorationScore,
    describe_options,
    eval_command,
    evaluate_folder,
    restoration_table,
    score_rgb,
    to_8bit,
)
from gantools.score_table import Column, mean_row, per_image_table
from gantools.task import (
    API_VERSION,
    Batch,
    Companion,
    DataSpec,
    DemoPanel,
    DemoRow,
    ImageTask,
    NoOptions,
    Task,
)

if TYPE_CHECKING:  # pragma: no cover
    from gantools.imageio import list_images, read_image, to_float, to_rgb
    from gantools.inference.single import infer_image
    from gantools.metrics import masked_mae, masked_psnr, psnr, psnr_y, ssim, ssim_y
    from gantools.restoration_eval import read_rgb
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

_LAZY = {
    "infer_image": "gantools.inference.single",
    "psnr": "gantools.metrics", "ssim": "gantools.metrics", "psnr_y": "gantools.metrics",
    "ssim_y": "gantools.metrics", "masked_mae": "gantools.metrics",
    "masked_psnr": "gantools.metrics",
    "read_rgb": "gantools.restoration_eval",
    "list_images": "gantools.imageio", "read_image": "gantools.imageio",
    "to_float": "gantools.imageio", "to_rgb": "gantools.imageio",
    "from_hwc_uint8": "gantools.tensors", "to_hwc_uint8": "gantools.tensors",
}
"""Names loaded on first use: they import torch (or the image codecs)."""

__all__ = [
    "API_VERSION", "Batch", "Column", "Companion", "DataSpec", "DemoPanel", "DemoRow",
    "ImageTask", "NoOptions", "ReportedError", "RestorationConfig", "RestorationScore",
    "RestorationTask", "Task", "describe_options", "eval_command", "evaluate_folder",
    "friendly_errors", "load", "mean_row", "model_options", "opt", "per_image_table",
    "precision_option", "random_flip", "restoration_table", "score_rgb", "to_8bit", "train",
    # loaded on first use (_LAZY)
    "from_hwc_uint8", "infer_image", "list_images", "masked_mae", "masked_psnr", "psnr",
    "psnr_y", "read_image", "read_rgb", "ssim", "ssim_y", "to_float", "to_hwc_uint8", "to_rgb",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
