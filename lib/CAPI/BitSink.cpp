//===- BitSink.cpp - coarse C API to the bitsink compiler -------*- C++ -*-===//
//
// The C++ behind bitsink/CAPI/BitSink.h. Each call that can fail captures the
// MLIR diagnostics it causes as text in its context.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"
#ifdef BITSINK_ENABLE_CUDA
#include "CudaExecutable.h"
#endif
#include "bitsink/Execution/JitRunner.h"
#include "bitsink/InitAll.h"
#include "bitsink/Pipelines/Pipelines.h"
#include "bitsink/Quant/Budget.h"
#include "bitsink/Quant/Quantizer.h"
#include "bitsink/Reference/Reference.h"
#include "bitsink/Support/DiagnosticText.h"
#include "bitsink/Support/KnownParserCrashes.h"
#include "bitsink/Support/Npy.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

using namespace mlir;

struct BitSinkContextImpl {
  explicit BitSinkContextImpl(const DialectRegistry &registry)
      : context(registry) {
    // Diagnostics point at the source by file:line:col; attaching the whole
    // module to each of them, as mlir-opt does, buries the message.
    context.printOpOnDiagnostic(false);
  }

  MLIRContext context;
  std::string diagnostics;
};

struct BitSinkModuleImpl {
  BitSinkContextImpl *context;
  OwningOpRef<ModuleOp> module;
};

namespace {
/// While alive, turns every diagnostic of the context into a line of its
/// `diagnostics` text, replacing what the previous call left there. Without a
/// handler MLIR would print them to stderr, out of the caller's reach.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(BitSinkContextImpl *impl)
      : os(impl->diagnostics),
        handler(&impl->context, [this](Diagnostic &diag) {
          // `file:line:col: severity: message` (the form editors and tests
          // match), then the notes.
          bitsink::printDiagnostic(os, diag);
          return success();
        }) {
    impl->diagnostics.clear();
  }

  /// Keeps the promise of the header: UTF-8 lines, each ending in a newline.
  /// A diagnostic may quote bytes of the input or stream a stray `char`.
  ~DiagnosticCollector() {
    std::string &text = os.str();
    if (!llvm::json::isUTF8(text))
      text = llvm::json::fixUTF8(text);
    if (!text.empty() && text.back() != '\n')
      text.push_back('\n');
  }

  /// For errors reported outside the diagnostic engine (the pipeline parser).
  raw_ostream &stream() { return os; }

  /// Converts `result` to a status; a failure always explains itself, even
  /// when the code that failed emitted no diagnostic.
  BitSinkStatus finish(LogicalResult result, StringRef what) {
    if (succeeded(result))
      return BITSINK_SUCCESS;
    if (os.str().empty())
      os << what << " failed without a diagnostic\n";
    return BITSINK_FAILURE;
  }

private:
  llvm::raw_string_ostream os;
  ScopedDiagnosticHandler handler;
};
} // namespace

BitSinkContext bitsinkContextCreate(void) {
  bitsink::registerAllPasses();
  DialectRegistry registry;
  bitsink::registerAllDialects(registry);
  return new BitSinkContextImpl(registry);
}

void bitsinkContextDestroy(BitSinkContext context) { delete context; }

const char *bitsinkContextGetDiagnostics(BitSinkContext context) {
  return context->diagnostics.c_str();
}

BitSinkStatus bitsinkModuleParse(BitSinkContext context, const char *ir,
                                 size_t length, const char *sourceName,
                                 BitSinkModule *moduleOut) {
  DiagnosticCollector diagnostics(context);
  ParserConfig config(&context->context);
  // MLIR's lexer reads up to a NUL terminator; the caller's buffer need not
  // have one (found by fuzz/FuzzIR.cpp: a read past the end otherwise).
  std::string text(ir ? ir : "", ir ? length : 0);
  if (std::optional<size_t> at = bitsink::findMalformedLinalgArray(text)) {
    // MLIR 22 would dereference a null attribute here.
    size_t line = 1 + std::count(text.begin(), text.begin() + *at, '\n');
    size_t lineStart = text.rfind('\n', *at == 0 ? 0 : *at - 1);
    size_t column = lineStart == std::string::npos ? *at + 1 : *at - lineStart;
    diagnostics.stream() << (sourceName ? sourceName : "<string>") << ":"
                         << line << ":" << column
                         << ": error: malformed integer array after this "
                            "keyword (expected '= [i, j, ...]')\n";
    return BITSINK_FAILURE;
  }
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      text, config, sourceName ? sourceName : "<string>");
  if (!module)
    return diagnostics.finish(failure(), "parsing");
  *moduleOut = new BitSinkModuleImpl{context, std::move(module)};
  return BITSINK_SUCCESS;
}

void bitsinkModuleDestroy(BitSinkModule module) { delete module; }

BitSinkStatus bitsinkModuleRunPipeline(BitSinkModule module,
                                       const char *pipeline) {
  DiagnosticCollector diagnostics(module->context);
  FailureOr<OpPassManager> parsed = bitsink::parseModulePipeline(
      pipeline ? pipeline : "", diagnostics.stream());
  if (failed(parsed))
    return diagnostics.finish(failure(), "parsing the pass pipeline");
  // The parsed pipeline carries its own anchor; PassManager::run reports an
  // anchor that does not match the module.
  PassManager pm(&module->context->context);
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  return diagnostics.finish(pm.run(*module->module), "the pass pipeline");
}

BitSinkStatus bitsinkModuleVerify(BitSinkModule module) {
  DiagnosticCollector diagnostics(module->context);
  return diagnostics.finish(verify(*module->module), "verification");
}

char *bitsinkModulePrint(BitSinkModule module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module->module->print(os);
  return strdup(text.c_str());
}

void bitsinkStringDestroy(char *string) { free(string); }

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

namespace {
/// Borrowed view of `array` (shape and data owned by it).
BitSinkArray view(const bitsink::npy::Array &array, bool withData) {
  return BitSinkArray{
      bitsink::npy::dtypeName(array.dtype),
      static_cast<int64_t>(array.shape.size()), array.shape.data(),
      withData ? const_cast<char *>(array.data.data()) : nullptr};
}

/// Copies a caller's array into an npy::Array; fails on a bad descr or
/// shape.
bool copyIn(const BitSinkArray &in, bitsink::npy::Array &out,
            std::string &error) {
  if (!in.dtype || !parseDType(in.dtype, out.dtype, error)) {
    if (!in.dtype)
      error = "array without a dtype";
    return false;
  }
  if (in.rank < 0 || (in.rank > 0 && !in.shape)) {
    error = "array with an invalid rank";
    return false;
  }
  out.shape.assign(in.shape, in.shape + in.rank);
  for (int64_t d : out.shape) {
    if (d < 0) {
      error = "array with a negative dimension";
      return false;
    }
  }
  size_t bytes = out.numElements() * bitsink::npy::elementSize(out.dtype);
  if (bytes && !in.data) {
    error = "array without data";
    return false;
  }
  out.data.assign(static_cast<const char *>(in.data),
                  static_cast<const char *>(in.data) + bytes);
  return true;
}

/// Records a plain error message (not an MLIR diagnostic) as the context's
/// diagnostics.
BitSinkStatus fail(BitSinkContextImpl *context, const std::string &message) {
  context->diagnostics = "error: " + message + "\n";
  if (!llvm::json::isUTF8(context->diagnostics))
    context->diagnostics = llvm::json::fixUTF8(context->diagnostics);
  return BITSINK_FAILURE;
}
} // namespace

//===----------------------------------------------------------------------===//
// Entry arguments
//===----------------------------------------------------------------------===//

namespace {
/// The function `entry` of `module` with a body; else null and a message
/// naming the functions there are.
FunctionOpInterface findEntry(ModuleOp module, const char *entry,
                              std::string &error) {
  std::string name = entry && *entry ? entry : "main";
  auto func = dyn_cast_or_null<FunctionOpInterface>(
      SymbolTable::lookupSymbolIn(module, name));
  if (func && !func.isExternal())
    return func;
  std::string names;
  module.walk([&](FunctionOpInterface f) {
    if (!f.isExternal())
      names += (names.empty() ? "" : ", ") + f.getName().str();
  });
  error = "no function with a body named '" + name + "' in the module" +
          (names.empty() ? std::string() : " (functions: " + names + ")");
  return nullptr;
}

/// The name of argument `index` (see bitsinkModuleGetArgumentName).
std::string argumentName(FunctionOpInterface func, unsigned index) {
  if (auto name = func.getArgAttrOfType<StringAttr>(index, "bitsink.name"))
    return name.str();
  std::string found;
  func.getArgument(index).getLoc()->walk([&](Location loc) {
    if (auto nameLoc = dyn_cast<NameLoc>(loc)) {
      found = nameLoc.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "(";
  for (auto [i, d] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(d);
  return text + (shape.size() == 1 ? ",)" : ")");
}
} // namespace

BitSinkStatus bitsinkModuleGetNumArguments(BitSinkModule module,
                                           const char *entry,
                                           int64_t *countOut) {
  std::string error;
  FunctionOpInterface func = findEntry(*module->module, entry, error);
  if (!func)
    return fail(module->context, error);
  *countOut = func.getNumArguments();
  module->context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

BitSinkStatus bitsinkModuleGetArgumentName(BitSinkModule module,
                                           const char *entry, int64_t index,
                                           char **nameOut) {
  std::string error;
  FunctionOpInterface func = findEntry(*module->module, entry, error);
  if (!func)
    return fail(module->context, error);
  if (index < 0 || index >= static_cast<int64_t>(func.getNumArguments()))
    return fail(module->context,
                "argument index " + std::to_string(index) + " out of range: '" +
                    func.getName().str() + "' has " +
                    std::to_string(func.getNumArguments()) + " arguments");
  *nameOut = strdup(argumentName(func, index).c_str());
  module->context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

BitSinkStatus bitsinkModuleBindArguments(BitSinkModule module,
                                         const char *entry,
                                         const int64_t *indices,
                                         const BitSinkArray *arrays,
                                         int64_t count) {
  using bitsink::npy::DType;
  BitSinkContextImpl *context = module->context;
  std::string error;
  FunctionOpInterface found = findEntry(*module->module, entry, error);
  if (!found)
    return fail(context, error);
  std::string funcName = found.getName().str();
  auto func = dyn_cast<func::FuncOp>(found.getOperation());
  if (!func)
    return fail(context, "'" + funcName + "' is not a func.func");
  if (count < 0 || (count > 0 && (!indices || !arrays)))
    return fail(context, "invalid argument list");
  if (!SymbolTable::symbolKnownUseEmpty(func, *module->module))
    return fail(context, "'" + funcName +
                             "' is called in the module: its arguments "
                             "cannot be bound");

  // Check everything first: the module changes only if every array fits.
  struct Binding {
    unsigned index;
    RankedTensorType type;
    DType dtype;
    std::string name;
  };
  std::vector<Binding> bindings;
  llvm::BitVector erased(func.getNumArguments());
  for (int64_t i = 0; i < count; ++i) {
    int64_t index = indices[i];
    std::string what = "binding " + std::to_string(i) + ": ";
    if (index < 0 || index >= static_cast<int64_t>(func.getNumArguments()))
      return fail(context, what + "argument index " + std::to_string(index) +
                               " out of range: '" + funcName + "' has " +
                               std::to_string(func.getNumArguments()) +
                               " arguments");
    if (erased.test(index))
      return fail(context, what + "argument " + std::to_string(index) +
                               " is bound twice");
    erased.set(index);
    std::string name = argumentName(func, index);
    what = "argument " + std::to_string(index) +
           (name.empty() ? "" : " ('" + name + "')") + " of '" + funcName +
           "': ";
    auto type = dyn_cast<RankedTensorType>(func.getArgument(index).getType());
    DType memory;
    if (!type || !type.hasStaticShape() ||
        !bitsink::dtypeOf(type.getElementType(), memory) ||
        memory == DType::Bool)
      return fail(context, what + "only statically shaped tensors of float "
                                  "or integer (not i1) elements can be bound");
    DType fileDType = memory == DType::BF16 ? DType::F32 : memory;
    DType given;
    if (!arrays[i].dtype ||
        !bitsink::npy::parseDType(arrays[i].dtype, given, error))
      return fail(context,
                  what + (arrays[i].dtype ? error : "array without a dtype"));
    if (given != fileDType)
      return fail(context, what + "expected dtype " +
                               bitsink::npy::dtypeTypeName(fileDType) +
                               (memory == DType::BF16
                                    ? " (bfloat16 tensors take float32 arrays)"
                                    : "") +
                               ", got " + bitsink::npy::dtypeTypeName(given));
    ArrayRef<int64_t> shape = type.getShape();
    if (arrays[i].rank != static_cast<int64_t>(shape.size()) ||
        (arrays[i].rank && !arrays[i].shape) ||
        !std::equal(shape.begin(), shape.end(), arrays[i].shape))
      return fail(
          context,
          what + "expected shape " + shapeText(shape) + ", got " +
              (arrays[i].rank >= 0 && (arrays[i].shape || !arrays[i].rank)
                   ? shapeText(
                         ArrayRef<int64_t>(arrays[i].shape, arrays[i].rank))
                   : std::string("an invalid shape")));
    if (!arrays[i].data && type.getNumElements() > 0)
      return fail(context, what + "array without data");
    bindings.push_back({static_cast<unsigned>(index), type, memory, name});
  }

  context->context.getOrLoadDialect<arith::ArithDialect>();
  // Named constants already bound in the module (e.g. in another entry of
  // it): the same name, type and bytes reuse that attribute, so the data is
  // held once and bitsink-quantize-weights quantizes it once.
  llvm::StringMap<SmallVector<DenseResourceElementsAttr, 1>> boundByName;
  module->module->walk([&](arith::ConstantOp constant) {
    auto name = constant->getAttrOfType<StringAttr>("bitsink.name");
    auto value = dyn_cast<DenseResourceElementsAttr>(constant.getValue());
    if (name && value)
      boundByName[name.getValue()].push_back(value);
  });
  OpBuilder builder(&func.getBody().front(), func.getBody().front().begin());
  for (auto [binding, array] : llvm::zip(bindings, ArrayRef(arrays, count))) {
    BlockArgument arg = func.getArgument(binding.index);
    size_t elements = binding.type.getNumElements();
    // The bytes of the constant: the caller's, or their bf16 rounding.
    bitsink::npy::Array converted;
    ArrayRef<char> bytes(static_cast<const char *>(array.data),
                         elements * bitsink::npy::elementSize(binding.dtype));
    if (binding.dtype == DType::BF16) {
      bitsink::npy::Array source{DType::F32, binding.type.getShape().vec(), {}};
      const char *data = static_cast<const char *>(array.data);
      source.data.assign(data, data + elements * sizeof(float));
      converted = bitsink::npy::convert(source, DType::BF16);
      bytes = converted.data;
    }
    DenseResourceElementsAttr value;
    if (!binding.name.empty())
      for (DenseResourceElementsAttr bound : boundByName.lookup(binding.name))
        if (bound.getType() == binding.type && bound.getData() == bytes)
          value = bound;
    if (!value) {
      std::string key = binding.name.empty()
                            ? funcName + "_arg" + std::to_string(binding.index)
                            : binding.name;
      // Vector loads of the constant see cache-line aligned data.
      constexpr size_t kBlobAlignment = 64;
      value = DenseResourceElementsAttr::get(
          binding.type, key,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, kBlobAlignment));
      if (!binding.name.empty())
        boundByName[binding.name].push_back(value);
    }
    auto constant =
        arith::ConstantOp::create(builder, arg.getLoc(), binding.type, value);
    if (!binding.name.empty())
      constant->setAttr("bitsink.name", builder.getStringAttr(binding.name));
    arg.replaceAllUsesWith(constant.getResult());
  }
  DiagnosticCollector diagnostics(context);
  return diagnostics.finish(func.eraseArguments(erased), "erasing arguments");
}

//===----------------------------------------------------------------------===//
// Executables
//===----------------------------------------------------------------------===//

struct BitSinkExecutableImpl {
  BitSinkExecutableImpl(BitSinkContextImpl *context) : context(context) {}

  const bitsink::EntrySignature &signature() const {
#ifdef BITSINK_ENABLE_CUDA
    if (cuda)
      return cuda->signature();
#endif
    return runner->signature();
  }

  bool run(std::vector<bitsink::npy::Array> &&inputs, std::string &error) {
    borrowedOutputs.assign(signature().results.size(), nullptr);
#ifdef BITSINK_ENABLE_CUDA
    if (cuda)
      return cuda->run(std::move(inputs), outputs, error);
#endif
    return runner->run(std::move(inputs), outputs, error);
  }

  int64_t resultAlias(size_t index) const {
#ifdef BITSINK_ENABLE_CUDA
    if (cuda)
      return index < cuda->resultAliases().size() ? cuda->resultAliases()[index]
                                                  : -1;
#endif
    return runner->resultAliases()[index];
  }

  BitSinkContextImpl *context;
  /// One of the two, by target.
  std::unique_ptr<bitsink::JitRunner> runner;
#ifdef BITSINK_ENABLE_CUDA
  std::unique_ptr<bitsink::CudaExecutable> cuda;
#endif
  std::vector<bitsink::npy::Array> inputSpecs, resultSpecs, outputs;
  /// Per result of the last in-place run: the caller's buffer that holds
  /// it, or null when `outputs` does.
  std::vector<void *> borrowedOutputs;
  /// The last profile snapshot and its table.
  bitsink::ProfileReport profile;
  std::string profileTable;
};

static BitSinkStatus createExecutable(BitSinkModule module, const char *entry,
                                      const char *pipeline, const char *target,
                                      const char *cpu,
                                      BitSinkExecutable *executableOut,
                                      bool profile = false) {
  BitSinkContextImpl *context = module->context;
  std::string targetName = target ? target : "cpu";
  std::string entryName = entry && *entry ? entry : "main";
  std::string error;
  auto executable = std::make_unique<BitSinkExecutableImpl>(context);
  if (targetName == "cpu") {
    bitsink::JitOptions options;
    options.entry = entryName;
    if (pipeline && *pipeline)
      options.pipeline = pipeline;
    if (cpu && *cpu)
      options.cpu = cpu;
    options.profile = profile;
    // The pipeline's own diagnostics are folded into `error` by the runner;
    // the collector keeps stray ones (warnings, remarks) off stderr.
    DiagnosticCollector diagnostics(context);
    executable->runner =
        bitsink::JitRunner::compileModule(*module->module, options, error);
    if (!executable->runner)
      return fail(context, error);
  } else if (targetName == "cuda") {
#ifdef BITSINK_ENABLE_CUDA
    std::string diagnosticsText;
    {
      DiagnosticCollector diagnostics(context);
      executable->cuda = bitsink::CudaExecutable::create(
          *module->module, entryName, pipeline ? pipeline : "", error);
      diagnosticsText = context->diagnostics;
    }
    if (!executable->cuda)
      return fail(context,
                  error +
                      (diagnosticsText.empty()
                           ? ""
                           : "\n" + StringRef(diagnosticsText).rtrim().str()));
#else
    return fail(context, "target 'cuda' needs a build with "
                         "BITSINK_ENABLE_CUDA");
#endif
  } else {
    return fail(context,
                "unknown target '" + targetName + "' (expected cpu or cuda)");
  }
  auto spec = [](const bitsink::TensorSpec &tensor) {
    bitsink::npy::Array array;
    array.dtype = tensor.fileDType();
    array.shape = tensor.shape;
    return array;
  };
  for (const bitsink::TensorSpec &tensor : executable->signature().inputs)
    executable->inputSpecs.push_back(spec(tensor));
  for (const bitsink::TensorSpec &tensor : executable->signature().results)
    executable->resultSpecs.push_back(spec(tensor));
  context->diagnostics.clear();
  *executableOut = executable.release();
  return BITSINK_SUCCESS;
}

BitSinkStatus bitsinkExecutableCreate(BitSinkModule module, const char *entry,
                                      const char *pipeline, const char *target,
                                      BitSinkExecutable *executableOut) {
  return createExecutable(module, entry, pipeline, target, /*cpu=*/nullptr,
                          executableOut);
}

BitSinkStatus bitsinkExecutableCreateForCpu(BitSinkModule module,
                                            const char *entry,
                                            const char *pipeline,
                                            const char *cpu,
                                            BitSinkExecutable *executableOut) {
  return createExecutable(module, entry, pipeline, "cpu", cpu, executableOut);
}

BitSinkStatus bitsinkExecutableCreateForCpuProfiled(
    BitSinkModule module, const char *entry, const char *pipeline,
    const char *cpu, int profile, BitSinkExecutable *executableOut) {
  return createExecutable(module, entry, pipeline, "cpu", cpu, executableOut,
                          profile != 0);
}

int64_t bitsinkExecutableSnapshotProfile(BitSinkExecutable executable) {
  bitsink::JitRunner *runner = executable->runner.get();
  if (!runner || !runner->profile())
    return -1;
  executable->profile = runner->profileReport();
  return executable->profile.kernels.size();
}

BitSinkProfileKernel
bitsinkExecutableGetProfileKernel(BitSinkExecutable executable, int64_t index) {
  const bitsink::ProfileKernel &kernel = executable->profile.kernels.at(index);
  return {kernel.label.c_str(), kernel.id, static_cast<int64_t>(kernel.calls),
          kernel.milliseconds};
}

int64_t bitsinkExecutableGetProfileCalls(BitSinkExecutable executable) {
  return executable->profile.entryCalls;
}

double bitsinkExecutableGetProfileMilliseconds(BitSinkExecutable executable) {
  return executable->profile.entryMilliseconds;
}

const char *bitsinkExecutableGetProfileTable(BitSinkExecutable executable,
                                             int64_t maxRows) {
  executable->profileTable = bitsink::formatProfile(
      executable->profile, maxRows > 0 ? static_cast<size_t>(maxRows) : 0);
  return executable->profileTable.c_str();
}

void bitsinkExecutableResetProfile(BitSinkExecutable executable) {
  if (executable->runner && executable->runner->profile())
    executable->runner->profile()->reset();
}

void bitsinkExecutableDestroy(BitSinkExecutable executable) {
  delete executable;
}

int64_t bitsinkExecutableGetNumInputs(BitSinkExecutable executable) {
  return executable->inputSpecs.size();
}

int64_t bitsinkExecutableGetNumResults(BitSinkExecutable executable) {
  return executable->resultSpecs.size();
}

BitSinkArray bitsinkExecutableGetInput(BitSinkExecutable executable,
                                       int64_t index) {
  return view(executable->inputSpecs.at(index), /*withData=*/false);
}

BitSinkArray bitsinkExecutableGetResult(BitSinkExecutable executable,
                                        int64_t index) {
  return view(executable->resultSpecs.at(index), /*withData=*/false);
}

BitSinkStatus bitsinkExecutableRun(BitSinkExecutable executable,
                                   const BitSinkArray *inputs,
                                   int64_t numInputs) {
  BitSinkContextImpl *context = executable->context;
  executable->outputs.clear();
  executable->borrowedOutputs.clear();
  if (numInputs < 0 || (numInputs > 0 && !inputs))
    return fail(context, "invalid input list");
  std::vector<bitsink::npy::Array> arrays(numInputs);
  std::string error;
  for (int64_t i = 0; i < numInputs; ++i)
    if (!copyIn(inputs[i], arrays[i], error))
      return fail(context, "input " + std::to_string(i) + ": " + error);
  // The arrays are private copies: the runner may consume them (and the
  // entry may write into them) without touching the caller's memory.
  if (!executable->run(std::move(arrays), error)) {
    executable->outputs.clear();
    return fail(context, error);
  }
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

BitSinkArray bitsinkExecutableGetOutput(BitSinkExecutable executable,
                                        int64_t index) {
  BitSinkArray array = view(executable->outputs.at(index), /*withData=*/true);
  if (static_cast<size_t>(index) < executable->borrowedOutputs.size() &&
      executable->borrowedOutputs[index])
    array.data = executable->borrowedOutputs[index];
  return array;
}

int64_t bitsinkExecutableGetResultAlias(BitSinkExecutable executable,
                                        int64_t index) {
  if (index < 0 ||
      index >= static_cast<int64_t>(executable->resultSpecs.size()))
    return -1;
  return executable->resultAlias(index);
}

BitSinkStatus bitsinkExecutableRunInPlace(BitSinkExecutable executable,
                                          const BitSinkArray *inputs,
                                          int64_t numInputs) {
  using bitsink::npy::DType;
  BitSinkContextImpl *context = executable->context;
  executable->outputs.clear();
  executable->borrowedOutputs.clear();
  const bitsink::EntrySignature &signature = executable->signature();
  if (numInputs < 0 || (numInputs > 0 && !inputs))
    return fail(context, "invalid input list");
  if (numInputs != static_cast<int64_t>(signature.inputs.size()))
    return fail(context,
                "the entry takes " + std::to_string(signature.inputs.size()) +
                    " arguments, got " + std::to_string(numInputs) + " inputs");
  std::vector<void *> buffers;
  for (auto [i, spec] : llvm::enumerate(signature.inputs)) {
    const BitSinkArray &in = inputs[i];
    std::string what =
        "argument " + std::to_string(i) + " (" + spec.typeName + "): ";
    if (spec.dtype == DType::BF16)
      return fail(context, what + "bfloat16 tensors cannot be passed in "
                                  "place (they are exchanged as float32 "
                                  "arrays); use the copying call");
    DType given;
    std::string error;
    if (!in.dtype || !bitsink::npy::parseDType(in.dtype, given, error))
      return fail(context, what + (in.dtype ? error : "array without a dtype"));
    if (given != spec.dtype)
      return fail(context, what + "expected dtype " +
                               bitsink::npy::dtypeTypeName(spec.dtype) +
                               ", got " + bitsink::npy::dtypeTypeName(given) +
                               " (in-place calls do not convert)");
    if (in.rank != static_cast<int64_t>(spec.shape.size()) ||
        (in.rank && !in.shape) ||
        !std::equal(spec.shape.begin(), spec.shape.end(), in.shape))
      return fail(context,
                  what + "expected shape " + shapeText(spec.shape) + ", got " +
                      (in.rank >= 0 && (in.shape || !in.rank)
                           ? shapeText(ArrayRef<int64_t>(in.shape, in.rank))
                           : std::string("an invalid shape")));
    size_t width = bitsink::npy::elementSize(spec.dtype);
    int64_t elements = 1;
    for (int64_t d : spec.shape)
      elements *= d;
    if (elements > 0 && !in.data)
      return fail(context, what + "array without data");
    if (reinterpret_cast<uintptr_t>(in.data) % width)
      return fail(context, what + "data not aligned to its " +
                               std::to_string(width) + "-byte elements");
    buffers.push_back(in.data);
  }
  std::string error;
  executable->borrowedOutputs.assign(signature.results.size(), nullptr);
#ifdef BITSINK_ENABLE_CUDA
  if (executable->cuda) {
    // The device cannot borrow host memory: copy in, run, and copy the
    // results updated in place back into the caller's buffers.
    std::vector<bitsink::npy::Array> arrays(numInputs);
    for (int64_t i = 0; i < numInputs; ++i)
      if (!copyIn(inputs[i], arrays[i], error))
        return fail(context, "input " + std::to_string(i) + ": " + error);
    if (!executable->cuda->run(std::move(arrays), executable->outputs, error)) {
      executable->outputs.clear();
      return fail(context, error);
    }
    for (size_t i = 0; i < signature.results.size(); ++i) {
      int64_t alias = executable->resultAlias(i);
      if (alias < 0)
        continue;
      const bitsink::npy::Array &output = executable->outputs[i];
      std::memcpy(buffers[alias], output.data.data(), output.data.size());
      executable->outputs[i].data.clear();
      executable->borrowedOutputs[i] = buffers[alias];
    }
    context->diagnostics.clear();
    return BITSINK_SUCCESS;
  }
#endif
  if (!executable->runner->runBorrowed(buffers, executable->outputs, error)) {
    executable->outputs.clear();
    return fail(context, error);
  }
  for (auto [i, output] : llvm::enumerate(executable->outputs)) {
    if (int64_t alias = executable->resultAlias(i); alias >= 0)
      executable->borrowedOutputs[i] = buffers[alias];
    else if (output.dtype == DType::BF16)
      output = bitsink::npy::convert(output, DType::F32);
  }
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

struct BitSinkQuantizeResultImpl {
  bitsink::quant::Result result;
  bitsink::npy::Array planes, coefficients, dequantized, rotationSigns, scales;
};

BitSinkQuantizeOptions bitsinkQuantizeOptionsDefault(void) {
  bitsink::quant::Options defaults;
  return BitSinkQuantizeOptions{"bpdq",
                                defaults.planes,
                                defaults.groupSize,
                                defaults.iterations,
                                defaults.damp,
                                defaults.actOrder,
                                defaults.f16Coefficients,
                                defaults.threads,
                                defaults.rtnSearch,
                                defaults.rotationBlock,
                                defaults.rotationSeed,
                                defaults.subBlock};
}

BitSinkStatus bitsinkQuantize(BitSinkContext context, const float *W, int64_t K,
                              int64_t N, const float *X, int64_t T,
                              const BitSinkQuantizeOptions *options,
                              BitSinkQuantizeResult *resultOut) {
  return bitsinkQuantizeHeldOut(context, W, K, N, X, T, nullptr, 0, nullptr,
                                options, resultOut);
}

namespace {
/// The library's options from the C ones; false with a message on an
/// unknown method.
bool toQuantOptions(const BitSinkQuantizeOptions *options,
                    bitsink::quant::Options &opts, std::string &error) {
  namespace quant = bitsink::quant;
  BitSinkQuantizeOptions given =
      options ? *options : bitsinkQuantizeOptionsDefault();
  if (!given.method || !quant::parseMethod(given.method, opts.method)) {
    error = std::string("unknown quantization method '") +
            (given.method ? given.method : "") +
            "' (expected rtn, bpdq or trit)";
    return false;
  }
  opts.planes = given.planes;
  opts.groupSize = given.groupSize;
  if (given.iterations > 0)
    opts.iterations = given.iterations;
  if (given.damp >= 0)
    opts.damp = given.damp;
  opts.actOrder = given.actOrder != 0;
  opts.f16Coefficients = given.f16Coefficients != 0;
  opts.threads = given.threads;
  opts.rtnSearch = given.rtnSearch != 0;
  opts.rotationBlock = given.rotationBlock;
  opts.rotationSeed = given.rotationSeed;
  opts.subBlock = given.subBlock;
  return true;
}

/// A result handle owning `result`, with the planes and coefficients as
/// arrays.
BitSinkQuantizeResult makeQuantizeResult(bitsink::quant::Result result) {
  auto impl = std::make_unique<BitSinkQuantizeResultImpl>();
  impl->result = std::move(result);
  const bitsink::quant::Packed &packed = impl->result.packed;
  impl->planes.dtype = bitsink::npy::DType::U32;
  impl->planes.shape = {packed.numPlanes, packed.numWords, packed.N};
  impl->planes.data.assign(reinterpret_cast<const char *>(packed.planes.data()),
                           reinterpret_cast<const char *>(
                               packed.planes.data() + packed.planes.size()));
  impl->coefficients.dtype = bitsink::npy::DType::F32;
  impl->coefficients.shape = {packed.numGroups, packed.numCoeffs, packed.N};
  impl->coefficients.data.assign(
      reinterpret_cast<const char *>(packed.coeffs.data()),
      reinterpret_cast<const char *>(packed.coeffs.data() +
                                     packed.coeffs.size()));
  impl->scales.dtype = bitsink::npy::DType::U32;
  impl->scales.shape = {packed.numScaleWords, packed.N};
  impl->scales.data.assign(reinterpret_cast<const char *>(packed.scales.data()),
                           reinterpret_cast<const char *>(
                               packed.scales.data() + packed.scales.size()));
  const std::vector<float> &signs = impl->result.rotation.signs;
  impl->rotationSigns.dtype = bitsink::npy::DType::F32;
  impl->rotationSigns.shape = {static_cast<int64_t>(signs.size())};
  impl->rotationSigns.data.assign(
      reinterpret_cast<const char *>(signs.data()),
      reinterpret_cast<const char *>(signs.data() + signs.size()));
  return impl.release();
}

/// Quantizes with calibration rows X or their Hessian H (at most one) and
/// optional held-out rows or Hessian.
BitSinkStatus quantizeThroughCApi(BitSinkContext context, const float *W,
                                  int64_t K, int64_t N, const float *X,
                                  int64_t T, const double *H,
                                  const float *heldOut, int64_t heldOutRows,
                                  const double *heldOutHessian,
                                  const BitSinkQuantizeOptions *options,
                                  BitSinkQuantizeResult *resultOut) {
  namespace quant = bitsink::quant;
  quant::Options opts;
  std::string error;
  if (!toQuantOptions(options, opts, error))
    return fail(context, error);
  if (!W || K <= 0 || N <= 0)
    return fail(context, "the weight must be a non-empty K x N matrix");
  if (X && T <= 0)
    return fail(context, "calibration data must have at least one row");
  if (X && H)
    return fail(context, "give calibration rows or their Hessian, not both");
  if (heldOut && heldOutRows <= 0)
    return fail(context, "held-out data must have at least one row");
  if (!resultOut)
    return fail(context, "missing result pointer");
  quant::HeldOut rows;
  rows.X = heldOut;
  rows.T = heldOut ? heldOutRows : 0;
  rows.H = heldOut ? nullptr : heldOutHessian;
  bool haveHeldOut = heldOut || heldOutHessian;
  quant::Result result;
  bool ok = H ? quant::quantizeWithHessian(W, K, N, H, opts, result, error,
                                           haveHeldOut ? &rows : nullptr)
              : quant::quantize(W, K, N, X, X ? T : 0, opts, result, error,
                                haveHeldOut ? &rows : nullptr);
  if (!ok)
    return fail(context, error);
  context->diagnostics.clear();
  *resultOut = makeQuantizeResult(std::move(result));
  return BITSINK_SUCCESS;
}
} // namespace

BitSinkStatus bitsinkQuantizeHeldOut(BitSinkContext context, const float *W,
                                     int64_t K, int64_t N, const float *X,
                                     int64_t T, const float *heldOut,
                                     int64_t heldOutRows,
                                     const double *heldOutHessian,
                                     const BitSinkQuantizeOptions *options,
                                     BitSinkQuantizeResult *resultOut) {
  return quantizeThroughCApi(context, W, K, N, X, T, nullptr, heldOut,
                             heldOutRows, heldOutHessian, options, resultOut);
}

BitSinkStatus bitsinkQuantizeWithHessian(
    BitSinkContext context, const float *W, int64_t K, int64_t N,
    const double *hessian, const float *heldOut, int64_t heldOutRows,
    const double *heldOutHessian, const BitSinkQuantizeOptions *options,
    BitSinkQuantizeResult *resultOut) {
  if (!hessian)
    return fail(context, "bitsinkQuantizeWithHessian: the Hessian is NULL");
  return quantizeThroughCApi(context, W, K, N, nullptr, 0, hessian, heldOut,
                             heldOutRows, heldOutHessian, options, resultOut);
}

BitSinkStatus bitsinkCheckHessian(BitSinkContext context, const double *H,
                                  int64_t K, const char *what) {
  std::string error;
  if (!H || K <= 0)
    return fail(context, std::string(what ? what : "the Hessian") +
                             " must be a non-empty K x K matrix");
  if (!bitsink::quant::checkHessian(H, K, what ? what : "the Hessian", error))
    return fail(context, error);
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

struct BitSinkHessianAccumulatorImpl {
  explicit BitSinkHessianAccumulatorImpl(int64_t K, int threads)
      : accumulator(K, threads), K(K) {}
  bitsink::quant::HessianAccumulator accumulator;
  int64_t K;
};

BitSinkStatus
bitsinkHessianAccumulatorCreate(BitSinkContext context, int64_t K, int threads,
                                BitSinkHessianAccumulator *accumulatorOut) {
  if (K <= 0)
    return fail(context,
                "the Hessian needs K > 0, got K = " + std::to_string(K));
  if (threads < 0)
    return fail(context, "threads must be >= 0 (0: hardware concurrency), "
                         "got " +
                             std::to_string(threads));
  if (!accumulatorOut)
    return fail(context, "missing accumulator pointer");
  *accumulatorOut = new BitSinkHessianAccumulatorImpl(K, threads);
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

void bitsinkHessianAccumulatorDestroy(BitSinkHessianAccumulator accumulator) {
  delete accumulator;
}

BitSinkStatus
bitsinkHessianAccumulatorAdd(BitSinkContext context,
                             BitSinkHessianAccumulator accumulator,
                             const float *X, int64_t rows) {
  std::string error;
  if (!accumulator->accumulator.add(X, rows, error))
    return fail(context, error);
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

int64_t
bitsinkHessianAccumulatorGetRows(BitSinkHessianAccumulator accumulator) {
  return accumulator->accumulator.rows();
}

int64_t bitsinkHessianAccumulatorGetK(BitSinkHessianAccumulator accumulator) {
  return accumulator->K;
}

void bitsinkHessianAccumulatorGetHessian(BitSinkHessianAccumulator accumulator,
                                         double *H) {
  std::vector<double> current = accumulator->accumulator.currentHessian();
  std::copy(current.begin(), current.end(), H);
}

void bitsinkQuantizeResultDestroy(BitSinkQuantizeResult result) {
  delete result;
}

BitSinkArray bitsinkQuantizeResultGetPlanes(BitSinkQuantizeResult result) {
  return view(result->planes, /*withData=*/true);
}

BitSinkArray
bitsinkQuantizeResultGetCoefficients(BitSinkQuantizeResult result) {
  return view(result->coefficients, /*withData=*/true);
}

BitSinkArray bitsinkQuantizeResultGetDequantized(BitSinkQuantizeResult result) {
  const bitsink::quant::Packed &packed = result->result.packed;
  if (result->dequantized.data.empty()) {
    result->dequantized = bitsink::npy::Array::zeros(bitsink::npy::DType::F32,
                                                     {packed.K, packed.N});
    bitsink::quant::dequantizeResult(result->result,
                                     result->dequantized.as<float>());
  }
  return view(result->dequantized, /*withData=*/true);
}

BitSinkQuantizeReport
bitsinkQuantizeResultGetReport(BitSinkQuantizeResult result) {
  const bitsink::quant::Result &r = result->result;
  return BitSinkQuantizeReport{bitsink::quant::planeKindName(r.packed.kind),
                               r.packed.groupSize,
                               r.report.relError,
                               r.report.weightRelError,
                               r.report.bitsPerWeight,
                               r.report.damp,
                               r.report.rtnColumns,
                               r.report.hasHeldOut ? 1 : 0,
                               r.report.heldOutRelError,
                               r.rotation.block,
                               r.packed.subBlock};
}

BitSinkArray
bitsinkQuantizeResultGetRotationSigns(BitSinkQuantizeResult result) {
  return view(result->rotationSigns, /*withData=*/true);
}

BitSinkArray bitsinkQuantizeResultGetScales(BitSinkQuantizeResult result) {
  return view(result->scales, /*withData=*/true);
}

BitSinkStatus bitsinkAllocateBudget(BitSinkContext context, int64_t numLayers,
                                    const int64_t *numWeights,
                                    const int64_t *numCandidates,
                                    const BitSinkBudgetCandidate *candidates,
                                    const int32_t *fixed, double budget,
                                    int32_t *choice,
                                    BitSinkBudgetResult *result) {
  namespace quant = bitsink::quant;
  if (numLayers < 0 ||
      (numLayers > 0 &&
       (!numWeights || !numCandidates || !candidates || !choice)) ||
      !result)
    return fail(context, "bitsinkAllocateBudget: missing arrays");
  std::vector<quant::BudgetLayer> layers(numLayers);
  const BitSinkBudgetCandidate *next = candidates;
  for (int64_t i = 0; i < numLayers; ++i) {
    quant::BudgetLayer &layer = layers[i];
    layer.name = "#" + std::to_string(i);
    layer.numWeights = numWeights[i];
    layer.fixed = fixed ? fixed[i] : -1;
    if (numCandidates[i] < 0)
      return fail(context, "bitsinkAllocateBudget: layer #" +
                               std::to_string(i) +
                               " has a negative number of candidates");
    for (int64_t c = 0; c < numCandidates[i]; ++c, ++next)
      layer.candidates.push_back(
          {next->planes, next->groupSize, next->bitsPerWeight, next->error});
  }
  quant::BudgetAllocation allocation;
  std::string error;
  bool ok = quant::allocateBudget(layers, budget, allocation, error);
  *result = BitSinkBudgetResult{
      allocation.bitsPerWeight, allocation.error, allocation.minBitsPerWeight,
      allocation.maxBitsPerWeight, allocation.exact ? 1 : 0};
  if (!ok)
    return fail(context, error);
  for (int64_t i = 0; i < numLayers; ++i)
    choice[i] = allocation.choice[i];
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

BitSinkStatus bitsinkBudgetOutputEnergy(BitSinkContext context, const float *W,
                                        int64_t K, int64_t N, const float *X,
                                        int64_t T, const double *H,
                                        double *energy) {
  namespace quant = bitsink::quant;
  if (!W || K <= 0 || N <= 0 || !energy)
    return fail(context, "the weight must be a non-empty K x N matrix");
  if (X && H)
    return fail(context, "give calibration rows or their Hessian, not both");
  std::string error;
  std::vector<double> fromRows;
  if (X) {
    quant::HessianAccumulator accumulator(K);
    if (!accumulator.add(X, T, error))
      return fail(context, error);
    fromRows = accumulator.hessian();
    H = fromRows.data();
  } else if (H &&
             !quant::checkHessian(H, K, "the calibration Hessian", error)) {
    return fail(context, error);
  }
  *energy = quant::outputEnergy(W, K, N, H);
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

BitSinkStatus bitsinkBudgetError(BitSinkContext context, const char *objective,
                                 double relError, double energy,
                                 double importance, double *error) {
  namespace quant = bitsink::quant;
  quant::BudgetObjective parsed;
  if (!objective || !quant::parseBudgetObjective(objective, parsed))
    return fail(context, std::string("unknown budget objective '") +
                             (objective ? objective : "") +
                             "' (expected absolute or relative)");
  std::string message;
  if (!error || !quant::budgetError(parsed, relError, energy, importance,
                                    *error, message))
    return fail(context, error ? message : "missing error pointer");
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

BitSinkStatus bitsinkMeasureBudgetCandidates(
    BitSinkContext context, const float *W, int64_t K, int64_t N,
    const float *X, int64_t T, const double *H,
    const BitSinkQuantizeOptions *options, int64_t numConfigs,
    const int32_t *planes, const int64_t *groupSizes, const char *objective,
    double importance, BitSinkBudgetCandidate *candidates,
    BitSinkQuantizeResult *results) {
  namespace quant = bitsink::quant;
  quant::Options opts;
  std::string error;
  if (!toQuantOptions(options, opts, error))
    return fail(context, error);
  quant::BudgetObjective parsed;
  if (!objective || !quant::parseBudgetObjective(objective, parsed))
    return fail(context, std::string("unknown budget objective '") +
                             (objective ? objective : "") +
                             "' (expected absolute or relative)");
  if (numConfigs < 0 || (numConfigs > 0 && (!planes || !groupSizes)) ||
      !candidates)
    return fail(context, "bitsinkMeasureBudgetCandidates: missing arrays");
  if (X && H)
    return fail(context, "give calibration rows or their Hessian, not both");
  if (X && T <= 0)
    return fail(context, "calibration data must have at least one row");
  // Every configuration with the options' sub-block codes (if any).
  std::vector<quant::BudgetConfig> configs;
  for (int64_t i = 0; i < numConfigs; ++i)
    configs.emplace_back(planes[i], groupSizes[i], opts.subBlock);
  quant::BudgetMeasurement measurement;
  if (!quant::measureBudgetCandidates(W, K, N, X, T, H, opts, configs, parsed,
                                      importance, results != nullptr,
                                      measurement, error))
    return fail(context, error);
  for (int64_t i = 0; i < numConfigs; ++i) {
    const quant::BudgetCandidate &c = measurement.candidates[i];
    candidates[i] = {c.planes, c.groupSize, c.bitsPerWeight, c.error};
    if (results)
      results[i] = makeQuantizeResult(std::move(measurement.results[i]));
  }
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Reference semantics
//===----------------------------------------------------------------------===//

namespace {
/// Reads an optional operand of the reference: checks dtype and shape and
/// converts the elements to T.
template <typename T>
bool readOperand(const BitSinkArray &in, const char *name,
                 std::vector<int64_t> expectedShape,
                 std::initializer_list<bitsink::npy::DType> dtypes,
                 std::vector<T> &out, std::string &error) {
  if (!in.data)
    return true;
  bitsink::npy::Array array;
  if (!copyIn(in, array, error)) {
    error = std::string(name) + ": " + error;
    return false;
  }
  if (llvm::find(dtypes, array.dtype) == dtypes.end()) {
    error = std::string(name) + ": unexpected dtype " +
            bitsink::npy::dtypeTypeName(array.dtype) + " (expected ";
    for (auto [i, dtype] : llvm::enumerate(dtypes))
      error +=
          std::string(i ? " or " : "") + bitsink::npy::dtypeTypeName(dtype);
    error += ")";
    return false;
  }
  if (array.shape != expectedShape) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << name << ": expected shape [";
    llvm::interleaveComma(expectedShape, os);
    os << "], got [";
    llvm::interleaveComma(array.shape, os);
    os << "]";
    error = text;
    return false;
  }
  bitsink::npy::Array converted = bitsink::npy::convert(
      array, std::is_floating_point_v<T>  ? bitsink::npy::DType::F32
             : std::is_same_v<T, uint8_t> ? bitsink::npy::DType::U8
                                          : bitsink::npy::DType::I64);
  if constexpr (std::is_floating_point_v<T>)
    out.assign(converted.as<float>(),
               converted.as<float>() + converted.numElements());
  else if constexpr (std::is_same_v<T, uint8_t>)
    out.assign(converted.as<uint8_t>(),
               converted.as<uint8_t>() + converted.numElements());
  else
    out.assign(converted.as<int64_t>(),
               converted.as<int64_t>() + converted.numElements());
  return true;
}
} // namespace

BitSinkStatus
bitsinkReferenceSinkAttention(BitSinkContext context,
                              const BitSinkSinkAttentionArgs *args,
                              double *output) {
  using bitsink::npy::DType;
  if (!args || !output)
    return fail(context, "missing arguments or output");
  auto shapeOf = [](const BitSinkArray &a) {
    return a.rank == 4 && a.shape ? std::vector<int64_t>(a.shape, a.shape + 4)
                                  : std::vector<int64_t>();
  };
  std::vector<int64_t> q = shapeOf(args->query), k = shapeOf(args->key),
                       v = shapeOf(args->value);
  if (q.empty() || k.empty() || v.empty())
    return fail(context, "query, key and value must be rank-4 arrays");
  bitsink::reference::SinkAttentionProblem p;
  p.batch = q[0];
  p.queryHeads = q[1];
  p.numQueries = q[2];
  p.headDim = q[3];
  p.kvHeads = k[1];
  p.numKeys = k[2];
  p.valueDim = v[3];
  p.numSinks = args->numSinks;
  p.causal = args->causal != 0;
  if (args->hasScale)
    p.scale = args->scale;
  if (args->hasRope)
    p.rope = bitsink::reference::SinkAttentionProblem::Rope{
        args->ropeTheta, args->ropeDims, args->ropeInterleaved != 0};
  if (args->numWindows < 0 || (args->numWindows && !args->windows))
    return fail(context, "invalid window list");
  p.window.assign(args->windows, args->windows + args->numWindows);
  std::string error;
  auto floats = {DType::F32, DType::F16, DType::F64};
  auto ints = {DType::I64, DType::I32};
  if (!readOperand(args->query, "query", q, floats, p.query, error) ||
      !readOperand(args->key, "key", {p.batch, p.kvHeads, p.numKeys, p.headDim},
                   floats, p.key, error) ||
      !readOperand(args->value, "value",
                   {p.batch, p.kvHeads, p.numKeys, p.valueDim}, floats, p.value,
                   error) ||
      !readOperand(args->sinkLogits, "sink_logits", {p.queryHeads}, floats,
                   p.sinkLogits, error) ||
      !readOperand(args->kvLen, "kv_len", {p.batch}, ints, p.kvLen, error) ||
      !readOperand(args->keyMask, "key_mask", {p.batch, p.numKeys},
                   {DType::Bool, DType::U8}, p.keyMask, error) ||
      !readOperand(args->keyPositions, "key_positions", {p.batch, p.numKeys},
                   ints, p.keyPositions, error))
    return fail(context, error);
  std::vector<double> result;
  if (!bitsink::reference::sinkAttention(p, result, error))
    return fail(context, error);
  std::copy(result.begin(), result.end(), output);
  context->diagnostics.clear();
  return BITSINK_SUCCESS;
}
