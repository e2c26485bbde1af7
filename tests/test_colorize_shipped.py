"""The shipped colorize models: cards, and what they do to a real photo."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gantools
from gantools.metrics import colourfulness
from gantools.plugins.colorize import lab
from gantools.plugins.colorize.evaluate import gray_version
from gantools.tensors import from_hwc_uint8, to_hwc_uint8


@pytest.fixture(scope="module")
def gray_photo() -> np.ndarray:
    """skimage's coffee cup (400x600), made gray: (H, W, 3) uint8."""
    from skimage import data

    return gray_version(data.coffee())


@pytest.mark.parametrize(("name", "head"), [("colorize", "regression"),
                                             ("colorize-vivid", "classes")])
def test_shipped_model_colours_a_photo_and_keeps_its_lightness(name, head, gray_photo):
    model = gantools.load("colorize", model=name, device="cpu", precision="fp32")
    card = model.card
    assert card["config"].get("head", "regression") == head  # older cards: regression
    assert card["training"]["steps"] > 0 and card["checkpoint_selection"]["scores"]
    for dataset in ("Set5", "Set14"):
        scores = card["metrics"][dataset]
        assert scores["psnr"] > 15 and 0 < scores["colourfulness"] < scores["truth_colourfulness"]
    with torch.inference_mode():
        out = model.task.infer(model, from_hwc_uint8(gray_photo), None)
    out8 = to_hwc_uint8(out[0])
    assert out8.shape == gray_photo.shape
    light_in = lab.luminance(from_hwc_uint8(gray_photo))
    assert (lab.luminance(from_hwc_uint8(out8)) - light_in).abs().max() <= 1 / 255
    assert float(colourfulness(from_hwc_uint8(out8))[0]) > 10
    assert float(colourfulness(from_hwc_uint8(gray_photo))[0]) < 1


def test_default_model_card_meets_the_targets_and_set5_reproduces_it(shared_data_dir):
    """The default model's card says it beats gray and reaches half the truth's
    colourfulness on Set5 and Set14; today's code reproduces its Set5 scores."""
    from gantools.plugins.colorize.evaluate import evaluate_folder
    from gantools.score_table import mean_row

    model = gantools.load("colorize", device="cpu", precision="fp32")
    metrics = model.card["metrics"]
    for dataset in ("Set5", "Set14"):
        scores = metrics[dataset]
        assert scores["psnr"] > scores["gray_psnr"]
        assert scores["colourfulness"] >= 0.5 * scores["truth_colourfulness"]
    mean = mean_row(evaluate_folder(model.task, model, shared_data_dir / "sr" / "Set5",
                                    metrics["working_size"]))
    assert mean.model_psnr == pytest.approx(metrics["Set5"]["psnr"], abs=0.02)
    assert mean.model_colourfulness == pytest.approx(metrics["Set5"]["colourfulness"], abs=0.1)
