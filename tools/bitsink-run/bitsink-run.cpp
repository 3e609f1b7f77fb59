//===- bitsink-run.cpp - run an entry function on .npy inputs -------------===//
//
// Lowers an MLIR file (bitsink-cpu-pipeline by default), JIT-compiles it for
// the host CPU (or --cpu), calls one entry function on .npy inputs (or
// deterministic random ones) and writes, prints, times, profiles (time per
// kernel) or checks its results against the reference interpreter. The
// command line is documented in docs/tools.md, the profile in
// docs/profiling.md.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/Artifact.h"
#include "bitsink/Execution/JitRunner.h"
#include "bitsink/Support/Npy.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

using namespace bitsink;
namespace cl = llvm::cl;

static cl::OptionCategory runCategory("bitsink-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                                      cl::desc("<input .mlir file>"),
                                      cl::cat(runCategory));
static cl::opt<std::string> entryName("e", cl::desc("Entry function"),
                                      cl::init("main"), cl::value_desc("name"),
                                      cl::cat(runCategory));
static cl::alias entryAlias("entry", cl::aliasopt(entryName));
static cl::opt<std::string>
    pipelineText("pipeline",
                 cl::desc("Pass pipeline that lowers the module to the LLVM "
                          "dialect, or 'none'"),
                 cl::init("bitsink-cpu-pipeline"), cl::cat(runCategory));
static cl::list<std::string>
    inputPaths("i", cl::desc("Input .npy for the next argument, in order"),
               cl::value_desc("file.npy"), cl::cat(runCategory));
static cl::list<std::string>
    outputPaths("o", cl::desc("Output .npy for the next result, in order"),
                cl::value_desc("file.npy"), cl::cat(runCategory));
static cl::opt<uint64_t>
    seed("seed", cl::desc("Seed of the random inputs (arguments without -i)"),
         cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t>
    intMin("int-min",
           cl::desc("Random integer arguments are uniform in [int-min, "
                    "int-max]"),
           cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t>
    intMax("int-max",
           cl::desc("Random integer arguments are uniform in [int-min, "
                    "int-max]"),
           cl::init(0), cl::cat(runCategory));
static cl::opt<std::string>
    saveInputs("save-inputs",
               cl::desc("Write every input as <prefix>arg<i>.npy"),
               cl::value_desc("prefix"), cl::cat(runCategory));
static cl::opt<bool>
    useReference("reference",
                 cl::desc("Evaluate with the reference interpreter instead of "
                          "compiling"),
                 cl::cat(runCategory));
static cl::opt<bool> checkReference(
    "check-reference",
    cl::desc("Run compiled and reference on the same inputs and compare"),
    cl::cat(runCategory));
static cl::opt<double> absTolerance("atol", cl::desc("Absolute tolerance"),
                                    cl::init(1e-5), cl::cat(runCategory));
static cl::opt<double> relTolerance("rtol", cl::desc("Relative tolerance"),
                                    cl::init(1e-4), cl::cat(runCategory));
static cl::opt<bool> printOutputs("print", cl::desc("Print the results"),
                                  cl::cat(runCategory));
static cl::opt<unsigned>
    timeRuns("time-runs",
             cl::desc("Time N calls of the compiled entry (after one "
                      "warm-up call)"),
             cl::init(0), cl::cat(runCategory));
static cl::opt<std::string>
    targetCpu("cpu",
              cl::desc("CPU model of the compiled code: 'host' (default), "
                       "'generic' x86-64 or an LLVM CPU name such as "
                       "x86-64-v3 (it must run on this host)"),
              cl::init("host"), cl::cat(runCategory));
static cl::opt<bool> profile(
    "profile",
    cl::desc("Time every kernel (bitsink-cpu-pipeline{profile=true}) over "
             "one call after the first (or the --time-runs calls) and print "
             "the time per kernel, slowest first (docs/profiling.md)"),
    cl::cat(runCategory));
static cl::opt<unsigned> profileRows(
    "profile-rows",
    cl::desc("With --profile: print the N slowest kernels and sum the "
             "others in one row (0: all)"),
    cl::init(0), cl::value_desc("N"), cl::cat(runCategory));
static cl::opt<std::string>
    dumpObject("dump-object",
               cl::desc("Write the JIT-compiled object file there"),
               cl::value_desc("file.o"), cl::cat(runCategory));

static int fail(const std::string &message) {
  llvm::errs() << "bitsink-run: error: " << message << "\n";
  return 1;
}

/// Standard normal values from a seeded generator (Box-Muller, so the
/// values do not depend on the C++ library's distributions).
static double normal(std::mt19937_64 &rng) {
  const double twoPi = 6.283185307179586;
  double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
  double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(twoPi * u2);
}

static bool isFloatDType(npy::DType dtype) {
  return dtype == npy::DType::F16 || dtype == npy::DType::BF16 ||
         dtype == npy::DType::F32 || dtype == npy::DType::F64;
}

/// Deterministic random input for argument `index`: floats normal(0, 1)
/// (representable in the argument's type), i1 fair coins, integers uniform
/// in [int-min, int-max] (an empty range gives int-min).
static npy::Array randomInput(const TensorSpec &spec, uint64_t index) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + index + 1);
  npy::Array wide = npy::Array::zeros(npy::DType::F64, spec.shape);
  double *data = wide.as<double>();
  bool isFloat = isFloatDType(spec.dtype);
  // Span of the integer range; 0 stands for all 2^64 values.
  uint64_t span = intMax >= intMin ? static_cast<uint64_t>(intMax) -
                                         static_cast<uint64_t>(intMin) + 1
                                   : 1;
  for (int64_t i = 0, e = wide.numElements(); i < e; ++i) {
    if (isFloat)
      data[i] = normal(rng);
    else if (spec.dtype == npy::DType::Bool)
      data[i] = static_cast<double>(rng() & 1);
    else
      data[i] = static_cast<double>(static_cast<int64_t>(
          static_cast<uint64_t>(intMin) + (span ? rng() % span : rng())));
  }
  // Round to the argument's type, then store in the file dtype.
  return npy::convert(npy::convert(wide, spec.dtype), spec.fileDType());
}

static void printValue(llvm::raw_ostream &os, double v, npy::DType dtype) {
  if (!isFloatDType(dtype)) {
    os << static_cast<int64_t>(v);
    return;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", v);
  os << buffer;
}

/// Prints `array` nested like numpy: [[1, 2], [3, 4]].
static void printArray(llvm::raw_ostream &os, const npy::Array &array) {
  std::vector<double> values = npy::toDouble(array);
  const std::vector<int64_t> &shape = array.shape;
  if (shape.empty()) {
    printValue(os, values[0], array.dtype);
    os << "\n";
    return;
  }
  int64_t index = 0;
  std::function<void(size_t)> print = [&](size_t dim) {
    os << "[";
    for (int64_t i = 0; i < shape[dim]; ++i) {
      if (i) {
        os << ",";
        if (dim + 1 < shape.size())
          os << "\n" << std::string(dim + 1, ' ');
        else
          os << " ";
      }
      if (dim + 1 == shape.size())
        printValue(os, values[index++], array.dtype);
      else
        print(dim + 1);
    }
    os << "]";
  };
  print(0);
  os << "\n";
}

/// Largest absolute and relative (over `ref != 0`) differences of `got`
/// from `ref`, elementwise; whether every element is within atol + rtol
/// |ref|. Equal values (also equal infinities) and NaN in both agree; NaN in
/// one only fails and makes the maxima NaN.
static bool measureError(const std::vector<double> &got,
                         const std::vector<double> &ref, double &maxAbs,
                         double &maxRel) {
  maxAbs = 0;
  maxRel = 0;
  bool pass = true;
  for (size_t i = 0; i < got.size(); ++i) {
    bool gNan = std::isnan(got[i]), rNan = std::isnan(ref[i]);
    if (gNan || rNan) {
      if (gNan != rNan) {
        pass = false;
        maxAbs = maxRel = NAN;
      }
      continue;
    }
    if (got[i] == ref[i])
      continue; // Also equal infinities.
    double err = std::fabs(got[i] - ref[i]);
    if (!(err <= absTolerance + relTolerance * std::fabs(ref[i])))
      pass = false;
    if (!std::isnan(maxAbs))
      maxAbs = std::max(maxAbs, err);
    if (ref[i] != 0 && !std::isnan(maxRel))
      maxRel = std::max(maxRel, err / std::fabs(ref[i]));
  }
  return pass;
}

/// Compares one output with its reference (rounded to the output's type,
/// like the compiled result) and prints the verdict line; for float outputs
/// the line ends with the error against the unrounded float64 reference,
/// which includes the output's own rounding (not part of the verdict).
static bool compareOutput(size_t index, const npy::Array &got,
                          const npy::Array &ref, const npy::Array &exact,
                          npy::DType dtype) {
  std::vector<double> g = npy::toDouble(got), r = npy::toDouble(ref);
  if (got.shape != ref.shape || g.size() != r.size()) {
    llvm::outs() << "output " << index << ": shape differs from the "
                 << "reference FAIL\n";
    return false;
  }
  double maxAbs, maxRel;
  bool pass = measureError(g, r, maxAbs, maxRel);
  char line[256];
  std::snprintf(line, sizeof(line),
                "output %zu: max_abs_err=%.3g max_rel_err=%.3g atol=%g "
                "rtol=%g %s",
                index, maxAbs, maxRel, absTolerance.getValue(),
                relTolerance.getValue(), pass ? "PASS" : "FAIL");
  llvm::outs() << line;
  if (isFloatDType(dtype)) {
    measureError(g, npy::toDouble(exact), maxAbs, maxRel);
    std::snprintf(line, sizeof(line),
                  " (unrounded f64 reference: max_abs_err=%.3g "
                  "max_rel_err=%.3g)",
                  maxAbs, maxRel);
    llvm::outs() << line;
  }
  llvm::outs() << "\n";
  return pass;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "bitsink-run: JIT-compile an MLIR entry "
                              "function and run it on .npy inputs\n");
  if (useReference && checkReference)
    return fail("--reference and --check-reference exclude each other");
  if (useReference && (timeRuns || !dumpObject.empty()))
    return fail("--time-runs and --dump-object need the compiled run");
  if (profile && useReference)
    return fail("--profile times the compiled code; the reference "
                "interpreter (--reference) has no kernels to time");
  std::string error;
  TargetCpu cpu;
  if (!resolveTargetCpu(targetCpu, cpu, error))
    return fail(error);

  auto file = llvm::MemoryBuffer::getFile(inputFile);
  if (!file)
    return fail("cannot open '" + inputFile +
                "': " + file.getError().message());
  mlir::MLIRContext context;
  JitRunner::prepareContext(context);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    module = mlir::parseSourceFile<mlir::ModuleOp>(
        sourceMgr, mlir::ParserConfig(&context));
  }
  if (!module)
    return fail("cannot parse '" + inputFile + "'");

  // The signature comes from the unlowered entry (or its bitsink.signature
  // attribute when the module is already lowered).
  auto func = llvm::dyn_cast_or_null<mlir::FunctionOpInterface>(
      mlir::SymbolTable::lookupSymbolIn(*module, entryName));
  if (!func)
    return fail("no function named '" + entryName + "' in '" + inputFile + "'");
  EntrySignature signature;
  if (!readEntrySignature(func, signature, error))
    return fail(error);

  if (inputPaths.size() > signature.inputs.size())
    return fail(std::to_string(inputPaths.size()) + " inputs given, '" +
                entryName + "' takes " +
                std::to_string(signature.inputs.size()) + " arguments");
  if (outputPaths.size() > signature.results.size())
    return fail(std::to_string(outputPaths.size()) + " output files given, '" +
                entryName + "' has " +
                std::to_string(signature.results.size()) + " results");
  std::vector<npy::Array> inputs;
  for (size_t i = 0; i < signature.inputs.size(); ++i) {
    npy::Array array;
    if (i < inputPaths.size()) {
      if (!npy::readNpy(inputPaths[i], array, error))
        return fail(error);
    } else {
      array = randomInput(signature.inputs[i], i);
    }
    inputs.push_back(std::move(array));
  }
  // Check shapes and dtypes before compiling, so errors come fast.
  std::vector<npy::Array> prepared;
  if (!prepareInputs(signature, inputs, prepared, error))
    return fail(error);
  if (!saveInputs.empty())
    for (size_t i = 0; i < inputs.size(); ++i)
      if (!npy::writeNpy(saveInputs + "arg" + std::to_string(i) + ".npy",
                         inputs[i], error))
        return fail(error);

  std::vector<npy::Array> outputs, expected, unrounded;
  if (useReference || checkReference) {
    if (!evaluateWithReference(func, inputs, expected, error, &unrounded))
      return fail("reference: " + error);
  }
  if (!useReference) {
    JitOptions options;
    options.entry = entryName;
    options.pipeline = pipelineText;
    options.objectDumpPath = dumpObject;
    options.cpu = targetCpu;
    options.profile = profile;
    std::unique_ptr<JitRunner> runner =
        JitRunner::compileModule(*module, options, error);
    if (!runner)
      return fail(error);
    if (!runner->run(inputs, outputs, error))
      return fail(error);
    // The first call is the profile's warm-up; without --time-runs one more
    // call is profiled.
    if (profile && runner->profile()) {
      runner->profile()->reset();
      if (!timeRuns) {
        std::vector<npy::Array> profiledOutputs;
        if (!runner->runPrepared(prepared, profiledOutputs, error,
                                 /*copyInPlaceResults=*/false))
          return fail(error);
      }
    }
    if (timeRuns) {
      std::vector<double> times;
      std::vector<npy::Array> timedOutputs;
      for (unsigned r = 0; r <= timeRuns; ++r) {
        auto start = std::chrono::steady_clock::now();
        if (!runner->runPrepared(prepared, timedOutputs, error,
                                 /*copyInPlaceResults=*/false))
          return fail(error);
        auto stop = std::chrono::steady_clock::now();
        if (r) // The first call is the warm-up.
          times.push_back(
              std::chrono::duration<double, std::milli>(stop - start).count());
        else if (runner->profile())
          runner->profile()->reset();
      }
      std::sort(times.begin(), times.end());
      size_t n = times.size();
      double median =
          n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
      char line[128];
      std::snprintf(line, sizeof(line), "time_ms: median=%.4f min=%.4f runs=%u",
                    median, times.front(), static_cast<unsigned>(timeRuns));
      llvm::outs() << line << "\n";
    }
    if (profile)
      llvm::outs() << formatProfile(runner->profileReport(), profileRows);
  } else {
    outputs = expected;
  }

  for (size_t i = 0; i < outputPaths.size(); ++i)
    if (!npy::writeNpy(outputPaths[i], outputs[i], error))
      return fail(error);
  if (printOutputs)
    for (size_t i = 0; i < outputs.size(); ++i) {
      llvm::outs() << "output " << i << ": " << signature.results[i].typeName
                   << "\n";
      printArray(llvm::outs(), outputs[i]);
    }
  if (checkReference) {
    bool allPass = true;
    for (size_t i = 0; i < outputs.size(); ++i)
      allPass &= compareOutput(i, outputs[i], expected[i], unrounded[i],
                               signature.results[i].dtype);
    llvm::outs().flush();
    if (!allPass)
      return 1;
  }
  return 0;
}
