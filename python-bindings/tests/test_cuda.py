"""bitsink.compile(target="cuda") without a GPU: each case runs in a fresh
Python process (the CUDA runtime loads its driver once per process) with
BITSINK_CUDA_LIBRARY pointing at a missing library or at the fake driver of
unittests/Runtime (host memory behind the driver API; it loads modules and
copies memory but runs no kernel). So these tests check everything but the
kernels: compilation to a CUDA artifact, loading it, the architecture check,
device buffers, copies both ways, results returned in place, and the errors.
GPU numerics are tested by test/Integration/GPU (REQUIRES: cuda)."""

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
_PACKAGES = os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages"))
_FAKE = pathlib.Path(_PACKAGES).parent / "unittests" / "Runtime" / "libbitsink_fake_cuda.so"

pytestmark = pytest.mark.skipif(
    not _FAKE.exists(), reason="a build without BITSINK_ENABLE_CUDA (no fake driver)")

# No kernel: the results are the arguments, swapped (returned in place) and
# one copied into an out-param (a device-to-device copy).
PROGRAM = """
import sys, numpy as np
sys.path.insert(0, {packages!r})
import bitsink
IR = '''
func.func @main(%a: tensor<3x5xf32>, %b: tensor<3x5xi32>) -> (tensor<3x5xi32>, tensor<3x5xf32>) {{
  return %b, %a : tensor<3x5xi32>, tensor<3x5xf32>
}}
''' + {extra!r}
try:
    exe = bitsink.compile(IR, target="cuda", pipeline={pipeline!r})
    a = np.arange(15, dtype=np.float32).reshape(3, 5)
    b = np.arange(15, dtype=np.int32).reshape(3, 5) * -3
    x, y = exe(a, b)
    assert x.dtype == np.int32 and y.dtype == np.float32
    assert np.array_equal(x, b) and np.array_equal(y, a), (x, y)
    assert np.array_equal(a, np.arange(15, dtype=np.float32).reshape(3, 5))
    print("RESULT ok")
except bitsink.MLIRError as e:
    print("RESULT MLIRError", e)
"""


# A second function with a kernel (the copy becomes one), so that the
# artifact carries a cubin to load.
KERNEL = """
func.func @copy(%a: tensor<64xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64xf32>
  %c = linalg.copy ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  return %c : tensor<64xf32>
}
"""


def run_case(driver, pipeline="chip=sm_90", extra=KERNEL):
    env = dict(os.environ, BITSINK_CUDA_LIBRARY=str(driver))
    code = textwrap.dedent(PROGRAM.format(packages=_PACKAGES, pipeline=pipeline,
                                          extra=extra))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT"))
    return line[len("RESULT "):]


def test_cuda_artifact_runs_through_the_runtime():
    assert run_case(_FAKE) == "ok"


def test_missing_driver_is_an_error_not_a_crash():
    result = run_case("/nonexistent/libcuda.so.1")
    assert result.startswith("MLIRError")
    assert "cannot load the CUDA driver library" in result
    assert "NVIDIA driver is needed" in result


def test_kernels_for_another_architecture_are_refused():
    # The fake device is an sm_90; kernels built for sm_80 cannot run on it.
    result = run_case(_FAKE, pipeline="chip=sm_80 features=+ptx80")
    assert result.startswith("MLIRError")
    assert "sm_80" in result and "sm_90" in result


def test_bad_chip_is_reported_before_codegen():
    result = run_case(_FAKE, pipeline="chip=sm_50")
    assert result.startswith("MLIRError")
    # The pipeline's options go through bitsink::OptionChecker, hence its
    # wording "chip must be one of ..., got 'sm_50'".
    assert "chip must be one of" in result and "got 'sm_50'" in result
