"""Fit gantools's NIQE pristine model (``gantools/pretrained/niqe-pristine.json``).

The pristine photos are those of ``photos/wiki49`` (sharp 1024-pixel photos),
``sr/BSD200`` and ``photos/bsds500-test`` (481x321 scenes) that the ``superres-real``
split puts in training (``benchmarks/superres_real_data.py``): the validation and test
photos stay unseen by the instrument too. Blocks are kept when
their sharpness is above 0.75 of the sharpest block of their photo, as in the NIQE
paper; the model is the mean and covariance of their 36 features.

    python benchmarks/niqe_fit.py                      # writes the shipped file
    python benchmarks/niqe_fit.py --smoke --out /tmp/niqe.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from superres_real_data import split_of  # noqa: E402

from gantools.niqe import PRISTINE, image_features, luminance  # noqa: E402

PRISTINE_SOURCES = ("photos/wiki49", "sr/BSD200", "photos/bsds500-test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=None,
                        help=f"default: {PRISTINE} (a temporary file with --smoke)")
    parser.add_argument("--smoke", action="store_true", help="one photo per source")
    args = parser.parse_args()
    if args.out is None:
        args.out = (Path(tempfile.mkdtemp(prefix="gantools-niqe-")) / "niqe.json"
                    if args.smoke else PRISTINE)
    photos = []
    for source in PRISTINE_SOURCES:
        found = [p for p in sorted((args.data / source).iterdir())
                 if p.suffix.lower() in (".png", ".jpg") and
                 split_of(f"{source}/{p.name}") == "train"]
        photos += found[:1] if args.smoke else found
    feats = np.concatenate([image_features(luminance(np.asarray(Image.open(p).convert("RGB"))),
                                           select_sharp=True) for p in photos])
    feats = feats[~np.isnan(feats).any(axis=1)]
    card = {"what": "NIQE pristine model (Mittal et al. 2013): mean and covariance of "
                    "36 block features", "fitted_by": "benchmarks/niqe_fit.py",
            "photos": f"{len(photos)} photos of shared/data {', '.join(PRISTINE_SOURCES)} "
                      "(their superres-real training split; licences in SOURCES.md)",
            "blocks": int(len(feats)), "created": datetime.date.today().isoformat(),
            "mu": feats.mean(axis=0).tolist(), "cov": np.cov(feats, rowvar=False).tolist()}
    args.out.write_text(json.dumps(card) + "\n")
    print(f"{args.out}: {len(photos)} photos, {len(feats)} sharp blocks")


if __name__ == "__main__":
    main()
