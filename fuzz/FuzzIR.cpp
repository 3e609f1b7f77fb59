//===- FuzzIR.cpp - libFuzzer target for parsing and verifying IR -------===//
//
// Parses arbitrary bytes as MLIR (every upstream dialect and ours
// registered) and verifies the result, the path every file a user hands
// bitsink-opt takes. Our dialect's sources are compiled into this target
// with coverage instrumentation, so the fuzzer is guided through the custom
// parsers, printers and verifiers of the bitsink ops and attributes. A parsed
// and verified module is printed and parsed again: the round trip must
// succeed (what ops.mlir checks for hand-written cases).
//
// Seeds: the lit tests of the dialect (fuzz/run.sh splits them on
// `// -----`).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "bitsink/Support/KnownParserCrashes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

using namespace mlir;

static MLIRContext &context() {
  static std::unique_ptr<MLIRContext> ctx = [] {
    DialectRegistry registry;
    registry.insert<bitsink::BitSinkDialect>();
    registerAllDialects(registry);
    auto c = std::make_unique<MLIRContext>(registry);
    c->loadAllAvailableDialects();
    // Unregistered ops would let any text through the parser unchecked.
    c->allowUnregisteredDialects(false);
    c->printOpOnDiagnostic(false);
    return c;
  }();
  return *ctx;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &ctx = context();
  // Diagnostics are expected for most inputs: keep them off stderr.
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a NUL terminator (files come in
  // NUL-terminated MemoryBuffers): give it one, as the tools and the C API
  // do.
  std::string text(reinterpret_cast<const char *>(data), size);
  // A known crash of MLIR 22's linalg parsers (docs/reliability.md): the
  // C API rejects such text before parsing, and so does this target.
  if (bitsink::findMalformedLinalgArray(text))
    return 0;
  ParserConfig config(&ctx);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, config, "fuzz");
  if (!module || failed(verify(*module)))
    return 0;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  OwningOpRef<ModuleOp> reparsed =
      parseSourceString<ModuleOp>(printed, config, "printed");
  if (!reparsed || failed(verify(*reparsed))) {
    std::fprintf(stderr, "printed module does not parse back:\n%s\n",
                 printed.c_str());
    std::abort();
  }
  return 0;
}
