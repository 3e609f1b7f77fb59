//===- bitsink-compile.cpp - IR file to a shared library / object ---------===//
//
// Lowers an MLIR file with bitsink-cpu-pipeline or bitsink-nvptx-pipeline
// (C interface on), translates it to LLVM IR in-process, optimises and
// compiles it for the host with LLVM's TargetMachine and links a .so with
// clang/lld (or stops at the .o). Optionally writes a C header declaring the
// `_mlir_ciface_` entry points. The command line and the artifact ABI are in
// docs/tools.md and docs/gpu-runtime.md.
//
//===----------------------------------------------------------------------===//

#include "bitsink/InitAll.h"
#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <optional>
#include <set>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory compileCategory("bitsink-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                                      cl::desc("<input .mlir file>"),
                                      cl::cat(compileCategory));
static cl::opt<std::string> outputFile("o", cl::Required,
                                       cl::desc("Output .so or .o"),
                                       cl::value_desc("file"),
                                       cl::cat(compileCategory));
static cl::opt<std::string> target("target",
                                   cl::desc("cpu (bitsink-cpu-pipeline) or "
                                            "cuda (bitsink-nvptx-pipeline)"),
                                   cl::init("cpu"), cl::cat(compileCategory));
static cl::opt<std::string> emit("emit",
                                 cl::desc("so (shared library, default) or "
                                          "obj (relocatable object)"),
                                 cl::init("so"), cl::cat(compileCategory));
static cl::opt<std::string>
    pipelineOptions("pipeline-options",
                    cl::desc("Options of the target's pipeline, as in "
                             "bitsink-opt (e.g. 'query-tile=16 openmp=false')"),
                    cl::init(""), cl::cat(compileCategory));
static cl::opt<std::string> chip("chip",
                                 cl::desc("cuda: GPU (overrides the pipeline "
                                          "option)"),
                                 cl::cat(compileCategory));
static cl::opt<std::string> features("features",
                                     cl::desc("cuda: PTX version, +ptxNN"),
                                     cl::cat(compileCategory));
static cl::opt<std::string> cubinFormat("cubin-format",
                                        cl::desc("cuda: bin, fatbin or isa"),
                                        cl::cat(compileCategory));
static cl::opt<std::string>
    hostCpu("cpu",
            cl::desc("Host CPU of the generated code: 'host' (default for "
                     "--target=cpu), 'generic' x86-64 (default for "
                     "--target=cuda, so artifacts run on any x86-64 host), or "
                     "an LLVM CPU name such as x86-64-v3"),
            cl::init(""), cl::cat(compileCategory));
static cl::opt<std::string> headerFile("header",
                                       cl::desc("Also write a C header "
                                                "declaring the entry points"),
                                       cl::value_desc("file.h"),
                                       cl::cat(compileCategory));
static cl::opt<std::string>
    runtimeDir("runtime-dir",
               cl::desc("cuda: folder of libbitsink_cuda_runtime.so (default: "
                        "this build's)"),
               cl::init(BITSINK_RUNTIME_DIR), cl::cat(compileCategory));
static cl::opt<bool>
    noCopyRuntime("no-copy-runtime",
                  cl::desc("cuda .so: do not copy libbitsink_cuda_runtime.so "
                           "next to the output (where rpath $ORIGIN finds "
                           "it)"),
                  cl::init(false), cl::cat(compileCategory));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "bitsink-compile: error: " << message << "\n";
  return 1;
}

namespace {
/// An entry point as the header declares it: the tensor signature before
/// lowering and, after it, which results are returned in place.
struct EntrySignature {
  std::string name;
  FunctionType type;
  SmallVector<int64_t> resultAliases;
};
} // namespace

static std::string cTypeComment(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  Type element = type;
  if (auto shaped = dyn_cast<ShapedType>(type))
    element = shaped.getElementType();
  if (element.isF32())
    os << "float";
  else if (element.isF64())
    os << "double";
  else if (element.isF16())
    os << "f16 bits as uint16_t";
  else if (element.isBF16())
    os << "bf16 bits as uint16_t";
  else if (element.isInteger(1))
    os << "i1 as uint8_t (0/1)";
  else if (element.isIndex())
    os << "index as int64_t";
  else if (auto integer = dyn_cast<IntegerType>(element))
    os << "int" << integer.getWidth() << "_t";
  else
    os << element;
  return text;
}

/// C type of a scalar argument passed by value.
static std::optional<std::string> scalarCType(Type type) {
  if (type.isF32())
    return std::string("float");
  if (type.isF64())
    return std::string("double");
  if (type.isIndex() || type.isInteger(64))
    return std::string("int64_t");
  if (type.isInteger(32))
    return std::string("int32_t");
  if (type.isInteger(16) || type.isF16() || type.isBF16())
    return std::string("uint16_t");
  if (type.isInteger(8) || type.isInteger(1))
    return std::string("uint8_t");
  return std::nullopt;
}

/// Writes the C header. Each entry's `_mlir_ciface_<name>` takes a pointer
/// to a memref descriptor per tensor argument, then one per result that is
/// not returned in place (the out-params of buffer-results-to-out-params).
static LogicalResult writeHeader(ArrayRef<EntrySignature> entries,
                                 StringRef path, bool cuda,
                                 std::string &error) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard =
      "BITSINK_ARTIFACT_" + llvm::sys::path::stem(path).upper() + "_H";
  for (char &c : guard)
    if (!llvm::isAlnum(c))
      c = '_';
  std::set<int64_t> ranks;
  for (const EntrySignature &entry : entries) {
    for (Type type : llvm::concat<const Type>(entry.type.getInputs(),
                                              entry.type.getResults()))
      if (auto shaped = dyn_cast<ShapedType>(type))
        ranks.insert(shaped.getRank());
  }
  os << "/* Generated by bitsink-compile from " << inputFile << " (target "
     << target << "). Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* MLIR's strided memref descriptor of rank N: a tensor<d0 x ... x "
        "T> argument\n"
     << " * is passed as a pointer to one, dense row-major: aligned points at "
        "element\n"
     << " * 0 (plus offset elements), strides[N-1] = 1. `allocated` is not "
        "read. */\n";
  for (int64_t rank : ranks) {
    os << "#ifndef BITSINK_MEMREF_" << rank << "D_DEFINED\n"
       << "#define BITSINK_MEMREF_" << rank << "D_DEFINED\n"
       << "typedef struct {\n  void *allocated;\n  void *aligned;\n"
       << "  int64_t offset;\n";
    if (rank > 0)
      os << "  int64_t sizes[" << rank << "];\n  int64_t strides[" << rank
         << "];\n";
    os << "} bitsink_memref_" << rank << "d;\n#endif\n\n";
  }
  if (cuda)
    os << "/* CUDA artifact: every buffer (arguments and out-params) is "
          "DEVICE memory\n * (bitsinkCudaMalloc in bitsink/Runtime/"
          "CudaRuntime.h); the call returns when\n * the device is done. "
          "Check bitsinkCudaLastError() after a call. */\n\n";
  os << "/* Results returned in place (bitsink.result_aliases): a result "
        "that the\n * function returns through one of its arguments (e.g. a "
        "KV cache updated by\n * cache_append) has no out-param; read it from "
        "that argument's buffer. */\n\n";
  for (const EntrySignature &entry : entries) {
    SmallVector<std::string> params;
    os << "/* @" << entry.name << "\n";
    for (auto [i, type] : llvm::enumerate(entry.type.getInputs())) {
      os << " *   arg" << i << ": " << type << " (" << cTypeComment(type)
         << ")\n";
      if (auto shaped = dyn_cast<ShapedType>(type)) {
        params.push_back("bitsink_memref_" + std::to_string(shaped.getRank()) +
                         "d *arg" + std::to_string(i));
      } else if (std::optional<std::string> c = scalarCType(type)) {
        params.push_back(*c + " arg" + std::to_string(i));
      } else {
        error = "entry '" + entry.name + "': argument " + std::to_string(i) +
                " has a type the C header cannot express";
        return failure();
      }
    }
    for (auto [i, type] : llvm::enumerate(entry.type.getResults())) {
      int64_t alias =
          i < entry.resultAliases.size() ? entry.resultAliases[i] : int64_t{-1};
      os << " *   result" << i << ": " << type << " (" << cTypeComment(type)
         << ")";
      if (alias >= 0) {
        os << ", returned in place in arg" << alias << "\n";
        continue;
      }
      auto shaped = dyn_cast<ShapedType>(type);
      if (!shaped) {
        error = "entry '" + entry.name + "': result " + std::to_string(i) +
                " is not a tensor (only tensor results become out-params)";
        return failure();
      }
      os << ", out-param result" << i << " (caller-allocated)\n";
      params.push_back("bitsink_memref_" + std::to_string(shaped.getRank()) +
                       "d *result" + std::to_string(i));
    }
    os << " */\nvoid _mlir_ciface_" << entry.name << "("
       << (params.empty() ? std::string("void") : llvm::join(params, ", "))
       << ");\n\n";
  }
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  std::error_code ec;
  llvm::raw_fd_ostream file(path, ec);
  if (ec) {
    error = "cannot write " + path.str() + ": " + ec.message();
    return failure();
  }
  file << text;
  return success();
}

/// Optimises `module` at O3 and writes an object file for `cpu`.
static LogicalResult emitObject(llvm::Module &module, StringRef cpu,
                                StringRef path, std::string &error) {
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return failure();
  std::string cpuName = cpu.str();
  std::string featureString;
  if (cpu == "host") {
    cpuName = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures subtarget;
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      subtarget.AddFeature(feature.first(), feature.second);
    featureString = subtarget.getString();
  } else if (cpu == "generic") {
    cpuName = "x86-64";
  }
  llvm::TargetOptions targetOptions;
  // The kernels are loaded from global constructors: they must go to
  // .init_array (lld does not turn the legacy .ctors into it, so they would
  // never run).
  targetOptions.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, cpuName, featureString, targetOptions, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "cannot create a target machine for " + triple.str() + " cpu " +
            cpuName;
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
/// load error on the user's machine.
static LogicalResult linkSharedLibrary(StringRef object, StringRef path,
                                       bool cuda, std::string &error) {
  SmallVector<std::string> args = {
      BITSINK_CLANG, "-shared",           "-fuse-ld=lld",
      "-Wl,-z,defs", "-Wl,--gc-sections", "-Wl,-O1",
      "-o",          path.str(),          object.str()};
  if (cuda) {
    args.push_back("-L" + runtimeDir);
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

static LogicalResult copyRuntimeNextTo(StringRef output, std::string &error) {
  SmallString<256> source(runtimeDir.getValue());
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

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(compileCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "bitsink-compile: lower an MLIR file and compile it to a shared "
      "library or object file\n");

  bool cuda = target == "cuda";
  if (!cuda && target != "cpu")
    return fail("unknown --target '" + target + "' (expected cpu or cuda)");
#ifndef BITSINK_ENABLE_CUDA
  if (cuda)
    return fail("--target=cuda needs a build with BITSINK_ENABLE_CUDA");
#endif
  if (emit != "so" && emit != "obj")
    return fail("unknown --emit '" + emit + "' (expected so or obj)");
  if (!cuda && (!chip.empty() || !features.empty() || !cubinFormat.empty()))
    return fail("--chip, --features and --cubin-format need --target=cuda");
  for (StringRef path : {StringRef(outputFile), StringRef(headerFile)}) {
    StringRef dir = llvm::sys::path::parent_path(path);
    if (!path.empty() && !dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("cannot write " + path + ": no directory " + dir);
  }
  std::string cpu = hostCpu.empty() ? std::string(cuda ? "generic" : "host")
                                    : hostCpu.getValue();

  DialectRegistry registry;
  bitsink::registerAllDialects(registry);
  bitsink::registerAllPasses();
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  std::string error;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile);
  if (!buffer)
    return fail("cannot read " + inputFile + ": " +
                buffer.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  // Entry signatures before lowering: public functions with a body.
  SmallVector<EntrySignature> entries;
  for (auto func : module->getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entries.push_back({func.getName().str(), func.getFunctionType(), {}});
  if (entries.empty())
    return fail(inputFile + " has no public function with a body to export");

  PassManager pm(&context);
  if (cuda) {
#ifdef BITSINK_ENABLE_CUDA
    bitsink::NVPTXPipelineOptions options;
    if (failed(options.parseFromString(pipelineOptions)))
      return fail("bad --pipeline-options for bitsink-nvptx-pipeline: '" +
                  pipelineOptions + "'");
    if (!chip.empty())
      options.chip = chip;
    if (!features.empty())
      options.features = features;
    if (!cubinFormat.empty())
      options.cubinFormat = cubinFormat;
    options.cInterface = true;
    if (failed(bitsink::buildNVPTXPipeline(pm, options, error)))
      return fail(error);
#endif
  } else {
    bitsink::CPUPipelineOptions options;
    if (failed(options.parseFromString(pipelineOptions)))
      return fail("bad --pipeline-options for bitsink-cpu-pipeline: '" +
                  pipelineOptions + "'");
    options.cInterface = true;
    bitsink::buildCPUPipeline(pm, options);
  }
  if (failed(pm.run(*module)))
    return 1;

  for (EntrySignature &entry : entries) {
    auto func = module->lookupSymbol<LLVM::LLVMFuncOp>(entry.name);
    if (!func)
      return fail("entry '" + entry.name + "' is missing after lowering");
    if (auto aliases =
            func->getAttrOfType<DenseI64ArrayAttr>("bitsink.result_aliases"))
      entry.resultAliases.assign(aliases.asArrayRef().begin(),
                                 aliases.asArrayRef().end());
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, inputFile);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");

  std::string objectPath = outputFile;
  SmallString<128> tempObject;
  if (emit == "so") {
    int fd;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "bitsink-compile", "o", fd, tempObject))
      return fail("cannot create a temporary file: " + ec.message());
    llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    objectPath = tempObject.str().str();
  }
  llvm::FileRemover removeTemp(tempObject);
  if (failed(emitObject(*llvmModule, cpu, objectPath, error)))
    return fail(error);
  if (emit == "so") {
    if (failed(linkSharedLibrary(objectPath, outputFile, cuda, error)))
      return fail(error);
    if (cuda && !noCopyRuntime && failed(copyRuntimeNextTo(outputFile, error)))
      return fail(error);
  }
  if (!headerFile.empty() &&
      failed(writeHeader(entries, headerFile, cuda, error)))
    return fail(error);
  return 0;
}
