"""Every shipped image model, recomputed on Set5 through ``gantools eval TASK`` on
the command line: its scores equal what its card claims (within a small
tolerance), and it beats the task's classical baseline by a named margin.

The card numbers were measured in bfloat16; the tests run fp32 on the CPU (the same
everywhere, and fast), which moves PSNR by a few thousandths of a dB. Each model is
evaluated once per session (about 2-20 s each) and shared by the tests below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gantools.cli import app
from gantools.weights import list_weights

IMAGE_TASKS = ("superres", "colorize", "inpaint")
TOLERANCE = {"psnr": 0.05, "ssim": 0.003, "colourfulness": 0.3, "hole_mae": 0.15}
"""How far a recomputed score may be from the card's (bf16 card vs fp32 here)."""

MARGIN = {
    "superres": ("bicubic", 2.5),  # x4 SRResNet, L1: card 3.32 dB over bicubic
    "superres-x2": ("bicubic", 3.0),  # card 3.85 dB
    "superres-gan": ("bicubic", 2.0),  # GAN fine-tuned: trades PSNR; card 2.76 dB
    # made for degraded photos: on clean bicubic inputs it smooths, card -0.50 dB; its
    # gain on JPEG / noisy / blurred inputs is checked in test_superres_real.py
    "superres-real": ("bicubic", -0.7),
    "superres-real-gan": ("bicubic", -1.5),  # its GAN fine-tune, sharper: trades more PSNR
    "superres-real-x2": ("bicubic", 0.4),  # real-world x2: card +0.64 dB on clean inputs;
    # its gains on JPEG / noisy / blurred inputs are checked in test_superres_real.py
    "colorize": ("gray", 3.5),  # colour classes: card 4.05 dB over the grayscale input
    "colorize-regression": ("gray", 1.5),  # card 2.03 dB
    "colorize-vivid": ("gray", 1.5),  # card 2.54 dB on Set5 (not on Set14: see below)
    "inpaint": ("telea", 0.1),  # card 0.19 dB over OpenCV Telea, whole-image PSNR
}
"""The least PSNR (dB, Set5 mean) each shipped model must gain over its baseline."""


def shipped(task: str) -> list[str]:
    """Names of the shipped models of one task."""
    return sorted(ref.name for ref in list_weights(task))


SHIPPED = [(task, name) for task in IMAGE_TASKS for name in shipped(task)]


def set5_claim(card: dict[str, Any]) -> dict[str, Any] | None:
    """The card's Set5 scores (superres: at the model's own scale), or None."""
    metrics = card.get("metrics", {})
    if card["task"] == "superres":
        return metrics.get(f"Set5_x{card['scale']}")
    return metrics.get("Set5")


def card_of(task: str, name: str) -> dict[str, Any]:
    ref = next(r for r in list_weights(task) if r.name == name)
    return json.loads(ref.path.with_suffix(".json").read_text())


_CACHE: dict[str, Any] = {}


@pytest.fixture
def set5(shared_data_dir: Path) -> Path:
    folder = shared_data_dir / "sr" / "Set5"
    if not folder.is_dir():
        pytest.skip("Set5 is not in ../shared/data/sr")
    return folder


def recompute(task: str, name: str, set5: Path, tmp_path: Path) -> Any:
    """``gantools eval TASK --model NAME --data Set5 --json F``: its JSON (cached)."""
    if name not in _CACHE:
        report = tmp_path / f"{name}.json"
        args = ["eval", task, "--model", name, "--data", str(set5), "--device", "cpu",
                "--precision", "fp32", "--json", str(report)]
        if task == "colorize":
            args += ["--size", str(card_of(task, name)["metrics"]["working_size"])]
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "mean" in result.output or "overall" in result.output
        _CACHE[name] = json.loads(report.read_text())
    return _CACHE[name]


def measured_scores(task: str, report: Any) -> dict[str, float]:
    """The recomputed Set5 means under the card's key names."""
    if task == "inpaint":
        return {f"{band}/{method}/{metric}": value
                for band, methods in report["summary"].items()
                for method, scores in methods.items() for metric, value in scores.items()}
    mean = next(row for row in report if row["name"] == "mean")
    if task == "superres":
        return {"psnr_y": mean["model_psnr"], "ssim_y": mean["model_ssim"],
                "bicubic_psnr_y": mean["bicubic_psnr"],
                "bicubic_ssim_y": mean["bicubic_ssim"]}
    return {"psnr": mean["model_psnr"], "ssim": mean["model_ssim"],
            "colourfulness": mean["model_colourfulness"], "gray_psnr": mean["gray_psnr"],
            "gray_ssim": mean["gray_ssim"], "truth_colourfulness": mean["truth_colourfulness"],
            "images": len(report) - 1}


def claimed_scores(task: str, claim: dict[str, Any]) -> dict[str, float]:
    """The card's Set5 scores, flat, under the same keys as :func:`measured_scores`."""
    if task == "inpaint":
        return {f"{band}/{method}/{metric}": value
                for band, methods in claim.items()
                for method, scores in methods.items() for metric, value in scores.items()}
    return {k: v for k, v in claim.items() if isinstance(v, int | float)}


def tolerance(key: str) -> float:
    metric = key.rsplit("/", 1)[-1].removesuffix("_y").removeprefix("bicubic_")
    metric = metric.removeprefix("gray_").removeprefix("truth_")
    return 0 if metric == "images" else TOLERANCE[metric]


def psnr_margin(task: str, scores: dict[str, float], baseline: str) -> float:
    """Model PSNR minus the baseline's, from flat scores."""
    if task == "inpaint":
        return scores["overall/model/psnr"] - scores[f"overall/{baseline}/psnr"]
    key = "psnr_y" if task == "superres" else "psnr"
    return scores[key] - scores[f"{baseline}_{key}"]


def test_every_shipped_image_model_has_a_set5_claim_and_a_margin():
    """A model shipped without Set5 scores on its card, or without a named margin
    over its baseline, could ship worse than the baseline unnoticed."""
    assert {name for _, name in SHIPPED} >= {"superres", "superres-x2", "superres-gan",
                                            "colorize", "colorize-regression",
                                            "colorize-vivid", "inpaint"}
    for task, name in SHIPPED:
        assert set5_claim(card_of(task, name)), f"{name}: its card has no Set5 scores"
    missing = sorted({name for _, name in SHIPPED} - set(MARGIN))
    assert not missing, f"name the least PSNR gain over the baseline in MARGIN for {missing}"


@pytest.mark.parametrize(("task", "name"), SHIPPED)
def test_card_equals_its_weights_recomputed_on_set5(task, name, set5, tmp_path):
    """Every Set5 number on the card is what the shipped weights score today."""
    claim = claimed_scores(task, set5_claim(card_of(task, name)))
    measured = measured_scores(task, recompute(task, name, set5, tmp_path))
    assert len(claim) >= 4 and set(claim) <= set(measured), sorted(set(claim) - set(measured))
    wrong = {key: (value, round(measured[key], 4)) for key, value in claim.items()
             if abs(measured[key] - value) > tolerance(key)}
    assert not wrong, f"{name}: card (claimed, measured) differ: {wrong}"


@pytest.mark.parametrize(("task", "name"), [(t, n) for t, n in SHIPPED if n in MARGIN])
def test_shipped_model_beats_its_baseline_on_set5(task, name, set5, tmp_path):
    """The recomputed gain over the classical baseline is at least the named margin
    and close to (not far below) the gain the card claims."""
    baseline, least = MARGIN[name]
    measured = measured_scores(task, recompute(task, name, set5, tmp_path))
    claimed = claimed_scores(task, set5_claim(card_of(task, name)))
    gain, card_gain = psnr_margin(task, measured, baseline), psnr_margin(task, claimed, baseline)
    assert gain >= least, f"{name}: {gain:.3f} dB over {baseline}, needs {least}"
    assert gain >= card_gain - 2 * TOLERANCE["psnr"], (name, gain, card_gain)
