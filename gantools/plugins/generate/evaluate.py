"""``gantools eval generate``: FID, KID and precision/recall of a generator against a
real split, beside the same numbers for a second real split (the best possible).

Features come from a small classifier trained by this repository (the model card's
``eval_features``, e.g. ``features-mnist``) or any FeatureNet the user passes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gantools.cli_options import ReportedError, friendly_errors, model_options

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import torch

    from gantools.plugins.generate.task import GenerateTask


@dataclass
class SetScores:
    """Scores of one image set against the real reference split."""

    name: str
    fid: float
    kid_mean: float
    kid_std: float
    precision: float
    recall: float


def real_images(source: str, split: str, n: int, size: int, channels: int) -> torch.Tensor:
    """The first ``n`` images of a split, (n, C, size, size) float in [0, 1]."""
    return _stack(_dataset(source, split, size, channels), range(n))


def real_sets(source: str, n: int, size: int, channels: int, reference_split: str
              ) -> tuple[torch.Tensor, torch.Tensor | None, str]:
    """(reference images, other real images or None, the other set's name), each
    (n, C, size, size) in [0, 1]. MNIST-format data: the test split, and the first
    ``n`` of ``reference_split``. A folder (one split only): 2n images spread evenly
    over the whole folder (name order may follow a label, such as UTKFace's age),
    alternately to the reference and to the other set, so the two are disjoint."""
    import numpy as np

    from gantools.data.datasets import FolderDataset

    test = _dataset(source, "test", size, channels)
    if not isinstance(test, FolderDataset):
        try:
            other = real_images(source, reference_split, n, size, channels)
        except (FileNotFoundError, ValueError):
            other = None
        return _stack(test, range(min(n, len(test)))), other, f"{reference_split} split"
    count = min(2 * n, len(test))
    index = np.unique(np.linspace(0, len(test) - 1, count).round().astype(int))
    if len(index) < 2:
        return _stack(test, index), None, ""
    return _stack(test, index[0::2]), _stack(test, index[1::2]), "other half of the folder"


def _dataset(source: str, split: str, size: int, channels: int) -> Any:
    from gantools.data.datasets import open_dataset
    from gantools.task import DataSpec

    return open_dataset(source, DataSpec(size=size, channels=channels, crop="resize"), split)


def _stack(dataset: Any, index: Any) -> torch.Tensor:
    import torch

    index = [int(i) for i in index if i < len(dataset)]
    return torch.stack([dataset[(i, 0)]["image"] for i in index]).float() / 255.0


def score(name: str, ref: np.ndarray, feats: np.ndarray, seed: int) -> SetScores:
    """FID, KID, precision and recall of ``feats`` against ``ref`` (both (N, D))."""
    from gantools import metrics

    kid_mean, kid_std = metrics.kid(ref, feats, subset_size=min(1000, len(feats)), seed=seed)
    precision, recall = metrics.precision_recall(ref, feats, k=3)
    return SetScores(name, metrics.fid(ref, feats), kid_mean, kid_std, precision, recall)


def evaluate_generator(task: GenerateTask, loaded: Any, data: str, features: str | None,
                       n: int, seed: int, reference_split: str = "train") -> list[SetScores]:
    """Score ``loaded`` (a gantools.api.LoadedModel) against real images of ``data``
    (see :func:`real_sets`); the first row scores other real images the same way."""
    from gantools.features import extract_features, load_feature_net

    cfg = loaded.config
    feature_name = features or loaded.card.get("eval_features")
    if not feature_name:
        raise ReportedError("this model's card names no feature network: pass --features")
    net = load_feature_net(feature_name, device=str(loaded.device))
    test, other, other_name = real_sets(data, n, cfg.size, cfg.channels, reference_split)
    n = len(test)
    device = str(loaded.device)
    ref = extract_features(net, test, device=device)
    rows = []
    if other is not None:
        rows.append(score(f"real images ({other_name})", ref,
                          extract_features(net, other, device=device), seed))
    fake = task.sample(loaded.generator, cfg, n, seed=seed)
    rows.append(score(f"model {loaded.source.stem}", ref,
                      extract_features(net, fake, device=device), seed))
    return rows


def format_table(rows: list[SetScores], n: int) -> str:
    head = f"{'images (n=' + str(n) + ')':<34} {'FID':>8} {'KID x1e3':>14} {'precision':>9} " \
           f"{'recall':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        kid = f"{r.kid_mean * 1e3:.2f}+-{r.kid_std * 1e3:.2f}"
        lines.append(f"{r.name:<34} {r.fid:8.3f} {kid:>14} {r.precision:9.3f} {r.recall:7.3f}")
    return "\n".join(lines)


def eval_command(task: GenerateTask) -> click.Command:
    @click.command("generate")
    @model_options
    @click.option("--data", required=True,
                  help="Real images: MNIST-format idx files (the test split is used) "
                       "or a folder of images (split in two halves).")
    @click.option("--features", default=None,
                  help="Feature network: a shipped name (features-mnist, features-fashion) "
                       "or a FeatureNet .safetensors; default from the model card.")
    @click.option("-n", "--num", "n", default=10_000, show_default=True,
                  type=click.IntRange(2), help="Images per set (real and generated).")
    @click.option("--seed", default=0, show_default=True, type=int)
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the scores as JSON.")
    @friendly_errors
    def command(model, weights, device, data, features, n, seed, json_path) -> None:
        """FID, KID and precision/recall (Kynkaanniemi et al. 2019) of a generator
        against real test images, beside real train images scored the same way. A
        folder of images is split in two disjoint halves spread over the folder: the
        reference, and the real images scored beside the model."""
        from gantools.api import load

        loaded = load(task, model=model, weights=weights, device=device)
        rows = evaluate_generator(task, loaded, data, features, n, seed)
        click.echo(format_table(rows, n))
        if json_path:
            json_path.write_text(json.dumps([r.__dict__ for r in rows], indent=2) + "\n")

    return command
