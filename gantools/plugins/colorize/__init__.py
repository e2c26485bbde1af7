"""The built-in ``colorize`` task: pix2pix colorization in CIE Lab (see task.py)."""
