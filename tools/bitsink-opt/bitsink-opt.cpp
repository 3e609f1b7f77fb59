//===- bitsink-opt.cpp - bitsink optimizer driver ---------------*- C++ -*-===//
//
// mlir-opt with the bitsink dialect and passes registered next to every
// upstream dialect, extension and pass.
//
//===----------------------------------------------------------------------===//

#include "bitsink/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  bitsink::registerAllDialects(registry);
  bitsink::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bitsink optimizer driver\n", registry));
}
