"""The DCGAN and MLP generators run in numpy: ``gantools generate`` samples a small
grid without importing torch (which alone takes longer than the whole job on a
CPU). Same inputs give the torch model's images within float32 rounding (tested).

:func:`numpy_generator` reads the layers from the exported tensors: transposed 4x4
convolutions (the first from the 1x1 noise, the rest stride 2, padding 1), each but
the last followed by eval-mode batch norm (folded into the convolution) and ReLU, the
last by tanh; or the MLP's Linear-ReLU-Linear-tanh. The label embedding of a
conditional model is concatenated to the noise, as in the torch model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.generate.task import GenerateConfig

Forward = Callable[[np.ndarray, "np.ndarray | None"], np.ndarray]
BN_EPS = 1e-5
BATCH = 256


def numpy_generator(cfg: GenerateConfig, tensors: dict[str, np.ndarray]) -> Forward | None:
    """A function (noise (N, z_dim) float32, labels (N,) int64 or None) -> images
    (N, C, S, S) float32 in [0, 1], or None for an architecture it does not cover
    (resnet): the caller then uses torch."""
    embed = tensors.get("inp.embed.weight")
    if cfg.arch == "dcgan":
        layers = _dcgan_layers(tensors)
        body: Callable[[np.ndarray], np.ndarray] = lambda x: _run_dcgan(layers, x)  # noqa: E731
    elif cfg.arch == "mlp":
        shape = (cfg.channels, cfg.size, cfg.size)
        body = lambda x: _run_mlp(tensors, x).reshape(-1, *shape)  # noqa: E731
    else:
        return None

    def forward(z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        if embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass a label")
            z = np.concatenate([z, embed[labels]], axis=1)
        out = [body(z[i:i + BATCH]) for i in range(0, len(z), BATCH)]
        return np.clip(np.concatenate(out) * 0.5 + 0.5, 0.0, 1.0)

    return forward


def _dcgan_layers(t: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """[(weight (C_in, k, k, C_out), bias (C_out,), stride, padding)] with the batch
    norm that follows each transposed convolution folded into it."""
    convs = sorted(int(k.split(".")[1]) for k, v in t.items()
                   if k.startswith("net.") and k.endswith(".weight") and v.ndim == 4)
    layers = []
    for i, index in enumerate(convs):
        weight = t[f"net.{index}.weight"]  # (C_in, C_out, k, k)
        bias = np.zeros(weight.shape[1], np.float32)
        bn = f"net.{index + 1}"
        if f"{bn}.running_mean" in t:
            scale = t[f"{bn}.weight"] / np.sqrt(t[f"{bn}.running_var"] + BN_EPS)
            weight = weight * scale[None, :, None, None]
            bias = t[f"{bn}.bias"] - t[f"{bn}.running_mean"] * scale
        stride, padding = (1, 0) if i == 0 else (2, 1)
        layers.append((np.ascontiguousarray(weight.transpose(0, 2, 3, 1)), bias, stride,
                       padding))
    return layers


def _run_dcgan(layers: list[tuple[np.ndarray, np.ndarray, int, int]],
               z: np.ndarray) -> np.ndarray:
    """(N, z_in) -> (N, C, S, S) in [-1, 1]; channels-last inside."""
    x = z[:, None, None, :]
    for i, (weight, bias, stride, padding) in enumerate(layers):
        x = conv_transpose(x, weight, stride, padding) + bias
        x = np.tanh(x) if i == len(layers) - 1 else np.maximum(x, 0.0)
    return x.transpose(0, 3, 1, 2)


def conv_transpose(x: np.ndarray, weight: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Transposed convolution, channels-last: x (N, H, W, C_in), weight (C_in, k, k,
    C_out) -> (N, (H-1)*stride - 2*padding + k, ..., C_out), as torch's ConvTranspose2d:
    every input pixel adds its k x k patch of outputs, ``stride`` apart."""
    n, h, w, cin = x.shape
    _, k, _, cout = weight.shape
    patches = (x.reshape(-1, cin) @ weight.reshape(cin, -1)).reshape(n, h, w, k, k, cout)
    full = np.zeros((n, (h - 1) * stride + k, (w - 1) * stride + k, cout), np.float32)
    for dy in range(k):
        for dx in range(k):
            full[:, dy:dy + stride * h:stride, dx:dx + stride * w:stride] += patches[:, :, :, dy,
                                                                                     dx]
    end_y, end_x = full.shape[1] - padding, full.shape[2] - padding
    return full[:, padding:end_y, padding:end_x]


def _run_mlp(t: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """(N, z_in) -> (N, C*S*S) in [-1, 1]."""
    hidden = np.maximum(z @ t["net.0.weight"].T + t["net.0.bias"], 0.0)
    return np.tanh(hidden @ t["net.2.weight"].T + t["net.2.bias"])
