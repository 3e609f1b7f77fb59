//===- BitSink.h - coarse C API to the bitsink compiler -----------*- C -*-===//
//
// A C-only interface (opaque handles, strings, status codes) for driving
// bitsink from other languages: parse IR, run a textual pass pipeline, print,
// with diagnostics returned as text. The Python package sits on it.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CAPI_BITSINK_H
#define BITSINK_CAPI_BITSINK_H

#include <stddef.h>

// The library is built with hidden visibility: these functions are all it
// exports.
#define BITSINK_CAPI_EXPORTED __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/// An MLIR context with every bitsink and upstream dialect registered. A
/// context and the modules parsed in it must be used from one thread at a
/// time.
typedef struct BitSinkContextImpl *BitSinkContext;

/// A `builtin.module` owned by the caller; it must be destroyed before the
/// context it was parsed in.
typedef struct BitSinkModuleImpl *BitSinkModule;

typedef enum BitSinkStatus {
  BITSINK_SUCCESS = 0,
  /// The call failed; bitsinkContextGetDiagnostics says why.
  BITSINK_FAILURE = 1,
} BitSinkStatus;

/// Creates a context; also registers the bitsink and upstream passes with the
/// process-wide pass registry (once).
BITSINK_CAPI_EXPORTED BitSinkContext bitsinkContextCreate(void);

BITSINK_CAPI_EXPORTED void bitsinkContextDestroy(BitSinkContext context);

/// The diagnostics (errors, warnings, remarks) reported during the last call
/// that used `context` or one of its modules, as UTF-8 text: one
/// `file:line:col: severity: message` line each, notes after the diagnostic
/// they belong to. Never empty after a call returned BITSINK_FAILURE. Owned by
/// the context and valid until the next such call.
BITSINK_CAPI_EXPORTED const char *
bitsinkContextGetDiagnostics(BitSinkContext context);

/// Parses and verifies `length` bytes of textual IR; locations name
/// `sourceName` ("<string>" if NULL). Top-level ops other than one
/// `builtin.module` are wrapped in a new module. On success stores a new
/// module in `*moduleOut`.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleParse(BitSinkContext context, const char *ir, size_t length,
                   const char *sourceName, BitSinkModule *moduleOut);

BITSINK_CAPI_EXPORTED void bitsinkModuleDestroy(BitSinkModule module);

/// Runs a textual pass pipeline anchored on the module, e.g.
/// "builtin.module(canonicalize,cse)", verifying after each pass. Fails if the
/// pipeline does not parse or a pass fails; the module may then be partly
/// transformed.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleRunPipeline(BitSinkModule module, const char *pipeline);

BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkModuleVerify(BitSinkModule module);

/// Returns the module in MLIR's custom assembly form as a NUL-terminated
/// string the caller frees with bitsinkStringDestroy.
BITSINK_CAPI_EXPORTED char *bitsinkModulePrint(BitSinkModule module);

BITSINK_CAPI_EXPORTED void bitsinkStringDestroy(char *string);

#ifdef __cplusplus
}
#endif

#endif // BITSINK_CAPI_BITSINK_H
