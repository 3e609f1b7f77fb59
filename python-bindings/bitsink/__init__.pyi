# Type stubs of the bitsink package (the extension module and the Python
# layer over it).
from dataclasses import dataclass
from typing import (
    Callable,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    TextIO,
    Tuple,
    Union,
)

import numpy as np

from . import reference as reference

class MLIRError(RuntimeError): ...

class Module:
    def run_pipeline(self, pipeline: str) -> None: ...
    def verify(self) -> None: ...
    def argument_names(self, entry: str = "main") -> list[str]: ...
    def bind_arguments(
        self, entry: str, arrays: Mapping[Union[int, str], np.ndarray]
    ) -> None: ...
    def __str__(self) -> str: ...

class Context:
    def __init__(self) -> None: ...
    def parse(self, text: str, source_name: str = "<string>") -> Module: ...
    @property
    def diagnostics(self) -> str: ...

class KernelTime(NamedTuple):
    label: str
    calls: int
    ms: float

class Executable:
    entry: str
    target: str
    @property
    def inputs(self) -> list[Tuple[np.dtype, Tuple[int, ...]]]: ...
    @property
    def results(self) -> list[Tuple[np.dtype, Tuple[int, ...]]]: ...
    @property
    def result_aliases(self) -> list[int]: ...
    def __call__(
        self, *arrays: np.ndarray
    ) -> Union[np.ndarray, Tuple[np.ndarray, ...]]: ...
    def call_inplace(
        self, *arrays: np.ndarray
    ) -> Union[None, np.ndarray, Tuple[np.ndarray, ...]]: ...
    def bind_inplace(self, *arrays: np.ndarray) -> BoundCall: ...
    def profile(self) -> List[KernelTime]: ...
    def profile_total(self) -> Tuple[int, float]: ...
    def profile_table(self, max_rows: Optional[int] = None) -> str: ...
    def print_profile(
        self, max_rows: Optional[int] = None, file: Optional[TextIO] = None
    ) -> None: ...
    def reset_profile(self) -> None: ...

class BoundCall:
    executable: Executable
    arrays: Tuple[np.ndarray, ...]
    def __call__(self) -> Union[None, np.ndarray, Tuple[np.ndarray, ...]]: ...

def compile(
    module_or_text: Union[str, Module],
    pipeline: Optional[str] = None,
    target: str = "cpu",
    entry: str = "main",
    context: Optional[Context] = None,
    cpu: Optional[str] = None,
    profile: bool = False,
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
    heldout_rel_error: Optional[float] = None
    rotation_block: int = 0
    rotation_signs: Optional[np.ndarray] = None
    def dequantize(self) -> np.ndarray: ...
    def rotate_input(self, x: np.ndarray) -> np.ndarray: ...

def hadamard_matrix(block: int) -> np.ndarray: ...
def rotate_rows(x: np.ndarray, signs: np.ndarray, block: int) -> np.ndarray: ...
def unrotate_weight(w: np.ndarray, signs: np.ndarray, block: int) -> np.ndarray: ...

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
    threads: Optional[int] = None,
    heldout: Optional[np.ndarray] = None,
    heldout_hessian: Optional[np.ndarray] = None,
    calibration_hessian: Optional[np.ndarray] = None,
    rtn_search: bool = True,
    rotation: int = 0,
    rotation_seed: int = 0,
) -> QuantizedWeight: ...

class HessianAccumulator:
    def __init__(
        self, k: int, threads: Optional[int] = None, context: Optional[Context] = None
    ) -> None: ...
    @property
    def k(self) -> int: ...
    @property
    def rows(self) -> int: ...
    def add(self, x: np.ndarray) -> HessianAccumulator: ...
    @property
    def hessian(self) -> np.ndarray: ...

class Decoder:
    model: object
    cache_size: int
    sinks: int
    chunk: int
    target: str
    pipeline: Optional[str]
    num_layers: int
    vocab: int
    module: Module
    quantized: dict[str, QuantizedWeight]
    def __init__(
        self,
        model: object,
        cache: int = 1024,
        sinks: int = 4,
        chunk: int = 64,
        module_transform: Optional[Callable[[Module], Optional[Module]]] = None,
        target: str = "cpu",
        pipeline: Optional[str] = None,
        cpu: Optional[str] = None,
        context: Optional[Context] = None,
        progress: Optional[Callable[[str], None]] = None,
        layers: str = "call",
        quantized: Optional[Mapping[str, QuantizedWeight]] = None,
    ) -> None: ...
    @property
    def length(self) -> int: ...
    @property
    def caches(self) -> List[np.ndarray]: ...
    def reset(self) -> None: ...
    def step(self, token: int) -> np.ndarray: ...
    def prefill(self, ids: Sequence[int]) -> np.ndarray: ...

@dataclass
class GenerationResult:
    tokens: List[int]
    text: str
    stop_reason: str
    prompt_tokens: int
    prefill_seconds: float
    decode_steps: int
    decode_seconds: float
    @property
    def prefill_tokens_per_second(self) -> float: ...
    @property
    def decode_tokens_per_second(self) -> float: ...

def generate(
    decoder_or_model: object,
    prompt: Union[str, Sequence[int]],
    max_new_tokens: int = 128,
    *,
    temperature: float = 0.0,
    top_k: Optional[int] = None,
    top_p: Optional[float] = None,
    seed: Optional[int] = None,
    stop: Optional[Iterable[Union[int, str]]] = None,
    callback: Optional[Callable[[Optional[int], str], None]] = None,
    reset: bool = True,
    add_bos: Optional[bool] = None,
) -> GenerationResult: ...
