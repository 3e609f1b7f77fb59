//===- BitSinkModule.cpp - the bitsink._bitsink extension -------*- C++ -*-===//
//
// nanobind bindings over the bitsink C API. The extension includes only our C
// header, never MLIR's C++ ones: it is built with exceptions and RTTI, LLVM
// without exceptions, and the C API keeps the two apart. Arrays cross as
// (NumPy descr, shape, address) triples; the pure-Python layer in
// bitsink/__init__.py turns them into and from numpy arrays.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace nb = nanobind;
using namespace nb::literals;

namespace {
/// Raised in Python as bitsink.MLIRError; the message is the diagnostics text.
struct MLIRError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// An array passed from Python: NumPy descr, shape, address of C-order data
/// that the caller keeps alive for the call.
using ArrayIn = std::tuple<std::string, std::vector<int64_t>, uintptr_t>;
/// An array description: NumPy descr and shape.
using ArraySpec = std::tuple<std::string, std::vector<int64_t>>;

BitSinkArray toC(const ArrayIn &array) {
  const auto &[dtype, shape, address] = array;
  return BitSinkArray{dtype.c_str(), static_cast<int64_t>(shape.size()),
                      shape.data(), reinterpret_cast<void *>(address)};
}

ArraySpec specOf(const BitSinkArray &array) {
  return {array.dtype,
          std::vector<int64_t>(array.shape, array.shape + array.rank)};
}

/// Bytes of an array returned by the C API.
size_t byteSize(const BitSinkArray &array) {
  size_t elements = 1;
  for (int64_t i = 0; i < array.rank; ++i)
    elements *= static_cast<size_t>(array.shape[i]);
  std::string dtype = array.dtype;
  size_t width = std::stoul(dtype.substr(2));
  return elements * width;
}

/// (descr, shape, bytes) of an array returned by the C API: a copy.
std::tuple<std::string, std::vector<int64_t>, nb::bytes>
copyOut(const BitSinkArray &array) {
  auto [dtype, shape] = specOf(array);
  return {dtype, shape,
          nb::bytes(static_cast<const char *>(array.data), byteSize(array))};
}

class Context {
public:
  Context() : handle(bitsinkContextCreate()) {}
  ~Context() { bitsinkContextDestroy(handle); }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  BitSinkContext get() const { return handle; }

  std::string diagnostics() const {
    return bitsinkContextGetDiagnostics(handle);
  }

  void check(BitSinkStatus status) const {
    if (status != BITSINK_SUCCESS)
      throw MLIRError(diagnostics());
  }

private:
  BitSinkContext handle;
};

class Executable {
public:
  Executable(const Context &context, BitSinkExecutable handle)
      : context(context), handle(handle) {}
  ~Executable() { bitsinkExecutableDestroy(handle); }
  Executable(const Executable &) = delete;
  Executable &operator=(const Executable &) = delete;

  std::vector<ArraySpec> inputs() const {
    std::vector<ArraySpec> specs;
    for (int64_t i = 0, e = bitsinkExecutableGetNumInputs(handle); i < e; ++i)
      specs.push_back(specOf(bitsinkExecutableGetInput(handle, i)));
    return specs;
  }

  std::vector<ArraySpec> results() const {
    std::vector<ArraySpec> specs;
    for (int64_t i = 0, e = bitsinkExecutableGetNumResults(handle); i < e; ++i)
      specs.push_back(specOf(bitsinkExecutableGetResult(handle, i)));
    return specs;
  }

  std::vector<std::tuple<std::string, std::vector<int64_t>, nb::bytes>>
  run(const std::vector<ArrayIn> &arrays) {
    std::vector<BitSinkArray> inputs;
    for (const ArrayIn &array : arrays)
      inputs.push_back(toC(array));
    BitSinkStatus status;
    {
      nb::gil_scoped_release release;
      status = bitsinkExecutableRun(handle, inputs.data(), inputs.size());
    }
    context.check(status);
    std::vector<std::tuple<std::string, std::vector<int64_t>, nb::bytes>> out;
    for (int64_t i = 0, e = bitsinkExecutableGetNumResults(handle); i < e; ++i)
      out.push_back(copyOut(bitsinkExecutableGetOutput(handle, i)));
    return out;
  }

  /// Per result: the input that holds it after a call, or -1.
  std::vector<int64_t> resultAliases() const {
    std::vector<int64_t> aliases;
    for (int64_t i = 0, e = bitsinkExecutableGetNumResults(handle); i < e; ++i)
      aliases.push_back(bitsinkExecutableGetResultAlias(handle, i));
    return aliases;
  }

  /// Calls the entry on the caller's arrays (no copy); returns the results
  /// that do not alias an input, in order, as copies.
  std::vector<std::tuple<std::string, std::vector<int64_t>, nb::bytes>>
  runInPlace(const std::vector<ArrayIn> &arrays) {
    std::vector<BitSinkArray> inputs;
    for (const ArrayIn &array : arrays)
      inputs.push_back(toC(array));
    return runInPlace(inputs);
  }

  std::vector<std::tuple<std::string, std::vector<int64_t>, nb::bytes>>
  runInPlace(const std::vector<BitSinkArray> &inputs) {
    BitSinkStatus status;
    {
      nb::gil_scoped_release release;
      status =
          bitsinkExecutableRunInPlace(handle, inputs.data(), inputs.size());
    }
    context.check(status);
    std::vector<std::tuple<std::string, std::vector<int64_t>, nb::bytes>> out;
    for (int64_t i = 0, e = bitsinkExecutableGetNumResults(handle); i < e; ++i)
      if (bitsinkExecutableGetResultAlias(handle, i) < 0)
        out.push_back(copyOut(bitsinkExecutableGetOutput(handle, i)));
    return out;
  }

  /// The profile since the last reset: entry calls, their summed time (ms)
  /// and per kernel (label, id, runs, ms), the slowest first; None when
  /// the executable was compiled without profiling.
  std::optional<std::tuple<
      int64_t, double,
      std::vector<std::tuple<std::string, int64_t, int64_t, double>>>>
  profile() {
    int64_t kernels = bitsinkExecutableSnapshotProfile(handle);
    if (kernels < 0)
      return std::nullopt;
    std::vector<std::tuple<std::string, int64_t, int64_t, double>> rows;
    for (int64_t i = 0; i < kernels; ++i) {
      BitSinkProfileKernel kernel =
          bitsinkExecutableGetProfileKernel(handle, i);
      rows.emplace_back(kernel.label, kernel.id, kernel.runs,
                        kernel.milliseconds);
    }
    return std::make_tuple(bitsinkExecutableGetProfileCalls(handle),
                           bitsinkExecutableGetProfileMilliseconds(handle),
                           std::move(rows));
  }

  /// The profile as bitsink-run --profile prints it; None without
  /// profiling.
  std::optional<std::string> profileTable(int64_t maxRows) {
    if (bitsinkExecutableSnapshotProfile(handle) < 0)
      return std::nullopt;
    return std::string(bitsinkExecutableGetProfileTable(handle, maxRows));
  }

  void resetProfile() { bitsinkExecutableResetProfile(handle); }

private:
  const Context &context;
  BitSinkExecutable handle;
};

/// An in-place call with its arrays bound once: the descriptors are built
/// at bind time and reused by every call (a decoder step passes hundreds of
/// weights and caches). The Python BoundCall keeps the arrays alive.
class BoundCall {
public:
  BoundCall(Executable &executable, std::vector<ArrayIn> arrays)
      : executable(executable), arrays(std::move(arrays)) {
    // After `arrays` is in place: the descriptors point into its strings
    // and shapes, so a BoundCall is never copied or moved.
    for (const ArrayIn &array : this->arrays)
      inputs.push_back(toC(array));
  }
  BoundCall(const BoundCall &) = delete;
  BoundCall &operator=(const BoundCall &) = delete;

  std::vector<std::tuple<std::string, std::vector<int64_t>, nb::bytes>> run() {
    return executable.runInPlace(inputs);
  }

private:
  Executable &executable;
  const std::vector<ArrayIn> arrays;
  std::vector<BitSinkArray> inputs;
};

class Module {
public:
  /// `context` must outlive the module: Context.parse ties their lifetimes.
  Module(const Context &context, BitSinkModule handle)
      : context(context), handle(handle) {}
  ~Module() { bitsinkModuleDestroy(handle); }
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  void runPipeline(const std::string &pipeline) {
    context.check(bitsinkModuleRunPipeline(handle, pipeline.c_str()));
  }

  void verify() { context.check(bitsinkModuleVerify(handle)); }

  std::string str() const {
    char *text = bitsinkModulePrint(handle);
    std::string result(text);
    bitsinkStringDestroy(text);
    return result;
  }

  int64_t numArguments(const std::string &entry) const {
    int64_t count = 0;
    context.check(bitsinkModuleGetNumArguments(handle, entry.c_str(), &count));
    return count;
  }

  std::vector<std::string> argumentNames(const std::string &entry) const {
    std::vector<std::string> names;
    for (int64_t i = 0, e = numArguments(entry); i < e; ++i) {
      char *name = nullptr;
      context.check(
          bitsinkModuleGetArgumentName(handle, entry.c_str(), i, &name));
      names.emplace_back(name);
      bitsinkStringDestroy(name);
    }
    return names;
  }

  void bindArguments(const std::string &entry,
                     const std::vector<int64_t> &indices,
                     const std::vector<ArrayIn> &arrays) {
    if (indices.size() != arrays.size())
      throw std::invalid_argument("one array per argument index");
    std::vector<BitSinkArray> inputs;
    for (const ArrayIn &array : arrays)
      inputs.push_back(toC(array));
    BitSinkStatus status;
    {
      nb::gil_scoped_release release;
      status = bitsinkModuleBindArguments(handle, entry.c_str(), indices.data(),
                                          inputs.data(), inputs.size());
    }
    context.check(status);
  }

  Executable *compile(const std::string &entry, const std::string &pipeline,
                      const std::string &target, const std::string &cpu,
                      bool profile) {
    BitSinkExecutable executable;
    BitSinkStatus status;
    {
      nb::gil_scoped_release release;
      if (profile)
        status = bitsinkExecutableCreateForCpuProfiled(
            handle, entry.c_str(), pipeline.c_str(), cpu.c_str(),
            /*profile=*/1, &executable);
      else if (cpu.empty())
        status =
            bitsinkExecutableCreate(handle, entry.c_str(), pipeline.c_str(),
                                    target.c_str(), &executable);
      else
        status = bitsinkExecutableCreateForCpu(
            handle, entry.c_str(), pipeline.c_str(), cpu.c_str(), &executable);
    }
    context.check(status);
    return new Executable(context, executable);
  }

private:
  const Context &context;
  BitSinkModule handle;
};

/// The packed result of bitsink.quantize: planes and coefficients as
/// (descr, shape, bytes), and the error report.
/// bitsinkAllocateBudget over Python lists: per layer its weight count and
/// candidates (planes, group size, bits per weight, error), the fixed
/// candidate index or -1, and the budget. Returns the chosen indices and
/// (bits per weight, error, min bits per weight, max bits per weight,
/// exact).
std::tuple<std::vector<int32_t>,
           std::tuple<double, double, double, double, bool>>
allocateBudget(
    const Context &context, const std::vector<int64_t> &numWeights,
    const std::vector<std::vector<std::tuple<int, int64_t, double, double>>>
        &candidates,
    const std::vector<int32_t> &fixed, double budget) {
  size_t numLayers = numWeights.size();
  if (candidates.size() != numLayers || fixed.size() != numLayers)
    throw std::invalid_argument(
        "allocate_budget: one candidate list and one fixed index per layer");
  std::vector<int64_t> counts;
  std::vector<BitSinkBudgetCandidate> flat;
  for (const auto &layer : candidates) {
    counts.push_back(static_cast<int64_t>(layer.size()));
    for (const auto &[planes, group, bits, error] : layer)
      flat.push_back(BitSinkBudgetCandidate{planes, group, bits, error});
  }
  std::vector<int32_t> choice(numLayers, 0);
  BitSinkBudgetResult result;
  context.check(
      bitsinkAllocateBudget(context.get(), static_cast<int64_t>(numLayers),
                            numWeights.data(), counts.data(), flat.data(),
                            fixed.data(), budget, choice.data(), &result));
  return {choice,
          {result.bitsPerWeight, result.error, result.minBitsPerWeight,
           result.maxBitsPerWeight, result.exact != 0}};
}

/// The options of bitsink.quantize as the C API takes them; `method` must
/// outlive the result.
BitSinkQuantizeOptions
quantizeOptions(const std::string &method, int planes, int64_t groupSize,
                int iterations, double damp, bool actOrder,
                bool f16Coefficients, int threads, bool rtnSearch,
                int64_t rotationBlock = 0, uint64_t rotationSeed = 0,
                int64_t subBlock = 0) {
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  options.method = method.c_str();
  options.planes = planes;
  options.groupSize = groupSize;
  options.iterations = iterations;
  options.damp = damp;
  options.actOrder = actOrder;
  options.f16Coefficients = f16Coefficients;
  options.threads = threads;
  options.rtnSearch = rtnSearch;
  options.rotationBlock = rotationBlock;
  options.rotationSeed = rotationSeed;
  options.subBlock = subBlock;
  return options;
}

/// The fields of bitsink.QuantizedWeight from a result handle, which it
/// destroys.
nb::dict quantizedWeight(BitSinkQuantizeResult result) {
  std::unique_ptr<BitSinkQuantizeResultImpl,
                  decltype(&bitsinkQuantizeResultDestroy)>
      owner(result, bitsinkQuantizeResultDestroy);
  BitSinkQuantizeReport report = bitsinkQuantizeResultGetReport(result);
  nb::dict out;
  out["planes"] = copyOut(bitsinkQuantizeResultGetPlanes(result));
  out["coefficients"] = copyOut(bitsinkQuantizeResultGetCoefficients(result));
  out["dequantized"] = copyOut(bitsinkQuantizeResultGetDequantized(result));
  out["rotation_signs"] =
      copyOut(bitsinkQuantizeResultGetRotationSigns(result));
  out["rotation_block"] = report.rotationBlock;
  out["scales"] = copyOut(bitsinkQuantizeResultGetScales(result));
  out["sub_block"] = report.subBlock;
  out["plane_kind"] = std::string(report.planeKind);
  out["group_size"] = report.groupSize;
  out["rel_error"] = report.relError;
  out["weight_rel_error"] = report.weightRelError;
  out["bits_per_weight"] = report.bitsPerWeight;
  out["damp"] = report.damp;
  out["rtn_columns"] = report.rtnColumns;
  if (report.hasHeldOut)
    out["heldout_rel_error"] = report.heldOutRelError;
  else
    out["heldout_rel_error"] = nb::none();
  return out;
}

/// bitsink.quantize: calibration rows (address, T) or, when `hessian` is
/// nonzero, their K x K f64 Hessian.
nb::dict quantize(const Context &context, uintptr_t weight, int64_t K,
                  int64_t N, uintptr_t calibration, int64_t T,
                  uintptr_t hessian, uintptr_t heldOut, int64_t heldOutRows,
                  uintptr_t heldOutHessian, const std::string &method,
                  int planes, int64_t groupSize, int iterations, double damp,
                  bool actOrder, bool f16Coefficients, int threads,
                  bool rtnSearch, int64_t rotationBlock, uint64_t rotationSeed,
                  int64_t subBlock) {
  BitSinkQuantizeOptions options = quantizeOptions(
      method, planes, groupSize, iterations, damp, actOrder, f16Coefficients,
      threads, rtnSearch, rotationBlock, rotationSeed, subBlock);
  BitSinkQuantizeResult result;
  BitSinkStatus status;
  {
    nb::gil_scoped_release release;
    if (hessian)
      status = bitsinkQuantizeWithHessian(
          context.get(), reinterpret_cast<const float *>(weight), K, N,
          reinterpret_cast<const double *>(hessian),
          reinterpret_cast<const float *>(heldOut), heldOutRows,
          reinterpret_cast<const double *>(heldOutHessian), &options, &result);
    else
      status = bitsinkQuantizeHeldOut(
          context.get(), reinterpret_cast<const float *>(weight), K, N,
          reinterpret_cast<const float *>(calibration), T,
          reinterpret_cast<const float *>(heldOut), heldOutRows,
          reinterpret_cast<const double *>(heldOutHessian), &options, &result);
  }
  context.check(status);
  return quantizedWeight(result);
}

/// bitsinkCheckHessian: raises MLIRError (message starting with `what`)
/// when the K x K f64 matrix at `hessian` is not a usable Hessian.
void checkHessian(const Context &context, uintptr_t hessian, int64_t K,
                  const std::string &what) {
  context.check(bitsinkCheckHessian(context.get(),
                                    reinterpret_cast<const double *>(hessian),
                                    K, what.c_str()));
}

/// bitsink.HessianAccumulator's handle.
class HessianAccumulator {
public:
  HessianAccumulator(const Context &context, int64_t K, int threads)
      : context(context) {
    context.check(
        bitsinkHessianAccumulatorCreate(context.get(), K, threads, &handle));
  }
  ~HessianAccumulator() { bitsinkHessianAccumulatorDestroy(handle); }
  HessianAccumulator(const HessianAccumulator &) = delete;
  HessianAccumulator &operator=(const HessianAccumulator &) = delete;

  /// Adds `rows` f32 rows of K at `address`.
  void add(uintptr_t address, int64_t rows) {
    BitSinkStatus status;
    {
      nb::gil_scoped_release release;
      status = bitsinkHessianAccumulatorAdd(
          context.get(), handle, reinterpret_cast<const float *>(address),
          rows);
    }
    context.check(status);
  }
  int64_t rows() const { return bitsinkHessianAccumulatorGetRows(handle); }
  int64_t k() const { return bitsinkHessianAccumulatorGetK(handle); }
  /// Writes XᵀX/T (K x K f64) to `address`.
  void hessian(uintptr_t address) {
    nb::gil_scoped_release release;
    bitsinkHessianAccumulatorGetHessian(handle,
                                        reinterpret_cast<double *>(address));
  }

private:
  const Context &context;
  BitSinkHessianAccumulator handle = nullptr;
};

/// bitsinkMeasureBudgetCandidates for bitsink.budget.measure_candidates:
/// calibration rows (address, T) or a Hessian (address), zero when absent.
/// Returns per configuration (planes, group size, bits per weight, error)
/// and the QuantizedWeight fields.
std::tuple<std::vector<std::tuple<int, int64_t, double, double>>,
           std::vector<nb::dict>>
measureBudgetCandidates(const Context &context, uintptr_t weight, int64_t K,
                        int64_t N, uintptr_t calibration, int64_t T,
                        uintptr_t hessian,
                        const std::vector<std::tuple<int, int64_t>> &configs,
                        const std::string &objective, double importance,
                        const std::string &method, int iterations, double damp,
                        bool actOrder, bool f16Coefficients, int threads,
                        bool rtnSearch, int64_t subBlock) {
  BitSinkQuantizeOptions options =
      quantizeOptions(method, 0, 0, iterations, damp, actOrder, f16Coefficients,
                      threads, rtnSearch, /*rotationBlock=*/0,
                      /*rotationSeed=*/0, subBlock);
  std::vector<int32_t> planes;
  std::vector<int64_t> groups;
  for (const auto &[p, g] : configs) {
    planes.push_back(p);
    groups.push_back(g);
  }
  std::vector<BitSinkBudgetCandidate> candidates(configs.size());
  std::vector<BitSinkQuantizeResult> results(configs.size(), nullptr);
  BitSinkStatus status;
  {
    nb::gil_scoped_release release;
    status = bitsinkMeasureBudgetCandidates(
        context.get(), reinterpret_cast<const float *>(weight), K, N,
        reinterpret_cast<const float *>(calibration), T,
        reinterpret_cast<const double *>(hessian), &options,
        static_cast<int64_t>(configs.size()), planes.data(), groups.data(),
        objective.c_str(), importance, candidates.data(), results.data());
  }
  context.check(status);
  std::vector<std::tuple<int, int64_t, double, double>> measured;
  std::vector<nb::dict> weights;
  for (size_t i = 0; i < configs.size(); ++i) {
    const BitSinkBudgetCandidate &c = candidates[i];
    measured.emplace_back(c.planes, c.groupSize, c.bitsPerWeight, c.error);
    weights.push_back(quantizedWeight(results[i]));
  }
  return {measured, weights};
}

/// bitsinkBudgetOutputEnergy: calibration rows (address, T) or a Hessian
/// (address), zero when absent.
double budgetOutputEnergy(const Context &context, uintptr_t weight, int64_t K,
                          int64_t N, uintptr_t calibration, int64_t T,
                          uintptr_t hessian) {
  double energy = 0;
  BitSinkStatus status;
  {
    nb::gil_scoped_release release;
    status = bitsinkBudgetOutputEnergy(
        context.get(), reinterpret_cast<const float *>(weight), K, N,
        reinterpret_cast<const float *>(calibration), T,
        reinterpret_cast<const double *>(hessian), &energy);
  }
  context.check(status);
  return energy;
}

double budgetError(const Context &context, const std::string &objective,
                   double relError, double energy, double importance) {
  double error = 0;
  context.check(bitsinkBudgetError(context.get(), objective.c_str(), relError,
                                   energy, importance, &error));
  return error;
}

/// bitsink.reference.sink_attention: writes B x Hq x Nq x Dv doubles to
/// `output`.
void referenceSinkAttention(
    const Context &context, const ArrayIn &query, const ArrayIn &key,
    const ArrayIn &value, std::optional<ArrayIn> sinkLogits,
    std::optional<ArrayIn> kvLen, std::optional<ArrayIn> keyMask,
    std::optional<ArrayIn> keyPositions, int64_t numSinks,
    std::vector<int64_t> windows, bool causal, std::optional<double> scale,
    std::optional<std::tuple<double, int64_t, bool>> rope, uintptr_t output) {
  BitSinkArray absent{"<f4", 0, nullptr, nullptr};
  auto optional = [&](const std::optional<ArrayIn> &array) {
    return array ? toC(*array) : absent;
  };
  BitSinkSinkAttentionArgs args{toC(query),
                                toC(key),
                                toC(value),
                                optional(sinkLogits),
                                optional(kvLen),
                                optional(keyMask),
                                optional(keyPositions),
                                numSinks,
                                windows.data(),
                                static_cast<int64_t>(windows.size()),
                                causal,
                                scale.has_value(),
                                scale.value_or(0.0),
                                rope.has_value(),
                                rope ? std::get<1>(*rope) : 0,
                                rope ? std::get<0>(*rope) : 0.0,
                                rope ? std::get<2>(*rope) : false};
  BitSinkStatus status;
  {
    nb::gil_scoped_release release;
    status = bitsinkReferenceSinkAttention(context.get(), &args,
                                           reinterpret_cast<double *>(output));
  }
  context.check(status);
}
} // namespace

NB_MODULE(_bitsink, m) {
  m.doc() = "Bindings over the bitsink C API (libBitSinkCAPI.so).";

  nb::exception<MLIRError>(m, "MLIRError");

  nb::class_<Context>(
      m, "Context",
      "An MLIR context with the bitsink and upstream dialects and passes.")
      .def(nb::init<>())
      .def(
          "parse",
          [](const Context &self, const std::string &text,
             const std::string &sourceName) {
            BitSinkModule handle;
            self.check(bitsinkModuleParse(self.get(), text.data(), text.size(),
                                          sourceName.c_str(), &handle));
            return new Module(self, handle);
          },
          "text"_a, "source_name"_a = "<string>", nb::rv_policy::take_ownership,
          nb::keep_alive<0, 1>(),
          "Parses and verifies IR into a Module; raises MLIRError.")
      .def_prop_ro("diagnostics", &Context::diagnostics,
                   "Diagnostics (remarks and warnings too) of the last call "
                   "on this context or its modules.");

  nb::class_<Module>(m, "Module", "A builtin.module owned by Python.")
      .def("run_pipeline", &Module::runPipeline, "pipeline"_a,
           "Runs a textual pipeline such as "
           "'builtin.module(canonicalize)' or 'canonicalize' (the anchor "
           "may be left out); raises MLIRError if it does not parse or a "
           "pass fails.")
      .def("verify", &Module::verify, "Raises MLIRError if the IR is invalid.")
      .def("_compile", &Module::compile, "entry"_a, "pipeline"_a, "target"_a,
           "cpu"_a, "profile"_a = false, nb::rv_policy::take_ownership,
           nb::keep_alive<0, 1>(),
           "Lowers a copy of the module and compiles `entry`; use "
           "bitsink.compile.")
      .def("argument_names", &Module::argumentNames, "entry"_a = "main",
           "The names of the arguments of function `entry`: each one's "
           "`bitsink.name` argument attribute, else the name in its "
           "location (loc(\"blk.0.attn_q.weight\")), else ''.")
      .def("_bind_arguments", &Module::bindArguments, "entry"_a, "indices"_a,
           "arrays"_a, "Use Module.bind_arguments.")
      .def("__str__", &Module::str);

  nb::class_<Executable>(m, "_Executable")
      .def_prop_ro("inputs", &Executable::inputs)
      .def_prop_ro("results", &Executable::results)
      .def_prop_ro("result_aliases", &Executable::resultAliases)
      .def("run", &Executable::run, "arrays"_a)
      .def("run_in_place",
           nb::overload_cast<const std::vector<ArrayIn> &>(
               &Executable::runInPlace),
           "arrays"_a)
      .def(
          "bind_in_place",
          [](Executable &self, std::vector<ArrayIn> arrays) {
            return new BoundCall(self, std::move(arrays));
          },
          "arrays"_a, nb::rv_policy::take_ownership, nb::keep_alive<0, 1>())
      .def("profile", &Executable::profile)
      .def("profile_table", &Executable::profileTable, "max_rows"_a = 0)
      .def("reset_profile", &Executable::resetProfile);

  nb::class_<BoundCall>(m, "_BoundCall").def("run", &BoundCall::run);

  m.def("_quantize", &quantize, "context"_a, "weight"_a, "k"_a, "n"_a,
        "calibration"_a, "t"_a, "hessian"_a, "held_out"_a, "held_out_rows"_a,
        "held_out_hessian"_a, "method"_a, "planes"_a, "group_size"_a,
        "iterations"_a, "damp"_a, "act_order"_a, "f16_coefficients"_a,
        "threads"_a, "rtn_search"_a, "rotation_block"_a = 0,
        "rotation_seed"_a = 0, "sub_block"_a = 0);
  m.def("_check_hessian", &checkHessian, "context"_a, "hessian"_a, "k"_a,
        "what"_a);
  nb::class_<HessianAccumulator>(m, "_HessianAccumulator")
      .def(nb::init<const Context &, int64_t, int>(), "context"_a, "k"_a,
           "threads"_a, nb::keep_alive<1, 2>())
      .def("add", &HessianAccumulator::add, "address"_a, "rows"_a)
      .def_prop_ro("rows", &HessianAccumulator::rows)
      .def_prop_ro("k", &HessianAccumulator::k)
      .def("hessian", &HessianAccumulator::hessian, "address"_a);
  m.def("_measure_budget_candidates", &measureBudgetCandidates, "context"_a,
        "weight"_a, "k"_a, "n"_a, "calibration"_a, "t"_a, "hessian"_a,
        "configs"_a, "objective"_a, "importance"_a, "method"_a, "iterations"_a,
        "damp"_a, "act_order"_a, "f16_coefficients"_a, "threads"_a,
        "rtn_search"_a, "sub_block"_a = 0);
  m.def("_budget_output_energy", &budgetOutputEnergy, "context"_a, "weight"_a,
        "k"_a, "n"_a, "calibration"_a, "t"_a, "hessian"_a);
  m.def("_budget_error", &budgetError, "context"_a, "objective"_a,
        "rel_error"_a, "energy"_a, "importance"_a);
  m.def("_allocate_budget", &allocateBudget, "context"_a, "num_weights"_a,
        "candidates"_a, "fixed"_a, "budget"_a);
  m.def("_reference_sink_attention", &referenceSinkAttention, "context"_a,
        "query"_a, "key"_a, "value"_a, "sink_logits"_a.none(),
        "kv_len"_a.none(), "key_mask"_a.none(), "key_positions"_a.none(),
        "num_sinks"_a, "windows"_a, "causal"_a, "scale"_a.none(),
        "rope"_a.none(), "output"_a);
}
