"""--diffaugment and --ada-target: the ops, their gradients, and the engine wiring."""

from __future__ import annotations

import json

import pytest
import torch

from gantools.engine.diffaugment import (
    AdaptiveProbability,
    DiscriminatorAugment,
    parse_policy,
)


def test_policy_parsing():
    assert parse_policy("") == ()
    assert parse_policy("cutout, Color ,translation") == ("colour", "translation", "cutout")
    with pytest.raises(ValueError, match="unknown op 'flip'"):
        parse_policy("colour,flip")


def test_probability_zero_and_empty_policy_are_the_identity():
    x = torch.rand(4, 3, 16, 16)
    label = torch.arange(4)
    for augment in (DiscriminatorAugment(("colour", "translation", "cutout"), 0.0),
                    DiscriminatorAugment((), 1.0)):
        out = augment((x, label))
        assert out[0] is x and out[1] is label


@pytest.mark.parametrize("op", ["colour", "translation", "cutout"])
def test_each_op_changes_images_keeps_shape_and_passes_labels(op):
    torch.manual_seed(0)
    x = torch.rand(8, 3, 16, 16)
    label = torch.arange(8)
    out, out_label = DiscriminatorAugment((op,), 1.0)((x, label))
    assert out.shape == x.shape and out_label is label
    changed = (out - x).abs().flatten(1).amax(dim=1) > 1e-6
    assert changed.sum() >= 6  # a zero shift can leave an image as it was


def test_translation_moves_pixels_by_whole_steps_and_fills_gray():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 4, 4] = 1.0
    augment = DiscriminatorAugment(("translation",), 1.0)
    params = {"shift": torch.tensor([[1 / 8, -2 / 8]])}
    y = augment._apply(x, params)
    # down 1, left 2: 7 x 6 pixels kept, the first row and last 2 columns shifted in gray
    assert y[0, 0, 5, 2] == 1.0 and y.sum() == pytest.approx(1.0 + 0.5 * (64 - 42))
    assert y[0, 0, 0, 0] == 0.5 and y[0, 0, 3, 7] == 0.5 and y[0, 0, 1, 0] == 0.0


def test_cutout_hole_is_a_quarter_of_the_image_and_gray():
    x = torch.ones(1, 3, 16, 16)
    y = DiscriminatorAugment(("cutout",), 1.0)._apply(
        x, {"centre": torch.tensor([[0.5, 0.5]]), "cut": torch.ones(1, 1, 1, 1)})
    hole = (y[0, 0] == 0.5)
    assert hole.sum() == 64 and hole[4:12, 4:12].all()


def test_same_transform_for_every_image_tensor_of_one_call():
    torch.manual_seed(1)
    x = torch.rand(4, 3, 16, 16)
    a, b = DiscriminatorAugment(("translation", "cutout"), 1.0)((x, x.clone()))
    assert torch.equal(a, b)


def test_gradients_reach_the_generator_side():
    x = torch.rand(4, 3, 16, 16, requires_grad=True)
    (out,) = DiscriminatorAugment(("colour", "translation", "cutout"), 1.0)((x,))
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_ada_raises_p_while_d_is_too_sure_and_lowers_it_after():
    ada = AdaptiveProbability(target=0.6, kimg=0.128, batch_size=32, interval=4)
    p = 0.0
    for _ in range(4):
        ada.observe(torch.ones(32))  # every real image scored real: r_t = 1
    assert ada.ready()
    p = ada.update(p, float(ada.pending_rt()))
    assert p == pytest.approx(1.0) and ada.last_rt == 1.0
    for _ in range(4):
        ada.observe(-torch.ones(32))
    p = ada.update(p, float(ada.pending_rt()))
    assert p == pytest.approx(0.0)


def test_engine_logs_aug_p_and_ada_rt_and_resume_keeps_p(tiny_folder, tmp_path):
    from gantools.engine import checkpoint as ckpt
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer
    from gantools.plugins.generate.task import GenerateConfig, task

    out = tmp_path / "run"
    common = dict(data=str(tiny_folder), out=str(out), batch_size=4, threads=1, workers=0,
                  log_every=2, checkpoint_every=4, sample_every=0,
                  diffaugment="colour,translation,cutout", augment_p=0.5, ada_target=0.6,
                  ada_kimg=1.0)  # each update (every 4 steps) moves p by 4 * 4 / 1000
    cfg = GenerateConfig(size=32, width=8)
    Trainer(task, cfg, TrainConfig(steps=4, **common), progress=False).run()
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert all("aug_p" in r and "ada_rt" in r for r in rows)
    state, _ = ckpt.load_latest(out / "checkpoints")
    saved_p = state["augment_p"]
    assert abs(saved_p - 0.5) == pytest.approx(0.016)
    resumed = Trainer(task, cfg, TrainConfig(steps=8, **common), resume=True, progress=False)
    resumed.run()
    assert abs(resumed.augment.p - saved_p) == pytest.approx(0.016)  # continued from it
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [2, 4, 6, 8]


def test_unknown_op_is_refused_before_training(tiny_folder, tmp_path):
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer, TrainingError
    from gantools.plugins.generate.task import GenerateConfig, task

    with pytest.raises(TrainingError, match="unknown op 'blur'"):
        Trainer(task, GenerateConfig(size=32, width=8),
                TrainConfig(data=str(tiny_folder), out=str(tmp_path / "r"), diffaugment="blur"))
    assert not (tmp_path / "r").exists()
