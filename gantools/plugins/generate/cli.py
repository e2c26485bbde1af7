"""``gantools generate``: sample a grid or one PNG per image from a generator."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gantools.cli_options import ReportedError, friendly_errors, model_options

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.generate.task import GenerateTask


def generate_command(task: GenerateTask) -> click.Command:
    """Build the command for ``task``."""

    @click.command("generate", short_help=task.summary)
    @click.option("-n", "--num", "n", default=64, show_default=True, type=click.IntRange(1),
                  help="How many images.")
    @model_options
    @click.option("--seed", default=0, show_default=True, type=int,
                  help="Noise seed: the same seed gives the same images.")
    @click.option("--class", "label", type=int, default=None,
                  help="Class index for a class-conditional model (e.g. digit 3).")
    @click.option("--per-class", type=click.IntRange(1), default=None,
                  help="Conditional models: this many images of every class, one grid "
                       "row per class (replaces -n and --class).")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write one grid image here (default generated.png).")
    @click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
                  help="Write one PNG per image instead: DIR/0000.png, 0001.png, ...")
    @click.option("--ncol", type=click.IntRange(1), default=None,
                  help="Images per grid row (default: a square grid).")
    @friendly_errors
    def command(n, model, weights, device, seed, label, per_class, output, out_dir,
                ncol) -> None:
        """Generate images from noise with a shipped or exported generator."""
        from gantools.api import load
        from gantools.engine.runlog import make_grid
        from gantools.imageio import write_image
        from gantools.tensors import to_hwc_uint8

        if output and out_dir:
            raise ReportedError("give either -o FILE (one grid) or --out-dir DIR, not both")
        loaded = load(task, model=model, weights=weights, device=device)
        if per_class:
            if not loaded.config.num_classes:
                raise ReportedError("--per-class needs a class-conditional model")
            label = [k for k in range(loaded.config.num_classes) for _ in range(per_class)]
            n, ncol = len(label), per_class
        images = task.sample(loaded.generator, loaded.config, n, seed, label)
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
            for i, img in enumerate(images):
                write_image(out_dir / f"{i:04d}.png", to_hwc_uint8(img))
            click.echo(f"wrote {n} images to {out_dir}", err=True)
            return
        output = output or Path("generated.png")
        write_image(output, to_hwc_uint8(make_grid(images, ncol=ncol)))
        click.echo(f"wrote a grid of {n} images to {output}", err=True)

    return command
