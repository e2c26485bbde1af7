"""gantools-denoise: a third-party gantools plugin (Gaussian photo denoising).

The task lives in :mod:`gantools_denoise.task`; gantools finds it through the
``gantools.plugins`` entry point declared in this package's pyproject.toml.
This module imports nothing heavy: ``gantools --help`` imports the plugin to list it.
"""

__version__ = "0.1.0"
