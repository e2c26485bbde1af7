"""What a community weights file is: architecture, purpose, scale, size needs.

spandrel recognises the architecture from the state dict's keys and shapes and builds
the network (no forward pass is run). :class:`ForeignInfo` is what gantools keeps of
it: the model's ``config`` once loaded, and what ``gantools models FILE`` prints.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gantools.weights import WeightsError

if TYPE_CHECKING:  # pragma: no cover
    import spandrel

PURPOSE_TASKS = {"SR": "superres", "Inpainting": "inpaint"}
"""spandrel purpose -> the built-in task that runs it. A third-party task takes other
purposes by setting ``spandrel_purposes = ("Restoration",)`` on its class."""

PURPOSE_WORDS = {"SR": "super-resolution", "FaceSR": "face restoration",
                 "Inpainting": "inpainting", "Restoration": "restoration (x1: denoising, "
                 "deblurring, JPEG artefacts)"}

OVERLAP_CAP = 64
"""Largest tile overlap chosen automatically, in input pixels: deep networks (23-block
RRDB, transformers) see further than any practical overlap, but what lies beyond
~32 pixels barely moves their output, and the cross-fade hides the rest."""

DEFAULT_OVERLAP = 32
"""Overlap for architectures whose receptive field gantools does not compute."""

WIDE_OVERLAP = {"LaMa": 128}
"""Architectures that see the whole image (LaMa's Fourier convolutions): as much
context per tile as gantools's own inpainting model gets."""


@dataclass
class ForeignInfo:
    """A recognised community model. ``scale``: output / input size; channels as the
    network takes them; ``minimum`` / ``multiple_of`` / ``square``: input sizes it
    needs (tiles are padded to them); ``tiling``: supported, discouraged or internal;
    ``tile_overlap``: context in input pixels given to each tile."""

    file: str
    architecture: str
    architecture_id: str
    purpose: str
    scale: int
    input_channels: int
    output_channels: int
    parameters: int
    minimum: int = 0
    multiple_of: int = 1
    square: bool = False
    tiling: str = "supported"
    tile_overlap: int = DEFAULT_OVERLAP
    supports_fp16: bool = False
    supports_bf16: bool = False
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def purposes_of(task: Any) -> tuple[str, ...]:
    """The spandrel purposes ``task`` runs: its ``spandrel_purposes`` attribute, or
    those :data:`PURPOSE_TASKS` maps to its name."""
    own = getattr(task, "spandrel_purposes", None)
    if own is not None:
        return tuple(own)
    return tuple(p for p, name in PURPOSE_TASKS.items() if name == task.name)


def receptive_radius(descriptor: spandrel.ModelDescriptor) -> int | None:
    """Input pixels an output pixel depends on, each side, for conv-only
    architectures whose depth spandrel reports; None when not computed here."""
    hp = getattr(descriptor.model, "hyperparameters", {}) or {}
    arch = descriptor.architecture.id
    if arch == "Compact":  # num_conv + 2 convolutions 3x3 at input resolution
        return int(hp["num_conv"]) + 2
    if arch == "ESRGAN":  # 1 + 15 per RRDB + 1 at LR, ~1.25 more from the upsampler
        radius = 4 + 15 * int(hp["num_blocks"])
        return radius * int(hp.get("shuffle_factor") or 1)
    return None


def safe_overlap(descriptor: spandrel.ModelDescriptor) -> int:
    """Tile overlap in input pixels: twice the receptive radius (so tiled equals
    untiled), at most :data:`OVERLAP_CAP`; :data:`WIDE_OVERLAP` for image-wide
    architectures; :data:`DEFAULT_OVERLAP` when unknown."""
    if descriptor.architecture.id in WIDE_OVERLAP:
        return WIDE_OVERLAP[descriptor.architecture.id]
    radius = receptive_radius(descriptor)
    return DEFAULT_OVERLAP if radius is None else min(2 * radius, OVERLAP_CAP)


def recognise(tensors: dict[str, Any], path: Path) -> spandrel.ModelDescriptor:
    """spandrel's descriptor of ``tensors`` (network built, weights loaded, on the
    CPU, eval mode), or a one-line :class:`WeightsError`."""
    import spandrel

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # architectures' own deprecations
            descriptor = spandrel.MAIN_REGISTRY.load(tensors)
    except spandrel.UnsupportedModelError as exc:
        raise WeightsError(f"{path}: not an architecture spandrel knows (nor gantools "
                           "weights: no .json card beside it)") from exc
    except Exception as exc:  # noqa: BLE001 - a detected arch whose shapes do not fit
        first = " ".join(str(exc).split())[:200]
        raise WeightsError(f"{path}: spandrel recognised the keys but could not build the "
                           f"network ({type(exc).__name__}: {first})") from exc
    return descriptor.eval()


def info_of(descriptor: spandrel.ModelDescriptor, path: Path) -> ForeignInfo:
    """The :class:`ForeignInfo` of a loaded spandrel descriptor."""
    req = descriptor.size_requirements
    return ForeignInfo(
        file=Path(path).name,
        architecture=descriptor.architecture.name,
        architecture_id=descriptor.architecture.id,
        purpose=descriptor.purpose,
        scale=int(descriptor.scale),
        input_channels=int(descriptor.input_channels),
        output_channels=int(descriptor.output_channels),
        parameters=sum(p.numel() for p in descriptor.model.parameters()),
        minimum=int(req.minimum), multiple_of=int(req.multiple_of), square=bool(req.square),
        tiling=descriptor.tiling.name.lower(),
        tile_overlap=safe_overlap(descriptor),
        supports_fp16=bool(descriptor.supports_half),
        supports_bf16=bool(descriptor.supports_bfloat16),
        tags=list(descriptor.tags),
    )


def detect(path: Path) -> tuple[spandrel.ModelDescriptor, ForeignInfo]:
    """Read ``path`` safely and recognise it: (descriptor, info)."""
    from gantools.foreign.reading import read_tensors

    path = Path(path)
    descriptor = recognise(read_tensors(path), path)
    return descriptor, info_of(descriptor, path)


def check_purpose(task: Any, info: ForeignInfo, path: Path) -> None:
    """Refuse a model whose purpose ``task`` does not run, naming both."""
    accepted = purposes_of(task)
    if info.purpose in accepted:
        return
    what = PURPOSE_WORDS.get(info.purpose, info.purpose)
    runs = PURPOSE_TASKS.get(info.purpose)
    hint = f"; use it with 'gantools {runs}'" if runs else ""
    takes = " or ".join(PURPOSE_WORDS.get(p, p).split(" (")[0] for p in accepted) or "no"
    raise WeightsError(f"{path}: {info.architecture} {what} model; 'gantools {task.name}' "
                       f"runs {takes} models{hint}")
