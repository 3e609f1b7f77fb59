//===- JitRunner.cpp - JIT-compile and run an entry function --------------===//
//
// The entry's tensor signature is recorded before lowering (and kept on the
// function as `bitsink.signature`). After bitsink-cpu-pipeline the entry
// takes its inputs followed by one out-param per result, every memref
// expanded into (allocated, aligned, offset, sizes..., strides...) scalars;
// the ExecutionEngine's packed wrapper `_mlir_<entry>` takes a pointer to
// each of those scalars.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/JitRunner.h"
#include "bitsink/Execution/Artifact.h"
#include "bitsink/InitAll.h"
#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/DebugStringHelper.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

using namespace mlir;
using namespace bitsink;

#ifndef BITSINK_LLVM_LIBDIR
#define BITSINK_LLVM_LIBDIR "/usr/lib/llvm-22/lib"
#endif

//===----------------------------------------------------------------------===//
// Signatures
//===----------------------------------------------------------------------===//

npy::DType TensorSpec::fileDType() const {
  return dtype == npy::DType::BF16 ? npy::DType::F32 : dtype;
}

bool bitsink::dtypeOf(Type type, npy::DType &dtype) {
  if (type.isF32())
    dtype = npy::DType::F32;
  else if (type.isF64())
    dtype = npy::DType::F64;
  else if (type.isF16())
    dtype = npy::DType::F16;
  else if (type.isBF16())
    dtype = npy::DType::BF16;
  else if (type.isIndex())
    dtype = npy::DType::I64;
  else if (auto it = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = it.isUnsigned();
    switch (it.getWidth()) {
    case 1:
      dtype = npy::DType::Bool;
      break;
    case 8:
      dtype = isUnsigned ? npy::DType::U8 : npy::DType::I8;
      break;
    case 16:
      if (isUnsigned)
        return false;
      dtype = npy::DType::I16;
      break;
    case 32:
      dtype = isUnsigned ? npy::DType::U32 : npy::DType::I32;
      break;
    case 64:
      if (isUnsigned)
        return false;
      dtype = npy::DType::I64;
      break;
    default:
      return false;
    }
  } else {
    return false;
  }
  return true;
}

static bool tensorSpecOf(Type type, const std::string &what, TensorSpec &spec,
                         std::string &error) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor) {
    error = what + " has type " + debugString(type) +
            "; only ranked tensors are supported";
    return false;
  }
  if (!tensor.hasStaticShape()) {
    error = what + " has dynamic shape " + debugString(type) +
            "; only static shapes are supported";
    return false;
  }
  if (!dtypeOf(tensor.getElementType(), spec.dtype)) {
    error = what + " has unsupported element type " +
            debugString(tensor.getElementType());
    return false;
  }
  spec.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  spec.typeName = debugString(type);
  return true;
}

bool bitsink::getEntrySignature(Type functionType, EntrySignature &signature,
                                std::string &error) {
  auto type = dyn_cast<FunctionType>(functionType);
  if (!type) {
    error = "entry signature " + debugString(functionType) +
            " is not a function type";
    return false;
  }
  signature = {};
  for (auto [i, input] : llvm::enumerate(type.getInputs())) {
    TensorSpec spec;
    if (!tensorSpecOf(input, "argument " + std::to_string(i), spec, error))
      return false;
    signature.inputs.push_back(std::move(spec));
  }
  for (auto [i, result] : llvm::enumerate(type.getResults())) {
    TensorSpec spec;
    if (!tensorSpecOf(result, "result " + std::to_string(i), spec, error))
      return false;
    signature.results.push_back(std::move(spec));
  }
  return true;
}

bool bitsink::readEntrySignature(FunctionOpInterface func,
                                 EntrySignature &signature,
                                 std::string &error) {
  std::string name = func.getName().str();
  Type type;
  if (auto attr = func->getAttrOfType<TypeAttr>(kSignatureAttrName))
    type = attr.getValue();
  else if (isa<func::FuncOp>(func.getOperation()))
    type = func.getFunctionType();
  if (!type) {
    error = "entry '" + name +
            "' has no tensor signature: a module lowered elsewhere must keep "
            "the `" +
            kSignatureAttrName.str() + "` attribute on its entry";
    return false;
  }
  if (!getEntrySignature(type, signature, error)) {
    error = "entry '" + name + "': " + error;
    return false;
  }
  return true;
}

static std::string shapeToString(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

bool bitsink::prepareInputs(const EntrySignature &signature,
                            const std::vector<npy::Array> &inputs,
                            std::vector<npy::Array> &prepared,
                            std::string &error) {
  return prepareInputs(signature, std::vector<npy::Array>(inputs), prepared,
                       error);
}

bool bitsink::prepareInputs(const EntrySignature &signature,
                            std::vector<npy::Array> &&inputs,
                            std::vector<npy::Array> &prepared,
                            std::string &error) {
  if (inputs.size() != signature.inputs.size()) {
    error = "the entry takes " + std::to_string(signature.inputs.size()) +
            " arguments, got " + std::to_string(inputs.size()) + " inputs";
    return false;
  }
  prepared.clear();
  for (auto [i, spec] : llvm::enumerate(signature.inputs)) {
    npy::Array &input = inputs[i];
    std::string what =
        "argument " + std::to_string(i) + " (" + spec.typeName + ")";
    if (input.shape != spec.shape) {
      error = what + ": expected shape " + shapeToString(spec.shape) +
              ", got " + shapeToString(input.shape);
      return false;
    }
    if (input.dtype != spec.fileDType()) {
      error = what + ": expected dtype " +
              npy::dtypeTypeName(spec.fileDType()) +
              (spec.dtype == npy::DType::BF16
                   ? " (bfloat16 tensors take float32 arrays)"
                   : "") +
              ", got " + npy::dtypeTypeName(input.dtype);
      return false;
    }
    prepared.push_back(spec.dtype == input.dtype
                           ? std::move(input)
                           : npy::convert(input, spec.dtype));
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

void JitRunner::prepareContext(MLIRContext &context) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    bitsink::registerAllPasses();
  });
  DialectRegistry registry;
  bitsink::registerAllDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  // Diagnostics point at file:line:col; the op dump adds noise.
  context.printOpOnDiagnostic(false);
}

/// Erases the functions the entry does not reach through symbol uses: test
/// files hold many entries, and lowering and JIT-compiling only the one
/// that runs keeps each run fast.
static void pruneUnreachableFunctions(ModuleOp module,
                                      FunctionOpInterface entry) {
  llvm::SmallPtrSet<Operation *, 8> reached;
  llvm::SmallVector<Operation *> worklist{entry};
  reached.insert(entry);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(op);
    if (!uses) // Unknown nested symbol tables: keep everything.
      return;
    for (const SymbolTable::SymbolUse &use : *uses) {
      Operation *callee =
          SymbolTable::lookupNearestSymbolFrom(module, use.getSymbolRef());
      if (callee && reached.insert(callee).second)
        worklist.push_back(callee);
    }
  }
  for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
    if (isa<FunctionOpInterface>(op) && !reached.count(&op))
      op.erase();
}

// LLVM's compiler-rt builtins that the code generator calls for half and
// bfloat conversions on a CPU without native ones (linked in from
// libclang_rt.builtins, see lib/Execution/CMakeLists.txt). Declared with a
// dummy type: only their addresses are taken.
extern "C" {
void __truncsfbf2();
void __truncdfbf2();
void __extendbfsf2();
void __truncsfhf2();
void __truncdfhf2();
void __extendhfsf2();
void __extendhfdf2();
}

/// A failed `cf.assert` in compiled code (torch-mlir checks token ids
/// against the embedding table with them) is lowered by
/// ConvertControlFlowToLLVM to puts(message) and abort(): the message went
/// to a buffered stdout and was lost, and abort() raised SIGABRT, a crash
/// report. In the JIT, the two calls are these instead: the message is an
/// error on stderr, and the process exits with status 1 (compiled code
/// cannot be unwound; the first failing thread reports, the others wait).
static std::atomic<bool> assertFailed{false};

static int assertMessage(const char *message) {
  if (assertFailed.exchange(true)) {
    while (true)
      std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::fprintf(stderr,
               "bitsink: error: the compiled code's assertion failed: %s "
               "(the call cannot continue; exiting)\n",
               message);
  std::fflush(stderr);
  std::fflush(stdout);
  std::_Exit(1);
}

[[noreturn]] static void assertAbort() {
  assertMessage("(no message)");
  std::_Exit(1);
}

/// Appends each cf.assert's source location to its message, so that a
/// failure at run time (assertMessage) says where the assert was written.
static void locateAssertMessages(ModuleOp module) {
  module.walk([](cf::AssertOp op) {
    std::string location;
    llvm::raw_string_ostream os(location);
    Location loc = op.getLoc();
    if (auto fused = dyn_cast<FusedLoc>(loc);
        fused && !fused.getLocations().empty())
      loc = fused.getLocations().front();
    if (auto file = dyn_cast<FileLineColLoc>(loc))
      os << file.getFilename().getValue() << ":" << file.getLine() << ":"
         << file.getColumn();
    else
      return;
    op.setMsg((op.getMsg() + " (" + location + ")").str());
  });
}

/// Hands the builtins above to the JIT, so that it calls the same functions
/// as the artifacts: otherwise it finds the bfloat truncations in MLIR's
/// libmlir_float16_utils (loaded with libmlir_c_runner_utils) and the half
/// conversions in the system's libgcc, if that has them (GCC 12 has no
/// bfloat one). The copies linked into this program are hidden from dlsym.
static llvm::orc::SymbolMap
builtinSymbols(llvm::orc::MangleAndInterner mangle) {
  static const std::pair<const char *, void (*)()> builtins[] = {
      {"__truncsfbf2", __truncsfbf2},   {"__truncdfbf2", __truncdfbf2},
      {"__extendbfsf2", __extendbfsf2}, {"__truncsfhf2", __truncsfhf2},
      {"__truncdfhf2", __truncdfhf2},   {"__extendhfsf2", __extendhfsf2},
      {"__extendhfdf2", __extendhfdf2}};
  // The profile runtime (bitsink-profile-instrument's calls), also under
  // the names a c-interface pipeline calls.
  static const std::pair<const char *, void (*)(int64_t)> profile[] = {
      {"bitsink_profile_begin", bitsink_profile_begin},
      {"bitsink_profile_end", bitsink_profile_end},
      {"_mlir_ciface_bitsink_profile_begin", bitsink_profile_begin},
      {"_mlir_ciface_bitsink_profile_end", bitsink_profile_end}};
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char *name, auto *function) {
    symbols[mangle(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                             llvm::JITSymbolFlags::Exported |
                                 llvm::JITSymbolFlags::Callable};
  };
  for (auto [name, function] : builtins)
    add(name, function);
  for (auto [name, function] : profile)
    add(name, function);
  add("puts", assertMessage);
  add("abort", assertAbort);
  return symbols;
}

/// Memref descriptor scalars of one tensor: allocated and aligned pointers,
/// offset, sizes, strides.
static size_t descriptorSlots(const TensorSpec &spec) {
  return 3 + 2 * spec.shape.size();
}

std::unique_ptr<JitRunner> JitRunner::compile(ModuleOp module,
                                              const JitOptions &options,
                                              std::string &error) {
  auto runner = std::unique_ptr<JitRunner>(new JitRunner());
  runner->entry_ = options.entry;
  Operation *symbol = SymbolTable::lookupSymbolIn(module, options.entry);
  auto func = dyn_cast_or_null<FunctionOpInterface>(symbol);
  if (!func) {
    std::string names;
    module.walk([&](FunctionOpInterface f) {
      if (!f.isExternal())
        names += (names.empty() ? "" : ", ") + f.getName().str();
    });
    error = "no function named '" + options.entry + "' in the module" +
            (names.empty() ? std::string() : " (functions: " + names + ")");
    return nullptr;
  }
  if (!readEntrySignature(func, runner->signature_, error))
    return nullptr;
  if (!func->hasAttr(kSignatureAttrName))
    func->setAttr(kSignatureAttrName, TypeAttr::get(func.getFunctionType()));

  TargetCpu cpu;
  if (!resolveTargetCpu(options.cpu, cpu, error))
    return nullptr;

  llvm::StringRef pipeline = llvm::StringRef(options.pipeline).trim();
  if (pipeline != "none") {
    pruneUnreachableFunctions(module, func);
    locateAssertMessages(module);
    std::string pipelineErrors;
    llvm::raw_string_ostream os(pipelineErrors);
    // A CPU other than the host reaches bitsink-cpu-pipeline as target-cpu.
    FailureOr<OpPassManager> parsed = parseModulePipeline(
        pipeline, os, options.cpu == "host" ? "" : llvm::StringRef(options.cpu),
        options.profile);
    if (failed(parsed)) {
      error = "bad pass pipeline '" + pipeline.str() +
              "': " + llvm::StringRef(pipelineErrors).trim().str();
      return nullptr;
    }
    PassManager pm(module.getContext());
    static_cast<OpPassManager &>(pm) = std::move(*parsed);
    if (failed(pm.run(module))) {
      error = "lowering with '" + pipeline.str() + "' failed";
      return nullptr;
    }
  }

  if (!checkIntrinsicsForCpu(module, cpu, options.cpu, error))
    return nullptr;

  // The labels of an instrumented module become its counters; the
  // attribute is not needed in the LLVM IR.
  if (auto labels = module->getAttrOfType<ArrayAttr>(kProfileLabelsAttrName)) {
    std::vector<std::string> texts;
    for (Attribute label : labels)
      texts.push_back(cast<StringAttr>(label).getValue().str());
    runner->profile_ = std::make_unique<ProfileCounters>(std::move(texts));
    module->removeAttr(kProfileLabelsAttrName);
  } else if (options.profile) {
    error = "profiling needs the kernels instrumented by "
            "bitsink-cpu-pipeline{profile=true} (or "
            "bitsink-profile-instrument), and the pipeline '" +
            pipeline.str() + "' has neither" +
            (pipeline == "none" ? " (the module is already lowered)" : "");
    return nullptr;
  }

  // The lowered entry must take every input and result as a memref.
  auto lowered = dyn_cast_or_null<LLVM::LLVMFuncOp>(
      SymbolTable::lookupSymbolIn(module, options.entry));
  if (!lowered) {
    error = "after the pipeline, '" + options.entry +
            "' is not an llvm.func: the module is not fully lowered to the "
            "LLVM dialect";
    return nullptr;
  }
  // Results updated in place through an argument have no out-param.
  const EntrySignature &signature = runner->signature_;
  runner->resultAliases_.assign(signature.results.size(), -1);
  if (auto aliases =
          lowered->getAttrOfType<DenseI64ArrayAttr>("bitsink.result_aliases")) {
    if (aliases.size() != static_cast<int64_t>(signature.results.size())) {
      error = "bitsink.result_aliases of '" + options.entry + "' has " +
              std::to_string(aliases.size()) + " entries, the entry has " +
              std::to_string(signature.results.size()) + " results";
      return nullptr;
    }
    for (auto [i, alias] : llvm::enumerate(aliases.asArrayRef())) {
      if (alias < 0)
        continue;
      if (alias >= static_cast<int64_t>(signature.inputs.size()) ||
          signature.inputs[alias].dtype != signature.results[i].dtype ||
          signature.inputs[alias].shape != signature.results[i].shape) {
        error = "result " + std::to_string(i) + " of '" + options.entry +
                "' is recorded as updated in place in argument " +
                std::to_string(alias) + ", which does not have its type";
        return nullptr;
      }
      runner->resultAliases_[i] = alias;
    }
  }
  size_t expectedArgs = 0;
  for (const TensorSpec &spec : signature.inputs)
    expectedArgs += descriptorSlots(spec);
  for (auto [i, spec] : llvm::enumerate(signature.results))
    if (runner->resultAliases_[i] < 0)
      expectedArgs += descriptorSlots(spec);
  if (lowered.getNumArguments() != expectedArgs ||
      !isa<LLVM::LLVMVoidType>(lowered.getFunctionType().getReturnType())) {
    error = "lowered entry '" + options.entry + "' takes " +
            std::to_string(lowered.getNumArguments()) +
            " arguments, expected " + std::to_string(expectedArgs) +
            " (memref descriptors of the inputs, then one out-param per "
            "result not updated in place) and no result";
    return nullptr;
  }

  bool hostCpu = options.cpu == "host";
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder) {
    error = "cannot detect the host: " + llvm::toString(tmBuilder.takeError());
    return nullptr;
  }
  if (!hostCpu) {
    tmBuilder->setCPU(cpu.name);
    tmBuilder->setFeatures(cpu.features);
  }
  llvm::CodeGenOptLevel codeGenLevel = options.optLevel >= 3
                                           ? llvm::CodeGenOptLevel::Aggressive
                                           : llvm::CodeGenOptLevel::Default;
  tmBuilder->setCodeGenOptLevel(codeGenLevel);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm) {
    error = "cannot create a target machine: " + llvm::toString(tm.takeError());
    return nullptr;
  }
  // MLIR's ExecutionEngine generates code with this target machine: for a
  // named CPU, its CPU and features (checked by
  // test/tools/bitsink-run/cpu-model.mlir: no zmm register for x86-64-v3).
  auto transformer =
      makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0, tm->get());
  static const std::string libDir = BITSINK_LLVM_LIBDIR;
  static const std::string libs[] = {libDir + "/libomp.so",
                                     libDir + "/libmlir_c_runner_utils.so"};
  llvm::SmallVector<llvm::StringRef> libPaths(std::begin(libs), std::end(libs));
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = codeGenLevel;
  engineOptions.sharedLibPaths = libPaths;
  engineOptions.enableObjectDump = !options.objectDumpPath.empty();
  auto engine = ExecutionEngine::create(module, engineOptions, std::move(*tm));
  if (!engine) {
    error = "JIT compilation failed: " + llvm::toString(engine.takeError());
    return nullptr;
  }
  runner->engine_ = std::move(*engine);
  runner->engine_->registerSymbols(builtinSymbols);
  runner->engine_->initialize();
  // Looking the entry up compiles it (the JIT is lazy), so the object can
  // be dumped now.
  auto fn = runner->engine_->lookupPacked(options.entry);
  if (!fn) {
    error = "cannot find the compiled entry: " + llvm::toString(fn.takeError());
    return nullptr;
  }
  if (!options.objectDumpPath.empty())
    runner->engine_->dumpToObjectFile(options.objectDumpPath);
  return runner;
}

std::unique_ptr<JitRunner> JitRunner::compileSource(MLIRContext &context,
                                                    llvm::StringRef source,
                                                    llvm::StringRef bufferName,
                                                    const JitOptions &options,
                                                    std::string &error) {
  prepareContext(context);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  std::unique_ptr<JitRunner> runner;
  if (module)
    runner = compile(*module, options, error);
  else
    error = "cannot parse '" + bufferName.str() + "'";
  if (!runner && !diagnostics.empty())
    error += "\n" + llvm::StringRef(diagnostics).rtrim().str();
  return runner;
}

std::unique_ptr<JitRunner> JitRunner::compileModule(ModuleOp module,
                                                    const JitOptions &options,
                                                    std::string &error) {
  MLIRContext *context = module.getContext();
  prepareContext(*context);
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    printDiagnostic(os, diag);
    return success();
  });
  OwningOpRef<ModuleOp> clone = module.clone();
  std::unique_ptr<JitRunner> runner = compile(*clone, options, error);
  if (!runner && !diagnostics.empty())
    error += "\n" + llvm::StringRef(diagnostics).rtrim().str();
  return runner;
}

JitRunner::~JitRunner() = default;

ProfileReport JitRunner::profileReport() const {
  if (!profile_) {
    ProfileReport report;
    report.entry = entry_;
    return report;
  }
  return profile_->report(entry_);
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

/// Appends the descriptor scalars of a dense row-major memref on `data`.
static void appendDescriptor(std::vector<intptr_t> &slots, void *data,
                             const std::vector<int64_t> &shape) {
  slots.push_back(reinterpret_cast<intptr_t>(data));
  slots.push_back(reinterpret_cast<intptr_t>(data));
  slots.push_back(0);
  for (int64_t d : shape)
    slots.push_back(d);
  int64_t stride = 1;
  std::vector<int64_t> strides(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  for (int64_t s : strides)
    slots.push_back(s);
}

bool JitRunner::runBorrowed(llvm::ArrayRef<void *> inputs,
                            std::vector<npy::Array> &outputs,
                            std::string &error) {
  if (inputs.size() != signature_.inputs.size()) {
    error = "the entry takes " + std::to_string(signature_.inputs.size()) +
            " arguments, got " + std::to_string(inputs.size());
    return false;
  }
  outputs.clear();
  for (auto [i, spec] : llvm::enumerate(signature_.results))
    outputs.push_back(resultAliases_[i] < 0
                          ? npy::Array::zeros(spec.dtype, spec.shape)
                          : npy::Array{spec.dtype, spec.shape, {}});
  std::vector<intptr_t> slots;
  for (auto [i, spec] : llvm::enumerate(signature_.inputs))
    appendDescriptor(slots, inputs[i], spec.shape);
  for (auto [i, spec] : llvm::enumerate(signature_.results))
    if (resultAliases_[i] < 0)
      appendDescriptor(slots, outputs[i].data.data(), spec.shape);
  llvm::SmallVector<void *> args;
  for (intptr_t &slot : slots)
    args.push_back(&slot);
  // With counters, the kernels of this call count in them.
  std::optional<ProfileCounters::Scope> profiling;
  if (profile_)
    profiling.emplace(*profile_);
  if (llvm::Error e = engine_->invokePacked(entry_, args)) {
    error = "cannot call '" + entry_ + "': " + llvm::toString(std::move(e));
    return false;
  }
  return true;
}

bool JitRunner::runPrepared(std::vector<npy::Array> &inputs,
                            std::vector<npy::Array> &outputs,
                            std::string &error, bool copyInPlaceResults) {
  if (inputs.size() != signature_.inputs.size()) {
    error = "the entry takes " + std::to_string(signature_.inputs.size()) +
            " arguments, got " + std::to_string(inputs.size());
    return false;
  }
  std::vector<void *> buffers;
  for (auto [i, spec] : llvm::enumerate(signature_.inputs)) {
    if (inputs[i].dtype != spec.dtype || inputs[i].shape != spec.shape) {
      error =
          "argument " + std::to_string(i) + " does not match " + spec.typeName;
      return false;
    }
    buffers.push_back(inputs[i].data.data());
  }
  if (!runBorrowed(buffers, outputs, error))
    return false;
  // A result updated in place is its argument's buffer after the call.
  if (copyInPlaceResults)
    for (auto [i, alias] : llvm::enumerate(resultAliases_))
      if (alias >= 0)
        outputs[i].data = inputs[alias].data;
  return true;
}

bool JitRunner::run(const std::vector<npy::Array> &inputs,
                    std::vector<npy::Array> &outputs, std::string &error) {
  return run(std::vector<npy::Array>(inputs), outputs, error);
}

bool JitRunner::run(std::vector<npy::Array> &&inputs,
                    std::vector<npy::Array> &outputs, std::string &error) {
  std::vector<npy::Array> prepared;
  if (!prepareInputs(signature_, std::move(inputs), prepared, error) ||
      !runPrepared(prepared, outputs, error))
    return false;
  for (npy::Array &output : outputs)
    if (output.dtype == npy::DType::BF16)
      output = npy::convert(output, npy::DType::F32);
  return true;
}
