"""The gantools plugin contract, run on this package's task.

Run with the package installed (``pip install -e .``): the contract also checks
that the ``gantools.plugins`` entry point finds the task.
"""

from __future__ import annotations

from gantools.testing import check_attributes, check_task

from gantools_denoise.task import DenoiseConfig, task

TINY = {"width": 8, "blocks": 1, "patch": 32, "d_width": 8, "d_layers": 2}
"""A model small enough to train, export and run in a few seconds on one CPU core."""


def test_attributes():
    check_attributes(task)


def test_gantools_contract(tmp_path):
    report = check_task(task, tmp_path, config=TINY,
                        eval_args=["--data", "{data}", "--weights", "{weights}",
                                   "--device", "{device}", "--sigma", "15"])
    assert {"train", "export", "load", "python-call", "tiling", "cli", "eval"} <= set(
        report.checked)
    assert report.outputs["cli"].name == "input_denoised.png"


def test_untrained_generator_is_the_identity():
    import torch

    g = task.build_generator(DenoiseConfig(width=8, blocks=1))
    x = torch.rand(1, 3, 20, 24)
    assert torch.equal(g(x), x)  # the zero-initialised tail predicts no noise


def test_make_pair_adds_noise_of_the_configured_strength():
    import torch
    from gantools.task import Batch

    cfg = DenoiseConfig(sigma_min=20.0, sigma_max=20.0)
    torch.manual_seed(0)
    clean = torch.full((4, 3, 64, 64), 0.5)
    noisy, target = task.make_pair(Batch(clean), cfg)
    assert torch.equal(target, clean)
    assert abs(float((noisy - clean).std()) * 255 - 20.0) < 1.0
