//===- JitRunner.h - JIT-compile and run an entry function ------*- C++ -*-===//
//
// Lowers a module (by default through bitsink-cpu-pipeline), JIT-compiles it
// for the host CPU (or a named CPU model) with MLIR's ExecutionEngine and calls
// one entry function on .npy arrays. Also the reference interpreter that
// evaluates the same entry with the naive semantics of bitsink/Reference. Used
// by bitsink-run and the execution tests.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_EXECUTION_JITRUNNER_H
#define BITSINK_EXECUTION_JITRUNNER_H

#include "bitsink/Execution/Profile.h"
#include "bitsink/Support/DiagnosticText.h"
#include "bitsink/Support/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
class FunctionOpInterface;
class MLIRContext;
} // namespace mlir

namespace bitsink {

/// One argument or result of an entry function: a statically shaped tensor.
struct TensorSpec {
  /// The element type in memory (BF16 for bf16 tensors).
  npy::DType dtype = npy::DType::F32;
  std::vector<int64_t> shape;
  /// "tensor<2x3xf32>", for messages.
  std::string typeName;

  /// The dtype of the .npy files that hold this tensor: F32 for bf16
  /// tensors (rounded to nearest even on the way in), else `dtype`.
  npy::DType fileDType() const;
};

/// The in-memory dtype of an MLIR element type (f16/bf16/f32/f64, index,
/// signless or signed integers of 1-64 bits, unsigned 8/32); false for
/// anything else.
bool dtypeOf(mlir::Type type, npy::DType &dtype);

/// The tensor signature of an entry function, as written before lowering.
struct EntrySignature {
  std::vector<TensorSpec> inputs, results;
};

/// Name of the attribute (a TypeAttr holding the original FunctionType)
/// that JitRunner puts on the entry before lowering, so that a module
/// lowered once keeps the tensor signature of its entry.
constexpr llvm::StringLiteral kSignatureAttrName = "bitsink.signature";

/// Reads the signature of `func` (a FunctionType of ranked static tensors).
/// Fails with a message naming the offending argument or result.
bool getEntrySignature(mlir::Type functionType, EntrySignature &signature,
                       std::string &error);

/// The signature of an entry: its `bitsink.signature` attribute if it has
/// one, else the type of a `func.func`. Fails with a message naming the
/// entry (an already lowered entry without the attribute has none).
bool readEntrySignature(mlir::FunctionOpInterface func,
                        EntrySignature &signature, std::string &error);

/// Checks `inputs` against `signature` (count, shape, dtype: the file dtype
/// of each argument) and returns them converted to the in-memory dtypes.
bool prepareInputs(const EntrySignature &signature,
                   const std::vector<npy::Array> &inputs,
                   std::vector<npy::Array> &prepared, std::string &error);
/// Same, moving the inputs that need no conversion instead of copying them.
bool prepareInputs(const EntrySignature &signature,
                   std::vector<npy::Array> &&inputs,
                   std::vector<npy::Array> &prepared, std::string &error);

struct JitOptions {
  std::string entry = "main";
  /// A textual pass pipeline anchored on the module (with or without the
  /// `builtin.module(...)` wrapper, read by bitsink::parseModulePipeline as
  /// the C API reads it), or "none" for a module already in the LLVM
  /// dialect whose entry carries `bitsink.signature`.
  std::string pipeline = "bitsink-cpu-pipeline";
  unsigned optLevel = 3;
  /// The CPU model to compile for: "host", "generic" (x86-64) or an LLVM
  /// CPU name such as x86-64-v3 (its code must run on the host). Every
  /// bitsink-cpu-pipeline in `pipeline` that names no target-cpu gets this
  /// one, so its CPU-dependent kernels (gemv-lut) follow it.
  std::string cpu = "host";
  /// If set, the JIT-compiled object file is written there (to inspect the
  /// generated machine code).
  std::string objectDumpPath;
  /// Time every kernel: every bitsink-cpu-pipeline in `pipeline` that does
  /// not set profile gets profile=true (bitsink-profile-instrument), and
  /// compiling fails if the lowered module has no kernel labels (a pipeline
  /// without bitsink-cpu-pipeline, or "none" on a module lowered without
  /// profiling). JitRunner::profile() then holds the counters.
  bool profile = false;
};

/// A JIT-compiled entry function.
class JitRunner {
public:
  /// Parses `source` (named `bufferName` in diagnostics), lowers it and
  /// JIT-compiles it. On failure returns null and puts the diagnostics
  /// (with their locations, after the message) in `error`.
  static std::unique_ptr<JitRunner> compileSource(mlir::MLIRContext &context,
                                                  llvm::StringRef source,
                                                  llvm::StringRef bufferName,
                                                  const JitOptions &options,
                                                  std::string &error);

  /// Same for a module already in memory; `module` is cloned, not changed.
  static std::unique_ptr<JitRunner> compileModule(mlir::ModuleOp module,
                                                  const JitOptions &options,
                                                  std::string &error);

  ~JitRunner();

  const EntrySignature &signature() const { return signature_; }

  /// Calls the entry on `inputs` (file dtypes, see TensorSpec::fileDType)
  /// and returns its results (bf16 results as F32).
  bool run(const std::vector<npy::Array> &inputs,
           std::vector<npy::Array> &outputs, std::string &error);
  /// Same, consuming `inputs` (no copy of those already in memory dtypes).
  bool run(std::vector<npy::Array> &&inputs, std::vector<npy::Array> &outputs,
           std::string &error);

  /// Same on inputs already in memory dtypes (from prepareInputs); no copy
  /// of the inputs, for timing loops. Results stay in memory dtypes. A
  /// result the entry updates in place (`bitsink.result_aliases`) is its
  /// argument's buffer after the call: with `copyInPlaceResults` it is
  /// copied into `outputs`, else that output is left without data (timing
  /// loops measure the call alone).
  bool runPrepared(std::vector<npy::Array> &inputs,
                   std::vector<npy::Array> &outputs, std::string &error,
                   bool copyInPlaceResults = true);

  /// Calls the entry on borrowed memory: `inputs[i]` points to dense
  /// C-order data of input i in its memory dtype (TensorSpec::dtype, bf16
  /// included) and shape, used directly as the memref descriptor, no copy.
  /// The entry may write into any input it updates in place, and a result
  /// the entry updates in place (resultAliases) stays in its argument's
  /// buffer: that output is left without data. The other results are
  /// returned in memory dtypes. The caller checks dtypes and shapes.
  bool runBorrowed(llvm::ArrayRef<void *> inputs,
                   std::vector<npy::Array> &outputs, std::string &error);

  /// Per result: the input whose buffer holds it after a call (the entry
  /// updates that argument in place, `bitsink.result_aliases`), or -1.
  const std::vector<int64_t> &resultAliases() const { return resultAliases_; }

  /// The kernel counters of a module lowered with profiling
  /// (`bitsink.profile_labels`, see JitOptions::profile), summed over the
  /// calls since the last reset; null for a module without them.
  ProfileCounters *profile() const { return profile_.get(); }
  /// The profile since the last reset, the slowest kernel first (empty
  /// without counters).
  ProfileReport profileReport() const;

  /// Registers the dialects, translations and passes bitsink needs in
  /// `context` and initialises the native target (idempotent).
  static void prepareContext(mlir::MLIRContext &context);

private:
  JitRunner() = default;
  static std::unique_ptr<JitRunner>
  compile(mlir::ModuleOp module, const JitOptions &options, std::string &error);

  EntrySignature signature_;
  /// Per result: the argument that holds it after the call (a buffer the
  /// entry updates in place, `bitsink.result_aliases`), or -1 for an
  /// out-param.
  std::vector<int64_t> resultAliases_;
  std::string entry_;
  std::unique_ptr<ProfileCounters> profile_;
  std::unique_ptr<mlir::ExecutionEngine> engine_;
};

/// Evaluates `func` (an entry on tensors) with the reference semantics of
/// bitsink/Reference: function arguments, `arith.constant` (dense, splat or
/// dense_resource), `tensor.empty`, `linalg.fill`, `tensor.collapse_shape` /
/// `expand_shape`, the three bitsink ops and `func.return`. Any other op is
/// an error naming it and its location.
/// Inputs and outputs use file dtypes like JitRunner::run; values of f16 or
/// bf16 tensors are rounded to their type after each op. With
/// `unroundedOutputs`, each result is also returned in float64 before its
/// final rounding to the result's element type (the ops before it still
/// read rounded values, as the compiled code does): the exact answer that
/// the compiled result's own rounding error is measured against.
bool evaluateWithReference(mlir::FunctionOpInterface func,
                           const std::vector<npy::Array> &inputs,
                           std::vector<npy::Array> &outputs, std::string &error,
                           std::vector<npy::Array> *unroundedOutputs = nullptr);

} // namespace bitsink

#endif // BITSINK_EXECUTION_JITRUNNER_H
