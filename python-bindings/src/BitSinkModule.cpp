//===- BitSinkModule.cpp - the bitsink._bitsink extension -------*- C++ -*-===//
//
// nanobind bindings over the bitsink C API. The extension includes only our C
// header, never MLIR's C++ ones: it is built with exceptions and RTTI, LLVM
// without exceptions, and the C API keeps the two apart.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"

#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <stdexcept>
#include <string>

namespace nb = nanobind;
using namespace nb::literals;

namespace {
/// Raised in Python as bitsink.MLIRError; the message is the diagnostics text.
struct MLIRError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Context {
public:
  Context() : handle(bitsinkContextCreate()) {}
  ~Context() { bitsinkContextDestroy(handle); }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;

  BitSinkContext get() const { return handle; }

  std::string diagnostics() const {
    return bitsinkContextGetDiagnostics(handle);
  }

  void check(BitSinkStatus status) const {
    if (status != BITSINK_SUCCESS)
      throw MLIRError(diagnostics());
  }

private:
  BitSinkContext handle;
};

class Module {
public:
  /// `context` must outlive the module: Context.parse ties their lifetimes.
  Module(const Context &context, BitSinkModule handle)
      : context(context), handle(handle) {}
  ~Module() { bitsinkModuleDestroy(handle); }
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  void runPipeline(const std::string &pipeline) {
    context.check(bitsinkModuleRunPipeline(handle, pipeline.c_str()));
  }

  void verify() { context.check(bitsinkModuleVerify(handle)); }

  std::string str() const {
    char *text = bitsinkModulePrint(handle);
    std::string result(text);
    bitsinkStringDestroy(text);
    return result;
  }

private:
  const Context &context;
  BitSinkModule handle;
};
} // namespace

NB_MODULE(_bitsink, m) {
  m.doc() = "Bindings over the bitsink C API (libBitSinkCAPI.so).";

  nb::exception<MLIRError>(m, "MLIRError");

  nb::class_<Context>(
      m, "Context",
      "An MLIR context with the bitsink and upstream dialects and passes.")
      .def(nb::init<>())
      .def(
          "parse",
          [](const Context &self, const std::string &text,
             const std::string &sourceName) {
            BitSinkModule handle;
            self.check(bitsinkModuleParse(self.get(), text.data(), text.size(),
                                          sourceName.c_str(), &handle));
            return new Module(self, handle);
          },
          "text"_a, "source_name"_a = "<string>", nb::rv_policy::take_ownership,
          nb::keep_alive<0, 1>(),
          "Parses and verifies IR into a Module; raises MLIRError.")
      .def_prop_ro("diagnostics", &Context::diagnostics,
                   "Diagnostics (remarks and warnings too) of the last call "
                   "on this context or its modules.");

  nb::class_<Module>(m, "Module", "A builtin.module owned by Python.")
      .def("run_pipeline", &Module::runPipeline, "pipeline"_a,
           "Runs a textual pipeline such as "
           "'builtin.module(canonicalize)'; raises MLIRError if it does not "
           "parse or a pass fails.")
      .def("verify", &Module::verify, "Raises MLIRError if the IR is invalid.")
      .def("__str__", &Module::str);
}
