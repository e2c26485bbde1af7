"""FeatureNet: shapes, input handling, a tiny training run, save/load, CLI, shipped nets."""

from __future__ import annotations

import gzip
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from gantools import features as feat
from gantools.weights import PACKAGE_PRETRAINED, WeightsError, save_weights

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path | None:
    """``$GANTOOLS_SHARED_DATA`` or ``../shared/data`` beside the repo, if present."""
    env = os.environ.get("GANTOOLS_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


def bars(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic 2-class data: (N, 28, 28) uint8 with a horizontal (0) or vertical (1)
    bar at a random position, plus noise; labels (N,) int64."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 2, size=n)
    pos = rng.integers(4, 24, size=n)
    for i in range(n):
        if labels[i] == 0:
            images[i, pos[i] - 2 : pos[i] + 2, 4:24] = 255
        else:
            images[i, 4:24, pos[i] - 2 : pos[i] + 2] = 255
    return images, labels.astype(np.int64)


def test_shapes_and_input_conversion() -> None:
    torch.manual_seed(0)
    net = feat.FeatureNet().eval()
    x = torch.rand(4, 1, 28, 28)
    assert net(x).shape == (4, 10)
    f = net.features(x)
    assert f.shape == (4, 128) and f.dtype == torch.float32 and (f >= 0).all()
    # RGB with equal channels is the same gray image (BT.601 weights sum to 1).
    torch.testing.assert_close(net.features(x.expand(4, 3, 28, 28)), f, atol=1e-5, rtol=1e-5)
    assert net.features(torch.rand(2, 3, 64, 48)).shape == (2, 128)
    assert feat.FeatureNet(feature_dim=32, width=8).features(x).shape == (4, 32)
    with pytest.raises(ValueError, match="channels"):
        net(torch.rand(2, 2, 28, 28))


def test_random_shift() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(5, 1, 28, 28)
    torch.testing.assert_close(feat.random_shift(x, 0, g), x)
    dot = torch.zeros(64, 1, 28, 28)
    dot[:, :, 14, 14] = 1.0
    shifted = feat.random_shift(dot, 2, g)
    assert shifted.shape == dot.shape and (shifted.flatten(1).sum(1) == 1).all()
    where = shifted[:, 0].nonzero()[:, 1:]
    assert where.min() >= 12 and where.max() <= 16 and len(where.unique(dim=0)) > 5


def test_extract_features_inputs() -> None:
    net = feat.FeatureNet().eval()
    images, _ = bars(7)
    a = feat.extract_features(net, images, batch_size=3)
    assert a.shape == (7, 128) and a.dtype == np.float64
    b = feat.extract_features(net, images[:, None])
    c = feat.extract_features(net, torch.from_numpy(images[:, None]).float() / 255)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, c, atol=1e-6)
    assert feat.extract_features(net, images[:0]).shape == (0, 128)


def test_tiny_training_learns() -> None:
    torch.set_num_threads(1)
    # Small batches (32 steps) so BatchNorm running statistics settle within one epoch.
    images, labels = bars(512)
    net = feat.train_feature_net(images, labels, epochs=1, batch_size=16, progress=False)
    assert not net.training
    test_x, test_y = bars(200, seed=1)
    assert feat.evaluate_accuracy(net, test_x, test_y) > 0.9


def test_save_load_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch.manual_seed(0)
    net = feat.FeatureNet(width=8, feature_dim=16).eval()
    path = feat.save_feature_net(net, tmp_path / "feat-x.safetensors", {"epochs": 1})
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["task"] == "features" and card["architecture"] == "FeatureNet"
    assert card["arch_args"]["width"] == 8 and card["feature_dim"] == 16 and card["epochs"] == 1
    assert card["input"].startswith("N,1,28,28")
    images, _ = bars(5)
    ref = feat.extract_features(net, images)
    loaded = feat.load_feature_net(path)
    assert not loaded.training
    np.testing.assert_array_equal(feat.extract_features(loaded, images), ref)
    monkeypatch.setenv("GANTOOLS_WEIGHTS", str(tmp_path))
    np.testing.assert_array_equal(
        feat.extract_features(feat.load_feature_net("feat-x"), images), ref
    )
    with pytest.raises(WeightsError, match="no features model"):
        feat.load_feature_net("no-such-net")


def test_load_refuses_other_task(tmp_path: Path) -> None:
    net = feat.FeatureNet(width=8, feature_dim=16)
    path = save_weights(tmp_path / "g.safetensors", net.state_dict(), {"task": "generate"})
    with pytest.raises(WeightsError, match="not a FeatureNet"):
        feat.load_feature_net(path)


def write_idx(path: Path, arr: np.ndarray) -> None:
    """Minimal uint8 IDX writer (gzipped)."""
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    path.write_bytes(gzip.compress(header + arr.astype(np.uint8).tobytes()))


def test_cli_train(tmp_path: Path) -> None:
    data = tmp_path / "bars"
    data.mkdir()
    for prefix, n, seed in (("train", 128, 0), ("t10k", 64, 1)):
        x, y = bars(n, seed)
        write_idx(data / f"{prefix}-images-idx3-ubyte.gz", x)
        write_idx(data / f"{prefix}-labels-idx1-ubyte.gz", y)
    out = tmp_path / "out" / "f.safetensors"
    argv = ["train", "--data", str(data), "--epochs", "1", "--threads", "1", "-o", str(out)]
    feat.main(argv)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["command"].startswith("python -m gantools.features train --data")
    assert card["data"] == "bars" and card["train_split"] == "train" and card["epochs"] == 1
    assert card["seed"] == 0 and card["wall_time_s"] >= 0
    loaded = feat.load_feature_net(out)
    assert loaded.arch_args == card["arch_args"]
    test_x, test_y = bars(64, 1)  # the card's accuracy is the saved net's on the test split
    assert card["test_accuracy"] == pytest.approx(feat.evaluate_accuracy(loaded, test_x, test_y),
                                                  abs=1e-4)


@pytest.mark.parametrize(
    "name, folder, min_acc",
    [("features-mnist", "mnist", 0.99), ("features-fashion", "fashion-mnist", 0.90)],
)
def test_shipped_feature_nets(name: str, folder: str, min_acc: float) -> None:
    path = PACKAGE_PRETRAINED / f"{name}.safetensors"
    assert path.is_file(), f"{path.name} is not shipped: eval generate needs it"
    assert path.stat().st_size < 2 * 1024 * 1024
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["test_accuracy"] >= min_acc and card["data"] == folder
    net = feat.load_feature_net(name)
    root = shared_data()
    if root is None or not (root / folder).is_dir():
        pytest.skip("shared data not available to re-check accuracy")
    from gantools.data.idx import load_idx_dataset

    x, y = load_idx_dataset(root / folder, "test")
    # 1,000 test images re-checked (the card records the full 10,000): allow 1.5 points.
    assert feat.evaluate_accuracy(net, x[:1000], y[:1000]) >= min_acc - 0.015
