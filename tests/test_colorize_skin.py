"""The skin check of ``gantools eval colorize --faces``: off-skin hue shares."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantools.cli import app
from gantools.plugins.colorize.lab import lab_to_rgb
from gantools.plugins.colorize.skin import face_mask, off_skin_share


def lab_face(a: float, b: float, size: int = 32) -> np.ndarray:
    """A (size, size, 3) uint8 face-sized patch of one Lab colour (L* 60)."""
    import torch

    from gantools.tensors import to_hwc_uint8

    lab = torch.tensor([60.0, a, b]).view(1, 3, 1, 1).expand(1, 3, size, size)
    return to_hwc_uint8(lab_to_rgb(lab)[0])


def test_face_mask_is_a_central_ellipse():
    mask = face_mask(64, 64)
    assert mask[35, 32] and not mask[0, 0] and not mask[35, 5] and not mask[63, 32]
    assert 0.2 < mask.mean() < 0.35  # pi * 0.25 * 0.35 = 0.27 of the crop
    assert np.array_equal(mask, mask[:, ::-1])  # symmetric left-right


@pytest.mark.parametrize(("a", "b", "off"), [
    (20.0, 25.0, 1.0),    # skin: red-orange, hue 51 degrees -> on skin
    (10.0, 30.0, 1.0),    # yellowish skin, 72 degrees
    (-20.0, -25.0, 0.0),  # blue, -129 degrees
    (-30.0, 20.0, 0.0),   # green, 146 degrees
    (30.0, -30.0, 0.0),   # purple, -45 degrees
    (1.0, -2.0, 1.0),     # nearly gray: chroma under 6, never off-skin
])
def test_off_skin_share_by_hue(a, b, off):
    share = off_skin_share(lab_face(a, b))
    assert share == pytest.approx(1.0 - off, abs=1e-9)


def test_share_counts_only_the_face_pixels():
    face = lab_face(20.0, 25.0, 40)
    blue = lab_face(-20.0, -25.0, 40)
    mask = face_mask(40, 40)
    face[~mask] = blue[~mask]  # blue background, skin face
    assert off_skin_share(face) == 0.0
    half = face.copy()
    half[:, :20] = blue[:, :20]  # left half of the face blue
    assert off_skin_share(half) == pytest.approx(mask[:, :20].sum() / mask.sum())


def test_eval_faces_reports_gray_model_truth(tmp_path):
    faces, photos = tmp_path / "faces", tmp_path / "photos"
    faces.mkdir()
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        face = lab_face(20.0, 25.0, 48)
        face[:8] = rng.integers(0, 255, (8, 48, 3), dtype=np.uint8)
        Image.fromarray(face).save(faces / f"{i}.png")
    Image.fromarray(lab_face(-20.0, -25.0, 48)).save(faces / "blue.png")
    Image.fromarray(lab_face(0.0, 0.0, 48)).convert("L").save(faces / "gray.png")
    Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(photos / "p.png")
    out = tmp_path / "s.json"
    result = CliRunner().invoke(app, ["eval", "colorize", "--data", str(photos), "--faces",
                                      str(faces), "--gray-only", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "skin check (4 faces)" in result.output  # the gray face is not counted
    skin = json.loads(out.read_text())["skin"]
    assert skin["faces"] == 4 and skin["gray"] == 0.0 and skin["model"] is None
    assert skin["truth"] == pytest.approx(0.25, abs=1e-6)  # one blue face of four
