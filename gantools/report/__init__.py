"""``gantools report``: one self-contained HTML page per training run.

Standard library only at import time (no torch, numpy or Pillow), so the CLI stays
fast; the sample-grid analysis imports numpy and Pillow when it runs."""
