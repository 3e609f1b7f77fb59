//===- TargetFeatures.h - what the target CPU offers ------------*- C++ -*-===//
//
// The CPU kernels that use instructions beyond the baseline ISA (the
// bit-plane GEMV's AVX-512 tables) ask here whether the CPU the code is for
// has them, before they emit any IR. The target is described as the
// `target-features` pass options do: LLVM's feature list, or "host".
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_CPU_TARGETFEATURES_H
#define BITSINK_LIB_CONVERSION_CPU_TARGETFEATURES_H

#include "llvm/ADT/StringRef.h"

namespace bitsink {

/// Whether the target described by `features` has the LLVM target feature
/// `name` (e.g. "avx512f").
///
/// `features` is either "host", the CPU this process runs on
/// (llvm::sys::getHostCPUFeatures), or a comma-separated LLVM feature list
/// such as "+avx2,+avx512f,-avx512vl": "+name" (or a bare "name") enables a
/// feature, "-name" disables it, the last mention wins and a feature not
/// mentioned is absent. Implied features are not derived ("+avx512bw" alone
/// does not give avx512f): list them all, as LLVM's feature list of a CPU
/// does.
bool targetHasFeature(llvm::StringRef features, llvm::StringRef name);

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_CPU_TARGETFEATURES_H
