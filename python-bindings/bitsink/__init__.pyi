# Type stubs of the bitsink package (the extension module and the Python
# layer over it).
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from . import reference as reference

class MLIRError(RuntimeError): ...

class Module:
    def run_pipeline(self, pipeline: str) -> None: ...
    def verify(self) -> None: ...
    def __str__(self) -> str: ...

class Context:
    def __init__(self) -> None: ...
    def parse(self, text: str, source_name: str = "<string>") -> Module: ...
    @property
    def diagnostics(self) -> str: ...

class Executable:
    entry: str
    target: str
    @property
    def inputs(self) -> list[Tuple[np.dtype, Tuple[int, ...]]]: ...
    @property
    def results(self) -> list[Tuple[np.dtype, Tuple[int, ...]]]: ...
    def __call__(
        self, *arrays: np.ndarray
    ) -> Union[np.ndarray, Tuple[np.ndarray, ...]]: ...

def compile(
    module_or_text: Union[str, Module],
    pipeline: Optional[str] = None,
    target: str = "cpu",
    entry: str = "main",
    context: Optional[Context] = None,
    cpu: Optional[str] = None,
) -> Executable: ...
@dataclass
class QuantizedWeight:
    planes: np.ndarray
    coefficients: np.ndarray
    dequantized: np.ndarray
    plane_kind: str
    group_size: int
    rel_error: float
    weight_rel_error: float
    bits_per_weight: float
    damp: float
    rtn_columns: int
    def dequantize(self) -> np.ndarray: ...

def quantize(
    weight: np.ndarray,
    method: str = "bpdq",
    planes: int = 2,
    group_size: int = 128,
    calibration: Optional[np.ndarray] = None,
    iterations: Optional[int] = None,
    damp: Optional[float] = None,
    act_order: bool = False,
    f16_coefficients: bool = True,
    context: Optional[Context] = None,
) -> QuantizedWeight: ...
