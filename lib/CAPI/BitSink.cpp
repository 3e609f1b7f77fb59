//===- BitSink.cpp - coarse C API to the bitsink compiler -------*- C++ -*-===//
//
// The C++ behind bitsink/CAPI/BitSink.h. Each call that can fail captures the
// MLIR diagnostics it causes as text in its context.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"
#include "bitsink/InitAll.h"
#include "bitsink/Support/DiagnosticText.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/JSON.h"

#include <cstdlib>
#include <cstring>
#include <string>

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
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      StringRef(ir, length), config, sourceName ? sourceName : "<string>");
  if (!module)
    return diagnostics.finish(failure(), "parsing");
  *moduleOut = new BitSinkModuleImpl{context, std::move(module)};
  return BITSINK_SUCCESS;
}

void bitsinkModuleDestroy(BitSinkModule module) { delete module; }

BitSinkStatus bitsinkModuleRunPipeline(BitSinkModule module,
                                       const char *pipeline) {
  DiagnosticCollector diagnostics(module->context);
  FailureOr<OpPassManager> parsed =
      parsePassPipeline(pipeline, diagnostics.stream());
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
