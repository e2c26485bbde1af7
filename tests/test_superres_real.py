"""superres for real photos: the second-order degradation model, its JPEG, the compact
generator and U-Net discriminator, the eval degradations and NIQE."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

from gantools.plugins.superres import kernels, real_degrade
from gantools.plugins.superres.eval_degrade import DEGRADATIONS, degrade_lr
from gantools.plugins.superres.jpeg import jpeg_compress
from gantools.plugins.superres.task import SuperresConfig, task

SAMPLES = Path(__file__).resolve().parents[1] / "gantools" / "samples"


def sample_photo(side: int = 192) -> np.ndarray:
    """A bundled photo, centre-cropped to side x side, (side, side, 3) uint8."""
    img = Image.open(sorted(SAMPLES.glob("*.jpg"))[0]).convert("RGB")
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w + s) // 2, (h + s) // 2))
    return np.asarray(img.resize((side, side), Image.Resampling.BICUBIC))


def as_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(img.copy()).permute(2, 0, 1)[None].float() / 255.0


def test_blur_kernels_are_normalised_and_confined_to_their_size():
    torch.manual_seed(0)
    ranges = kernels.BlurRanges(sinc_prob=0.5)
    k = kernels.random_blur_kernels(64, ranges, torch.device("cpu"))
    assert k.shape == (64, 21, 21)
    assert torch.allclose(k.sum(dim=(1, 2)), torch.ones(64), atol=1e-5)
    # symmetric under a half turn (all families are centred, point-symmetric)
    assert torch.allclose(k, k.flip(1).flip(2), atol=1e-6)


def test_sinc_kernel_is_a_low_pass():
    k = kernels.sinc_kernels(torch.tensor([np.pi / 4]), 21)[0]
    response = torch.fft.fft2(F.pad(k, (0, 43, 0, 43))).abs()
    assert response[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert response[32, 32] < 0.1  # the highest frequency is cut


def test_anisotropic_gaussian_is_elongated_along_its_angle():
    q = kernels.quadratic_form(torch.tensor([3.0]), torch.tensor([0.5]), torch.tensor([0.0]), 21)
    k = torch.exp(-0.5 * q)[0]
    assert k[10, 14] > 0.3 and k[14, 10] < 1e-6  # wide along x, narrow along y


def test_degradation_is_seeded_and_keeps_shape_range_and_8_bits():
    hr = as_tensor(sample_photo(128)).repeat(4, 1, 1, 1)
    torch.manual_seed(3)
    a = real_degrade.real_degradation(hr, 4)
    torch.manual_seed(3)
    b = real_degrade.real_degradation(hr, 4)
    torch.manual_seed(4)
    c = real_degrade.real_degradation(hr, 4)
    assert a.shape == (4, 3, 32, 32) and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, (a * 255).round() / 255)


def test_strength_zero_is_a_plain_downscale():
    hr = as_tensor(sample_photo(128))
    torch.manual_seed(0)
    lr = real_degrade.real_degradation(hr, 4, strength=0.0)
    plain = [(real_degrade.resize(hr, (32, 32), m).clamp(0, 1) * 255).round() / 255
             for m in real_degrade.RESIZE_MODES]
    assert any(torch.allclose(lr, p, atol=1e-6) for p in plain)


def test_strength_scales_how_far_inputs_are_from_a_clean_downscale():
    hr = as_tensor(sample_photo(128)).repeat(16, 1, 1, 1)
    clean = F.interpolate(hr, size=(32, 32), mode="bicubic", antialias=True)
    error = {}
    for strength in (0.3, 1.0, 2.0):
        torch.manual_seed(0)
        error[strength] = float((real_degrade.real_degradation(hr, 4, strength) - clean)
                                .abs().mean())
    assert error[0.3] < error[1.0] < error[2.0]


def test_scaled_ranges_move_towards_clean():
    mild = real_degrade.scaled_stage(real_degrade.FIRST, 0.5)
    assert mild.noise_sigma == (0.5, 15.0)
    assert mild.jpeg_quality == (65.0, 97.5)
    assert mild.blur.sigma == pytest.approx((0.2, 1.6))
    assert sum(mild.resize_prob) == pytest.approx(1.0)
    harsh = real_degrade.scaled_stage(real_degrade.FIRST, 2.0)
    assert sum(harsh.resize_prob) == pytest.approx(1.0) and min(harsh.resize_prob) >= 0


@pytest.mark.parametrize("op", ["blur", "noise", "jpeg", "resize"])
def test_every_op_keeps_shape_and_range(op):
    torch.manual_seed(1)
    x = torch.rand(3, 3, 40, 24)
    stage = real_degrade.FIRST
    if op == "blur":
        y = real_degrade.blur(x, kernels.random_blur_kernels(3, stage.blur, x.device))
        assert y.shape == x.shape
        y = y.clamp(0, 1)  # sinc ringing may overshoot; the pipeline clamps after it
    elif op == "noise":
        y = real_degrade.random_noise(x, stage)
        assert y.shape == x.shape and not torch.equal(x, y)
    elif op == "jpeg":
        y = real_degrade.random_jpeg(x, stage)
        assert y.shape == x.shape
    else:
        y = real_degrade.random_resize(x, stage, (40, 24))
        assert y.shape[:2] == x.shape[:2]
    assert y.min() >= 0 and y.max() <= 1


@pytest.mark.parametrize("quality", [30, 60, 95])
def test_jpeg_matches_pillow(quality):
    img = sample_photo(192)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    pillow = np.asarray(Image.open(buf).convert("RGB")).astype(float)
    ours = jpeg_compress(as_tensor(img), torch.tensor([float(quality)]))
    ours = (ours[0].permute(1, 2, 0).numpy() * 255).round()
    own_error = np.abs(pillow - img).mean()
    assert np.abs(ours - pillow).mean() < min(1.0, own_error / 3)


def test_jpeg_of_any_size_and_quality_100_is_untouched():
    x = torch.rand(2, 3, 21, 35)
    out = real_degrade.jpeg(x, torch.tensor([100.0, 50.0]))
    assert out.shape == x.shape
    assert torch.equal(out[0], x[0]) and not torch.equal(out[1], x[1])


def test_compact_generator_starts_at_bicubic_and_tiles_exactly():
    cfg = SuperresConfig(arch="compact", width=8, blocks=3)
    generator, discriminator = task.build(cfg)
    x = torch.rand(1, 3, 20, 24)
    expected = F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)
    assert torch.allclose(generator(x), expected, atol=1e-6)
    assert task.tile_overlap(cfg) == 2 * (3 + 2 + 2)


def test_unet_discriminator_scores_every_pixel():
    cfg = SuperresConfig(d_arch="unet", d_width=8)
    _, discriminator = task.build(cfg)
    assert discriminator(torch.rand(2, 3, 32, 48)).shape == (2, 1, 32, 48)


def test_two_step_real_degradation_gan_training(tiny_folder, tmp_path):
    import gantools

    run = tmp_path / "run"
    gantools.train("superres", data=str(tiny_folder), out=str(run), steps=2, batch_size=2,
                   patch=32, arch="compact", width=8, blocks=2, degradation="real",
                   degradation_strength=0.5, d_arch="unet", d_width=8, adv_weight=0.1,
                   progress=False)
    assert (run / "checkpoints").exists()
    lines = (run / "metrics.jsonl").read_text().strip().splitlines()
    assert lines and "d_loss" in lines[-1]


def test_eval_degradations_are_seeded_and_distinct():
    lr = sample_photo(64)
    outs = {k: degrade_lr(lr, k, "photo.png") for k in DEGRADATIONS}
    assert np.array_equal(outs["clean"], lr)
    assert np.array_equal(outs["noise-jpeg"], degrade_lr(lr, "noise-jpeg", "photo.png"))
    assert not np.array_equal(outs["noise-jpeg"], degrade_lr(lr, "noise-jpeg", "other.png"))
    for kind in ("jpeg", "noise-jpeg", "blur-jpeg"):
        assert outs[kind].shape == lr.shape and not np.array_equal(outs[kind], lr)
    with pytest.raises(ValueError, match="--degrade"):
        degrade_lr(lr, "fog", "photo.png")


def test_niqe_prefers_the_sharp_photo():
    from gantools.niqe import niqe

    img = sample_photo(288)
    blurred = np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(2.5)))
    sharp, soft = niqe(img), niqe(blurred)
    assert np.isfinite(sharp) and sharp > 0 and sharp < soft


def test_niqe_refuses_images_smaller_than_a_block():
    from gantools.niqe import niqe

    with pytest.raises(ValueError, match="96x96"):
        niqe(np.zeros((50, 200, 3), np.uint8))


def test_no_reference_eval_on_a_folder_without_ground_truth(tmp_path):
    from click.testing import CliRunner

    from gantools.cli import app

    for i, name in enumerate(sorted(SAMPLES.glob("*.jpg"))[:2]):
        Image.open(name).convert("RGB").resize((40 + 8 * i, 32)).save(tmp_path / f"p{i}.png")
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(app, ["eval", "superres", "--model", "superres",
                                      "--data", str(tmp_path), "--no-reference",
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "bicubic NIQE" in result.output and "superres NIQE" in result.output
    import json

    rows = json.loads(out.read_text())
    assert len(rows) == 3 and all(np.isfinite(r["bicubic_niqe"]) for r in rows)
    assert all(r["model_niqe"] > 0 for r in rows)


SET5 = Path(__file__).resolve().parents[2] / "shared" / "data" / "sr" / "Set5"


@pytest.mark.skipif(not SET5.exists(), reason="../shared/data/sr/Set5 is not present")
@pytest.mark.parametrize("model", ["superres-real", "superres-real-x2"])
@pytest.mark.parametrize("kind", ["jpeg", "noise-jpeg", "blur-jpeg"])
def test_shipped_real_model_beats_bicubic_on_degraded_set5_as_its_card_says(model, kind,
                                                                            tmp_path):
    import json

    from click.testing import CliRunner

    from gantools.cli import app
    from gantools.weights import find_weights

    out = tmp_path / "s.json"
    result = CliRunner().invoke(app, ["eval", "superres", "--model", model, "--data",
                                      str(SET5), "--degrade", kind, "--json", str(out)])
    assert result.exit_code == 0, result.output
    mean = json.loads(out.read_text())[-1]
    card = find_weights(model, "superres").card
    card = card["metrics"][f"degraded_x{card['scale']}"]["Set5"][kind]
    assert mean["model_psnr"] - mean["bicubic_psnr"] >= 0.2
    assert mean["model_psnr"] == pytest.approx(card["psnr_y"], abs=0.05)
    assert mean["bicubic_psnr"] == pytest.approx(card["bicubic_psnr_y"], abs=0.02)
