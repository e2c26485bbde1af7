"""The superres task: degradation, networks, eval metrics, short training runs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import gantools
from gantools.plugins.superres import degrade
from gantools.plugins.superres.evaluate import bicubic_up, lr_pair, y_scores
from gantools.plugins.superres.task import SuperresConfig, task


def photo(h: int = 48, w: int = 64) -> np.ndarray:
    """A smooth colourful test image with some edges, (h, w, 3) uint8."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(x / 5.0), 128 + 100 * np.cos(y / 7.0),
                    (x * y) % 256], axis=2)
    img[h // 3: h // 2, w // 4: w // 2] = 240
    return img.clip(0, 255).astype(np.uint8)


def test_device_downscale_matches_pil_bicubic():
    hr = photo()
    pil = np.asarray(Image.fromarray(hr).resize((16, 12), Image.Resampling.BICUBIC))
    t = torch.from_numpy(hr).permute(2, 0, 1)[None].float() / 255.0
    ours = (degrade.bicubic_downscale(t, 4)[0].permute(1, 2, 0).numpy() * 255).round()
    assert np.abs(ours - pil).max() <= 1.0


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_generator_starts_at_bicubic_and_scales(scale):
    cfg = SuperresConfig(scale=scale, width=8, blocks=2)
    G, D = task.build(cfg)
    x = torch.rand(2, 3, 10, 12)
    out = G(x)
    assert out.shape == (2, 3, 10 * scale, 12 * scale)
    expected = torch.nn.functional.interpolate(x, scale_factor=scale, mode="bicubic")
    assert torch.allclose(out, expected, atol=1e-6)  # zero-initialised residual
    assert D(out.clamp(0, 1)).shape == (2,)


def test_eval_metric_equals_an_independent_computation():
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    hr, lr = lr_pair(photo(50, 66), 4)
    assert hr.shape == (48, 64, 3) and lr.shape == (12, 16, 3)
    out = bicubic_up(lr, 4)
    psnr, ssim = y_scores(out, hr, 4)

    def y(img):  # MATLAB rgb2ycbcr luma, then the border crop
        f = img.astype(np.float64) / 255.0
        luma = (16 + 65.481 * f[..., 0] + 128.553 * f[..., 1] + 24.966 * f[..., 2]) / 255
        return luma[4:-4, 4:-4]

    assert psnr == pytest.approx(peak_signal_noise_ratio(y(hr), y(out), data_range=1.0),
                                 abs=1e-9)
    ref_ssim = structural_similarity(y(hr), y(out), data_range=1.0, gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False)
    assert ssim == pytest.approx(ref_ssim, abs=1e-6)


def test_two_step_training_and_export(tiny_folder, tmp_path):
    out = tmp_path / "run"
    result = gantools.train("superres", data=str(tiny_folder), out=str(out), steps=2,
                            batch_size=2, patch=32, width=8, blocks=1, sample_every=0,
                            workers=0, progress=False, command=["test"])
    assert result.step == 2
    from gantools.commands.export import export_run

    weights = export_run(out, tmp_path / "sr.safetensors")
    model = gantools.load("superres", weights=str(weights), device="cpu")
    assert model.config.scale == 4 and model.card["scale"] == 4


def test_gan_fine_tuning_from_pretrained_weights(tiny_folder, tmp_path):
    common = {"data": str(tiny_folder), "steps": 2, "batch_size": 2, "patch": 32,
              "width": 8, "blocks": 1, "sample_every": 0, "workers": 0,
              "progress": False, "command": ["test"]}
    gantools.train("superres", out=str(tmp_path / "psnr"), **common)
    from gantools.commands.export import export_run

    weights = export_run(tmp_path / "psnr", tmp_path / "psnr.safetensors")
    result = gantools.train("superres", out=str(tmp_path / "gan"), adv_weight=1e-3,
                            init_from=str(weights), **common)
    metrics = (tmp_path / "gan" / "metrics.jsonl").read_text()
    assert result.step == 2 and "d_loss" in metrics and "g_adv" in metrics


def test_squared_error_loss_is_its_weight_times_the_mse():
    """--l2-weight adds w * mean((fake - target)^2), logged as l2; --l1-weight 0 leaves
    the squared error alone in the pixel terms."""
    fake, target = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    cfg = SuperresConfig(l1_weight=0.0, l2_weight=10.0)
    losses = task.task_losses(fake, target, None, cfg)
    assert losses["l1"] == 0
    assert losses["l2"].item() == pytest.approx(10 * (fake - target).square().mean().item())
    assert "l2" not in task.task_losses(fake, target, None, SuperresConfig())


def test_perceptual_loss_without_local_vgg_is_refused(tiny_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty_torch_home"))
    with pytest.raises(ValueError, match="never downloads"):
        gantools.train("superres", data=str(tiny_folder), out=str(tmp_path / "r"), steps=1,
                       perceptual_weight=1.0, progress=False)


def test_cli_scale_must_match_the_model(tiny_folder, tmp_path):
    from click.testing import CliRunner

    from gantools.cli import app
    from gantools.commands.export import export_run

    gantools.train("superres", data=str(tiny_folder), out=str(tmp_path / "run"), steps=1,
                   batch_size=2, patch=32, width=8, blocks=1, scale=2, sample_every=0,
                   workers=0, progress=False, command=["test"])
    weights = export_run(tmp_path / "run", tmp_path / "x2.safetensors")
    src = next(tiny_folder.glob("*.png"))
    result = CliRunner().invoke(app, ["superres", str(src), "--weights", str(weights),
                                      "--scale", "4", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "upscales x2" in result.output
    result = CliRunner().invoke(app, ["superres", str(src), "--weights", str(weights),
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    from gantools.imageio import read_image

    out, inp = read_image(tmp_path / "out" / src.name), read_image(src)
    assert (out.height, out.width) == (2 * inp.height, 2 * inp.width)


def test_scale_picks_the_shipped_photo_model_of_that_scale(tmp_path):
    """--scale 2 / 4 without --model: superres-real-x2 / superres-real, the real-world
    models; the output is that many times larger."""
    from click.testing import CliRunner

    from gantools.cli import app
    from gantools.imageio import read_image
    from gantools.plugins.superres.task import SuperresOptions

    assert task.model_for_options(SuperresOptions(scale=2)) == "superres-real-x2"
    assert task.model_for_options(SuperresOptions(scale=4)) == "superres-real"
    assert task.model_for_options(SuperresOptions()) == "superres-real"
    src = tmp_path / "small.png"
    Image.fromarray(photo(24, 32)).save(src)
    result = CliRunner().invoke(app, ["superres", str(src), "--scale", "2", "-o",
                                      str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    out = read_image(tmp_path / "out" / "small.png")
    assert (out.width, out.height) == (64, 48)


@pytest.mark.parametrize("blocks", [1, 3])
def test_default_overlap_makes_tiling_exact(blocks):
    """The task's overlap covers the real network's receptive field: tiled output
    equals untiled output (here to 1e-5; the requirement is 1/255 on 99.9%)."""
    from gantools.tiling import tiled_apply

    torch.manual_seed(0)
    cfg = SuperresConfig(scale=2, width=8, blocks=blocks)
    G = task.build_generator(cfg).eval()
    torch.nn.init.normal_(G.tail.weight, 0.0, 0.05)  # use the whole receptive field
    image = torch.rand(1, 3, 61, 83)
    overlap = task.tile_overlap(cfg)
    with torch.inference_mode():
        whole = G(image)
        tiled = tiled_apply(G, image, tile=4 * overlap, overlap=overlap, scale=2)
    assert tiled.shape == whole.shape
    assert (tiled - whole).abs().max() < 1e-5


def test_eval_accepts_16_bit_images(tmp_path):
    """16-bit HR images are scored like their 8-bit version (the protocol is 8-bit)."""
    from gantools.imageio import write_image
    from gantools.plugins.superres.evaluate import evaluate_folder

    hr8 = photo(48, 64)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_image(tmp_path / "a" / "x.png", hr8)
    write_image(tmp_path / "b" / "x.png", hr8.astype(np.uint16) * 257, bit_depth=16)
    eight = evaluate_folder(task, None, tmp_path / "a", 4)[0]
    sixteen = evaluate_folder(task, None, tmp_path / "b", 4)[0]
    assert sixteen.bicubic_psnr == pytest.approx(eight.bicubic_psnr)
