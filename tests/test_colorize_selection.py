"""The checkpoint / colour-strength selection rules of
benchmarks/colorize_select_step.py, on made-up validation scores."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from gantools.plugins.colorize.evaluate import ImageScore

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "colorize_select_step.py"


@pytest.fixture(scope="module")
def select():
    spec = importlib.util.spec_from_file_location("colorize_select_step", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    sys.path.insert(0, str(SCRIPT.parent))  # its helpers, as when run as a script
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPT.parent))
    yield module
    del sys.modules[spec.name]


def candidate(select, step: int, gain: float, psnr: float, colour: float):
    score = ImageScore("mean", gray_psnr=22.0, gray_ssim=0.9, truth_colourfulness=40.0,
                       model_psnr=psnr, model_ssim=0.9, model_colourfulness=colour)
    return select.Candidate(Path("run"), step, Path(f"step_{step}.ckpt"), gain, None, score)


def test_calibrated_gain_then_the_largest_gain_keeping_the_fraction(select):
    gains = [candidate(select, 1000, 0.8, 22.70, 16.0), candidate(select, 1000, 1.0, 22.80, 20.0),
             candidate(select, 1000, 1.2, 22.75, 24.0), candidate(select, 1000, 1.4, 22.61, 28.0),
             candidate(select, 1000, 1.6, 22.59, 32.0), candidate(select, 1000, 1.8, 22.20, 36.0)]
    # g* = 1.0 (lead 0.8 dB); 0.75 of it = 0.6 dB: 1.4 keeps 0.61, 1.6 only 0.59
    assert select.calibrated_choice(gains, 0.75, 0.2).chroma_gain == 1.4
    assert select.calibrated_choice(gains, 1.0, 0.2).chroma_gain == 1.0
    assert select.calibrated_choice(gains, 0.2, 0.2).chroma_gain == 1.8
    assert select.calibrated_choice(gains, 0.75, 0.9) is None  # best lead 0.8 < 0.9


def test_an_over_saturated_model_is_calibrated_below_gain_one(select):
    gains = [candidate(select, 500, 0.6, 22.30, 14.0), candidate(select, 500, 0.8, 22.40, 18.0),
             candidate(select, 500, 1.0, 21.90, 22.0), candidate(select, 500, 1.2, 21.20, 26.0)]
    # g* = 0.8 (lead 0.4 dB); 0.75 of it = 0.3 dB: 0.6 is below g*, 1.0 is under gray
    assert select.calibrated_choice(gains, 0.75, 0.2).chroma_gain == 0.8
    assert select.calibrated_choice(gains, 0.75, 0.5) is None
