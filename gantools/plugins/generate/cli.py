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
    @click.option("--class", "label", default=None,
                  help="Class of a class-conditional model: its name (e.g. 'adult "
                       "female' for faces; `gantools models NAME` lists them) or its "
                       "index (e.g. digit 3).")
    @click.option("--per-class", type=click.IntRange(1), default=None,
                  help="Conditional models: this many images of every class, one grid "
                       "row per class (replaces -n and --class).")
    @click.option("--interpolate", type=click.IntRange(2), default=None, metavar="K",
                  help="Rows of K images, each walking from one random image to another "
                       "(spherical interpolation of the noise; one class per row), -n "
                       "rows (default 1).")
    @click.option("-o", "--output", type=click.Path(path_type=Path),
                  help="FILE.png (or .jpg, .webp, ...): one grid image; a folder (an "
                       "existing one, or a name without extension): one PNG per image. "
                       "[default: generated.png]")
    @click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
                  help="Write one PNG per image into this folder: DIR/0000.png, 0001.png, "
                       "...")
    @click.option("--ncol", type=click.IntRange(1), default=None,
                  help="Images per grid row (default: a square grid).")
    @click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
    @click.option("--skip-existing", is_flag=True,
                  help="Leave existing outputs alone (with a folder: write only the "
                       "missing images, the same ones a full run gives).")
    @friendly_errors
    def command(n, model, weights, device, seed, label, per_class, interpolate, output,
                out_dir, ncol, overwrite, skip_existing) -> None:
        """Generate images from noise with a shipped or exported generator.

        An existing output is an error unless --overwrite or --skip-existing is
        given; the output folder is checked to be writable before the model runs."""
        from gantools.inference.naming import (
            check_writable_folder,
            existing_rule,
            output_is_file,
        )

        if output and out_dir:
            raise ReportedError("give either -o FILE (one grid) or --out-dir DIR, not both",
                                exit_code=2)
        if per_class and label is not None:
            raise ReportedError("give --class or --per-class, not both", exit_code=2)
        if interpolate and per_class:
            raise ReportedError("give --interpolate or --per-class, not both", exit_code=2)
        rows = 1
        if interpolate and click.get_current_context().get_parameter_source("n") == \
                click.core.ParameterSource.COMMANDLINE:
            rows = n
        try:
            if output is not None and not output_is_file(output):
                output, out_dir = None, output
        except ValueError as exc:
            raise ReportedError(str(exc), exit_code=2) from exc
        grid = None if out_dir else (output or Path("generated.png"))
        if device not in ("auto", "cpu"):
            from gantools.engine.device import pick_device

            pick_device(device)  # a bad --device is refused before any folder is made
        check_writable_folder(out_dir if out_dir else grid.parent)
        existing_rule([], overwrite, skip_existing)  # refuses both flags together
        if grid is not None and existing_rule([grid], overwrite, skip_existing):
            click.echo(f"{grid}: exists, skipped", err=True)
            return

        from gantools.image_grid import chw_to_hwc_uint8, tile_images
        from gantools.imageio import write_image
        from gantools.plugins.generate.noise import interpolation_inputs, sample_inputs
        from gantools.plugins.generate.sampler import open_sampler

        # how many images, for the choice of path (--per-class: an upper estimate)
        count = rows * interpolate if interpolate else n * (per_class or 1)
        sampler = open_sampler(task, model, weights, device, count)
        cfg = sampler.config
        if per_class:
            if not cfg.num_classes:
                raise ReportedError("--per-class needs a class-conditional model")
            label = [k for k in range(cfg.num_classes) for _ in range(per_class)]
            n, ncol = len(label), per_class
        if interpolate:
            n, ncol = rows * interpolate, interpolate
            z, labels = interpolation_inputs(cfg, rows, interpolate, seed, label)
        else:
            z, labels = sample_inputs(cfg, n, seed, label)
        if out_dir:
            paths = [out_dir / f"{i:04d}.png" for i in range(n)]
            kept = set(existing_rule(paths, overwrite, skip_existing))
            images = sampler.forward(z, labels)
            for path, img in zip(paths, images, strict=True):
                if path not in kept:
                    write_image(path, chw_to_hwc_uint8(img))
            skipped = f" ({len(kept)} existing left alone)" if kept else ""
            click.echo(f"wrote {n - len(kept)} images to {out_dir}{skipped}", err=True)
            return
        images = sampler.forward(z, labels)
        write_image(grid, chw_to_hwc_uint8(tile_images(images, ncol=ncol)))
        click.echo(f"wrote a grid of {n} images to {grid}", err=True)

    return command
