"""``gantools blend A B --weight W -o NAME.safetensors``: network interpolation of
two models of one architecture (a PSNR-oriented model and its GAN fine-tune)."""

from __future__ import annotations

from pathlib import Path

import click

from gantools.cli_options import friendly_errors
from gantools.commands.export import check_weights_output


@click.command("blend")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option("--weight", "-w", type=click.FloatRange(0.0, 1.0), required=True,
              help="Share of B: 0 gives A, 1 gives B, 0.3 is 70% A and 30% B.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Destination NAME.safetensors (the card is written as NAME.json).")
@click.option("--ramp", is_flag=True,
              help="Grow B's share with depth, from 0 at the network's first layer to W "
                   "at its last: A's early layers, B's late ones. For superres-real and "
                   "its GAN fine-tune this keeps more PSNR than a uniform blend of equal "
                   "NIQE (docs/tasks/superres.md).")
@click.option("--dtype", type=click.Choice(["float32", "float16", "bfloat16"]), default=None,
              help="Storage type of the tensors  [default: A's]")
@click.option("--overwrite", is_flag=True, help="Replace an existing NAME.safetensors "
                                                 "and NAME.json.")
@friendly_errors
def blend_command(first: str, second: str, weight: float, output: Path, ramp: bool,
                  dtype: str | None, overwrite: bool) -> None:
    """Blend two models of one architecture tensor by tensor: (1 - W) * A + W * B.

    With --ramp, B's share grows with each layer's depth instead, from 0 at the
    first layer to W at the last.

    A and B are weights files, or names of shipped models (superres-real) or of
    models in a $GANTOOLS_WEIGHTS folder. Blending works for models trained
    from the same start, such as a PSNR-oriented model and its GAN fine-tune
    (network interpolation, as in ESRGAN): the weight then trades a smooth
    result for a sharp one without training again.

    \b
      gantools blend superres-real my-gan.safetensors -w 0.4 -o sharper.safetensors
      gantools superres photos/ -o big/ --weights sharper.safetensors

    The card names both parents and their training; measure the blend with
    gantools eval before you trust it."""
    if output.suffix != ".safetensors":
        raise click.UsageError(f"{output}: the output must end in .safetensors")
    from gantools.weight_blend import blend_files
    from gantools.weights import weights_file

    a, b = weights_file(first), weights_file(second)
    check_weights_output(output, overwrite)
    path = blend_files(a, b, weight, output, dtype, ramp)
    share = f"0% to {weight:.0%} {b.name}, first layer to last" if ramp else \
        f"{1 - weight:.0%} {a.name}, {weight:.0%} {b.name}"
    click.echo(f"wrote {path} and {path.with_suffix('.json').name} ({share})", err=True)
