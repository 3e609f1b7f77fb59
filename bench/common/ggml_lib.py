"""llama.cpp's ggml as a benchmark peer: builds bench/common/ggml_gemv.c
against the ggml of the llama-cpp-python sdist and binds it with ctypes.

Where ggml comes from (`load(source=...)`, or GGML_PEER_SOURCE):
  wheel  the libggml*.so that the llama-cpp-python wheel of the bench venv
         ships (bench/setup.sh builds it from source for this host:
         GGML_NATIVE=ON, CPU only, no AMX); the headers come from the sdist
         of the same version.
  cmake  ggml built from that sdist with cmake (the same options as
         bench/setup.sh: GGML_NATIVE=ON, CPU backend only, AMX off), for a
         machine without the bench venv's llama_cpp.
  auto   (default) wheel when the bench venv has llama_cpp, else cmake.

The instruction set ggml is built for (`load(isa=...)`, or GGML_PEER_ISA):
  native (default) what the sources above build: GGML_NATIVE=ON, i.e.
         -march=native (AVX-512 on an AVX-512 host).
  avx2   x86-64 only: the cmake build with GGML_NATIVE=OFF and only the
         AVX2-level features on (SSE4.2, AVX, AVX2, FMA, F16C, BMI2;
         AVX-VNNI, every AVX-512 option and AMX off), in a build directory of
         its own: the code an AVX2-only host runs, timed on this one. The
         wheel is built native, so isa=avx2 always uses the cmake build.
         After loading, ggml's reported CPU features must hold AVX2 and no
         AVX512.

Everything is cached under build/bench-cache/ggml/<version>/: the sdist
(fetched with `pip download --no-binary :all: --no-deps
llama-cpp-python==<version>` when it is not there yet, or taken from
GGML_SDIST), its ggml/ tree, the cmake builds (cmake-build/ native,
cmake-build-avx2/), and the harness library of each source and ISA
(rebuilt when ggml_gemv.c changes). The cmake build runs under `nice` with
GGML_BUILD_JOBS parallel jobs (default: all CPUs).

What the library offers (class Ggml):
  features()                 ggml's CPU features (built for and detected)
  time_gemv(...)             ggml's decode GEMV timed (see ggml_gemv.c)
  quantize_roundtrip(...)    ggml_quantize_chunk (optional importance
                             matrix) then the type's to_float
"""

import ctypes
import glob
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CACHE = os.path.join(ROOT, "build", "bench-cache", "ggml")
SOURCE = os.path.join(HERE, "ggml_gemv.c")
# The llama-cpp-python version used when no bench venv names one.
DEFAULT_VERSION = "0.3.36"
LIBS = ("ggml-base", "ggml-cpu", "ggml")
ISAS = ("native", "avx2")
# The cmake options of each ISA (after the common ones). native: as
# bench/setup.sh builds the wheel. avx2: the x86-64-v3 level that ggml has
# options for; GGML_NATIVE=OFF leaves -march=native out, so nothing above
# these reaches the CPU backend.
ISA_OPTIONS = {
    "native": ["-DGGML_NATIVE=ON"],
    "avx2": ["-DGGML_NATIVE=OFF", "-DGGML_SSE42=ON", "-DGGML_AVX=ON",
             "-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON",
             "-DGGML_BMI2=ON", "-DGGML_AVX_VNNI=OFF", "-DGGML_AVX512=OFF",
             "-DGGML_AVX512_VBMI=OFF", "-DGGML_AVX512_VNNI=OFF",
             "-DGGML_AVX512_BF16=OFF"],
}


def _log(msg):
    print(f"ggml_lib: {msg}", file=sys.stderr)


def _venv_python():
    venv = os.environ.get("BENCH_VENV", os.path.join(ROOT, "build", "bench-venv"))
    py = os.path.join(venv, "bin", "python")
    return py if os.access(py, os.X_OK) else None


def wheel_info():
    """(version, directory of the wheel's libggml*.so) of llama-cpp-python in
    the bench venv, without importing it; None if it is not installed."""
    py = _venv_python()
    if not py:
        return None
    code = ("import importlib.util as u, importlib.metadata as m, os\n"
            "s = u.find_spec('llama_cpp')\n"
            "print(m.version('llama_cpp_python'))\n"
            "print(os.path.join(s.submodule_search_locations[0], 'lib'))\n")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True)
    if out.returncode:
        return None
    version, libdir = out.stdout.split()
    if not all(os.path.exists(os.path.join(libdir, f"lib{l}.so")) for l in LIBS):
        return None
    return version, libdir


def sdist_ggml(version):
    """The ggml/ directory of the llama-cpp-python `version` sdist, extracted
    under the cache (the sdist fetched from PyPI first if needed)."""
    vdir = os.path.join(CACHE, version)
    ggml_dir = os.path.join(vdir, "ggml")
    if os.path.exists(os.path.join(ggml_dir, "include", "ggml.h")):
        return ggml_dir
    os.makedirs(vdir, exist_ok=True)
    name = f"llama_cpp_python-{version}.tar.gz"
    sdist = os.environ.get("GGML_SDIST") or os.path.join(vdir, name)
    if not os.path.exists(sdist):
        _log(f"fetching the llama-cpp-python {version} sdist from PyPI")
        subprocess.run([_venv_python() or sys.executable, "-m", "pip",
                        "download", "--quiet", "--disable-pip-version-check",
                        "--no-binary", ":all:", "--no-deps",
                        f"llama-cpp-python=={version}", "-d", vdir],
                       check=True, stdout=sys.stderr)
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/ggml/"
    tmp = ggml_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(sdist) as tar:
        members = []
        for m in tar.getmembers():
            if m.name.startswith(prefix) and (m.isfile() or m.isdir()):
                m.name = m.name[len(prefix):]
                if m.name:
                    members.append(m)
        if not members:
            sys.exit(f"ggml_lib: {sdist} has no {prefix}")
        tar.extractall(tmp, members=members)
    os.replace(tmp, ggml_dir)
    return ggml_dir


def _isa(isa):
    isa = isa or os.environ.get("GGML_PEER_ISA") or "native"
    if isa not in ISAS:
        sys.exit(f"ggml_lib: unknown ggml ISA {isa!r} (one of: "
                 f"{', '.join(ISAS)})")
    if isa == "avx2" and platform.machine() != "x86_64":
        sys.exit(f"ggml_lib: the avx2 build is for x86-64 hosts "
                 f"(this is {platform.machine()})")
    return isa


def cmake_ggml(version, ggml_dir, isa="native"):
    """Builds ggml (CPU backend, shared) from the sdist for `isa` (ISAS);
    returns the directory of its libggml*.so."""
    suffix = "" if isa == "native" else f"-{isa}"
    build = os.path.join(CACHE, version, "cmake-build" + suffix)
    found = glob.glob(os.path.join(build, "**", "libggml-cpu.so"), recursive=True)
    if found:
        return os.path.dirname(found[0])
    # The sdist leaves out ggml.pc.in, which a standalone ggml configures
    # (a pkg-config file for `install` only): an empty one will do.
    pc = os.path.join(ggml_dir, "ggml.pc.in")
    if not os.path.exists(pc):
        open(pc, "w").close()
    args = ["cmake", "-S", ggml_dir, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
            "-DBUILD_SHARED_LIBS=ON", *ISA_OPTIONS[isa], "-DGGML_CPU=ON",
            "-DGGML_CUDA=OFF", "-DGGML_METAL=OFF", "-DGGML_VULKAN=OFF",
            "-DGGML_BLAS=OFF", "-DGGML_LLAMAFILE=ON", "-DGGML_BUILD_TESTS=OFF",
            "-DGGML_BUILD_EXAMPLES=OFF", "-DGGML_AMX_TILE=OFF",
            "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"]
    if shutil.which("ninja"):
        args += ["-G", "Ninja"]
    if platform.machine() == "x86_64" and isa == "native":
        # As bench/setup.sh: GGML_NATIVE's -march=native would turn the AMX
        # kernels on where the CPU has them (they crash there).
        no_amx = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
        args += [f"-DCMAKE_C_FLAGS={no_amx}", f"-DCMAKE_CXX_FLAGS={no_amx}"]
    if shutil.which("ccache"):
        args += ["-DCMAKE_C_COMPILER_LAUNCHER=ccache",
                 "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
    log = os.path.join(CACHE, version, f"cmake-build{suffix}.log")
    jobs = os.environ.get("GGML_BUILD_JOBS") or str(os.cpu_count() or 1)
    _log(f"building ggml {version} ({isa}) from the sdist with cmake (a few "
         f"minutes; log: {log})")
    with open(log, "w") as f:
        for cmd in (args, ["nice", "-n", "10", "cmake", "--build", build,
                           "--parallel", jobs, "--target", *LIBS]):
            if subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode:
                f.close()
                with open(log) as g:
                    sys.stderr.write("".join(g.readlines()[-30:]))
                sys.exit(f"ggml_lib: the ggml build failed; see {log}")
    found = glob.glob(os.path.join(build, "**", "libggml-cpu.so"), recursive=True)
    return os.path.dirname(found[0])


def _compiler():
    for cc in ("clang-22", "clang", "cc", "gcc"):
        if shutil.which(cc):
            return cc
    sys.exit("ggml_lib: no C compiler")


def build(source=None, isa=None):
    """Builds the harness (cached) for ggml from `source` built for `isa`;
    returns (path of the .so, info dict)."""
    source = source or os.environ.get("GGML_PEER_SOURCE", "auto")
    if source not in ("auto", "wheel", "cmake"):
        sys.exit(f"ggml_lib: unknown ggml source {source!r}")
    isa = _isa(isa)
    if source == "wheel" and isa != "native":
        sys.exit(f"ggml_lib: the wheel's ggml is built native; the {isa} "
                 f"ggml is the cmake build (source cmake or auto)")
    wheel = (wheel_info() if source in ("auto", "wheel") and isa == "native"
             else None)
    if source == "wheel" and not wheel:
        sys.exit("ggml_lib: the bench venv has no llama_cpp "
                 "(run bench/setup.sh, or use the cmake source)")
    version = wheel[0] if wheel else DEFAULT_VERSION
    ggml_dir = sdist_ggml(version)
    if wheel:
        kind, libdir = "wheel", wheel[1]
    else:
        kind, libdir = "cmake", cmake_ggml(version, ggml_dir, isa)
    with open(SOURCE, "rb") as f:
        key = hashlib.sha256(f.read() + libdir.encode()).hexdigest()[:12]
    tag = f"{kind}-{isa}"
    out = os.path.join(CACHE, version, f"libggml_gemv-{tag}-{key}.so")
    if not os.path.exists(out):
        include = os.path.join(ggml_dir, "include")
        cmd = [_compiler(), "-O2", "-shared", "-fPIC", "-std=c11",
               "-D_POSIX_C_SOURCE=200809L", SOURCE, "-I", include,
               "-L", libdir] + [f"-l{l}" for l in LIBS] + [
               f"-Wl,-rpath,{libdir}", "-lm", "-o", out + ".tmp"]
        subprocess.run(cmd, check=True)
        os.replace(out + ".tmp", out)
        # Older harnesses of this source and ISA, and those named before
        # the ISA was part of the name (libggml_gemv-<kind>-<key>.so).
        stale = (glob.glob(os.path.join(CACHE, version,
                                        f"libggml_gemv-{tag}-*.so"))
                 + glob.glob(os.path.join(CACHE, version,
                                          f"libggml_gemv-{kind}-{'?' * 12}.so")))
        for old in stale:
            if old != out:
                os.remove(old)
    return out, dict(kind=kind, isa=isa, version=version, libdir=libdir)


class Ggml:
    """ctypes binding of the harness library."""

    def __init__(self, path, info):
        self.info = info
        lib = self.lib = ctypes.CDLL(path)
        i64, c_int, c_size = ctypes.c_int64, ctypes.c_int, ctypes.c_size_t
        fp = ctypes.POINTER(ctypes.c_float)
        lib.gg_type_from_name.argtypes = [ctypes.c_char_p]
        lib.gg_type_from_name.restype = c_int
        lib.gg_row_size.argtypes = [c_int, i64]
        lib.gg_row_size.restype = c_size
        lib.gg_block_size.argtypes = [c_int]
        lib.gg_block_size.restype = c_int
        lib.gg_requires_imatrix.argtypes = [c_int]
        lib.gg_requires_imatrix.restype = c_int
        lib.gg_features.argtypes = []
        lib.gg_features.restype = ctypes.c_char_p
        lib.gg_quantize_roundtrip.argtypes = [c_int, fp, i64, i64, fp, fp,
                                              ctypes.POINTER(c_size)]
        lib.gg_quantize_roundtrip.restype = c_int
        lib.gg_time_gemv.argtypes = [
            c_int, i64, i64, c_int, c_int, ctypes.POINTER(c_int), c_int, c_int,
            ctypes.POINTER(ctypes.c_double), ctypes.POINTER(c_int),
            ctypes.POINTER(c_size)]
        lib.gg_time_gemv.restype = c_int

    def type_id(self, name):
        t = self.lib.gg_type_from_name(name.encode())
        if t < 0:
            raise ValueError(f"ggml has no type {name!r}")
        return t

    def features(self):
        return self.lib.gg_features().decode()

    def bits_per_weight(self, type_name):
        t = self.type_id(type_name)
        block = self.lib.gg_block_size(t)
        return 8 * self.lib.gg_row_size(t, block) / block

    def quantize_roundtrip(self, type_name, x, imatrix=None):
        """x (rows x cols float32, cols a multiple of the type's block) ->
        (x quantized to `type_name` and dequantized, quantized bytes).
        `imatrix`: one importance weight per column (ggml's imatrix), or
        None."""
        import numpy as np
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2:
            raise ValueError("x must be 2-D (rows x cols)")
        t = self.type_id(type_name)
        fp = ctypes.POINTER(ctypes.c_float)
        imp = None
        if imatrix is not None:
            imatrix = np.ascontiguousarray(imatrix, dtype=np.float32)
            if imatrix.shape != (x.shape[1],):
                raise ValueError("imatrix needs one weight per column")
            imp = imatrix.ctypes.data_as(fp)
        out = np.empty_like(x)
        qbytes = ctypes.c_size_t()
        status = self.lib.gg_quantize_roundtrip(
            t, x.ctypes.data_as(fp), x.shape[0], x.shape[1], imp,
            out.ctypes.data_as(fp), ctypes.byref(qbytes))
        if status == -2:
            raise ValueError(f"{type_name} needs an importance matrix")
        if status:
            raise ValueError(f"cannot quantize {x.shape} to {type_name} "
                             f"(block {self.lib.gg_block_size(t)})")
        return out, qbytes.value

    def time_gemv(self, type_name, k, n, copies, threads, runs, repack=True):
        """ggml's y = W x (W: K x N of `type_name`, x: 1 x K f32) timed at
        each thread count; see ggml_gemv.c. Returns dict(weight_bytes,
        repacked, times={threads: (best_ms, median_ms)})."""
        t = self.type_id(type_name)
        nthr = len(threads)
        thr = (ctypes.c_int * nthr)(*threads)
        out = (ctypes.c_double * (2 * nthr))()
        repacked, wbytes = ctypes.c_int(), ctypes.c_size_t()
        status = self.lib.gg_time_gemv(t, k, n, copies, int(repack), thr, nthr,
                                       runs, out, ctypes.byref(repacked),
                                       ctypes.byref(wbytes))
        if status:
            raise RuntimeError(f"gg_time_gemv({type_name}, {k}, {n}) failed: "
                               f"{status}")
        return dict(weight_bytes=wbytes.value, repacked=bool(repacked.value),
                    times={threads[i]: (out[2 * i], out[2 * i + 1])
                           for i in range(nthr)})


_loaded = {}


def check_isa(lib):
    """Exits with the reason when ggml's reported CPU features do not match
    the ISA it was built for (avx2: AVX2 and no AVX512 of any kind)."""
    features = lib.features().split()
    if lib.info["isa"] == "avx2":
        wide = [f for f in features if f.startswith("AVX512") or
                f.startswith("AMX")]
        if wide or "AVX2" not in features:
            sys.exit(f"ggml_lib: the avx2 ggml ({lib.info['libdir']}) "
                     f"reports the CPU features {' '.join(features)}: "
                     + (f"{', '.join(wide)} must not be among them"
                        if wide else "AVX2 is missing")
                     + " (a stale or mis-configured build: delete that "
                       "build directory)")


def load(source=None, isa=None):
    """The harness for ggml from `source` built for `isa` (built and cached
    on first use)."""
    source = source or os.environ.get("GGML_PEER_SOURCE", "auto")
    isa = _isa(isa)
    if (source, isa) not in _loaded:
        lib = Ggml(*build(source, isa))
        check_isa(lib)
        _loaded[(source, isa)] = lib
    return _loaded[(source, isa)]


def quantize_roundtrip(type_name, x, imatrix=None, source=None, isa=None):
    """ggml's quantize (with an optional imatrix) + dequantize of the rows of
    x; returns (dequantized float32 array, quantized bytes)."""
    return load(source, isa).quantize_roundtrip(type_name, x, imatrix)
