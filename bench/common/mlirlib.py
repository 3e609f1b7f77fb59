"""Compile an MLIR file with bitsink-cpu-pipeline into a shared library and
call its `_mlir_ciface_` entry points on numpy arrays (benchmarks only)."""

import ctypes
import os
import subprocess

LLVM_BIN = "/usr/lib/llvm-22/bin"
LLVM_LIB = "/usr/lib/llvm-22/lib"


def host_isa():
    """The vector ISA this host offers, as the kernels see it (-march=native):
    'AVX-512 (...)', 'AVX2 + FMA' or the machine name."""
    import platform
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f
                          if l.startswith("model name")), "")
    except OSError:
        pass
    if "avx512f" in flags:
        extras = [x for x in ("avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                              "avx512_fp16", "avx512vbmi") if x in flags]
        isa = "AVX-512 (" + ", ".join(["avx512f"] + extras) + ")"
    elif "avx2" in flags:
        isa = "AVX2" + (" + FMA" if "fma" in flags else "") + " (no AVX-512)"
    else:
        isa = platform.machine()
    return f"{isa}; {model}" if model else isa


def last_level_cache_mib(default=32):
    """The largest CPU cache of this host in MiB (sysfs, then sysconf), or
    `default` when neither says: cold-weight benchmarks cycle through twice
    this much so that their weights come from memory, not from the L3."""
    best = 0
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for entry in os.listdir(base):
            try:
                with open(os.path.join(base, entry, "size")) as f:
                    text = f.read().strip()
            except OSError:
                continue
            scale = {"K": 1 / 1024, "M": 1, "G": 1024}.get(text[-1:].upper())
            number = text[:-1] if scale else text
            if number.isdigit():
                best = max(best, int(number) * (scale or 1 / 2**20))
    except OSError:
        pass
    if not best:
        try:
            best = os.sysconf("SC_LEVEL3_CACHE_SIZE") / 2**20
        except (ValueError, OSError):
            best = 0
    return max(1, int(round(best))) if best > 0 else default


def cpu_features(cpu):
    """dict(avx512, avx2) of the CPU model `cpu` as bitsink-run --cpu names
    it ('host', 'generic' or an LLVM CPU name), read from clang's predefined
    macros for -march=<cpu> (clang and LLVM share the CPU table); None where
    clang does not know the name."""
    out = subprocess.run(["clang-22", f"-march={march_of(cpu)}", "-dM", "-E", "-x",
                          "c", os.devnull], capture_output=True, text=True)
    if out.returncode:
        return None
    macros = set(line.split()[1] for line in out.stdout.splitlines()
                 if line.startswith("#define "))
    return dict(avx512="__AVX512F__" in macros, avx2="__AVX2__" in macros)


def cpu_text(cpu, features):
    """What bitsink's code is compiled for, in words."""
    name = "the host" if cpu == "host" else f"CPU {cpu}"
    if features is None:
        return f"{name} (features unknown)"
    level = ("AVX-512" if features["avx512"] else
             "AVX2, no AVX-512" if features["avx2"] else "no AVX2")
    return f"{name} ({level})"


def march_of(cpu):
    """clang's -march for a CPU named as bitsink-run --cpu names it."""
    return {"host": "native", "generic": "x86-64"}.get(cpu, cpu)


def compile_module(opt, mlir_path, out_dir, pipeline_options="", cpu="host"):
    """bitsink-opt -> mlir-translate -> clang -O3 -march=<cpu> -> .so, for
    the CPU model `cpu` ('host': -march=native and the pipeline's default
    target; else an LLVM CPU name such as x86-64-v3, given to both the
    pipeline's target-cpu and clang)."""
    base = os.path.join(out_dir, os.path.basename(mlir_path).rsplit(".", 1)[0])
    pipeline = "--bitsink-cpu-pipeline=c-interface=true " + pipeline_options
    if cpu != "host":
        pipeline += f" target-cpu={cpu}"
    subprocess.check_call([opt, mlir_path, pipeline, "-o", base + ".llvm.mlir"])
    subprocess.check_call([os.path.join(LLVM_BIN, "mlir-translate"),
                           "--mlir-to-llvmir", base + ".llvm.mlir",
                           "-o", base + ".ll"])
    subprocess.check_call(["clang-22", "-O3", f"-march={march_of(cpu)}", "-shared",
                           "-fPIC", "-Wno-override-module", base + ".ll",
                           "-o", base + ".so", "-L" + LLVM_LIB, "-lomp",
                           "-Wl,-rpath," + LLVM_LIB])
    return ctypes.CDLL(base + ".so")


def _descriptor(array):
    rank = array.ndim

    class MemRef(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p),
                    ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]

    desc = MemRef()
    desc.allocated = desc.aligned = array.ctypes.data
    desc.offset = 0
    for i in range(rank):
        desc.sizes[i] = array.shape[i]
        desc.strides[i] = array.strides[i] // array.itemsize
    return desc


def bind(lib, name, *arrays):
    """Returns a no-argument callable running `name` on `arrays` (inputs then
    out-params, C-contiguous)."""
    for a in arrays:
        assert a.flags["C_CONTIGUOUS"]
    descs = [_descriptor(a) for a in arrays]
    refs = [ctypes.byref(d) for d in descs]
    fn = getattr(lib, "_mlir_ciface_" + name)
    return lambda: fn(*refs)
