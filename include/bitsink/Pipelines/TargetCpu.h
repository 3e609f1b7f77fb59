//===- TargetCpu.h - the CPU that generated code is for ---------*- C++ -*-===//
//
// Resolves a CPU option ("host", "generic" or an LLVM CPU name) for the
// native target: its LLVM name and features. bitsink-cpu-pipeline hands the
// features to the passes that pick kernels by CPU (target-cpu option);
// bitsink-compile and bitsink-run also make their target machine from them.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_PIPELINES_TARGETCPU_H
#define BITSINK_PIPELINES_TARGETCPU_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class Target;
class Triple;
} // namespace llvm

namespace bitsink {

/// LLVM's native target (initialised once, with its code generator) and
/// its triple in `triple`; null with a message in `error` when LLVM has
/// none for this host.
const llvm::Target *lookupNativeTarget(llvm::Triple &triple,
                                       std::string &error);

/// A CPU model to generate code for, as LLVM names it.
struct TargetCpu {
  /// LLVM's CPU name ("skylake-avx512", "x86-64-v3", ...).
  std::string name;
  /// Every feature of the native target, "+avx2,-avx512f,...": the CPU's
  /// own (for a named CPU) or the host's (for "host"). What a target machine
  /// for this CPU is made with.
  std::string features;
  /// The features the CPU has, sorted: "+avx,+avx2,...". What
  /// bitsink-cpu-pipeline passes to the lowerings as target-features.
  std::string enabledFeatures;
  /// Whether the CPU has AVX-512F (x86 only).
  bool hasAvx512 = false;
  /// Whether the CPU has AVX2 (x86 only).
  bool hasAvx2 = false;
};

/// Resolves `cpu` for the native target: "host" (the host's CPU and
/// features, from LLVM's host query), "generic" (x86-64 on x86) or an LLVM
/// CPU name (x86-64-v3, znver4, ...). Fails with a message naming `cpu`
/// when LLVM's target does not know it.
bool resolveTargetCpu(llvm::StringRef cpu, TargetCpu &result,
                      std::string &error);

} // namespace bitsink

#endif // BITSINK_PIPELINES_TARGETCPU_H
