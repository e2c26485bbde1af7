"""Training data: every image mode decodes to the right uint8 crop; the batch
stream is seeded and resumable; idx data keeps its labels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

from gantools.data.datasets import FolderDataset, open_dataset
from gantools.data.sampler import StreamBatchSampler
from gantools.task import DataSpec

RED = (200, 30, 40)


def make_mode_folder(folder):
    """One 20x24 image per Pillow mode, all of the same red (gray where no colour)."""
    folder.mkdir()
    rgb = Image.new("RGB", (24, 20), RED)
    rgb.save(folder / "rgb.png")
    rgb.convert("L").save(folder / "gray.png")
    rgb.convert("LA").save(folder / "la.png")
    rgb.convert("RGBA").save(folder / "rgba.png")
    rgb.convert("P", palette=Image.Palette.ADAPTIVE).save(folder / "palette.png", transparency=1)
    rgb.convert("CMYK").save(folder / "cmyk.jpg", quality=100)
    Image.fromarray(np.full((20, 24), 40000, np.uint16)).save(folder / "gray16.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    rgb.save(folder / "rotated.jpg", exif=exif, quality=100)
    (folder / "broken.png").write_bytes(b"not an image")


def test_every_mode_gives_an_rgb_uint8_crop(tmp_path):
    make_mode_folder(tmp_path / "modes")
    ds = FolderDataset(tmp_path / "modes", DataSpec(size=16, channels=3, crop="resize"))
    by_name = {p.name: i for i, p in enumerate(ds.paths)}
    for name, index in by_name.items():
        if name == "broken.png":
            continue
        img = ds[(index, 0)]["image"]
        assert img.shape == (3, 16, 16) and str(img.dtype) == "torch.uint8", name
        centre = img[:, 8, 8].tolist()
        if name in ("gray.png", "la.png"):
            assert centre[0] == centre[1] == centre[2], name
        elif name == "gray16.png":
            assert centre == [round(40000 / 257)] * 3
        else:
            assert abs(centre[0] - RED[0]) <= 8 and abs(centre[2] - RED[2]) <= 8, (name, centre)


def test_broken_file_is_skipped_with_one_warning(tmp_path):
    make_mode_folder(tmp_path / "modes")
    ds = FolderDataset(tmp_path / "modes", DataSpec(size=16, channels=1, crop="random"))
    broken = [i for i, p in enumerate(ds.paths) if p.name == "broken.png"][0]
    with pytest.warns(UserWarning, match="broken.png"):
        item = ds[(broken, 3)]
    assert item["image"].shape == (1, 16, 16)


def test_exif_rotation_is_applied(tmp_path):
    """Stored 40 wide and 20 tall, left half red, right half blue, with orientation 6
    (turn 90 degrees clockwise to display): upright it is 20 wide and 40 tall, red on
    top and blue below. Every crop must show that: rows uniform, red above blue."""
    folder = tmp_path / "rot"
    folder.mkdir()
    stored = np.zeros((20, 40, 3), np.uint8)
    stored[:, :20] = RED
    stored[:, 20:] = (20, 40, 220)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(folder / "r.jpg", exif=exif, quality=100, subsampling=0)
    ds = FolderDataset(folder, DataSpec(size=20, channels=3, crop="random"))
    edges = 0
    for seed in range(12):
        crop = ds[(0, seed)]["image"].numpy().astype(int)  # (3, 20, 20)
        assert crop.shape == (3, 20, 20)
        rows = crop.mean(axis=2, keepdims=True)
        assert np.abs(crop - rows).max() <= 40, seed  # each row one colour
        red, blue = crop[0].mean(axis=1), crop[2].mean(axis=1)
        assert red[0] >= red[-1] - 20 and blue[0] <= blue[-1] + 20, seed  # red on top
        edges += red[0] > 150 and blue[-1] > 150
    assert edges > 0  # some crops hold the red/blue edge, across their rows


def test_folder_classes_from_sub_folders(tmp_path):
    for cls in ("cat", "dog"):
        (tmp_path / "c" / cls).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (8, 8), (i, 0, 0)).save(tmp_path / "c" / cls / f"{i}.png")
    ds = FolderDataset(tmp_path / "c", DataSpec(size=8, labels="optional"))
    assert ds.classes == ["cat", "dog"] and ds.num_classes == 2
    assert sorted(int(ds[(i, 0)]["label"]) for i in range(4)) == [0, 0, 1, 1]
    flat = FolderDataset(tmp_path / "c" / "cat", DataSpec(size=8, labels="optional"))
    assert flat.num_classes == 0  # no sub-folders: unconditional


def test_idx_dataset_keeps_labels(tiny_idx):
    ds = open_dataset(tiny_idx, DataSpec(size=0, labels="optional"))
    assert ds.size == 28 and ds.channels == 1 and ds.num_classes == 10
    item = ds[(3, 0)]
    assert item["image"].shape == (1, 28, 28) and int(item["label"]) == 3


def test_stream_is_seeded_and_resumable():
    def batches(start, n, seed=0):
        return list(itertools.islice(iter(StreamBatchSampler(10, 4, seed, start)), n))

    whole = batches(0, 6)
    assert whole[3:] == batches(3, 3)  # resume at batch 3 replays the same stream
    assert batches(0, 6, seed=1) != whole
    # every epoch is a permutation: 10 items over 2.5 batches each epoch
    first_epoch = [k[0] for b in whole for k in b][:10]
    assert sorted(first_epoch) == list(range(10))
    # two ranks split each global batch without overlap
    r0 = next(iter(StreamBatchSampler(10, 2, 0, 0, rank=0, world=2)))
    r1 = next(iter(StreamBatchSampler(10, 2, 0, 0, rank=1, world=2)))
    assert sorted(r0 + r1) == sorted(batches(0, 1)[0])


def test_random_crops_at_a_smaller_scale_cover_a_larger_region():
    """min_scale < 1: a region of up to size / min_scale pixels, shrunk to the crop
    size; seeded like every crop; min_scale 1 keeps the native-scale crops."""
    from gantools.data.datasets import crop_array

    y, x = np.mgrid[0:200, 0:250]
    ramp = np.stack([x % 256, y, np.zeros_like(x)], axis=2).astype(np.uint8)  # x, y coded
    native = DataSpec(size=32, crop="random")
    zoomed = DataSpec(size=32, crop="random", min_scale=0.25)
    spans = []
    for seed in range(20):
        crop = crop_array(ramp, native, 32, np.random.default_rng(seed))
        assert crop.shape == (32, 32, 3)
        assert int(crop[0, -1, 0]) - int(crop[0, 0, 0]) == 31  # one pixel per pixel
        small = crop_array(ramp, zoomed, 32, np.random.default_rng(seed))
        again = crop_array(ramp, zoomed, 32, np.random.default_rng(seed))
        assert small.shape == (32, 32, 3) and np.array_equal(small, again)
        spans.append(int(small[-1, 0, 1]) - int(small[0, 0, 1]))  # rows covered, via y
    assert min(spans) >= 31 and max(spans) > 64 and max(spans) <= 128
