//===- Artifact.h - compile a module into a .so / .o artifact ---*- C++ -*-===//
//
// What bitsink-compile does, as a library (the tool and the C API share
// it): lower a module with bitsink-cpu-pipeline or bitsink-nvptx-pipeline
// (C interface on), translate it to LLVM IR, optimise and compile it for the
// host (or a named CPU model) with LLVM's TargetMachine, and link a shared
// library with clang/lld and LLVM's compiler-rt builtins (or stop at the
// object file). docs/tools.md and docs/gpu-runtime.md
// describe the artifacts.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_EXECUTION_ARTIFACT_H
#define BITSINK_EXECUTION_ARTIFACT_H

#include "bitsink/Pipelines/TargetCpu.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bitsink {

struct ArtifactOptions {
  /// "cpu" or "cuda".
  std::string target = "cpu";
  /// Options of the target's pipeline, as in bitsink-opt.
  std::string pipelineOptions;
  /// cuda: override the pipeline's chip / features / cubin-format.
  std::string chip, features, cubinFormat;
  /// Host CPU of the generated code: "" (for cpu: the pipeline options'
  /// target-cpu, else host; for cuda: generic x86-64), "host", "generic" or
  /// an LLVM CPU name. The cpu target hands it to bitsink-cpu-pipeline as
  /// target-cpu.
  std::string cpu;
  /// Stop at the object file instead of linking a shared library.
  bool objectOnly = false;
  /// cuda: folder of libbitsink_cuda_runtime.so to link against.
  std::string runtimeDir = defaultRuntimeDir();
  /// cuda .so: copy the runtime next to the output (rpath $ORIGIN).
  bool copyRuntime = true;

  static const char *defaultRuntimeDir();
};

/// Fails, naming the intrinsic, when `module` (in the LLVM dialect) calls an
/// x86 intrinsic whose instructions `cpu` lacks (AVX2, AVX-512F, AVX-512BW,
/// AVX512-VNNI, AVX-VNNI; e.g. after gemv-lut=true for an AVX2 CPU), where
/// LLVM's code generator would abort.
bool checkIntrinsicsForCpu(mlir::ModuleOp module, const TargetCpu &cpu,
                           llvm::StringRef cpuOption, std::string &error);

/// Static library of LLVM's compiler-rt builtins (libclang-rt-22-dev) that
/// artifacts are linked with: the half and bfloat conversions
/// (__truncsfbf2, __extendhfsf2, ...) that a CPU without native
/// conversions calls, which Debian 12's libgcc lacks in part.
const char *builtinsLibrary();

/// An exported entry point: its tensor signature before lowering and which
/// results it returns in place through an argument (bitsink.result_aliases;
/// -1 for an out-param).
struct ArtifactEntry {
  std::string name;
  mlir::FunctionType type;
  std::vector<int64_t> resultAliases;
};

/// Lowers `module` (in place) and writes the artifact to `outputPath`.
/// Every public function with a body is an entry, returned in `entries`.
/// Pipeline failures are reported through the context's diagnostics; other
/// failures set `error`. Returns false on any failure.
bool compileArtifact(mlir::ModuleOp module, const ArtifactOptions &options,
                     llvm::StringRef outputPath,
                     std::vector<ArtifactEntry> &entries, std::string &error);

} // namespace bitsink

#endif // BITSINK_EXECUTION_ARTIFACT_H
