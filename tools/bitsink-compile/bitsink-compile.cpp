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

#include "bitsink/Execution/Artifact.h"
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

#include <cstring>
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
               cl::init(bitsink::ArtifactOptions::defaultRuntimeDir()),
               cl::cat(compileCategory));
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

using bitsink::ArtifactEntry;

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
static LogicalResult writeHeader(ArrayRef<ArtifactEntry> entries,
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
  for (const ArtifactEntry &entry : entries) {
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
  for (const ArtifactEntry &entry : entries) {
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

  DialectRegistry registry;
  bitsink::registerAllDialects(registry);
  bitsink::registerAllPasses();
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile);
  if (!buffer)
    return fail("cannot read " + inputFile + ": " +
                buffer.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  bitsink::ArtifactOptions options;
  options.target = target;
  options.pipelineOptions = pipelineOptions;
  options.chip = chip;
  options.features = features;
  options.cubinFormat = cubinFormat;
  options.cpu = hostCpu;
  options.objectOnly = emit == "obj";
  options.runtimeDir = runtimeDir;
  options.copyRuntime = !noCopyRuntime;
  std::vector<ArtifactEntry> entries;
  std::string error;
  if (!bitsink::compileArtifact(*module, options, outputFile, entries, error)) {
    if (StringRef(error).starts_with("the module has no public function"))
      return fail(inputFile + " has no public function with a body to export");
    // A failed pipeline has reported its diagnostics already.
    if (StringRef(error).ends_with("pipeline failed"))
      return 1;
    if (StringRef(error).starts_with("bad pipeline options"))
      error.replace(0, strlen("bad pipeline options"), "bad --pipeline-options");
    return fail(error);
  }
  if (!headerFile.empty() &&
      failed(writeHeader(entries, headerFile, cuda, error)))
    return fail(error);
  return 0;
}
