"""``gantools eval generate`` on a folder of images: two disjoint halves spread over
the whole folder (name order may follow a label, as UTKFace's age does)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from gantools.plugins.generate.evaluate import real_sets


def test_folder_gives_two_disjoint_halves_spread_over_the_folder(tmp_path):
    for i in range(20):  # image i is filled with level 10 * i
        Image.fromarray(np.full((8, 8, 3), 10 * i, np.uint8)).save(tmp_path / f"{i:02d}.png")
    ref, other, name = real_sets(str(tmp_path), 4, 8, 3, "train")
    assert other is not None and ref.shape == other.shape == (4, 3, 8, 8)
    ref_levels = {round(float(x.mean()) * 255 / 10) for x in ref}
    other_levels = {round(float(x.mean()) * 255 / 10) for x in other}
    assert not ref_levels & other_levels  # disjoint
    assert min(ref_levels) == 0 and max(other_levels) == 19  # spread to both ends
    assert "half" in name


def test_small_folder_uses_every_image_once(tmp_path):
    for i in range(5):
        Image.fromarray(np.full((8, 8, 3), 10 * i, np.uint8)).save(tmp_path / f"{i}.png")
    ref, other, _ = real_sets(str(tmp_path), 100, 8, 3, "train")
    assert len(ref) + len(other) == 5 and len(ref) == 3
