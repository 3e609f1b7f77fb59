//===- bitsink-gpu-check.cpp - check an artifact against the reference ---===//
//
// dlopens a .so built by bitsink-compile (CUDA or CPU target), generates
// random inputs for one sink_attention or bitplane_matmul case described on
// the command line (or in an args file), calls the entry's `_mlir_ciface_`
// function, and compares its result with lib/Reference. No MLIR: this runs
// on a GPU machine that has only a driver. Usage in docs/tools.md.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Reference/Reference.h"
#include "bitsink/Support/Npy.h"
#ifdef BITSINK_ENABLE_CUDA
#include "bitsink/Runtime/CudaRuntime.h"
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace bitsink;

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "bitsink-gpu-check: error: %s\n", message.c_str());
  std::exit(2);
}

/// `--name=value` / `--flag` arguments, from argv and from `--args-file`s
/// (whitespace-separated, `#` starts a comment).
struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;

  void add(const std::string &arg) {
    if (arg.rfind("--args-file=", 0) == 0) {
      std::ifstream file(arg.substr(12));
      if (!file)
        die("cannot read args file '" + arg.substr(12) + "'");
      std::string line;
      while (std::getline(file, line)) {
        std::istringstream words(line.substr(0, line.find('#')));
        std::string word;
        while (words >> word)
          add(word);
      }
      return;
    }
    if (arg.rfind("--", 0) != 0) {
      positional.push_back(arg);
      return;
    }
    size_t eq = arg.find('=');
    values[arg.substr(2,
                      eq == std::string::npos ? std::string::npos : eq - 2)] =
        eq == std::string::npos ? "true" : arg.substr(eq + 1);
  }
  bool has(const std::string &key) const { return values.count(key); }
  std::string str(const std::string &key, const std::string &def = "") const {
    auto it = values.find(key);
    return it == values.end() ? def : it->second;
  }
  int64_t integer(const std::string &key, int64_t def) const {
    if (!has(key))
      return def;
    char *end = nullptr;
    std::string text = str(key);
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end)
      die("--" + key + " expects an integer, got '" + text + "'");
    return value;
  }
  double real(const std::string &key, double def) const {
    if (!has(key))
      return def;
    char *end = nullptr;
    std::string text = str(key);
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end)
      die("--" + key + " expects a number, got '" + text + "'");
    return value;
  }
  std::vector<int64_t> list(const std::string &key) const {
    std::vector<int64_t> out;
    std::stringstream in(str(key));
    std::string item;
    while (std::getline(in, item, ',')) {
      char *end = nullptr;
      out.push_back(std::strtoll(item.c_str(), &end, 10));
      if (item.empty() || *end)
        die("--" + key + " expects comma-separated integers, got '" + str(key) +
            "'");
    }
    return out;
  }
};

enum class Elem { F32, F16, BF16, I32, I64 };

Elem parseElem(const std::string &name) {
  if (name == "f32")
    return Elem::F32;
  if (name == "f16")
    return Elem::F16;
  if (name == "bf16")
    return Elem::BF16;
  die("unknown element type '" + name + "' (expected f32, f16 or bf16)");
}

size_t elemSize(Elem e) {
  switch (e) {
  case Elem::F32:
  case Elem::I32:
    return 4;
  case Elem::F16:
  case Elem::BF16:
    return 2;
  case Elem::I64:
    return 8;
  }
  return 0;
}

/// Rounds `value` to the element type (what the kernel sees / returns).
float roundTo(Elem e, float value) {
  if (e == Elem::F16)
    return npy::halfToFloat(npy::floatToHalf(value));
  if (e == Elem::BF16)
    return npy::bfloat16ToFloat(npy::floatToBFloat16(value));
  return value;
}

/// One argument of the entry: its host bytes, shape and element type.
struct Buffer {
  Elem elem;
  std::vector<int64_t> shape;
  std::vector<char> bytes;
  void *device = nullptr;

  int64_t count() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  static Buffer zeros(Elem elem, std::vector<int64_t> shape) {
    Buffer b{elem, std::move(shape), {}, nullptr};
    b.bytes.assign(size_t(b.count()) * elemSize(elem), 0);
    return b;
  }
  void setFloats(const std::vector<float> &values) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (elem == Elem::F32) {
        std::memcpy(&bytes[4 * i], &values[i], 4);
      } else {
        uint16_t bits = elem == Elem::F16 ? npy::floatToHalf(values[i])
                                          : npy::floatToBFloat16(values[i]);
        std::memcpy(&bytes[2 * i], &bits, 2);
      }
    }
  }
  float floatAt(int64_t i) const {
    if (elem == Elem::F32) {
      float v;
      std::memcpy(&v, &bytes[4 * i], 4);
      return v;
    }
    uint16_t bits;
    std::memcpy(&bits, &bytes[2 * i], 2);
    return elem == Elem::F16 ? npy::halfToFloat(bits)
                             : npy::bfloat16ToFloat(bits);
  }
};

/// Normal(0, 1) values rounded to `elem` (Box-Muller on mt19937_64, so the
/// values do not depend on the C++ library).
std::vector<float> randomNormal(std::mt19937_64 &rng, int64_t n, Elem elem) {
  std::vector<float> out(n);
  const double twoPi = 6.283185307179586;
  for (int64_t i = 0; i < n; ++i) {
    double u1 = (double(rng() >> 11) + 1.0) * 0x1.0p-53;
    double u2 = double(rng() >> 11) * 0x1.0p-53;
    out[i] = roundTo(
        elem, float(std::sqrt(-2.0 * std::log(u1)) * std::cos(twoPi * u2)));
  }
  return out;
}

/// Where the buffers live: device memory through our CUDA runtime, or host
/// memory for CPU artifacts.
struct Memory {
  bool cuda = false;

  void check(const char *what) {
#ifdef BITSINK_ENABLE_CUDA
    if (cuda)
      if (const char *error = bitsinkCudaLastError())
        die(std::string(what) + ": " + error);
#else
    (void)what;
#endif
  }
  void upload(Buffer &b) {
    size_t size = std::max<size_t>(b.bytes.size(), 1);
#ifdef BITSINK_ENABLE_CUDA
    if (cuda) {
      b.device = bitsinkCudaMalloc(size);
      if (!b.device ||
          bitsinkCudaCopyToDevice(b.device, b.bytes.data(), b.bytes.size()))
        check("uploading an input");
      return;
    }
#endif
    b.device = std::aligned_alloc(64, (size + 63) / 64 * 64);
    std::memcpy(b.device, b.bytes.data(), b.bytes.size());
  }
  void download(Buffer &b) {
#ifdef BITSINK_ENABLE_CUDA
    if (cuda) {
      if (bitsinkCudaCopyToHost(b.bytes.data(), b.device, b.bytes.size()))
        check("downloading the result");
      return;
    }
#endif
    std::memcpy(b.bytes.data(), b.device, b.bytes.size());
  }
  void release(Buffer &b) {
#ifdef BITSINK_ENABLE_CUDA
    if (cuda) {
      bitsinkCudaFree(b.device);
      return;
    }
#endif
    std::free(b.device);
  }
  void synchronize() {
#ifdef BITSINK_ENABLE_CUDA
    if (cuda && bitsinkCudaSynchronize())
      check("synchronizing");
#endif
  }
};

/// A memref descriptor {allocated, aligned, offset, sizes[r], strides[r]}
/// of a dense row-major buffer, as 64-bit words.
std::vector<int64_t> descriptor(const Buffer &b) {
  size_t rank = b.shape.size();
  std::vector<int64_t> d(3 + 2 * rank);
  d[0] = d[1] = int64_t(reinterpret_cast<intptr_t>(b.device));
  d[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    d[3 + i] = b.shape[i];
    d[3 + rank + i] = stride;
    stride *= b.shape[i];
  }
  return d;
}

/// Calls `fn` with one descriptor pointer per buffer (all C-interface
/// arguments of our entries are memrefs).
void call(void *fn, std::vector<std::vector<int64_t>> &descs) {
  std::vector<void *> p;
  for (auto &d : descs)
    p.push_back(d.data());
  switch (p.size()) {
  case 2:
    reinterpret_cast<void (*)(void *, void *)>(fn)(p[0], p[1]);
    return;
  case 3:
    reinterpret_cast<void (*)(void *, void *, void *)>(fn)(p[0], p[1], p[2]);
    return;
  case 4:
    reinterpret_cast<void (*)(void *, void *, void *, void *)>(fn)(p[0], p[1],
                                                                   p[2], p[3]);
    return;
  case 5:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *)>(fn)(
        p[0], p[1], p[2], p[3], p[4]);
    return;
  case 6:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *)>(
        fn)(p[0], p[1], p[2], p[3], p[4], p[5]);
    return;
  case 7:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *)>(fn)(p[0], p[1], p[2], p[3], p[4], p[5],
                                           p[6]);
    return;
  default:
    die("unsupported number of entry arguments: " + std::to_string(p.size()));
  }
}

/// The inputs, the output buffer and the reference result of one case.
struct Case {
  std::vector<Buffer> inputs;
  /// The result: an out-param, or (inPlaceInput >= 0) that input, which
  /// the entry updates in place (its bitsink.result_aliases entry).
  Buffer output;
  int inPlaceInput = -1;
  std::vector<double> reference;
  double atol, rtol;
  /// Bit-plane cases with --operand-rtol: Σ_k |x[i,k]·Ŵ[k,j]| per output
  /// element, the scale of the error that rounding the products' operands
  /// can cause.
  std::vector<double> magnitude;
  /// Key rows poisoned by --poison-invisible (-1 without it).
  int64_t poisoned = -1;
};

/// `--poison-invisible`: every key row that no query of its batch entry and
/// GQA group can see gets NaN keys and NaN, +Inf, -Inf values in turn.
/// docs/semantics.md §2.1 says such rows contribute nothing, so the reference
/// and a correct kernel give the output of the unpoisoned inputs. Rows that
/// some query sees are left alone (their NaN would rightly propagate). Returns
/// the number of rows poisoned.
int64_t poisonInvisibleKeys(reference::SinkAttentionProblem &p) {
  const int64_t group = p.queryHeads / p.kvHeads;
  const float inf = std::numeric_limits<float>::infinity();
  const float values[3] = {std::numeric_limits<float>::quiet_NaN(), inf, -inf};
  int64_t poisoned = 0;
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t kvHead = 0; kvHead < p.kvHeads; ++kvHead)
      for (int64_t j = 0; j < p.numKeys; ++j) {
        bool seen = false;
        for (int64_t h = kvHead * group; h < (kvHead + 1) * group && !seen; ++h)
          for (int64_t i = 0; i < p.numQueries && !seen; ++i)
            seen = reference::keyVisible(p, b, h, i, j);
        if (seen)
          continue;
        const int64_t row = (b * p.kvHeads + kvHead) * p.numKeys + j;
        for (int64_t d = 0; d < p.headDim; ++d)
          p.key[row * p.headDim + d] = values[0];
        for (int64_t d = 0; d < p.valueDim; ++d)
          p.value[row * p.valueDim + d] = values[(j + d) % 3];
        ++poisoned;
      }
  return poisoned;
}

Case attentionCase(const Args &args, std::mt19937_64 &rng) {
  std::vector<int64_t> s = args.list("shape");
  if (s.size() != 7)
    die("--shape expects B,Hq,Hkv,Nq,Nk,D,Dv for sink_attention");
  Elem elem = parseElem(args.str("dtype", "f32"));
  Elem sinkElem = parseElem(args.str("sink-dtype", args.str("dtype", "f32")));
  reference::SinkAttentionProblem p;
  p.batch = s[0], p.queryHeads = s[1], p.kvHeads = s[2], p.numQueries = s[3],
  p.numKeys = s[4], p.headDim = s[5], p.valueDim = s[6];
  p.numSinks = args.integer("num-sinks", 0);
  if (args.has("window"))
    p.window = args.list("window");
  p.causal = args.str("causal", "false") == "true";
  if (args.has("scale"))
    p.scale = args.real("scale", 0);
  Case c;
  auto input = [&](std::vector<int64_t> shape, std::vector<float> &values,
                   Elem e) {
    Buffer b = Buffer::zeros(e, std::move(shape));
    values = randomNormal(rng, b.count(), e);
    b.setFloats(values);
    c.inputs.push_back(std::move(b));
  };
  input({p.batch, p.queryHeads, p.numQueries, p.headDim}, p.query, elem);
  input({p.batch, p.kvHeads, p.numKeys, p.headDim}, p.key, elem);
  input({p.batch, p.kvHeads, p.numKeys, p.valueDim}, p.value, elem);
  if (args.str("sink-logits", "false") == "true")
    input({p.queryHeads}, p.sinkLogits, sinkElem);
  if (args.has("kv-len")) {
    p.kvLen = args.list("kv-len");
    if (int64_t(p.kvLen.size()) != p.batch)
      die("--kv-len needs one length per batch entry");
    Buffer b = Buffer::zeros(Elem::I64, {p.batch});
    std::memcpy(b.bytes.data(), p.kvLen.data(), b.bytes.size());
    c.inputs.push_back(std::move(b));
  }
  // `--key-positions=shuffle`: key_positions[b, :] is a random permutation
  // of 0 .. Nk-1 (keys in a ring cache's order), so visibility and RoPE
  // follow the positions, not the slot indices.
  if (args.has("key-positions")) {
    if (args.str("key-positions") != "shuffle")
      die("--key-positions expects 'shuffle', got '" +
          args.str("key-positions") + "'");
    p.keyPositions.resize(p.batch * p.numKeys);
    for (int64_t b = 0; b < p.batch; ++b) {
      int64_t *row = p.keyPositions.data() + b * p.numKeys;
      for (int64_t j = 0; j < p.numKeys; ++j)
        row[j] = j;
      std::shuffle(row, row + p.numKeys, rng);
    }
    Buffer b = Buffer::zeros(Elem::I64, {p.batch, p.numKeys});
    std::memcpy(b.bytes.data(), p.keyPositions.data(), b.bytes.size());
    c.inputs.push_back(std::move(b));
  }
  // `--rope=THETA,DIMS,half|interleaved` (docs/semantics.md §2.1).
  if (args.has("rope")) {
    std::stringstream in(args.str("rope"));
    std::string theta, dims, style;
    std::getline(in, theta, ',');
    std::getline(in, dims, ',');
    std::getline(in, style);
    char *thetaEnd = nullptr, *dimsEnd = nullptr;
    reference::SinkAttentionProblem::Rope rope;
    rope.theta = std::strtod(theta.c_str(), &thetaEnd);
    rope.dims = std::strtoll(dims.c_str(), &dimsEnd, 10);
    if (theta.empty() || *thetaEnd || dims.empty() || *dimsEnd ||
        (style != "half" && style != "interleaved"))
      die("--rope expects THETA,DIMS,half|interleaved, got '" +
          args.str("rope") + "'");
    rope.interleaved = style == "interleaved";
    p.rope = rope;
  }
  if (args.has("poison-invisible")) {
    if (p.kvHeads <= 0 || p.queryHeads % p.kvHeads != 0)
      die("--shape needs Hkv > 0 dividing Hq");
    c.poisoned = poisonInvisibleKeys(p);
    c.inputs[1].setFloats(p.key);
    c.inputs[2].setFloats(p.value);
  }
  c.output =
      Buffer::zeros(elem, {p.batch, p.queryHeads, p.numQueries, p.valueDim});
  std::string error;
  if (!reference::sinkAttention(p, c.reference, error))
    die("reference: " + error);
  c.atol = elem == Elem::F32 ? 2e-5 : elem == Elem::F16 ? 2e-3 : 1e-2;
  c.rtol = elem == Elem::F32 ? 1e-4 : elem == Elem::F16 ? 2e-3 : 1e-2;
  return c;
}

Case bitplaneCase(const Args &args, std::mt19937_64 &rng) {
  reference::BitplaneMatmulProblem p;
  p.m = args.integer("m", 1), p.k = args.integer("k", 32),
  p.n = args.integer("n", 32);
  p.numPlanes = args.integer("planes", 2);
  p.groupSize = args.integer("group-size", 128);
  std::string kind = args.str("kind", "binary");
  p.kind = kind == "binary"    ? reference::PlaneKind::Binary
           : kind == "signed"  ? reference::PlaneKind::Signed
           : kind == "ternary" ? reference::PlaneKind::Ternary
                               : (die("unknown --kind '" + kind + "'"),
                                  reference::PlaneKind::Binary);
  Elem elem = parseElem(args.str("dtype", "f32"));
  Elem coeffElem = parseElem(args.str("coeff-dtype", "f32"));
  int64_t kw = (p.k + 31) / 32;
  int64_t groups = (p.k + p.groupSize - 1) / p.groupSize;
  int64_t terms =
      p.kind == reference::PlaneKind::Ternary ? p.numPlanes / 2 : p.numPlanes;
  Case c;
  Buffer x = Buffer::zeros(elem, {p.m, p.k});
  p.input = randomNormal(rng, x.count(), elem);
  x.setFloats(p.input);
  c.inputs.push_back(std::move(x));
  Buffer planes = Buffer::zeros(Elem::I32, {p.numPlanes, kw, p.n});
  p.planes.resize(planes.count());
  for (uint32_t &word : p.planes)
    word = uint32_t(rng());
  std::memcpy(planes.bytes.data(), p.planes.data(), planes.bytes.size());
  c.inputs.push_back(std::move(planes));
  Buffer coeffs = Buffer::zeros(coeffElem, {groups, terms + 1, p.n});
  p.coeffs = randomNormal(rng, coeffs.count(), coeffElem);
  coeffs.setFloats(p.coeffs);
  c.inputs.push_back(std::move(coeffs));
  // Sub-block scale codes (docs/semantics.md §2.3): random words, nibbles
  // past ceil(K/S) included (the kernels must ignore them).
  p.subBlock = args.integer("sub-block", 0);
  if (p.subBlock != 0) {
    if (p.subBlock != 8 && p.subBlock != 16 && p.subBlock != 32)
      die("--sub-block must be 8, 16 or 32");
    int64_t scaleWords = ((p.k + p.subBlock - 1) / p.subBlock + 7) / 8;
    Buffer scales = Buffer::zeros(Elem::I32, {scaleWords, p.n});
    p.scales.resize(scales.count());
    for (uint32_t &word : p.scales)
      word = uint32_t(rng());
    std::memcpy(scales.bytes.data(), p.scales.data(), scales.bytes.size());
    c.inputs.push_back(std::move(scales));
  }
  p.acc.assign(size_t(p.m * p.n), 0.0f);
  if (args.str("acc-arg", "false") == "true") {
    Buffer acc = Buffer::zeros(
        parseElem(args.str("acc-dtype", args.str("dtype", "f32"))), {p.m, p.n});
    p.acc = randomNormal(rng, acc.count(), elem);
    acc.setFloats(p.acc);
    c.inputs.push_back(std::move(acc));
    // `outs(%acc)` on an argument bufferizes in place: no out-param.
    c.inPlaceInput = int(c.inputs.size()) - 1;
  }
  c.output = Buffer::zeros(
      parseElem(args.str("acc-dtype", args.str("dtype", "f32"))), {p.m, p.n});
  std::string error;
  if (!reference::bitplaneMatmul(p, c.reference, error))
    die("reference: " + error);
  c.atol = elem == Elem::F32 ? 1e-4 : elem == Elem::F16 ? 1e-3 : 1e-2;
  c.rtol = elem == Elem::F32 ? 1e-4 : elem == Elem::F16 ? 2e-3 : 1e-2;
  // Only a check that uses it pays for a second dequantization.
  if (args.real("operand-rtol", 0) == 0)
    return c;
  std::vector<double> weight;
  if (!reference::dequantizeBitplanes(p, weight, error))
    die("reference: " + error);
  c.magnitude.assign(size_t(p.m * p.n), 0.0);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t kk = 0; kk < p.k; ++kk) {
      double xv = std::fabs(double(p.input[i * p.k + kk]));
      for (int64_t j = 0; j < p.n; ++j)
        c.magnitude[i * p.n + j] += xv * std::fabs(weight[kk * p.n + j]);
    }
  return c;
}

std::string elemName(Elem e) {
  switch (e) {
  case Elem::F32:
    return "f32";
  case Elem::F16:
    return "f16";
  case Elem::BF16:
    return "bf16";
  case Elem::I32:
    return "i32";
  case Elem::I64:
    return "i64";
  }
  return "?";
}

std::string tensorType(const Buffer &b) {
  std::string text = "tensor<";
  for (int64_t d : b.shape)
    text += std::to_string(d) + "x";
  return text + elemName(b.elem) + ">";
}

/// The entry's function type as MLIR prints it, from the case's buffers.
std::string caseSignature(const Case &c) {
  std::string text = "(";
  for (size_t i = 0; i < c.inputs.size(); ++i)
    text += (i ? ", " : "") + tensorType(c.inputs[i]);
  return text + ") -> " + tensorType(c.output);
}

void usage() {
  std::fprintf(
      stderr,
      "usage: bitsink-gpu-check ARTIFACT.so --entry=NAME --op=OP [options]\n"
      "       bitsink-gpu-check --device-info\n"
      "  --op=sink_attention --shape=B,Hq,Hkv,Nq,Nk,D,Dv [--num-sinks=S]\n"
      "      [--window=W[,W...]] [--causal] [--scale=X] [--sink-logits]\n"
      "      [--sink-dtype=T] [--kv-len=L0,L1,...] [--key-positions=shuffle]\n"
      "      [--rope=THETA,DIMS,half|interleaved] [--poison-invisible]\n"
      "  --op=bitplane_matmul --m=M --k=K --n=N [--planes=P]\n"
      "      [--group-size=G] [--kind=binary|signed|ternary]\n"
      "      [--coeff-dtype=f16|f32] [--sub-block=8|16|32] [--acc-arg]\n"
      "      [--acc-dtype=T]\n"
      "  common: [--dtype=f32|f16|bf16] [--seed=N] [--atol=X] [--rtol=Y]\n"
      "      [--operand-rtol=Z] (bitplane_matmul: also allow Z·Σ|x·Ŵ|, for\n"
      "      kernels that round x and Ŵ, e.g. to f16 or TF32 for tensor "
      "cores)\n"
      "      [--time-runs=N] [--args-file=FILE]\n");
  std::exit(2);
}

} // namespace

/// `--device-info`: prints `sm_XY <name>` of device 0 (scripts pick the
/// artifact built for it), exit 2 without a usable GPU.
int printDeviceInfo() {
#ifdef BITSINK_ENABLE_CUDA
  int major = 0, minor = 0;
  char name[256] = "";
  if (bitsinkCudaDeviceCount() > 0 &&
      bitsinkCudaComputeCapability(0, &major, &minor) == 0 &&
      bitsinkCudaDeviceName(0, name, sizeof(name)) == 0) {
    std::printf("sm_%d%d %s\n", major, minor, name);
    return 0;
  }
  const char *error = bitsinkCudaLastError();
  die(error ? error : "no CUDA device");
#else
  die("this harness was built without CUDA");
#endif
}

int main(int argc, char **argv) {
  Args args;
  for (int i = 1; i < argc; ++i)
    args.add(argv[i]);
  if (args.has("device-info"))
    return printDeviceInfo();
  if (args.positional.size() != 1 || !args.has("entry") || !args.has("op"))
    usage();
  std::string artifact = args.positional[0];
  std::string entry = args.str("entry");
  std::string op = args.str("op");

  std::mt19937_64 rng(uint64_t(args.integer("seed", 0)));
  Case c = op == "sink_attention"    ? attentionCase(args, rng)
           : op == "bitplane_matmul" ? bitplaneCase(args, rng)
                                     : (die("unknown --op '" + op +
                                            "' (expected sink_attention or "
                                            "bitplane_matmul)"),
                                        Case());
  double atol = args.real("atol", c.atol), rtol = args.real("rtol", c.rtol);
  double operandRtol = args.real("operand-rtol", 0);
  if (operandRtol != 0 && op != "bitplane_matmul")
    die("--operand-rtol applies to --op=bitplane_matmul only");
  if (!(operandRtol >= 0 && operandRtol < 1))
    die("--operand-rtol must be in [0, 1)");

  // A relative path would be searched in the library path, not here.
  std::string path =
      artifact.find('/') == std::string::npos ? "./" + artifact : artifact;
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    die("cannot load " + artifact + ": " + dlerror());
  void *fn = dlsym(handle, ("_mlir_ciface_" + entry).c_str());
  if (!fn)
    die(artifact + " has no entry _mlir_ciface_" + entry +
        " (compile with bitsink-compile, which turns on the C interface)");
  // Artifacts of bitsink-compile record each entry's tensor signature: a
  // case that does not match it would hand the entry buffers of the wrong
  // size.
  if (auto *signature = static_cast<const char *>(
          dlsym(handle, ("_bitsink_signature_" + entry).c_str()))) {
    std::string expected = caseSignature(c);
    if (expected != signature)
      die("the case does not match entry '" + entry + "': the artifact takes " +
          signature + ", the case describes " + expected);
  }
  Memory memory;
  // A CUDA artifact depends on the CUDA runtime; a CPU one does not.
  memory.cuda = dlsym(handle, "mgpuModuleLoad") != nullptr ||
                dlsym(handle, "mgpuModuleLoadJIT") != nullptr;
#ifndef BITSINK_ENABLE_CUDA
  if (memory.cuda)
    die(artifact + " is a CUDA artifact, but this harness was built without "
                   "CUDA");
#else
  if (memory.cuda) {
    memory.check("loading the artifact's kernels");
    int major = 0, minor = 0;
    char name[256] = "?";
    bitsinkCudaDeviceName(0, name, sizeof(name));
    bitsinkCudaComputeCapability(0, &major, &minor);
    memory.check("querying the device");
    std::printf("device: %s (sm_%d%d)\n", name, major, minor);
  }
#endif

  for (Buffer &b : c.inputs)
    memory.upload(b);
  std::vector<std::vector<int64_t>> descs;
  for (Buffer &b : c.inputs)
    descs.push_back(descriptor(b));
  if (c.inPlaceInput < 0) {
    memory.upload(c.output);
    descs.push_back(descriptor(c.output));
  }
  call(fn, descs);
  memory.synchronize();
  memory.check(("running " + entry).c_str());
  if (c.inPlaceInput >= 0)
    c.output.device = c.inputs[c.inPlaceInput].device;
  memory.download(c.output);

  // Timed runs come after the check (an in-place accumulator keeps
  // accumulating over them).
  int64_t runs = args.integer("time-runs", 0);
  if (runs > 0) {
    std::vector<double> times;
    call(fn, descs); // warm-up
    memory.synchronize();
    for (int64_t i = 0; i < runs; ++i) {
      auto start = std::chrono::steady_clock::now();
      call(fn, descs);
      memory.synchronize();
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    }
    memory.check(("timing " + entry).c_str());
    std::sort(times.begin(), times.end());
    std::printf("time_ms: median=%.4f min=%.4f runs=%lld\n",
                times[times.size() / 2], times.front(),
                static_cast<long long>(runs));
  }

  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0;
  for (int64_t i = 0; i < c.output.count(); ++i) {
    double got = c.output.floatAt(i);
    double ref = roundTo(c.output.elem, float(c.reference[i]));
    bool same = got == ref || (std::isnan(got) && std::isnan(ref));
    double err = same ? 0 : std::fabs(got - ref);
    if (std::isnan(err))
      err = INFINITY;
    maxAbs = std::max(maxAbs, err);
    if (ref != 0)
      maxRel = std::max(maxRel, err / std::fabs(ref));
    double bound = atol + rtol * std::fabs(ref);
    if (operandRtol != 0)
      bound += operandRtol * c.magnitude[i];
    if (!(err <= bound))
      ++bad;
  }
  for (Buffer &b : c.inputs)
    memory.release(b);
  if (c.inPlaceInput < 0)
    memory.release(c.output);
  if (c.poisoned >= 0)
    std::printf("poisoned %lld invisible key rows (keys NaN; values NaN, "
                "+Inf, -Inf)\n",
                static_cast<long long>(c.poisoned));
  char operandBound[64] = "";
  if (operandRtol != 0)
    std::snprintf(operandBound, sizeof(operandBound), " operand_rtol=%g",
                  operandRtol);
  std::printf("%s %s: elements=%lld max_abs_err=%.3g max_rel_err=%.3g "
              "atol=%g rtol=%g%s %s\n",
              entry.c_str(), op.c_str(),
              static_cast<long long>(c.output.count()), maxAbs, maxRel, atol,
              rtol, operandBound, bad ? "FAIL" : "PASS");
  return bad ? 1 : 0;
}
