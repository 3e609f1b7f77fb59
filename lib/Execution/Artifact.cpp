//===- Artifact.cpp - compile a module into a .so / .o artifact -----------===//
//
// Implements bitsink/Execution/Artifact.h.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/Artifact.h"
#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

const char *bitsink::ArtifactOptions::defaultRuntimeDir() {
  return BITSINK_RUNTIME_DIR;
}

/// Whether `cpu` has the LLVM feature `name` ("avx512vnni").
static bool cpuHasFeature(const bitsink::TargetCpu &cpu, StringRef name) {
  SmallVector<StringRef> entries;
  StringRef(cpu.enabledFeatures).split(entries, ',');
  return llvm::is_contained(entries, ("+" + name).str());
}

/// The instruction set the x86 intrinsic `intrinsic` needs, when `cpu`
/// lacks it ("" when it has it, or the intrinsic is not an x86 vector one
/// the lowerings call).
static StringRef missingIsa(StringRef intrinsic,
                            const bitsink::TargetCpu &cpu) {
  if (intrinsic == "llvm.x86.avx512.vpdpbusd.512")
    return cpuHasFeature(cpu, "avx512vnni") ? "" : "AVX512-VNNI";
  if (intrinsic == "llvm.x86.avx512.vpdpbusd.256")
    return cpuHasFeature(cpu, "avxvnni") || (cpuHasFeature(cpu, "avx512vnni") &&
                                             cpuHasFeature(cpu, "avx512vl"))
               ? ""
               : "AVX-VNNI";
  if (intrinsic == "llvm.x86.avx512.pshuf.b.512" ||
      intrinsic == "llvm.x86.avx512.permvar.hi.512" ||
      intrinsic == "llvm.x86.avx512.pmaddw.d.512")
    return cpuHasFeature(cpu, "avx512bw") ? "" : "AVX-512BW";
  if (intrinsic.starts_with("llvm.x86.avx512"))
    return cpu.hasAvx512 ? "" : "AVX-512F";
  if (intrinsic.starts_with("llvm.x86.avx2"))
    return cpu.hasAvx2 ? "" : "AVX2";
  return "";
}

bool bitsink::checkIntrinsicsForCpu(ModuleOp module, const TargetCpu &cpu,
                                    StringRef cpuOption, std::string &error) {
  WalkResult walk = module.walk([&](LLVM::CallIntrinsicOp call) {
    StringRef isa = missingIsa(call.getIntrin(), cpu);
    if (isa.empty())
      return WalkResult::advance();
    error = "the lowered module calls " + call.getIntrin().str() +
            ", which CPU '" + cpuOption.str() + "' (" + cpu.name + ") lacks (" +
            isa.str() +
            "): drop the pipeline option that asked for it (gemv-lut, "
            "gemv-lut-int8, gemv-lut-int16, gemm-int8) or its target-cpu";
    return WalkResult::interrupt();
  });
  return !walk.wasInterrupted();
}

const char *bitsink::builtinsLibrary() { return BITSINK_BUILTINS_LIBRARY; }

static LogicalResult emitObject(llvm::Module &module,
                                const bitsink::TargetCpu &cpu, StringRef path,
                                std::string &error) {
  llvm::Triple triple;
  const llvm::Target *llvmTarget = bitsink::lookupNativeTarget(triple, error);
  if (!llvmTarget)
    return failure();
  llvm::TargetOptions targetOptions;
  // The kernels are loaded from global constructors: they must go to
  // .init_array (lld does not turn the legacy .ctors into it, so they would
  // never run).
  targetOptions.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, cpu.name, cpu.features, targetOptions, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "cannot create a target machine for " + triple.str() + " cpu " +
            cpu.name;
    return failure();
  }
  module.setDataLayout(machine->createDataLayout());
  module.setTargetTriple(triple);
  if (llvm::Error err =
          makeOptimizingTransformer(3, 0, machine.get())(&module)) {
    error = "LLVM optimisation failed: " + llvm::toString(std::move(err));
    return failure();
  }
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write " + path.str() + ": " + ec.message();
    return failure();
  }
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, out.os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    error = "the target machine cannot emit object files";
    return failure();
  }
  codegen.run(module);
  out.keep();
  return success();
}

/// Links `object` into the shared library `path` with clang + lld; `-z defs`
/// turns a symbol no library provides into a link error here rather than a
/// load error on the user's machine. LLVM's compiler-rt builtins come right
/// after the object, so that the conversions a CPU without native half or
/// bfloat instructions calls (__truncsfbf2, ...) are linked into the
/// artifact (hidden) from them, whatever the system's libgcc has.
static LogicalResult linkSharedLibrary(StringRef object, StringRef path,
                                       bool cuda, StringRef runtimeDir,
                                       std::string &error) {
  SmallVector<std::string> args = {BITSINK_CLANG,
                                   "-shared",
                                   "-fuse-ld=lld",
                                   "-Wl,-z,defs",
                                   "-Wl,--gc-sections",
                                   "-Wl,-O1",
                                   "-o",
                                   path.str(),
                                   object.str(),
                                   bitsink::builtinsLibrary()};
  if (cuda) {
    args.push_back(("-L" + runtimeDir).str());
    args.push_back("-lbitsink_cuda_runtime");
    args.push_back("-Wl,-rpath,$ORIGIN");
  } else {
    args.push_back("-lomp");
  }
  args.push_back("-lm");
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(BITSINK_CLANG, argRefs, std::nullopt, {},
                                     0, 0, &message);
  if (rc != 0) {
    error = "linking failed (" + llvm::join(argRefs, " ") + ")" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  return success();
}

static LogicalResult copyRuntimeNextTo(StringRef output, StringRef runtimeDir,
                                       std::string &error) {
  SmallString<256> source(runtimeDir);
  llvm::sys::path::append(source, "libbitsink_cuda_runtime.so");
  SmallString<256> destination(llvm::sys::path::parent_path(output));
  if (destination.empty())
    destination = ".";
  llvm::sys::path::append(destination, "libbitsink_cuda_runtime.so");
  if (llvm::sys::fs::equivalent(source, destination))
    return success();
  if (std::error_code ec = llvm::sys::fs::copy_file(source, destination)) {
    error = "cannot copy " + source.str().str() + " to " +
            destination.str().str() + ": " + ec.message();
    return failure();
  }
  return success();
}

/// Adds `void _bitsink_packed_<name>(void **args)` next to every entry's
/// `_mlir_ciface_<name>`: it calls the entry with args[i] as its i-th
/// argument (each a pointer to a memref descriptor), so that hosts without a
/// compiler (the C API, ctypes) can call any entry through one signature.
/// And `const char _bitsink_signature_<name>[]`: the entry's tensor
/// signature before lowering, as MLIR prints it, so that a host can check
/// the buffers it passes before the call.
static void addPackedEntries(llvm::Module &module,
                             ArrayRef<bitsink::ArtifactEntry> entries) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  for (const bitsink::ArtifactEntry &entry : entries) {
    std::string signature;
    llvm::raw_string_ostream os(signature);
    entry.type.print(os);
    auto *text = llvm::ConstantDataArray::getString(ctx, signature);
    new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                             llvm::GlobalValue::ExternalLinkage, text,
                             "_bitsink_signature_" + entry.name);
    llvm::Function *callee = module.getFunction("_mlir_ciface_" + entry.name);
    if (!callee)
      continue;
    auto *type =
        llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
    auto *packed =
        llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                               "_bitsink_packed_" + entry.name, module);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", packed));
    SmallVector<llvm::Value *> args;
    for (auto [i, param] : llvm::enumerate(callee->args())) {
      llvm::Value *slot = b.CreateConstGEP1_64(ptr, packed->getArg(0), i);
      args.push_back(b.CreateLoad(param.getType(), slot));
    }
    llvm::Value *result = b.CreateCall(callee, args);
    if (!callee->getReturnType()->isVoidTy()) {
      // A scalar result goes where args[n] points.
      llvm::Value *slot =
          b.CreateConstGEP1_64(ptr, packed->getArg(0), callee->arg_size());
      b.CreateStore(result, b.CreateLoad(ptr, slot));
    }
    b.CreateRetVoid();
  }
}

bool bitsink::compileArtifact(ModuleOp module, const ArtifactOptions &options,
                              StringRef outputPath,
                              std::vector<ArtifactEntry> &entries,
                              std::string &error) {
  bool cuda = options.target == "cuda";
  if (!cuda && options.target != "cpu") {
    error = "unknown target '" + options.target + "' (expected cpu or cuda)";
    return false;
  }
#ifndef BITSINK_ENABLE_CUDA
  if (cuda) {
    error = "target cuda needs a build with BITSINK_ENABLE_CUDA";
    return false;
  }
#endif
  if (!cuda && (!options.chip.empty() || !options.features.empty() ||
                !options.cubinFormat.empty())) {
    error = "chip, features and cubin-format need the cuda target";
    return false;
  }
  // cpu: the pipeline options come first, since their target-cpu is the CPU
  // the code is for when `options.cpu` names none.
  CPUPipelineOptions cpuPipeline;
  if (!cuda && failed(cpuPipeline.parseFromString(options.pipelineOptions))) {
    error = "bad pipeline options for bitsink-cpu-pipeline: '" +
            options.pipelineOptions + "'";
    return false;
  }
  if (!cuda && cpuPipeline.profile) {
    error = "profile=true: an artifact has no profile runtime; profile "
            "with bitsink-run --profile or bitsink.compile(..., "
            "profile=True) (docs/profiling.md)";
    return false;
  }
  std::string cpuOption = options.cpu;
  if (cpuOption.empty())
    cpuOption = cuda ? "generic" : cpuPipeline.targetCpu.getValue();
  if (!cuda && cpuPipeline.targetCpu.hasValue() &&
      cpuPipeline.targetCpu.getValue() != cpuOption) {
    error = "target-cpu=" + cpuPipeline.targetCpu.getValue() +
            " in the pipeline options and CPU '" + cpuOption +
            "' disagree (give one of them)";
    return false;
  }
  bitsink::TargetCpu cpu;
  if (!resolveTargetCpu(cpuOption, cpu, error))
    return false;

  // Entry signatures before lowering: public functions with a body.
  entries.clear();
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entries.push_back({func.getName().str(), func.getFunctionType(), {}});
  if (entries.empty()) {
    error = "the module has no public function with a body to export";
    return false;
  }

  PassManager pm(module.getContext());
  if (cuda) {
#ifdef BITSINK_ENABLE_CUDA
    NVPTXPipelineOptions pipeline;
    if (failed(pipeline.parseFromString(options.pipelineOptions))) {
      error = "bad pipeline options for bitsink-nvptx-pipeline: '" +
              options.pipelineOptions + "'";
      return false;
    }
    if (!options.chip.empty())
      pipeline.chip = options.chip;
    if (!options.features.empty())
      pipeline.features = options.features;
    if (!options.cubinFormat.empty())
      pipeline.cubinFormat = options.cubinFormat;
    pipeline.cInterface = true;
    if (failed(buildNVPTXPipeline(pm, pipeline, error)))
      return false;
#endif
  } else {
    // The CPU the code is for picks the CPU-dependent kernels (gemv-lut).
    cpuPipeline.targetCpu = cpuOption;
    cpuPipeline.cInterface = true;
    if (failed(buildCPUPipeline(pm, cpuPipeline, error)))
      return false;
  }
  if (failed(pm.run(module))) {
    error = "the " + options.target + " pipeline failed";
    return false;
  }
  if (!cuda && !checkIntrinsicsForCpu(module, cpu, cpuOption, error))
    return false;

  for (ArtifactEntry &entry : entries) {
    auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(entry.name);
    if (!func) {
      error = "entry '" + entry.name + "' is missing after lowering";
      return false;
    }
    if (auto aliases =
            func->getAttrOfType<DenseI64ArrayAttr>("bitsink.result_aliases"))
      entry.resultAliases.assign(aliases.asArrayRef().begin(),
                                 aliases.asArrayRef().end());
    else
      entry.resultAliases.assign(entry.type.getNumResults(), -1);
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "bitsink-artifact");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return false;
  }

  addPackedEntries(*llvmModule, entries);

  std::string objectPath = outputPath.str();
  SmallString<128> tempObject;
  if (!options.objectOnly) {
    int fd;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "bitsink-compile", "o", fd, tempObject)) {
      error = "cannot create a temporary file: " + ec.message();
      return false;
    }
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    objectPath = tempObject.str().str();
  }
  llvm::FileRemover removeTemp(tempObject);
  if (failed(emitObject(*llvmModule, cpu, objectPath, error)))
    return false;
  if (!options.objectOnly) {
    if (failed(linkSharedLibrary(objectPath, outputPath, cuda,
                                 options.runtimeDir, error)))
      return false;
    if (cuda && options.copyRuntime &&
        failed(copyRuntimeNextTo(outputPath, options.runtimeDir, error)))
      return false;
  }
  return true;
}
