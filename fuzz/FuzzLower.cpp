//===- FuzzLower.cpp - differential fuzzer for the CPU lowerings --------===//
//
// Decodes the input into a random but valid-looking `sink_attention` or
// `bitplane_matmul` module (shapes, element types, attributes, optional
// operands) and random pipeline options, then:
// 1. parses and verifies it (the verifier may reject: that ends the case);
// 2. lowers it with bitsink-cpu-pipeline and JIT-compiles it: a verified
//    module must compile (a failure aborts with the diagnostics);
// 3. runs it on inputs drawn from the input bytes and compares every output
//    element with the reference interpreter (naive double loops): a
//    mismatch beyond the element type's bound aborts.
// For half the attention cases, key rows that no query can see are first
// filled with NaN (k) and NaN / ±Inf (v): docs/semantics.md §2.1 says they
// contribute nothing, so the kernel must still match the reference. A row is
// taken as invisible when the reference's output does not change with it
// poisoned (the reference skips invisible keys), an oracle independent of the
// kernel's masking code.
// So it finds crashes and wrong answers of the lowerings, not just crashes.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/JitRunner.h"
#include "bitsink/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace mlir;

namespace {
/// Reads fixed-size fields off the front of the input; zeros once empty.
struct Reader {
  const uint8_t *data;
  size_t size;

  uint8_t byte() {
    if (!size)
      return 0;
    --size;
    return *data++;
  }
  /// A value in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    uint16_t v = static_cast<uint16_t>(byte() | (byte() << 8));
    return lo + v % (hi - lo + 1);
  }
  bool flip() { return byte() & 1; }
};

const char *pick(Reader &in, std::initializer_list<const char *> options) {
  return options.begin()[in.range(0, options.size() - 1)];
}

std::string tensor(std::initializer_list<int64_t> shape, const char *type) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + type + ">";
}

/// A case: the IR text, the pipeline, and the bound on |out - ref| per unit
/// of max(floor, |ref|).
struct Case {
  std::string ir, pipeline;
  double tolerance = 0, floor = 1;
  bool attention = false;
};

double toleranceOf(const std::string &type) {
  if (type == "f32")
    return 2e-4;
  if (type == "f16")
    return 4e-3;
  return 3e-2; // bf16
}

Case attentionCase(Reader &in) {
  int64_t b = in.range(1, 2), hkv = in.range(1, 3), ratio = in.range(1, 3);
  int64_t hq = hkv * ratio, nq = in.range(1, 9), nk = in.range(1, 40);
  int64_t d = in.range(1, 20), dv = in.range(1, 12);
  std::string t = pick(in, {"f32", "f16", "bf16"});
  std::string q = tensor({b, hq, nq, d}, t.c_str()),
              k = tensor({b, hkv, nk, d}, t.c_str()),
              v = tensor({b, hkv, nk, dv}, t.c_str()),
              o = tensor({b, hq, nq, dv}, t.c_str());
  std::string args = "%q: " + q + ", %k: " + k + ", %v: " + v;
  std::string optional;
  if (in.flip()) {
    args += ", %s: " + tensor({hq}, "f32");
    optional += " sink_logits(%s : " + tensor({hq}, "f32") + ")";
  }
  if (in.flip()) {
    args += ", %len: " + tensor({b}, "i64");
    optional += " kv_len(%len : " + tensor({b}, "i64") + ")";
  }
  if (in.flip()) {
    args += ", %mask: " + tensor({b, nk}, "i1");
    optional += " key_mask(%mask : " + tensor({b, nk}, "i1") + ")";
  }
  if (in.flip()) {
    args += ", %pos: " + tensor({b, nk}, "i64");
    optional += " key_positions(%pos : " + tensor({b, nk}, "i64") + ")";
  }
  std::string attrs = "num_sinks = " + std::to_string(in.range(0, 6)) +
                      " : i64, causal = " + (in.flip() ? "true" : "false");
  switch (in.range(0, 2)) {
  case 0:
    break;
  case 1:
    attrs += ", window = " + std::to_string(in.range(-1, 45)) + " : i64";
    break;
  default: {
    attrs += ", window = array<i64: ";
    for (int64_t h = 0; h < hq; ++h)
      attrs += (h ? ", " : "") + std::to_string(in.range(-1, 20));
    attrs += ">";
  }
  }
  if (in.flip())
    attrs += ", scale = " + std::to_string(in.range(1, 40) / 16.0) + " : f32";
  Case c;
  c.ir = "func.func @main(" + args + ") -> " + o + " {\n  %init = tensor.empty() : " +
         o + "\n  %o = bitsink.sink_attention ins(%q, %k, %v : " + q + ", " +
         k + ", " + v + ")" + optional + " outs(%init : " + o + ") {" + attrs +
         "} -> " + o + "\n  return %o : " + o + "\n}\n";
  c.pipeline = "bitsink-cpu-pipeline{openmp=false query-tile=" +
               std::string(pick(in, {"4", "8", "16", "32"})) +
               " key-tile=" + pick(in, {"4", "8", "16"}) +
               " decode-max-queries=" + pick(in, {"0", "1", "4", "9"}) +
               " split-size=" + pick(in, {"16", "32", "512"}) + "}";
  c.tolerance = toleranceOf(t);
  c.attention = true;
  return c;
}

Case bitplaneCase(Reader &in) {
  const char *kind = pick(in, {"binary", "signed", "ternary"});
  int64_t planes = std::string(kind) == "ternary" ? 2 * in.range(1, 2)
                                                  : in.range(1, 4);
  int64_t terms = std::string(kind) == "ternary" ? planes / 2 : planes;
  int64_t m = in.range(1, 10), k = in.range(1, 100), n = in.range(1, 40);
  int64_t group = in.flip() ? 32 * in.range(1, 4) : 4096;
  int64_t groups = (k + std::min(group, k) - 1) / std::min(group, k);
  if (group >= k)
    groups = 1;
  std::string xt = pick(in, {"f32", "f16", "bf16"});
  std::string yt = pick(in, {"f32", "f16", "bf16"});
  std::string ct = pick(in, {"f32", "f16"});
  std::string x = tensor({m, k}, xt.c_str()),
              p = tensor({planes, (k + 31) / 32, n}, "i32"),
              c = tensor({groups, terms + 1, n}, ct.c_str()),
              y = tensor({m, n}, yt.c_str());
  Case cs;
  cs.ir = "func.func @main(%x: " + x + ", %p: " + p + ", %c: " + c +
          ", %acc: " + y + ") -> " + y +
          " {\n  %y = bitsink.bitplane_matmul ins(%x, %p, %c : " + x + ", " +
          p + ", " + c + ") outs(%acc : " + y +
          ") {plane_kind = #bitsink.plane_kind<" + kind +
          ">, group_size = " + std::to_string(group) + "} -> " + y +
          "\n  return %y : " + y + "\n}\n";
  cs.pipeline = "bitsink-cpu-pipeline{openmp=false gemv-max-rows=" +
                std::string(pick(in, {"0", "1", "8", "16"})) +
                " gemv-column-tile=" + pick(in, {"16", "64", "512"}) +
                " gemv-lut=" + (in.flip() ? "true" : "false") + "}";
  // Sums over K <= 100 products of |x| <= 2 and |w| <= 10 (f32 partial
  // sums): one rounding of the output, twice, relative to max(4, |ref|).
  cs.tolerance = 2 * toleranceOf(yt);
  cs.floor = 4;
  return cs;
}

/// Random inputs matching the signature, from a seed taken off the input.
std::vector<bitsink::npy::Array>
makeInputs(const bitsink::EntrySignature &signature, uint32_t seed) {
  using bitsink::npy::DType;
  std::mt19937 rng(seed);
  std::vector<bitsink::npy::Array> inputs;
  for (const bitsink::TensorSpec &spec : signature.inputs) {
    bitsink::npy::Array a = bitsink::npy::Array::zeros(spec.fileDType(), spec.shape);
    int64_t n = a.numElements();
    for (int64_t i = 0; i < n; ++i) {
      switch (a.dtype) {
      case DType::F32:
        a.as<float>()[i] = std::uniform_real_distribution<float>(-2, 2)(rng);
        break;
      case DType::F16:
        a.as<uint16_t>()[i] = bitsink::npy::floatToHalf(
            std::uniform_real_distribution<float>(-2, 2)(rng));
        break;
      case DType::Bool:
        a.as<uint8_t>()[i] = rng() % 4 != 0;
        break;
      case DType::I32:
        a.as<int32_t>()[i] = static_cast<int32_t>(rng());
        break;
      case DType::I64: {
        // kv_len and key positions: around the key range, -1 included.
        int64_t nk = spec.shape.size() == 2 ? spec.shape[1] : 40;
        a.as<int64_t>()[i] = static_cast<int64_t>(rng() % (nk + 6)) - 2;
        break;
      }
      default:
        break;
      }
    }
    inputs.push_back(std::move(a));
  }
  return inputs;
}

MLIRContext &context() {
  static std::unique_ptr<MLIRContext> ctx = [] {
    DialectRegistry registry;
    bitsink::registerAllDialects(registry);
    auto c = std::make_unique<MLIRContext>(registry);
    bitsink::JitRunner::prepareContext(*c);
    c->printOpOnDiagnostic(false);
    return c;
  }();
  return *ctx;
}

/// Sets row `row` (of `width` elements) of a K or V input to non-finite
/// values: NaN first, then +Inf, -Inf, NaN, ... (`nanOnly` for keys).
void poisonRow(bitsink::npy::Array &a, int64_t row, int64_t width,
               bool nanOnly) {
  const float values[] = {std::numeric_limits<float>::quiet_NaN(),
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()};
  for (int64_t e = 0; e < width; ++e) {
    float x = values[nanOnly ? 0 : e % 3];
    if (a.dtype == bitsink::npy::DType::F16)
      a.as<uint16_t>()[row * width + e] = bitsink::npy::floatToHalf(x);
    else
      a.as<float>()[row * width + e] = x;
  }
}

bool sameOutputs(const std::vector<bitsink::npy::Array> &a,
                 const std::vector<bitsink::npy::Array> &b) {
  for (size_t r = 0; r < a.size(); ++r)
    if (a[r].data != b[r].data)
      return false;
  return true;
}

[[noreturn]] void fail(const Case &c, const std::string &what) {
  std::fprintf(stderr, "FuzzLower: %s\npipeline: %s\n%s\n", what.c_str(),
               c.pipeline.c_str(), c.ir.c_str());
  std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  Case c = in.flip() ? attentionCase(in) : bitplaneCase(in);
  uint32_t seed = static_cast<uint32_t>(in.range(0, 65535));

  MLIRContext &ctx = context();
  std::string diagnostics;
  ScopedDiagnosticHandler collect(&ctx, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  // Verified separately: a parse failure is a bug of the generator, a
  // verifier failure an invalid combination.
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      c.ir, ParserConfig(&ctx, /*verifyAfterParse=*/false), "fuzz");
  if (!module)
    fail(c, "generated IR does not parse: " + diagnostics);
  if (failed(verify(*module))) {
    if (std::getenv("BITSINK_FUZZ_VERBOSE"))
      std::fprintf(stderr, "rejected: %s", diagnostics.c_str());
    return 0; // An invalid combination, rejected with a diagnostic.
  }

  // A crash inside LLVM's code generator ends the process before fail()
  // can print the case: BITSINK_FUZZ_VERBOSE prints every case first.
  if (std::getenv("BITSINK_FUZZ_VERBOSE"))
    std::fprintf(stderr, "case: pipeline: %s\n%s\n", c.pipeline.c_str(),
                 c.ir.c_str());
  bitsink::JitOptions options;
  options.pipeline = c.pipeline;
  options.optLevel = 1;
  // The CPU to compile for: BITSINK_FUZZ_CPU (an LLVM CPU name, or "host",
  // the default). The coverage, so the inputs the fuzzer makes, follow it:
  // fuzz/run.sh pins it so that a tree gets the same verdict on every host.
  static const char *cpu = std::getenv("BITSINK_FUZZ_CPU");
  if (cpu)
    options.cpu = cpu;
  std::string error;
  std::unique_ptr<bitsink::JitRunner> runner =
      bitsink::JitRunner::compileModule(*module, options, error);
  if (!runner) {
    // Pipeline options the lowering rejects (e.g. a split size that is not a
    // multiple of the key tile, or gemv-lut on a target without the vector
    // shuffles it needs) are reported, not crashes.
    if (error.find("option") != std::string::npos ||
        error.find("must be") != std::string::npos ||
        error.find("needs a target with") != std::string::npos)
      return 0;
    fail(c, "a verified module failed to compile: " + error + diagnostics);
  }
  std::vector<bitsink::npy::Array> inputs =
      makeInputs(runner->signature(), seed);
  auto func = cast<FunctionOpInterface>(
      module->lookupSymbol("main"));
  std::vector<bitsink::npy::Array> outputs, expected;
  if (!bitsink::evaluateWithReference(func, inputs, expected, error))
    fail(c, "reference failed: " + error);
  int64_t poisoned = 0;
  if (c.attention && (seed & 1)) {
    // inputs[1], inputs[2]: k (B×Hkv×Nk×D) and v (B×Hkv×Nk×Dv).
    bitsink::npy::Array &k = inputs[1], &v = inputs[2];
    int64_t rows = k.shape[0] * k.shape[1] * k.shape[2];
    int64_t d = k.shape[3], dv = v.shape[3];
    for (int64_t row = 0; row < rows; ++row) {
      bitsink::npy::Array oldK = k, oldV = v;
      poisonRow(k, row, d, /*nanOnly=*/true);
      poisonRow(v, row, dv, /*nanOnly=*/false);
      std::vector<bitsink::npy::Array> check;
      if (!bitsink::evaluateWithReference(func, inputs, check, error))
        fail(c, "reference failed: " + error);
      if (sameOutputs(check, expected)) {
        ++poisoned;
        continue;
      }
      k = std::move(oldK);
      v = std::move(oldV);
    }
  }
  if (!runner->run(inputs, outputs, error))
    fail(c, "run failed: " + error);
  static const bool verbose = std::getenv("BITSINK_FUZZ_VERBOSE");
  if (verbose)
    std::fprintf(stderr, "compared: %s (%lld invisible key rows poisoned)\n",
                 c.pipeline.c_str(), static_cast<long long>(poisoned));
  for (size_t r = 0; r < outputs.size(); ++r) {
    std::vector<double> got = bitsink::npy::toDouble(outputs[r]),
                        want = bitsink::npy::toDouble(expected[r]);
    for (size_t i = 0; i < got.size(); ++i) {
      double bound = c.tolerance * std::max(c.floor, std::fabs(want[i]));
      if (!(std::fabs(got[i] - want[i]) <= bound) &&
          !(std::isnan(want[i]) && std::isnan(got[i])))
        fail(c, "output " + std::to_string(r) + " element " +
                    std::to_string(i) + ": got " + std::to_string(got[i]) +
                    ", reference " + std::to_string(want[i]) +
                    " (seed " + std::to_string(seed) + ", " +
                    std::to_string(poisoned) +
                    " invisible key rows poisoned with NaN/Inf)");
    }
  }
  return 0;
}
