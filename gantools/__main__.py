"""``python -m gantools`` (and ``torchrun -m gantools``) runs the CLI."""

from gantools.cli import main

main()
