//===- TargetFeatures.cpp - what the target CPU offers ----------*- C++ -*-===//

#include "TargetFeatures.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

bool bitsink::targetHasFeature(llvm::StringRef features, llvm::StringRef name) {
  if (features.trim() == "host") {
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    auto it = host.find(name);
    return it != host.end() && it->second;
  }
  llvm::SmallVector<llvm::StringRef> entries;
  features.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  bool enabled = false;
  for (llvm::StringRef entry : entries) {
    entry = entry.trim();
    bool on = !entry.consume_front("-");
    if (on)
      entry.consume_front("+");
    if (entry == name)
      enabled = on;
  }
  return enabled;
}

bitsink::GemvTableIsa bitsink::gemvTableIsa(llvm::StringRef features) {
  if (targetHasFeature(features, "avx512f"))
    return GemvTableIsa::AVX512;
  if (targetHasFeature(features, "avx2"))
    return GemvTableIsa::AVX2;
  if (targetHasFeature(features, "neon"))
    return GemvTableIsa::Neon;
  return GemvTableIsa::None;
}

bitsink::GemvTableIsa bitsink::gemvInt8TableIsa(llvm::StringRef features) {
  if (targetHasFeature(features, "avx512bw"))
    return GemvTableIsa::AVX512Int8;
  if (targetHasFeature(features, "avx2"))
    return GemvTableIsa::AVX2Int8;
  return GemvTableIsa::None;
}

bitsink::GemvTableIsa bitsink::gemvInt16TableIsa(llvm::StringRef features) {
  if (targetHasFeature(features, "avx512bw") &&
      targetHasFeature(features, "avx512f"))
    return GemvTableIsa::AVX512Int16;
  return GemvTableIsa::None;
}

bitsink::GemmInt8Isa bitsink::gemmInt8Isa(llvm::StringRef features) {
  if (targetHasFeature(features, "avx512vnni") &&
      targetHasFeature(features, "avx512f"))
    return targetHasFeature(features, "avx512vbmi") ? GemmInt8Isa::AVX512VBMI
                                                    : GemmInt8Isa::AVX512VNNI;
  if (targetHasFeature(features, "avxvnni"))
    return GemmInt8Isa::AVXVNNI;
  return GemmInt8Isa::None;
}

llvm::StringRef bitsink::gemvTableIsaName(GemvTableIsa isa) {
  switch (isa) {
  case GemvTableIsa::AVX512:
    return "avx512f";
  case GemvTableIsa::AVX2:
  case GemvTableIsa::AVX2Int8:
    return "avx2";
  case GemvTableIsa::AVX512Int8:
  case GemvTableIsa::AVX512Int16:
    return "avx512bw";
  case GemvTableIsa::Neon:
    return "neon";
  case GemvTableIsa::None:
    break;
  }
  return "none";
}
