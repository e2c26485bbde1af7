"""gantools.restoration: what a RestorationTask gives (pairs, D input, losses, tiling,
inference, sample grid), the default input | output | target grid of image tasks, and
the public module gantools.plugin_api."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from gantools.engine.config import opt
from gantools.restoration import RestorationConfig, RestorationTask, random_flip
from gantools.task import Batch, ImageTask


@dataclass
class HalveConfig(RestorationConfig):
    factor: float = opt(0.5, "Brightness factor of the degradation.")


class HalveTask(RestorationTask):
    """Degradation: darken and add a little noise; generator: one 3x3 convolution."""

    name = "halve"
    summary = "test task"
    Config = HalveConfig

    def build_generator(self, cfg):
        return nn.Conv2d(3, 3, 3, padding=1)

    def degrade(self, clean, cfg):
        return clean * cfg.factor + 0.01 * torch.randn_like(clean)


def test_make_pair_flips_then_degrades_with_the_global_generator():
    task, cfg = HalveTask(), HalveConfig(factor=0.5)
    clean = torch.rand(6, 3, 8, 10)
    torch.manual_seed(0)
    degraded, target = task.make_pair(Batch(clean), cfg)
    torch.manual_seed(0)
    flip = torch.rand(6) < 0.5
    expected = torch.where(flip[:, None, None, None], clean.flip(-1), clean)
    noisy = (expected * 0.5 + 0.01 * torch.randn_like(expected)).clamp(0, 1)
    assert torch.equal(target, expected) and torch.equal(degraded, noisy)
    assert 0 < int(flip.sum()) < 6  # both branches taken
    assert float(degraded.min()) >= 0 and float(degraded.max()) <= 1


def test_make_pair_without_flips_and_shape_changes_are_refused():
    no_flip = type("NoFlip", (HalveTask,), {"hflip": False})()
    clean = torch.rand(4, 3, 8, 8)
    _, target = no_flip.make_pair(Batch(clean), HalveConfig())
    assert torch.equal(target, clean)
    shrink = type("Shrink", (HalveTask,), {"degrade": lambda self, c, cfg: c[..., ::2, ::2]})()
    with pytest.raises(ValueError, match="must keep the shape"):
        shrink.make_pair(Batch(clean), HalveConfig())


def test_the_required_parts_say_what_is_missing():
    bare = type("Bare", (RestorationTask,), {"name": "bare", "summary": "x"})()
    with pytest.raises(NotImplementedError, match="build_generator"):
        bare.build(RestorationConfig())
    with pytest.raises(NotImplementedError, match="degrade"):
        bare.make_pair(Batch(torch.rand(1, 3, 4, 4)), RestorationConfig())


def test_networks_losses_and_tiling_come_from_the_base():
    from gantools.nets.patchgan import PatchGAN

    task, cfg = HalveTask(), HalveConfig(d_width=8, d_layers=2, l1_weight=3.0)
    g, d = task.build(cfg)
    assert isinstance(g, nn.Conv2d) and isinstance(d, PatchGAN)
    cond, image = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    (d_in,) = task.discriminator_input(cond, image)
    assert d_in.shape == (2, 6, 32, 32) and torch.equal(d_in[:, :3], cond)
    assert d(d_in).shape[0] == 2
    loss = task.task_losses(image, cond, cond, cfg)
    assert set(loss) == {"l1"}
    assert torch.allclose(loss["l1"], 3.0 * (image - cond).abs().mean())
    assert task.adversarial_weight(HalveConfig(adv_weight=0.0)) == 0.0
    assert task.tile_overlap(cfg) == 2 * task.receptive_radius(cfg) == 16
    wide = type("Wide", (HalveTask,), {"receptive_radius": lambda self, c: 11})()
    assert wide.tile_overlap(cfg) == 22
    spec = task.data_spec(HalveConfig(patch=40))
    assert (spec.size, spec.channels, spec.crop) == (40, 3, "random")


def test_check_config_runs_before_training():
    def refuse(self, cfg):
        if cfg.factor <= 0:
            raise ValueError("--factor must be positive")

    task = type("Checked", (HalveTask,), {"check_config": refuse})()
    task.data_spec(HalveConfig())
    with pytest.raises(ValueError, match="--factor must be positive"):
        task.data_spec(HalveConfig(factor=0))


def test_infer_runs_the_generator_and_clamps():
    task = HalveTask()
    model = SimpleNamespace(generator=lambda x: x * 3 - 1)
    out = task.infer(model, torch.full((1, 3, 4, 4), 0.5), task.InferOptions())
    assert torch.equal(out, torch.full((1, 3, 4, 4), 0.5))
    assert torch.equal(task.infer(model, torch.ones(1, 3, 2, 2), None), torch.ones(1, 3, 2, 2))


def test_the_sample_grid_is_input_output_target():
    task = HalveTask()
    g = nn.Conv2d(3, 3, 3, padding=1)
    cond, target = torch.rand(10, 3, 16, 16), torch.rand(10, 3, 16, 16)
    rows = task.sample_images(g, cond, target)
    assert len(rows) == 3 and all(r.shape == (8, 3, 16, 16) for r in rows)
    assert torch.equal(rows[0], cond[:8]) and torch.equal(rows[2], target[:8])
    with torch.no_grad():
        assert torch.allclose(rows[1], g(cond[:8]).clamp(0, 1))


class MaskedTask(ImageTask):
    name = "masked"
    summary = "an image task with the core's default grid"


def test_the_default_grid_of_any_image_task_shows_its_input():
    task = MaskedTask()
    # image + mask (4 channels): the input row shows the image
    cond = torch.rand(3, 4, 8, 8)
    rows = task.sample_images(lambda c: c[:, :3] * 0.5, cond, torch.rand(3, 3, 8, 8))
    assert len(rows) == 3 and torch.equal(rows[0], cond[:, :3])
    # a low-resolution input is shown at the target's size (nearest)
    small = torch.rand(2, 3, 4, 4)
    rows = task.sample_images(lambda c: c.repeat_interleave(2, -1).repeat_interleave(2, -2),
                              small, torch.rand(2, 3, 8, 8))
    assert rows[0].shape == (2, 3, 8, 8) and torch.equal(rows[0][:, :, ::2, ::2], small)
    # a condition that is not an image batch (labels, noise vectors): output and target
    labels = torch.arange(2)
    rows = task.sample_images(lambda c: torch.rand(2, 3, 8, 8), labels, torch.rand(2, 3, 8, 8))
    assert len(rows) == 2


def test_random_flip_is_colorizes_former_inline_flip():
    """colorize uses random_flip now: same draws, same pairs (its training replays)."""
    from gantools.plugins.colorize import lab
    from gantools.plugins.colorize.task import ColorizeConfig, task

    image = torch.rand(5, 3, 12, 12)
    torch.manual_seed(7)
    light, ab = task.make_pair(Batch(image), ColorizeConfig())
    torch.manual_seed(7)
    flip = torch.rand(5) < 0.5
    before = torch.where(flip[:, None, None, None], image.flip(-1), image)
    want = lab.rgb_to_lab(before)
    assert torch.equal(light, (want[:, :1] / 100.0).clamp(0, 1))
    assert torch.equal(ab, lab.normalise_ab(want[:, 1:]))
    torch.manual_seed(7)
    assert torch.equal(random_flip(image), before)


def test_plugin_api_is_light_and_every_name_resolves():
    code = ("import sys, gantools.plugin_api as p; "
            "assert 'torch' not in sys.modules, 'torch imported'; "
            "[getattr(p, n) for n in p.__all__]; print(len(p.__all__))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 40

    import gantools.plugin_api as api
    from gantools.inference.single import infer_image
    from gantools.metrics import psnr

    assert api.psnr is psnr and api.infer_image is infer_image
    assert api.RestorationTask is RestorationTask and set(api.__all__) <= set(dir(api))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        api.nothing  # noqa: B018
