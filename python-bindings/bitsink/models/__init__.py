"""Model importers: read a checkpoint, write it as bitsink IR.

* ``bitsink.models.llama``: Llama-family decoders from GGUF files
  (docs/llama.md).
"""

from . import llama  # noqa: F401

__all__ = ["llama"]
