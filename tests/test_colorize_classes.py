"""The colorize task's colour-class head (Zhang et al. 2016): bins, loss, decoding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import gantools
from gantools.cli import app
from gantools.plugins.colorize import bins, lab
from gantools.plugins.colorize.models import ColorClassUNet, pack_logits, unpack_logits
from gantools.plugins.colorize.task import ColorizeConfig, ColorizeOptions, class_centres, task

TINY = {"width": 8, "levels": 3, "max_width": 16, "d_width": 8, "head": "classes"}


def test_classes_cover_the_srgb_gamut():
    centres = bins.gamut_centres(10.0)
    assert torch.equal(centres, bins.gamut_centres(10.0))  # deterministic
    assert 200 < centres.shape[0] < 400 and (centres.abs() <= 110).all()
    assert (centres == 0).all(dim=1).any()  # gray is a class
    torch.manual_seed(0)
    colours = lab.rgb_to_lab(torch.rand(1, 3, 50, 40))[:, 1:]
    idx, d2 = bins.neighbour_bins(colours, centres, 10.0)
    own = idx[:, 4]
    assert (own >= 0).all()  # every sampled sRGB colour lies in a class's cell
    assert (centres[own].permute(0, 3, 1, 2) - colours).abs().max() <= 5 + 1e-4


def test_neighbour_bins_match_brute_force():
    centres = bins.gamut_centres(10.0)
    ab = torch.tensor([[3.0, -47.0], [-81.0, 77.0], [0.4, 0.2]]).t()[None, :, :, None]
    idx, d2 = bins.neighbour_bins(ab, centres, 10.0)
    for p in range(3):
        point = ab[0, :, p, 0]
        dist = ((centres - point) ** 2).sum(dim=1)
        valid = idx[0, :, p, 0] >= 0
        got = idx[0, valid, p, 0]
        assert torch.allclose(d2[0, valid, p, 0], dist[got])
        assert int(dist.argmin()) in got.tolist()  # the nearest class is among them
        near = (dist <= dist.min() + 1e-6).nonzero().flatten().tolist()
        assert set(near) <= set(got.tolist())


def test_rebalancing_favours_rare_classes_and_keeps_mean_one():
    nearest = torch.tensor([0] * 90 + [1] * 9 + [2]).reshape(1, 1, 10, 10)
    w = bins.rebalance_weights(nearest, 5, 0.5)
    assert w.mean().item() == pytest.approx(1.0, abs=1e-6)
    assert w[nearest == 2].item() > w[nearest == 1][0].item() > w[nearest == 0][0].item()
    assert torch.allclose(bins.rebalance_weights(nearest, 5, 1.0), torch.ones(1, 1, 10, 10))


def test_cross_entropy_equals_hand_computation_without_rebalancing():
    centres = bins.gamut_centres(10.0)
    torch.manual_seed(1)
    logits = torch.randn(2, centres.shape[0], 3, 4)
    ab = (torch.rand(2, 2, 3, 4) - 0.5) * 60
    got = bins.soft_cross_entropy(logits, ab, centres, 10.0, mix=1.0, sigma=5.0)
    log_p = torch.log_softmax(logits, dim=1)
    total = 0.0
    for n in range(2):
        for i in range(3):
            for j in range(4):
                point = ab[n, :, i, j]
                cell = torch.round(point / 10)
                near = [q for q in range(centres.shape[0])
                        if (torch.round(centres[q] / 10) - cell).abs().max() <= 1]
                d2 = torch.tensor([float(((centres[q] - point) ** 2).sum()) for q in near])
                soft = torch.softmax(-d2 / 50.0, dim=0)
                total -= float((soft * log_p[n, near, i, j]).sum())
    assert got.item() == pytest.approx(total / 24, rel=1e-5)
    idx, d2 = bins.neighbour_bins(ab, centres, 10.0)
    soft = torch.softmax((-d2 / 50.0).masked_fill(idx < 0, -math.inf), dim=1)
    matching = torch.full_like(logits, -30.0)  # predicts the soft encoding itself
    matching.scatter_(1, idx.clamp(min=0), soft.clamp(min=1e-13).log())
    best = bins.soft_cross_entropy(matching, ab, centres, 10.0, mix=1.0)
    entropy = -(soft * soft.clamp(min=1e-13).log()).sum(dim=1).mean()
    assert best.item() == pytest.approx(entropy.item(), abs=1e-4) and best < got


def test_annealed_mean_runs_from_mean_to_mode():
    centres = torch.tensor([[0.0, 0.0], [40.0, 0.0], [0.0, 60.0]])
    logits = torch.log(torch.tensor([0.2, 0.5, 0.3]))[None, :, None, None]
    mean = bins.annealed_mean(logits, centres, 1.0)[0, :, 0, 0]
    assert torch.allclose(mean, torch.tensor([20.0, 18.0]), atol=1e-5)
    sharp = bins.annealed_mean(logits, centres, 0.01)[0, :, 0, 0]
    assert torch.allclose(sharp, centres[1], atol=1e-3)


def test_pack_and_unpack_logits_round_trip():
    logits = torch.randn(2, 37, 5, 6)
    packed = pack_logits(logits, 4)
    assert packed.shape == (2, math.ceil(37 / 16), 20, 24)
    assert torch.equal(unpack_logits(packed, 37, 4), logits)


def test_class_unet_shapes_in_eval_and_train_mode():
    cfg = ColorizeConfig(**TINY)
    G = task.build_generator(cfg)
    assert isinstance(G, ColorClassUNet)
    G.eval()
    out = G(torch.rand(2, 1, 13, 30))
    assert out.shape == (2, 2, 13, 30) and 0 <= out.min() and out.max() <= 1
    G.train()
    out = G(torch.rand(2, 1, 16, 24))
    q = class_centres(cfg.bin_size).shape[0]
    assert out.shape == (2, 2 + math.ceil(q / 16), 16, 24)
    losses = task.task_losses(out, torch.rand(2, 2, 16, 24), None, cfg)
    assert set(losses) == {"classes", "l1"} and all(v.isfinite() for v in losses.values())
    losses["classes"].backward()
    assert G.head.weight.grad is not None and G.head.weight.grad.abs().sum() > 0
    (d_in,) = task.discriminator_input(torch.rand(2, 1, 16, 24), out)
    assert d_in.shape == (2, 3, 16, 24)


def test_class_head_options_are_checked():
    with pytest.raises(ValueError, match="--patch 30"):
        task.data_spec(ColorizeConfig(**{**TINY, "patch": 30}))
    with pytest.raises(ValueError, match="--rebalance 0"):
        task.data_spec(ColorizeConfig(**{**TINY, "rebalance": 0.0}))
    with pytest.raises(ValueError, match="--temperature 0"):
        task.data_spec(ColorizeConfig(**{**TINY, "temperature": 0.0}))
    with pytest.raises(ValueError, match="temperature"):
        task.build_generator(ColorizeConfig(**{**TINY, "temperature": 0.0}))


def test_two_step_training_export_and_inference_keep_luminance(tmp_path):
    data = tmp_path / "photos"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (40, 44, 3), dtype=np.uint8)).save(
            data / f"p{i}.png")
    out = tmp_path / "run"
    args = ["train", "colorize", "--data", str(data), "--out", str(out), "--steps", "2",
            "--batch-size", "2", "--patch", "32", "--width", "8", "--levels", "3",
            "--max-width", "16", "--d-width", "8", "--head", "classes", "--l1-weight", "10",
            "--adv-weight", "0.1", "--sample-every", "0", "--workers", "0", "--n-samples", "4",
            "--no-progress", "--device", "cpu"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = (out / "metrics.jsonl").read_text()
    assert '"classes"' in metrics and '"g_adv"' in metrics
    from gantools.commands.export import export_run
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    weights = export_run(out, tmp_path / "c.safetensors")
    model = gantools.load("colorize", weights=str(weights), device="cpu", precision="fp32")
    assert model.config.head == "classes"
    sharper = gantools.load("colorize", device="cpu", weights=str(export_run(
        out, tmp_path / "t.safetensors", task_options={"temperature": 0.1})))
    assert sharper.generator.temperature == 0.1 == sharper.card["config"]["temperature"]
    src = rng.integers(0, 256, (45, 70, 3), dtype=np.uint8)
    with torch.inference_mode():
        rgb = task.infer(model, from_hwc_uint8(src), ColorizeOptions(size=32))
    assert rgb.shape == (1, 3, 45, 70)
    light = lab.luminance(from_hwc_uint8(to_hwc_uint8(rgb[0])))
    assert (light - lab.luminance(from_hwc_uint8(src))).abs().max() <= 1 / 255
