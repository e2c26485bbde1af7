"""FaceFeatureNet: name parsing, the split, shapes, save/load, a tiny CLI run and the
shipped features-faces card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import shared_data

from gantools import face_features as ff
from gantools import features as feat
from gantools.weights import PACKAGE_PRETRAINED

torch.set_num_threads(1)


def test_parse_good_names() -> None:
    assert ff.parse_face_name("25_1_2_20170116174525125.jpg") == ff.FaceLabels(3, 1, 2)
    assert ff.parse_face_name("/some/dir/1_0_0_20161219140623097.jpg") == ff.FaceLabels(0, 0, 0)
    assert ff.parse_face_name("100_1_4_20170110183726390.jpg.chip.jpg") == ff.FaceLabels(8, 1, 4)
    bands = [ff.age_band(a) for a in (0, 2, 3, 9, 10, 19, 20, 45, 69, 70, 116)]
    assert bands == [0, 0, 1, 1, 2, 2, 3, 5, 7, 8, 8]
    assert len(ff.AGE_BANDS) == 9


@pytest.mark.parametrize("name", [
    "61_1_20170109142408075.jpg",  # a field missing
    "25_1_2.jpg",
    "25_1_2_2017_extra.jpg",
    "x_1_2_20170116174525125.jpg",
    "25_2_0_20170116174525125.jpg",  # gender out of range
    "25_1_5_20170116174525125.jpg",  # race out of range
    "25_-1_0_20170116174525125.jpg",
    "",
])
def test_parse_malformed_names(name: str) -> None:
    assert ff.parse_face_name(name) is None


def test_split_is_deterministic(tmp_path: Path) -> None:
    names = [f"{20 + i % 50}_{i % 2}_{i % 5}_2017{i:013d}.jpg" for i in range(2000)]
    first = [ff.is_validation(n) for n in names]
    assert first == [ff.is_validation(n) for n in names]
    assert 0.07 < np.mean(first) < 0.13
    assert ff.is_validation("/a/" + names[0]) == first[0]  # the file name only
    for n in names[:40] + ["61_1_20170109142408075.jpg"]:
        (tmp_path / n).touch()
    train, val, skipped = ff.list_faces(tmp_path)
    assert skipped == 1 and len(train) + len(val) == 40
    expected_val = sorted(n for n, v in zip(names[:40], first[:40], strict=True) if v)
    assert [n for n, _ in val] == expected_val
    assert (train, val, skipped) == ff.list_faces(tmp_path)


def test_shapes_and_inputs() -> None:
    torch.manual_seed(0)
    net = ff.FaceFeatureNet().eval()
    x = torch.rand(3, 3, 64, 64)
    f = net.features(x)
    assert f.shape == (3, 256) and f.dtype == torch.float32 and (f >= 0).all()
    out = net(x)
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "age": (3, 9), "gender": (3, 2), "race": (3, 5)
    }
    assert net.features(torch.rand(2, 3, 48, 80)).shape == (2, 256)
    assert net.features(torch.rand(2, 3, 128, 128)).shape == (2, 256)
    gray = torch.rand(2, 1, 64, 64)
    torch.testing.assert_close(net.features(gray), net.features(gray.expand(2, 3, 64, 64)))
    with pytest.raises(ValueError, match="channels"):
        net.features(torch.rand(2, 2, 64, 64))
    assert ff.FaceFeatureNet(feature_dim=32, width=8).features(x).shape == (3, 32)


def test_extract_features_accepts_faces() -> None:
    torch.manual_seed(0)
    net = ff.FaceFeatureNet(width=8).eval()
    images = torch.randint(0, 256, (5, 3, 64, 64), dtype=torch.uint8)
    a = feat.extract_features(net, images.numpy(), batch_size=2)
    assert a.shape == (5, 256) and a.dtype == np.float64
    b = feat.extract_features(net, images.float() / 255)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert feat.extract_features(net, images[:0]).shape == (0, 256)


def test_save_load_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    x = torch.rand(4, 3, 64, 64)
    small = ff.FaceFeatureNet(feature_dim=16, width=8).eval()
    path = ff.save_face_net(small, tmp_path / "faces-x.safetensors", {"epochs": 1})
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["task"] == "features" and card["architecture"] == "FaceFeatureNet"
    assert card["arch_args"] == {"feature_dim": 16, "width": 8} and card["dtype"] == "float32"
    assert card["input"].startswith("N,3,64,64") and card["epochs"] == 1
    ref = feat.extract_features(small, x)
    monkeypatch.setenv("GANTOOLS_WEIGHTS", str(tmp_path))
    for source in (path, "faces-x"):
        loaded = feat.load_feature_net(source)
        assert isinstance(loaded, ff.FaceFeatureNet) and not loaded.training
        np.testing.assert_array_equal(feat.extract_features(loaded, x), ref)

    # The default width is stored as float16 and loaded back as float32.
    big = ff.FaceFeatureNet().eval()
    path = ff.save_face_net(big, tmp_path / "faces-y.safetensors", {})
    assert json.loads(path.with_suffix(".json").read_text())["dtype"] == "float16"
    loaded = feat.load_feature_net(path)
    assert all(p.dtype == torch.float32 for p in loaded.state_dict().values()
               if p.is_floating_point())
    np.testing.assert_array_equal(feat.extract_features(loaded, x),
                                  feat.extract_features(ff.round_to_stored(big), x))
    # MNIST FeatureNets still load as before.
    assert isinstance(feat.load_feature_net("features-mnist"), feat.FeatureNet)


def test_cli_train_tiny(tmp_path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    data = tmp_path / "faces"
    data.mkdir()
    names, i = [], 0
    while len(names) < 24 or not any(ff.is_validation(n) for n in names):
        names.append(f"{5 + 3 * i}_{i % 2}_{i % 5}_2017{i:013d}.jpg")
        i += 1
    for n in names:
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(data / n)
    (data / "3_1_2017.jpg").write_bytes(b"")  # malformed name: skipped unread
    out = tmp_path / "out" / "f.safetensors"
    ff.main(["train", "--data", str(data), "--epochs", "1", "--batch-size", "8",
             "--threads", "1", "-o", str(out)])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["command"].startswith("python -m gantools.face_features train --data")
    assert card["train_samples"] + card["val_samples"] == len(names)
    assert card["skipped_names"] == 1 and card["licence"] == ff.LICENCE
    assert set(card["metrics"]) >= {"val_age_accuracy", "val_gender_accuracy",
                                    "val_race_accuracy"}
    assert isinstance(feat.load_feature_net(out), ff.FaceFeatureNet)


def test_shipped_features_faces() -> None:
    path = PACKAGE_PRETRAINED / "features-faces.safetensors"
    assert path.is_file(), "features-faces.safetensors is not shipped"
    assert path.stat().st_size < 3 * 1024 * 1024
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["architecture"] == "FaceFeatureNet" and "non-commercial" in card["licence"]
    claimed = card["metrics"]["val_gender_accuracy"]
    assert claimed >= 0.8
    net = feat.load_feature_net("features-faces")
    assert isinstance(net, ff.FaceFeatureNet)
    root = shared_data()
    folder = root / "faces" / "utkface64" if root is not None else None
    if folder is None or not folder.is_dir():
        pytest.skip("../shared/data/faces/utkface64 is not present")
    _, val, _ = ff.list_faces(folder)
    # Names sort by age, so take 300 spread over the whole (sorted) validation list.
    picks = np.linspace(0, len(val) - 1, min(300, len(val))).round().astype(int)
    faces = ff.load_faces(folder, [val[i] for i in picks])
    acc = ff.evaluate_heads(net, faces.images, faces.labels)
    assert abs(acc["gender"] - claimed) <= 0.05
