"""One uploaded image through the batch command's own steps (read with the pixel
limit, the memory guard, tiling, alpha, 16 bits, ICC/EXIF, atomic write), into the
server's result folder. This is the function every image tab calls."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gantools.ui.widgets import PageProgress, Report


@dataclass
class ImageResult:
    """What one run produced: ``path`` (a PNG under the server's result folder), the
    input and output sizes, the seconds it took and the model used."""

    path: Path
    in_size: tuple[int, int]
    out_size: tuple[int, int]
    seconds: float
    model: Any

    def summary(self, task: Any) -> str:
        """One line for the page: what ran, on which device, how long."""
        (w, h), (ow, oh) = self.in_size, self.out_size
        return (f"{task.name} with model {self.model.source.stem} on {self.model.device}: "
                f"{w}x{h} -> {ow}x{oh} in {self.seconds:.1f} s")


def run_image(ui: Any, task: Any, model_name: str | None, options: Any, upload: str | Path,
              companion: str | Path | None = None, report: Report | None = None
              ) -> ImageResult:
    """Run ``task`` with installed model ``model_name`` (None: the one the options
    pick) on the uploaded file ``upload`` (and its ``companion`` file, e.g. a mask)
    exactly as ``gantools NAME`` would; the result is a PNG in ``ui.results``."""
    from gantools.inference import steps
    from gantools.inference.companion import CompanionSource

    if not upload:
        raise ValueError("upload an image first")
    if task.companion is not None and not companion:
        raise ValueError(f"{task.name} needs a {task.companion.name} as well")
    start = time.perf_counter()
    if report:
        report(0.0, "loading the model")
    model = ui.model(task, model_name or task.model_for_options(options))
    task.check_options(model, options)
    model = task.prepare_model(model, options)
    src = Path(upload)
    dst = ui.result_path(f"{src.stem}{task.suffix_for(model.config)}.png")
    pairing = None
    if task.companion is not None:
        pairing = CompanionSource(task.companion, file=Path(companion))
    data = steps.decode(task, model, src, dst, None, pairing, options)
    in_size = (data.width, data.height)
    pixels, alpha = steps.infer(task, model, options, data, dst, None, None,
                                PageProgress(report, f"running {task.name}"))
    if report:
        report(1.0, "saving")
    steps.write(dst, pixels, alpha, data, quality=95)
    return ImageResult(dst, in_size, (data.out_w, data.out_h), time.perf_counter() - start,
                       model)
