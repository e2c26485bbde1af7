"""Seeded generator inputs, without torch: noise (N, z_dim) float32 N(0, 1) and class
labels (N,) int64, drawn from numpy's PCG64 so that the torch model and the numpy
fast path (:mod:`gantools.plugins.generate.numpy_forward`) see the same inputs for a
seed and draw the same images."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.generate.task import GenerateConfig

Label = int | str | list[int | str] | None


def sample_inputs(cfg: GenerateConfig, n: int, seed: int,
                  label: Label = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Noise (n, z_dim) and labels (n,) (None for an unconditional model): ``label``
    for all, one per image (a list), or drawn by the data's class frequencies."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, cfg.z_dim), dtype=np.float32)
    return z, labels_for(cfg, n, rng, label)


def interpolation_inputs(cfg: GenerateConfig, rows: int, steps: int, seed: int,
                         label: int | str | None = None
                         ) -> tuple[np.ndarray, np.ndarray | None]:
    """Noise (rows * steps, z_dim): each row of ``steps`` walks from one random vector
    to another (:func:`slerp`), in one class per row for a conditional model."""
    rng = np.random.default_rng(seed)
    z0 = rng.standard_normal((rows, cfg.z_dim), dtype=np.float32)
    z1 = rng.standard_normal((rows, cfg.z_dim), dtype=np.float32)
    labels = labels_for(cfg, rows, rng, label)
    return slerp(z0, z1, steps), None if labels is None else np.repeat(labels, steps)


def slerp(z0: np.ndarray, z1: np.ndarray, steps: int) -> np.ndarray:
    """(R, D) start and end noise -> (R * steps, D) float32: each row walks from z0 to
    z1 on the great circle (spherical interpolation keeps the noise's norm typical,
    where a straight line passes through unlikely low-norm noise)."""
    t = np.linspace(0.0, 1.0, steps).reshape(1, steps, 1)
    a, b = z0.astype(np.float64)[:, None], z1.astype(np.float64)[:, None]
    unit_a = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)
    unit_b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
    cos = np.clip((unit_a * unit_b).sum(-1, keepdims=True), -1.0, 1.0)
    omega = np.maximum(np.arccos(cos), 1e-6)
    out = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
    return out.reshape(-1, z0.shape[1]).astype(np.float32)


def labels_for(cfg: GenerateConfig, n: int, rng: np.random.Generator,
               label: Label) -> np.ndarray | None:
    """(n,) class indices for a conditional model (None otherwise)."""
    if label is not None and not cfg.num_classes:
        raise ValueError("this model is not class-conditional: --class is not available")
    if not cfg.num_classes:
        return None
    wanted = [label] * n if isinstance(label, int | str) else label
    if wanted is None:
        return draw_classes(cfg, n, rng)
    return np.array([class_index(cfg, k) for k in wanted], dtype=np.int64)


def draw_classes(cfg: GenerateConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) class indices: by the training data's class frequencies when the config
    records them, else uniform."""
    counts = [float(c) for c in cfg.class_counts.split("|")] if cfg.class_counts else []
    if len(counts) != cfg.num_classes or sum(counts) <= 0:
        return rng.integers(0, cfg.num_classes, n, dtype=np.int64)
    p = np.asarray(counts) / sum(counts)
    return rng.choice(cfg.num_classes, size=n, p=p).astype(np.int64)


def class_names(cfg: GenerateConfig) -> list[str]:
    """The classes' names (the data's sub-folders or --labels-from-name classes), or
    their indices as text when the data named none (idx labels)."""
    names = cfg.class_names.split("|") if cfg.class_names else []
    return names if len(names) == cfg.num_classes else [str(k) for k in range(cfg.num_classes)]


def class_index(cfg: GenerateConfig, value: int | str) -> int:
    """The class index of ``value``: an index, or a class name (case-insensitive);
    ValueError (one line, listing the classes) otherwise."""
    if not cfg.num_classes:
        raise ValueError("this model is not class-conditional: --class is not available")
    names = class_names(cfg)
    text = str(value).strip()
    lowered = [n.lower() for n in names]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    if text.lstrip("-").isdigit() and 0 <= int(text) < cfg.num_classes:
        return int(text)
    raise ValueError(f"--class {value}: choose a class name ({', '.join(names)}) or an "
                     f"index 0..{cfg.num_classes - 1}")
