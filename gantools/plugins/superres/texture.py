"""``--texture W``: the shipped x4 photo model with a share of superres-real-gan blended in.

``superres-real`` is itself a network interpolation of an L1-trained model and its GAN
fine-tune (a depth ramp: the GAN's share grows from 0 at the first layer to 35% at the
last); ``superres-real-gan`` is a GAN fine-tune of the same lineage.
``--texture W`` runs ``(1 - W) * superres-real + W * superres-real-gan``, every float
tensor, blended once when the model is loaded: W = 0 is the default as shipped (the most
PSNR), 1 is superres-real-gan (more texture, lower NIQE on JPEGs, less PSNR). The same
as ``gantools blend superres-real superres-real-gan -w W`` without writing a file.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

TEXTURE_PARTNERS = {"superres-real": "superres-real-gan"}
"""Shipped model -> the shipped GAN model ``--texture`` blends into it (same
architecture, trained from a common start)."""


def shipped_name(model: Any) -> str | None:
    """The name under which ``model`` (a LoadedModel) is installed, among the models
    that have a texture partner, or None (a user's own weights, a community model)."""
    from gantools.weights import WeightsError, resolve_weights

    for name in TEXTURE_PARTNERS:
        try:
            if resolve_weights(model.task, name, None).resolve() == model.source.resolve():
                return name
        except WeightsError:
            continue
    return None


def with_texture(model: Any, share: float) -> Any:
    """``model`` (a LoadedModel of superres-real) with ``share`` (0-1) of its GAN
    partner's weights blended in: a new LoadedModel with its own generator; ``model``
    is left as it is. ``share`` 0 returns ``model``. ValueError, one line, for a model
    without a partner."""
    from gantools.weight_blend import blend_tensors
    from gantools.weights import read_task_weights, resolve_weights

    if share == 0:
        return model
    name = shipped_name(model)
    if name is None:
        partners = ", ".join(f"{a} (with {b})" for a, b in TEXTURE_PARTNERS.items())
        raise ValueError(f"--texture blends a GAN model into a shipped one: {partners}; "
                         f"{model.source.name} is not one of them (for your own models: "
                         "gantools blend A B -w W)")
    partner_path = resolve_weights(model.task, TEXTURE_PARTNERS[name], None)
    partner, _ = read_task_weights(model.task, partner_path)
    own = {k: v.detach().float().cpu() for k, v in model.generator.state_dict().items()}
    blended = blend_tensors(own, partner, share, names=(name, TEXTURE_PARTNERS[name]))
    generator = copy.deepcopy(model.generator)
    generator.load_state_dict(blended)
    card = {**model.card, "texture": {"share": share, "partner": partner_path.name}}
    return dataclasses.replace(model, generator=generator, card=card)
