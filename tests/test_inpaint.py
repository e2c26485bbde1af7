"""The inpaint task: masks, composite, pairing rules, eval metrics, training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import gantools
from gantools.cli import app
from gantools.plugins.inpaint.evaluate import eval_seed, opencv_inpaint, score
from gantools.plugins.inpaint.masks import mask_with_ratio, random_masks, seeded_mask


def photo(h: int = 40, w: int = 56, seed: int = 0) -> np.ndarray:
    """A smooth colour picture with some noise, (h, w, 3) uint8."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx / w, yy / h, (xx + yy) / (h + w)], -1) * 200 + 20
    return np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8)


def hole(h: int = 40, w: int = 56) -> np.ndarray:
    """A (h, w) uint8 mask, 255 = hole, 0 = keep, with a 127 edge that means keep."""
    m = np.zeros((h, w), np.uint8)
    m[10:20, 15:35] = 255
    if h > 21:
        m[21, 15:35] = 127
    return m


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    """A tiny inpaint model trained for 2 steps and exported."""
    from gantools.commands.export import export_run

    root = tmp_path_factory.mktemp("inp")
    data = root / "data"
    data.mkdir()
    for i in range(3):
        Image.fromarray(photo(48, 48, i)).save(data / f"p{i}.png")
    gantools.train("inpaint", data=str(data), out=str(root / "run"), steps=2, batch_size=2,
                   patch=32, width=8, blocks=2, sample_every=0, workers=0, progress=False,
                   command=["test"])
    return export_run(root / "run", root / "inpaint.safetensors")


def run_cli(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("band", [(0.1, 0.2), (0.2, 0.3), (0.3, 0.4)])
@pytest.mark.parametrize("kind", ["strokes", "rectangles", "mixed"])
def test_mask_generator_hits_its_ratio_band(band, kind):
    for seed in range(5):
        gen = torch.Generator().manual_seed(seed)
        for h, w in ((128, 128), (321, 481)):
            m = mask_with_ratio(h, w, band, kind, generator=gen)
            assert m.shape == (1, h, w) and set(m.unique().tolist()) <= {0.0, 1.0}
            assert band[0] <= m.mean().item() <= band[1]


def test_seeded_masks_repeat_and_training_masks_follow_the_global_seed():
    a, b = seeded_mask(60, 80, (0.2, 0.3), 7), seeded_mask(60, 80, (0.2, 0.3), 7)
    assert torch.equal(a, b) and not torch.equal(a, seeded_mask(60, 80, (0.2, 0.3), 8))
    torch.manual_seed(3)
    first = random_masks(4, 32, 32, (0.05, 0.5))
    torch.manual_seed(3)
    assert torch.equal(first, random_masks(4, 32, 32, (0.05, 0.5)))
    assert eval_seed("baboon", 0) == eval_seed("baboon", 0) != eval_seed("baboon", 1)


def test_composite_keeps_known_pixels_bit_exact(weights, tmp_path):
    for depth in (8, 16):
        img = photo()
        if depth == 16:
            img = img.astype(np.uint16) * 257 + 3
        Image.fromarray(img if depth == 8 else img[..., 0]).save(tmp_path / f"d{depth}.png")
        Image.fromarray(hole()).save(tmp_path / f"d{depth}_mask.png")
    result = run_cli("inpaint", tmp_path / "d8.png", tmp_path / "d16.png", "--weights",
                     weights, "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    keep = hole() <= 127
    out8 = np.asarray(Image.open(tmp_path / "d8_inpainted.png"))
    assert np.array_equal(out8[keep], photo()[keep])
    assert not np.array_equal(out8[~keep], photo()[~keep])
    out16 = np.asarray(Image.open(tmp_path / "d16_inpainted.png"))
    src16 = np.asarray(Image.open(tmp_path / "d16.png"))
    assert out16.dtype == src16.dtype and np.array_equal(out16[keep], src16[keep])


def test_mask_pairing_rules(weights, tmp_path):
    src = tmp_path / "in"
    masks = tmp_path / "masks"
    (src / "sub").mkdir(parents=True)
    masks.mkdir()
    for name in ("a", "b", "c"):
        Image.fromarray(photo()).save(src / f"{name}.png")
    Image.fromarray(photo()).save(src / "sub" / "d.png")
    Image.fromarray(hole()).save(src / "a_mask.png")  # beside: a only
    Image.fromarray(hole(20, 20)).save(src / "b_mask.png")  # wrong size
    out = tmp_path / "out"
    result = run_cli("inpaint", src, "-o", out, "--weights", weights, "--device", "cpu",
                     "--no-progress", "--recursive", "--report", tmp_path / "r.json")
    assert result.exit_code == 1
    assert (out / "a.png").exists() and not (out / "a_mask.png").exists()
    assert "is 20x20, the image is 56x40" in result.output
    assert "c.png: no mask found: expected c_mask.* beside it" in result.output
    assert "no mask found" in result.output and "sub/d.png" in result.output.replace("\\", "/")
    # --masks DIR: same stem, sub-folders mirrored (or flat)
    for name in ("a", "b", "c", "d"):
        Image.fromarray(hole()).save(masks / f"{name}.png")
    out2 = tmp_path / "out2"
    result = run_cli("inpaint", src, "-o", out2, "--masks", masks, "--weights", weights,
                     "--device", "cpu", "--no-progress", "--recursive")
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out2).as_posix() for p in out2.rglob("*.png"))
    assert written == ["a.png", "b.png", "c.png", "sub/d.png"]
    # --mask FILE: one mask for every input
    out3 = tmp_path / "out3"
    result = run_cli("inpaint", src / "a.png", src / "c.png", "-o", out3, "--mask",
                     masks / "a.png", "--weights", weights, "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    assert (out3 / "c.png").exists()
    result = run_cli("inpaint", src / "a.png", "--mask", masks / "a.png", "--masks", masks,
                     "--weights", weights, "--device", "cpu", "--no-progress")
    assert result.exit_code == 2 and "not both" in result.output


def test_dilate_grows_the_hole(weights, tmp_path):
    Image.fromarray(photo()).save(tmp_path / "x.png")
    Image.fromarray(hole()).save(tmp_path / "x_mask.png")
    result = run_cli("inpaint", tmp_path / "x.png", "--dilate", "3", "--weights", weights,
                     "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "x_inpainted.png"))
    ring = np.zeros(hole().shape, bool)
    ring[7:10, 15:35] = True  # just above the hole: inside the dilated hole
    assert not np.array_equal(out[ring], photo()[ring])
    assert np.array_equal(out[:5], photo()[:5])


def test_python_api_takes_the_mask_as_a_keyword(weights):
    model = gantools.load("inpaint", weights=str(weights), device="cpu")
    img, m = Image.fromarray(photo()), Image.fromarray(hole())
    out = model(img, mask=m)
    assert isinstance(out, Image.Image) and out.size == img.size
    arr = model(photo(), mask=hole() > 127)
    assert arr.shape == photo().shape and arr.dtype == np.uint8
    with pytest.raises(TypeError, match="needs mask"):
        model(img)


def test_eval_metrics_equal_an_independent_computation():
    from skimage.metrics import structural_similarity

    truth = photo(48, 64, 1)
    m = hole(48, 64) > 127
    out = opencv_inpaint(truth, m, "telea")
    assert np.array_equal(out[~m], truth[~m])
    s = score(out, truth, m)
    diff = out.astype(np.float64) - truth.astype(np.float64)
    assert s.psnr == pytest.approx(10 * np.log10(255.0**2 / np.mean(diff**2)), abs=1e-9)
    assert s.hole_mae == pytest.approx(np.abs(diff[m]).mean(), abs=1e-9)
    ref = structural_similarity(truth, out, channel_axis=2, data_range=255,
                                gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    assert s.ssim == pytest.approx(ref, abs=1e-6)


def test_eval_command_runs_baselines_and_model(weights, tmp_path):
    data = tmp_path / "set"
    data.mkdir()
    Image.fromarray(photo(64, 80, 2)).save(data / "one.png")
    result = run_cli("eval", "inpaint", "--data", data, "--weights", weights, "--device",
                     "cpu", "--save", tmp_path / "strips", "--json", tmp_path / "e.json")
    assert result.exit_code == 0, result.output
    for label in ("10-20%", "20-30%", "30-40%", "overall", "Telea", "Navier-Stokes", "model"):
        assert label in result.output
    strips = sorted((tmp_path / "strips").iterdir())
    assert len(strips) == 3 and Image.open(strips[0]).size == (5 * 80, 64)


@pytest.mark.parametrize("own_masks", [False, True])
def test_two_step_training_with_and_without_masks(tmp_path, own_masks):
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        Image.fromarray(photo(40, 40, i)).save(data / f"p{i}.png")
    extra: dict[str, object] = {}
    if own_masks:
        (tmp_path / "m").mkdir()
        Image.fromarray(hole()).save(tmp_path / "m" / "m1.png")
        extra["masks"] = str(tmp_path / "m")
    result = gantools.train("inpaint", data=str(data), out=str(tmp_path / "run"), steps=2,
                            batch_size=2, patch=32, width=8, blocks=1, sample_every=2,
                            workers=0, progress=False, command=["test"], **extra)
    assert result.step == 2
    assert list((tmp_path / "run" / "samples").glob("*.png"))
    metrics = (tmp_path / "run" / "metrics.jsonl").read_text()
    assert "l1_hole" in metrics and "d_loss" in metrics


def test_shipped_model_fills_a_hole_from_its_surroundings(tmp_path):
    """``gantools inpaint --model inpaint``: known pixels bit-exact, and the hole of a
    smooth noisy picture filled about as well as OpenCV Telea (MAE 7.9 vs 9.1 levels),
    far better than its mean colour (16.0); a model ignoring its context fails."""
    truth = photo(96, 128, 3)
    m = np.zeros((96, 128), np.uint8)
    m[30:60, 40:80] = 255
    Image.fromarray(truth).save(tmp_path / "p.png")
    Image.fromarray(m).save(tmp_path / "p_mask.png")
    result = run_cli("inpaint", tmp_path / "p.png", "--model", "inpaint", "--device", "cpu",
                     "--precision", "fp32", "--no-progress")
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "p_inpainted.png")).astype(np.float64)
    inside = m > 127
    assert np.array_equal(out[~inside], truth[~inside])

    def hole_mae(image: np.ndarray) -> float:
        return float(np.abs(image.astype(np.float64) - truth)[inside].mean())

    mean_fill = truth.copy()
    mean_fill[inside] = truth[~inside].mean(axis=0).astype(np.uint8)
    telea = opencv_inpaint(truth, inside, "telea")
    assert hole_mae(out) <= hole_mae(telea) + 1.0
    assert hole_mae(out) <= 0.6 * hole_mae(mean_fill)


def painted_copy(colour: tuple[int, int, int], jpeg: bool, path: Path) -> None:
    """The photo with the hole of :func:`hole` painted in ``colour`` (as an editor)."""
    img = photo()
    img[hole() > 127] = colour
    Image.fromarray(img).save(path, **({"quality": 90} if jpeg else {}))


@pytest.mark.parametrize(("colour", "spelled", "jpeg"), [
    ((255, 0, 0), "red", False), ((0, 255, 0), "#00ff00", True),
    ((255, 0, 255), "255,0,255", True)])
def test_mask_color_reads_a_painted_copy(weights, tmp_path, colour, spelled, jpeg):
    Image.fromarray(photo()).save(tmp_path / "x.png")
    painted = tmp_path / ("painted.jpg" if jpeg else "painted.png")
    painted_copy(colour, jpeg, painted)
    result = run_cli("inpaint", tmp_path / "x.png", "--mask", painted, "--mask-color", spelled,
                     "--weights", weights, "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "x_inpainted.png"))
    inner = np.zeros(hole().shape, bool)
    inner[12:18, 17:33] = True
    keep = np.ones(hole().shape, bool)
    keep[8:24, 13:37] = False  # away from the (JPEG-softened) paint edge
    assert np.array_equal(out[keep], photo()[keep])
    assert not np.array_equal(out[inner], photo()[inner])


def test_mask_color_matches_the_white_mask_exactly(weights, tmp_path):
    Image.fromarray(photo()).save(tmp_path / "x.png")
    painted_copy((255, 0, 0), False, tmp_path / "painted.png")
    Image.fromarray(hole()).save(tmp_path / "white.png")
    for mask, extra, out in (("painted.png", ["--mask-color", "red"], "a"),
                             ("white.png", [], "b")):
        result = run_cli("inpaint", tmp_path / "x.png", "--mask", tmp_path / mask, *extra,
                         "-o", tmp_path / out, "--weights", weights, "--device", "cpu",
                         "--no-progress")
        assert result.exit_code == 0, result.output
    a = np.asarray(Image.open(tmp_path / "a" / "x.png"))
    b = np.asarray(Image.open(tmp_path / "b" / "x.png"))
    assert np.array_equal(a, b)


def test_bad_mask_color_is_one_line(weights, tmp_path):
    Image.fromarray(photo()).save(tmp_path / "x.png")
    Image.fromarray(hole()).save(tmp_path / "x_mask.png")
    for value, message in (("blurple", "not a colour"), ("300,0,0", "must be 0-255")):
        result = run_cli("inpaint", tmp_path / "x.png", "--mask-color", value, "--weights",
                         weights, "--device", "cpu", "--no-progress")
        assert result.exit_code != 0 and message in result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("share", "warned"), [(0.0, "marks no hole"), (0.3, None),
                                                (0.95, "covers 95% of the image")])
def test_warning_for_an_empty_or_nearly_whole_mask(weights, tmp_path, share, warned):
    Image.fromarray(photo()).save(tmp_path / "x.png")
    mask = np.zeros((40, 56), np.uint8)
    mask.reshape(-1)[: round(share * mask.size)] = 255
    Image.fromarray(mask).save(tmp_path / "x_mask.png")
    result = run_cli("inpaint", tmp_path / "x.png", "--weights", weights, "--device", "cpu",
                     "--no-progress")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "warning" in line]
    if warned is None:
        assert not lines
    else:
        assert len(lines) == 1 and warned in lines[0] and "x.png" in lines[0]


def test_python_api_takes_a_painted_mask(weights):
    model = gantools.load("inpaint", weights=str(weights), device="cpu")
    img = photo()
    img[hole() > 127] = (255, 0, 0)
    by_colour = model(photo(), mask=img, mask_color="red")
    by_white = model(photo(), mask=hole())
    assert np.array_equal(by_colour, by_white)


@pytest.mark.parametrize("mix", [0.0, 0.5, 1.0])
def test_mask_mix_draws_that_share_from_the_folder(tmp_path, mix):
    from gantools.plugins.inpaint.task import InpaintConfig
    from gantools.plugins.inpaint.task import task as inpaint
    from gantools.task import Batch

    (tmp_path / "m").mkdir()
    full = np.zeros((32, 32), np.uint8)
    full[:, :16] = 255  # left half: a hole no generator draws
    Image.fromarray(full).save(tmp_path / "m" / "half.png")
    cfg = InpaintConfig(patch=32, masks=str(tmp_path / "m"), mask_mix=mix)
    inpaint.data_spec(cfg)
    torch.manual_seed(0)
    condition, _ = inpaint.make_pair(Batch(image=torch.rand(400, 3, 32, 32)), cfg)
    masks = condition[:, 3]
    from_folder = ((masks[:, :, :16] == 1).all(dim=(1, 2)) & (masks[:, :, 16:] == 0).all(
        dim=(1, 2))) | ((masks[:, :, 16:] == 1).all(dim=(1, 2)) & (masks[:, :, :16] == 0).all(
        dim=(1, 2)))  # flipped
    assert float(from_folder.float().mean()) == pytest.approx(mix, abs=0.07)
    with pytest.raises(ValueError, match="--mask-mix"):
        inpaint.data_spec(InpaintConfig(mask_mix=1.5))


def test_fourier_body_sees_the_whole_image_and_starts_as_the_fill():
    from gantools.plugins.inpaint.fill import pushpull_fill
    from gantools.plugins.inpaint.models import DilatedBlock, FourierBlock, InpaintGenerator

    torch.manual_seed(0)
    G = InpaintGenerator(8, 2, "fourier").eval()
    x = torch.rand(1, 4, 36, 52)  # a multiple of 4: no padding
    x[:, 3] = (x[:, 3] > 0.7).float()
    with torch.no_grad():
        out = G(x)
        base = pushpull_fill(x[:, :3], 1 - x[:, 3:4])
        odd = G(x[..., :35, :51])
    assert torch.allclose(out, base, atol=1e-6)  # the last layer starts at zero
    assert odd.shape == (1, 3, 35, 51)
    block = FourierBlock(8)
    a = torch.zeros(1, 8, 16, 16)
    b = a.clone()
    b[..., 0, 0] = 1.0  # one corner pixel
    local = DilatedBlock(8, 2)
    with torch.no_grad():
        diff = (block(b) - block(a)).abs()[..., 8:, 8:]  # the far quarter
        near_only = (local(b) - local(a)).abs()[..., 8:, 8:]
    assert float(diff.min()) > 1e-7  # one block: a global receptive field
    assert float(near_only.max()) == 0.0  # a dilated block does not reach
    with torch.inference_mode():
        half = G.to(torch.bfloat16)(x.bfloat16())
    assert half.shape == out.shape and torch.isfinite(half).all()
