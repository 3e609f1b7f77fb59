"""Parse, transform and print bitsink (MLIR) IR from Python.

A thin layer over the bitsink C API: every failure raises ``MLIRError``
whose message holds the diagnostics as ``file:line:col: severity: message``
lines.
"""

from ._bitsink import Context, MLIRError, Module

__all__ = ["Context", "MLIRError", "Module"]
