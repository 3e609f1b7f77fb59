//===- TargetFeatures.h - what the target CPU offers ------------*- C++ -*-===//
//
// The CPU kernels that use instructions beyond the baseline ISA (the
// bit-plane GEMV's table lookups) ask here whether the CPU the code is for
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

/// The instruction set whose table lookup the bit-plane GEMV's table kernel
/// (`gemv-lut`, docs/bitplane-lowering.md) uses on a target.
enum class GemvTableIsa {
  /// No table kernel: the bit-test kernel only.
  None,
  /// x86 AVX-512F: `vpermps` on 16 floats, 4 rows per lookup.
  AVX512,
  /// x86 AVX2 without AVX-512F: `vpermps` on 8 floats, 3 rows per lookup.
  AVX2,
  /// AArch64 NEON: `tbl` on 64 bytes (16 floats), 4 rows per lookup.
  Neon,
  /// x86 AVX2 without AVX-512BW, int8 tables (`gemv-lut-int8`): `vpshufb`
  /// on 32 bytes, 4 rows and 32 columns per lookup.
  AVX2Int8,
  /// x86 AVX-512BW, int8 tables (`gemv-lut-int8`): `vpshufb` on 64 bytes,
  /// 4 rows and 64 columns per lookup.
  AVX512Int8,
  /// x86 AVX-512BW, int16 tables (`gemv-lut-int16`): `vpermw` on 32 words,
  /// 4 rows of each 16-bit half of 16 plane words per lookup.
  AVX512Int16,
};

/// The int8 table kernel for the target described by `features`:
/// AVX512Int8 with avx512bw, AVX2Int8 with avx2, else None.
GemvTableIsa gemvInt8TableIsa(llvm::StringRef features);

/// The int16 table kernel for the target described by `features`:
/// AVX512Int16 with avx512bw and avx512f, else None.
GemvTableIsa gemvInt16TableIsa(llvm::StringRef features);

/// The table kernel for the target described by `features` (as in
/// targetHasFeature): the widest of avx512f, avx2 and neon it has.
GemvTableIsa gemvTableIsa(llvm::StringRef features);

/// The name of `isa` in messages ("avx512f", "avx2", "neon", "none").
llvm::StringRef gemvTableIsaName(GemvTableIsa isa);

/// The byte dot product the bit-plane GEMM with int8 activations
/// (`gemm-int8`, docs/bitplane-lowering.md) uses on a target.
enum class GemmInt8Isa {
  /// None: the f32 GEMM only.
  None,
  /// x86 AVX512-VNNI: `vpdpbusd` on zmm, 16 sums of 4 byte products.
  AVX512VNNI,
  /// x86 AVX512-VNNI with AVX512-VBMI: the same, and the weight is
  /// dequantized to bytes by table lookups (`vpermd`, `vpermi2b`).
  AVX512VBMI,
  /// x86 AVX-VNNI without AVX512-VNNI: `vpdpbusd` on ymm, 8 sums.
  AVXVNNI,
};

/// The int8 GEMM for the target described by `features`: AVX512VBMI with
/// avx512vnni, avx512vbmi and avx512f, AVX512VNNI with avx512vnni and
/// avx512f, AVXVNNI with avxvnni, else None.
GemmInt8Isa gemmInt8Isa(llvm::StringRef features);

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_CPU_TARGETFEATURES_H
