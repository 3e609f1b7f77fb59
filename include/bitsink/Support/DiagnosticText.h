//===- DiagnosticText.h - MLIR diagnostics as text lines ---------*- C++
//-*-===//
//
// The one format in which bitsink's tools, C API and runner hand diagnostics
// back as text: `file:line:col: severity: message`, one line each, notes
// after their diagnostic. Header-only (needs MLIR's IR library).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_SUPPORT_DIAGNOSTICTEXT_H
#define BITSINK_SUPPORT_DIAGNOSTICTEXT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace bitsink {

inline llvm::StringRef severityName(mlir::DiagnosticSeverity severity) {
  switch (severity) {
  case mlir::DiagnosticSeverity::Note:
    return "note";
  case mlir::DiagnosticSeverity::Warning:
    return "warning";
  case mlir::DiagnosticSeverity::Error:
    return "error";
  case mlir::DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

/// `file:line:col` for a location that carries one (also inside fused,
/// name or call-site locations), else the location as MLIR prints it.
inline std::string locationText(mlir::Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto file = loc->findInstanceOf<mlir::FileLineColLoc>())
    os << file.getFilename().getValue() << ':' << file.getLine() << ':'
       << file.getColumn();
  else
    os << loc;
  return text;
}

/// Prints `diag` and its notes, one line each.
inline void printDiagnostic(llvm::raw_ostream &os, mlir::Diagnostic &diag) {
  os << locationText(diag.getLocation()) << ": "
     << severityName(diag.getSeverity()) << ": " << diag << "\n";
  for (mlir::Diagnostic &note : diag.getNotes())
    os << locationText(note.getLocation()) << ": note: " << note << "\n";
}

} // namespace bitsink

#endif // BITSINK_SUPPORT_DIAGNOSTICTEXT_H
