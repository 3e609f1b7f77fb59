# -*- Python -*-
# lit configuration of the bitsink suite: bitsink-opt, FileCheck, not and
# count from LLVM 22, and a `cuda` feature only where a GPU can be used.

import os
import shutil
import subprocess

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
