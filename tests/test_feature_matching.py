"""Discriminator feature matching (--feature-matching): the loss, the engine's use of
it, and its refusal for discriminators without feature maps."""

from __future__ import annotations

import json

import pytest
import torch

from gantools.engine.losses import feature_matching


def test_loss_is_zero_for_equal_features_and_only_fake_gets_gradients():
    real = [torch.rand(2, 4, 8, 8), torch.rand(2, 8, 4, 4)]
    assert feature_matching([r.clone() for r in real], real).item() == 0.0
    fake = [(r + 0.5).requires_grad_(True) for r in real]
    real = [r.requires_grad_(True) for r in real]
    loss = feature_matching(fake, real)
    assert loss.item() == pytest.approx(0.5)
    loss.backward()
    assert all(f.grad is not None for f in fake) and all(r.grad is None for r in real)
    with pytest.raises(ValueError, match="matching non-empty"):
        feature_matching(fake[:1], real)


@pytest.mark.parametrize("d_arch", ["unet", "vgg"])
def test_two_step_superres_gan_logs_the_fm_term(tiny_folder, tmp_path, d_arch):
    import gantools

    run = tmp_path / "run"
    gantools.train("superres", data=str(tiny_folder), out=str(run), steps=2, batch_size=2,
                   patch=32, arch="compact", width=8, blocks=2, d_arch=d_arch, d_width=8,
                   adv_weight=0.01, feature_matching=1.0, progress=False)
    last = json.loads((run / "metrics.jsonl").read_text().strip().splitlines()[-1])
    assert last["fm"] > 0
    assert last["g_loss"] == pytest.approx(0.01 * last["g_adv"] + last["l1"] + last["fm"],
                                           rel=1e-4)


def test_a_discriminator_without_feature_maps_is_refused(tiny_folder, tmp_path):
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer, TrainingError
    from gantools.plugins.generate.task import GenerateConfig, task

    trainer = Trainer(task, GenerateConfig(size=32, width=8),
                      TrainConfig(data=str(tiny_folder), out=str(tmp_path / "r"),
                                  feature_matching=1.0), progress=False)
    with pytest.raises(TrainingError, match="feature_maps"):
        trainer.build()
