"""Foreign weights: community models (ESRGAN, Real-ESRGAN, SwinIR, HAT, DAT, LaMa, ...)
read as plain state dicts and recognised by ``spandrel``.

``reading`` opens a file without running code (safetensors, or
``torch.load(weights_only=True)``); ``detect`` names the architecture and purpose;
``model`` wraps the result as a :class:`gantools.api.LoadedModel` that flows through
the same batch, tiling and I/O path as gantools's own weights. Importing this package
is light: torch and spandrel load inside the functions.
"""

from __future__ import annotations
