"""The colorize task: Lab maths, full-resolution inference that keeps L*, eval
metrics, and short CLI training runs on folders mixing gray and colour files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import gantools
from gantools.cli import app
from gantools.plugins.colorize import lab
from gantools.plugins.colorize.evaluate import evaluate_folder, gray_version, rgb_scores
from gantools.plugins.colorize.task import ColorizeConfig, ColorizeOptions, task

TINY = {"width": 8, "levels": 3, "max_width": 16, "d_width": 8}


def photo(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth colourful test image with some edges, (h, w, 3) uint8."""
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(x / 5.0 + seed), 128 + 100 * np.cos(y / 7.0),
                    (x * y + 40 * seed) % 256], axis=2)
    img[h // 3: h // 2, w // 4: w // 2] = (240, 30, 20)
    return img.clip(0, 255).astype(np.uint8)


def l_star(rgb8: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> L* / 100 (H, W) float64 through an independent CIE formula
    (sRGB decoding, D65 luminance Y, then L*)."""
    c = rgb8.astype(np.float64) / 255.0
    lin = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    y = lin @ np.array([0.212671, 0.715160, 0.072169])
    f = np.where(y > 0.008856, np.cbrt(y), 7.787 * y + 16 / 116)
    return (116 * f - 16) / 100


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory) -> Path:
    """A randomly initialised small generator with a strong head (saturated, often
    out-of-gamut colours), saved with gantools' weights helpers."""
    from gantools.weights import save_weights

    torch.manual_seed(0)
    cfg = ColorizeConfig(**TINY)
    G = task.build_generator(cfg)
    torch.nn.init.normal_(G.head.weight, 0.0, 0.5)
    torch.nn.init.normal_(G.head.bias, 0.0, 1.0)
    path = tmp_path_factory.mktemp("w") / "rand.safetensors"
    card = {"task": "colorize", "name": "rand", "config": vars(cfg), **task.card_extras(cfg)}
    return save_weights(path, G.state_dict(), card)


def test_lab_round_trip_and_ranges():
    torch.manual_seed(0)
    rgb = torch.rand(2, 3, 17, 23)
    lab_img = lab.rgb_to_lab(rgb)
    assert lab_img[:, 0].min() >= 0 and lab_img[:, 0].max() <= 100
    assert lab_img[:, 1:].abs().max() <= 110
    assert torch.allclose(lab.lab_to_rgb(lab_img), rgb, atol=1e-4)
    ab = lab_img[:, 1:]
    assert torch.allclose(lab.denormalise_ab(lab.normalise_ab(ab)), ab, atol=1e-4)
    assert torch.allclose(lab.compose(lab_img[:, :1] / 100, lab.normalise_ab(ab)), rgb,
                          atol=1e-4)
    rgb8 = (rgb[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    ours = lab.luminance(torch.from_numpy(rgb8).permute(2, 0, 1)[None].float() / 255)
    assert np.abs(ours[0, 0].numpy() - l_star(rgb8)).max() < 2e-3


def test_out_of_gamut_chroma_is_reduced_not_clipped():
    light = torch.linspace(0.02, 0.98, 50).reshape(1, 1, 5, 10)
    ab = torch.rand(1, 2, 5, 10, generator=torch.Generator().manual_seed(1))  # very saturated
    rgb = lab.compose(light, ab)
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert (lab.luminance(rgb) - light).abs().max() < 1e-3
    assert lab.chroma(lab.normalise_ab(lab.rgb_to_lab(rgb)[:, 1:])).mean() > 20


def test_unet_any_size_and_starts_gray():
    G = task.build_generator(ColorizeConfig(**TINY))
    out = G(torch.rand(2, 1, 13, 30))
    assert out.shape == (2, 2, 13, 30)
    assert torch.allclose(out, torch.full_like(out, 0.5))  # zero head: a* = b* = 0


@pytest.mark.parametrize("context", [False, True])
def test_coarse_output_level_any_size_and_starts_gray(context):
    """The regression head at 1 / 4 of the resolution, upsampled: any size in, the
    same size out, gray before training (also with the global-context branch)."""
    cfg = ColorizeConfig(**TINY, output_level=2, global_context=context)
    G = task.build_generator(cfg)
    out = G(torch.rand(2, 1, 13, 30))
    assert out.shape == (2, 2, 13, 30)
    assert torch.allclose(out, torch.full_like(out, 0.5))


def test_global_context_lets_far_pixels_steer_colour():
    """With the context branch, changing the left half of the picture changes the
    colour predicted at the far right; without it, the U-Net's receptive field (a
    few dozen pixels for this tiny net) does not reach."""
    torch.manual_seed(0)
    light = torch.rand(1, 1, 16, 256)
    changed = light.clone()
    changed[..., :, :96] = 0.0  # a dark left part
    moved = {}
    for context in (False, True):
        G = task.build_generator(ColorizeConfig(**TINY, global_context=context)).eval()
        torch.nn.init.normal_(G.head.weight, 0, 0.5)
        if context:  # a strong branch: untrained features are tiny (about 1e-3)
            torch.nn.init.normal_(G.context.mlp[0].weight, 0, 100.0)
            torch.nn.init.normal_(G.context.mlp[2].weight, 0, 1.0)
        with torch.no_grad():
            moved[context] = (G(light) - G(changed))[..., -16:].abs().max().item()
    assert moved[False] == 0 and moved[True] > 1e-3


@pytest.mark.parametrize(("option", "value", "message"), [
    ("min_scale", 0.0, "--min-scale"), ("min_scale", 1.5, "--min-scale"),
    ("output_level", 3, "--output-level")])
def test_data_options_are_checked(option, value, message):
    with pytest.raises(ValueError, match=message):
        task.data_spec(ColorizeConfig(**TINY, **{option: value}))


@pytest.mark.parametrize(("h", "w", "size"), [(45, 70, 32), (20, 28, 32)])
def test_output_keeps_size_and_luminance(random_weights, h, w, size):
    """Downscaled (or upscaled) chroma, full-resolution L*: same size, L* within
    1/255 after 8-bit rounding, and real colour."""
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    model = gantools.load("colorize", weights=str(random_weights), device="cpu",
                          precision="fp32")
    src = photo(h, w)
    with torch.inference_mode():
        out = task.infer(model, from_hwc_uint8(src), ColorizeOptions(size=size))
    assert out.shape == (1, 3, h, w)
    out8 = to_hwc_uint8(out[0])
    assert np.abs(l_star(out8) - l_star(src)).max() <= 1 / 255
    assert rgb_scores(out8, src)[2] > 10  # colourful


def test_gray_file_gives_colour_file_of_same_size(random_weights, tmp_path):
    from gantools.imageio import read_image

    src = tmp_path / "old.png"
    gray = np.asarray(Image.fromarray(photo(37, 52)).convert("L"))
    Image.fromarray(gray).save(src)
    result = CliRunner().invoke(app, ["colorize", str(src), "--weights", str(random_weights),
                                      "--size", "32", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    out = read_image(tmp_path / "old_color.png")
    pixels = np.asarray(Image.open(tmp_path / "old_color.png"))
    assert (out.height, out.width) == (37, 52) and pixels.shape == (37, 52, 3)
    assert np.ptp(pixels.astype(int), axis=2).max() > 20  # not gray any more
    assert np.abs(l_star(pixels) - l_star(np.repeat(gray[..., None], 3, 2))).max() <= 1 / 255


def test_eval_metrics_equal_an_independent_computation(random_weights, tmp_path):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    truth = photo(40, 56)
    (tmp_path / "d").mkdir()
    Image.fromarray(truth).save(tmp_path / "d" / "x.png")
    Image.fromarray(truth).convert("L").save(tmp_path / "d" / "y_gray.png")
    model = gantools.load("colorize", weights=str(random_weights), device="cpu",
                          precision="fp32")
    skipped = []
    scores = evaluate_folder(task, model, tmp_path / "d", size=32, save=tmp_path / "s",
                             skipped=skipped)
    assert len(scores) == 1 and [p.name for p in skipped] == ["y_gray.png"]
    score = scores[0]
    strip = np.asarray(Image.open(tmp_path / "s" / "x.png"))
    gray, out = strip[:, :56], strip[:, 56:112]
    assert strip.shape == (40, 168, 3) and np.array_equal(strip[:, 112:], truth)
    assert np.abs(l_star(gray) - l_star(truth)).max() <= 1 / 255
    assert np.ptp(gray.astype(int), axis=2).max() <= 1  # the baseline is gray

    def colourfulness(img):  # Hasler and Suesstrunk 2003, by hand
        r, g, b = (img.astype(np.float64)[..., i] for i in range(3))
        rg, yb = r - g, 0.5 * (r + g) - b
        return np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())

    for img, psnr, ssim in ((gray, score.gray_psnr, score.gray_ssim),
                            (out, score.model_psnr, score.model_ssim)):
        assert psnr == pytest.approx(peak_signal_noise_ratio(truth, img, data_range=255),
                                     abs=1e-9)
        ref = structural_similarity(truth.astype(np.float64) / 255, img.astype(np.float64) / 255,
                                    data_range=1.0, channel_axis=2, gaussian_weights=True,
                                    sigma=1.5, use_sample_covariance=False)
        assert ssim == pytest.approx(ref, abs=1e-6)
    assert score.model_colourfulness == pytest.approx(colourfulness(out), abs=1e-9)
    assert score.truth_colourfulness == pytest.approx(colourfulness(truth), abs=1e-9)
    assert gray_version(truth).shape == truth.shape


@pytest.mark.parametrize("recipe", [["--recipe", "pix2pix"],
                                    ["--recipe", "regression", "--output-level", "1"]])
def test_two_step_cli_training_skips_gray_files(tmp_path, recipe):
    data = tmp_path / "mixed"
    data.mkdir()
    for i in range(3):
        Image.fromarray(photo(40 + 4 * i, 44, seed=i)).save(data / f"colour{i}.png")
    Image.fromarray(photo(40, 44)).convert("L").save(data / "gray.png")
    Image.fromarray(np.repeat(photo(40, 44)[..., :1], 3, axis=2)).save(data / "gray_rgb.jpg")
    out = tmp_path / "run"
    args = ["train", "colorize", "--data", str(data), "--out", str(out), "--steps", "2",
            "--batch-size", "2", "--patch", "32", "--width", "8", "--levels", "3",
            "--max-width", "16", "--d-width", "8", "--sample-every", "0", "--workers", "0",
            "--n-samples", "4", "--no-progress", "--device", "cpu", *recipe]
    with pytest.warns(UserWarning, match="grayscale image skipped") as record:
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    skipped = {Path(str(w.message).split(":")[1].strip()).name for w in record
               if "grayscale image skipped" in str(w.message)}
    assert skipped <= {"gray.png", "gray_rgb.jpg"} and skipped  # those drawn in 2 steps
    metrics = (out / "metrics.jsonl").read_text()
    assert '"step": 2' in metrics and '"l1"' in metrics
    assert ("d_loss" in metrics) == ("pix2pix" in recipe)  # adv weight 0: no D step
    assert any((out / "samples").iterdir())
    from gantools.commands.export import export_run

    weights = export_run(out, tmp_path / "c.safetensors")
    model = gantools.load("colorize", weights=str(weights), device="cpu")
    assert model.card["colour_space"].startswith("CIE Lab") and model.config.levels == 3
    assert model.config.global_context == ("regression" in recipe)
    src = photo(37, 29)
    with torch.inference_mode():
        result = task.infer(model, torch.from_numpy(src).permute(2, 0, 1)[None] / 255.0,
                            ColorizeOptions(size=24))
    assert result.shape == (1, 3, 37, 29)


def test_every_gray_file_is_detected_and_no_colour_file(tmp_path):
    """Drawing every file of the training folder: a gray-mode PNG, a gray picture
    stored as RGB (JPEG, channels equal within its rounding) and a 16-bit gray-as-RGB
    PNG are skipped with a note; colour files, even nearly gray ones, are kept."""
    import warnings

    from gantools.data.datasets import FolderDataset

    data = tmp_path / "mixed"
    data.mkdir()
    Image.fromarray(photo(40, 44)).save(data / "colour.png")
    faint = photo(40, 44) // 8 + 100  # a washed-out colour picture: channels differ a bit
    Image.fromarray(faint).save(data / "faint.png")
    Image.fromarray(photo(40, 44)).convert("L").save(data / "gray.png")
    Image.fromarray(np.repeat(photo(40, 44)[..., :1], 3, axis=2)).save(data / "gray_rgb.jpg")
    from gantools.imageio import write_image

    gray16 = np.repeat(photo(40, 44)[..., 1:2].astype(np.uint16) * 257, 3, axis=2)
    write_image(data / "gray16_rgb.png", gray16, bit_depth=16)
    ds = FolderDataset(data, task.data_spec(ColorizeConfig(**TINY)))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for index in range(len(ds)):
            assert ds[(index, 0)]["image"].shape[0] == 3
    skipped = sorted(Path(str(w.message).split(":")[1].strip()).name for w in record
                     if "grayscale image skipped" in str(w.message))
    assert skipped == ["gray.png", "gray16_rgb.png", "gray_rgb.jpg"]
    assert len(ds) == 5


def test_losses_rebalance_colourful_pixels():
    target = torch.full((1, 2, 4, 4), 0.5)
    target[..., :2] = 0.8  # half the pixels colourful
    fake = torch.full_like(target, 0.5)
    plain = task.task_losses(fake, target, None, ColorizeConfig(chroma_weight=0))["l1"]
    heavy = task.task_losses(fake, target, None, ColorizeConfig(chroma_weight=2))["l1"]
    assert heavy > plain
    sat = task.task_losses(fake, target, None, ColorizeConfig(saturation_weight=1.0))
    assert sat["saturation"] > 0


def test_python_call_on_a_gray_pil_image(random_weights):
    model = gantools.load("colorize", weights=str(random_weights), device="cpu")
    gray = Image.fromarray(photo(30, 41)).convert("L")
    out = model(gray, size=32)
    assert out.size == gray.size and out.mode == "RGB"


def test_scale_chroma_multiplies_a_and_b():
    ab = torch.rand(2, 2, 5, 7)
    assert lab.scale_chroma(ab, 1.0) is ab
    assert torch.allclose(lab.denormalise_ab(lab.scale_chroma(ab, 2.0)),
                          2 * lab.denormalise_ab(ab), atol=1e-4)
    assert torch.allclose(lab.scale_chroma(ab, 0.0), torch.full_like(ab, 0.5))


def test_saturation_and_card_gain_scale_colour_and_keep_luminance(random_weights):
    """--saturation and the card's chroma_gain multiply the predicted chroma (their
    product is what counts); 0 gives the gray input back; L* stays within 1/255
    however strong the colour."""
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    model = gantools.load("colorize", weights=str(random_weights), device="cpu",
                          precision="fp32")
    src = from_hwc_uint8(photo(30, 41))

    def run(card_gain: float, saturation: float) -> np.ndarray:
        model.card = {**model.card, "chroma_gain": card_gain}
        with torch.inference_mode():
            out = task.infer(model, src, ColorizeOptions(size=32, saturation=saturation))
        out8 = to_hwc_uint8(out[0])
        assert np.abs(l_star(out8) - l_star(to_hwc_uint8(src[0]))).max() <= 1 / 255
        return out8

    def mean_chroma(rgb8: np.ndarray) -> float:
        return float(lab.rgb_to_lab(from_hwc_uint8(rgb8))[:, 1:].norm(dim=1).mean())

    assert np.ptp(run(1.6, 0.0).astype(int), axis=2).max() <= 1  # gray
    assert np.array_equal(run(2.0, 0.125), run(1.0, 0.25))  # only the product counts
    weak, double = mean_chroma(run(1.0, 0.1)), mean_chroma(run(1.0, 0.2))
    assert 1.8 < double / weak < 2.2  # in gamut: twice the chroma (8-bit rounding aside)
    run(1.6, 4.0)  # far out of gamut: L* still kept (checked in run)


def test_saturation_option_is_checked(random_weights, tmp_path):
    Image.fromarray(photo(20, 20)).save(tmp_path / "a.png")
    result = CliRunner().invoke(app, ["colorize", str(tmp_path / "a.png"), "--weights",
                                      str(random_weights), "--saturation", "-1"])
    assert result.exit_code != 0
    assert "--saturation -1.0: must be between 0 and 4" in result.output


def test_skipped_gray_file_is_one_line_on_the_command_line(tmp_path):
    """The note about a skipped gray training file is one line (no source line)."""
    import subprocess
    import sys

    data = tmp_path / "mixed"
    data.mkdir()
    Image.fromarray(photo(40, 44)).save(data / "colour.png")
    Image.fromarray(photo(40, 44)).convert("L").save(data / "gray.png")
    args = [sys.executable, "-m", "gantools", "train", "colorize", "--data", str(data),
            "--out", str(tmp_path / "run"), "--steps", "1", "--batch-size", "2", "--patch",
            "32", "--width", "8", "--levels", "3", "--max-width", "16", "--adv-weight", "0",
            "--sample-every", "0", "--workers", "0", "--n-samples", "2", "--no-progress",
            "--device", "cpu"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    noted = [line for line in lines if "grayscale image skipped" in line]
    assert noted == [f"UserWarning: note: {data / 'gray.png'}: grayscale image skipped "
                     "(this task trains on colour images)"]
    assert not any("self.dataset" in line for line in lines)


@pytest.mark.parametrize("keep", [False, True])
def test_colour_photo_is_recoloured_or_passed_through_with_a_warning(random_weights,
                                                                     tmp_path, keep):
    src = tmp_path / "colour.png"
    pixels = photo(33, 41, seed=3)
    Image.fromarray(pixels).save(src)
    args = ["colorize", str(src), "--weights", str(random_weights), "--size", "32",
            "--device", "cpu", "--no-progress", *(["--keep-color"] if keep else [])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "colour.png" in warnings[0]
    assert "already in colour" in warnings[0]
    assert ("passed through" in warnings[0]) == keep
    out = np.asarray(Image.open(tmp_path / "colour_color.png").convert("RGB"))
    if keep:
        assert np.array_equal(out, pixels)
    else:
        assert np.abs(out.astype(int) - pixels).max() > 20  # new colours
        assert np.abs(l_star(out) - l_star(pixels)).max() <= 1 / 255  # same luminance


def test_gray_photo_gets_no_colour_warning(random_weights, tmp_path):
    src = tmp_path / "gray.png"
    Image.fromarray(photo(30, 30)).convert("L").save(src)
    result = CliRunner().invoke(app, ["colorize", str(src), "--weights", str(random_weights),
                                      "--size", "32", "--device", "cpu", "--no-progress",
                                      "--keep-color"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    out = np.asarray(Image.open(tmp_path / "gray_color.png").convert("RGB"))
    assert np.ptp(out.astype(int), axis=2).max() > 20  # coloured although --keep-color
