"""Random-weight state dicts in the key layouts community models are published in,
tiny (few blocks, narrow), for the foreign-weights and ONNX tests. No downloads."""

from __future__ import annotations

import torch


def _conv(sd: dict, name: str, out_ch: int, in_ch: int, gen: torch.Generator,
          k: int = 3, bias: float = 0.0) -> None:
    """A conv's weight (He-scaled, so activations stay in range) and bias."""
    fan_in = in_ch * k * k
    sd[f"{name}.weight"] = torch.randn(out_ch, in_ch, k, k, generator=gen) / fan_in ** 0.5
    sd[f"{name}.bias"] = torch.full((out_ch,), bias) + 0.01 * torch.randn(out_ch,
                                                                          generator=gen)


def compact_state(num_feat: int = 8, num_conv: int = 2, scale: int = 4, in_ch: int = 3,
                  seed: int = 0) -> dict[str, torch.Tensor]:
    """Real-ESRGAN SRVGGNetCompact (realesr-general-x4v3.pth's ``body.N`` keys)."""
    gen = torch.Generator().manual_seed(seed)
    sd: dict[str, torch.Tensor] = {}
    _conv(sd, "body.0", num_feat, in_ch, gen)
    sd["body.1.weight"] = torch.full((num_feat,), 0.25)
    for i in range(num_conv):
        _conv(sd, f"body.{2 + 2 * i}", num_feat, num_feat, gen)
        sd[f"body.{3 + 2 * i}.weight"] = torch.full((num_feat,), 0.25)
    _conv(sd, f"body.{2 + 2 * num_conv}", in_ch * scale * scale, num_feat, gen)
    return sd


def rrdb_state(num_feat: int = 8, num_block: int = 1, grow: int = 32,
               seed: int = 0) -> dict[str, torch.Tensor]:
    """Real-ESRGAN RRDBNet x4 (RealESRGAN_x4plus.pth's ``conv_first``, ``body.I.rdbJ``,
    ``conv_up1`` ... keys)."""
    gen = torch.Generator().manual_seed(seed)
    sd: dict[str, torch.Tensor] = {}
    _conv(sd, "conv_first", num_feat, 3, gen)
    for b in range(num_block):
        for r in (1, 2, 3):
            for c in range(1, 6):
                out = num_feat if c == 5 else grow
                _conv(sd, f"body.{b}.rdb{r}.conv{c}", out, num_feat + (c - 1) * grow, gen)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        _conv(sd, name, num_feat, num_feat, gen)
    _conv(sd, "conv_last", 3, num_feat, gen, bias=0.5)
    return sd


def swinir_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """SwinIR x2 lightweight (pixelshuffledirect), one RSTB of two blocks, window 8,
    in the original repository's key layout (spandrel keeps its module names)."""
    from spandrel.architectures.SwinIR import SwinIR

    torch.manual_seed(seed)
    net = SwinIR(img_size=32, embed_dim=12, depths=[2], num_heads=[2], window_size=8,
                 mlp_ratio=2.0, upscale=2, upsampler="pixelshuffledirect",
                 resi_connection="1conv")
    return {k: v.clone() for k, v in net.state_dict().items()}


def direct(path, image: torch.Tensor) -> torch.Tensor:
    """spandrel's own forward of the model in ``path`` on ``image`` (1, 3, H, W)."""
    import spandrel

    descriptor = spandrel.ModelLoader().load_from_file(str(path)).eval()
    return descriptor(image).float()
