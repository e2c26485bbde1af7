"""LDL's artifact loss (--artifact-weight): the map, the loss, the engine's use of it
and its refusals."""

from __future__ import annotations

import json

import pytest
import torch

from gantools.engine.artifact_loss import artifact_loss, artifact_map, local_variance


def test_local_variance_is_zero_on_flat_images_and_matches_a_direct_window():
    flat = torch.full((1, 1, 9, 9), 0.3)
    assert local_variance(flat).abs().max().item() < 1e-6
    values = torch.rand(2, 1, 12, 12)
    var = local_variance(values, 3)
    assert var.shape == values.shape and (var >= 0).all()
    direct = values[0, 0, 4:7, 5:8].var(unbiased=False)
    assert var[0, 0, 5, 6].item() == pytest.approx(direct.item(), rel=1e-4, abs=1e-6)


def test_map_keeps_pixels_worse_than_the_ema_where_the_error_varies():
    torch.manual_seed(0)
    target = torch.rand(1, 3, 16, 16)
    ema = target.clone()
    output = target.clone()
    output[..., :8] += 0.3 * torch.randn(1, 3, 16, 8)  # speckle on the left half only
    weight = artifact_map(output, ema, target)
    assert weight.shape == (1, 1, 16, 16) and not weight.requires_grad
    assert weight[..., 2:-2, :4].min() > 0  # worse than the EMA, varying error
    assert weight[..., 12:].abs().max() == 0  # no error, no variance
    # where the output beats the EMA, the map is zero
    assert artifact_map(ema, output, target)[..., :8].abs().max() == 0


def test_loss_is_zero_without_error_and_only_the_output_gets_a_gradient():
    target = torch.rand(2, 3, 16, 16)
    assert artifact_loss(target.clone(), target + 0.1, target).item() == 0.0
    output = (target + 0.2 * torch.randn_like(target)).clamp(0, 1).requires_grad_(True)
    ema = target.clone().requires_grad_(True)
    loss = artifact_loss(output, ema, target)
    assert loss.item() > 0
    loss.backward()
    assert output.grad is not None and output.grad.abs().sum() > 0 and ema.grad is None


def test_two_step_superres_gan_logs_the_artifact_term(tiny_folder, tmp_path):
    import gantools

    run = tmp_path / "run"
    gantools.train("superres", data=str(tiny_folder), out=str(run), steps=2, batch_size=2,
                   patch=32, arch="compact", width=8, blocks=2, d_arch="unet", d_width=8,
                   adv_weight=0.01, artifact_weight=1.0, progress=False)
    last = json.loads((run / "metrics.jsonl").read_text().strip().splitlines()[-1])
    assert last["artifact"] >= 0
    assert last["g_loss"] == pytest.approx(
        0.01 * last["g_adv"] + last["l1"] + last["artifact"], rel=1e-4)


@pytest.mark.parametrize(("task_name", "task_options", "options", "message"), [
    ("generate", {}, {}, "image-to-image"),
    ("superres", {"adv_weight": 0.01}, {"ema_decay": 0.0}, "--ema-decay"),
    ("superres", {"adv_weight": 0.0}, {}, "adversarial weight"),
])
def test_refused_without_a_target_an_ema_or_a_gan(tiny_folder, tmp_path, task_name,
                                                 task_options, options, message):
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer, TrainingError
    from gantools.registry import get_task

    task = get_task(task_name)
    small = {"generate": {"size": 32, "width": 8},
             "superres": {"patch": 32, "width": 8, "blocks": 2, "arch": "compact"}}
    trainer = Trainer(task, task.Config(**small[task_name], **task_options),
                      TrainConfig(data=str(tiny_folder), out=str(tmp_path / "r"),
                                  artifact_weight=1.0, **options), progress=False)
    with pytest.raises(TrainingError, match=message):
        trainer.build()
