//===- TargetCpu.cpp - the CPU that generated code is for -----------------===//
//
// Implements bitsink/Pipelines/TargetCpu.h.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Pipelines/TargetCpu.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <mutex>

using llvm::StringRef;

const llvm::Target *bitsink::lookupNativeTarget(llvm::Triple &triple,
                                                std::string &error) {
  static std::once_flag initTarget;
  std::call_once(initTarget, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  triple = llvm::Triple(llvm::sys::getDefaultTargetTriple());
  return llvm::TargetRegistry::lookupTarget(triple, error);
}

/// The `+name` entries of a feature list, sorted and joined by commas.
static std::string enabledOf(StringRef features) {
  llvm::SmallVector<StringRef> enabled;
  llvm::SmallVector<StringRef> all;
  features.split(all, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef feature : all)
    if (feature.starts_with("+"))
      enabled.push_back(feature);
  llvm::sort(enabled);
  return llvm::join(enabled, ",");
}

bool bitsink::resolveTargetCpu(StringRef cpu, TargetCpu &result,
                               std::string &error) {
  llvm::Triple triple;
  const llvm::Target *llvmTarget = lookupNativeTarget(triple, error);
  if (!llvmTarget)
    return false;
  std::string name = cpu.str();
  std::string hostFeatures;
  if (cpu == "host") {
    name = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures subtarget;
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      subtarget.AddFeature(feature.first(), feature.second);
    hostFeatures = subtarget.getString();
  } else if (cpu == "generic" && triple.isX86()) {
    name = "x86-64";
  }
  // Probe with the default CPU first: a subtarget made for an unknown CPU
  // name warns on stderr and carries on as the generic one.
  std::unique_ptr<llvm::MCSubtargetInfo> probe(
      llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (!probe || name.empty() || !probe->isCPUStringValid(name)) {
    error = "unknown CPU '" + cpu.str() + "' for " + triple.str() +
            " (expected host, generic or an LLVM CPU name such as "
            "x86-64-v3)";
    return false;
  }
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      llvmTarget->createMCSubtargetInfo(triple, name, hostFeatures));
  if (!info) {
    error = "cannot describe CPU '" + name + "' for " + triple.str();
    return false;
  }
  result.name = name;
  if (cpu == "host") {
    result.features = hostFeatures;
  } else {
    // The CPU's own features, spelt out: they replace the host's where the
    // code is compiled by a target machine made for the host (the JIT).
    llvm::SubtargetFeatures features;
    for (const llvm::SubtargetFeatureKV &feature :
         info->getAllProcessorFeatures())
      if (info->getFeatureBits().test(feature.Value))
        features.AddFeature(feature.Key);
    result.features = features.getString();
  }
  result.enabledFeatures = enabledOf(result.features);
  result.hasAvx512 = triple.isX86() && info->checkFeatures("+avx512f");
  result.hasAvx2 = triple.isX86() && info->checkFeatures("+avx2");
  return true;
}
