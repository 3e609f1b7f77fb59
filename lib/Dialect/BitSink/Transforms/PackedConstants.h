//===- PackedConstants.h - constants of packed weights ----------*- C++ -*-===//
//
// How the bitsink graph passes store the packed planes and coefficients they
// create: readable `dense` literals when small, `dense_resource` blobs when
// large. Private to lib/Dialect/BitSink/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_PACKEDCONSTANTS_H
#define BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_PACKEDCONSTANTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace bitsink {

/// Packed constants with more elements than this are emitted as
/// `dense_resource` blobs (printed as one hex string, fast to print and
/// parse); smaller ones stay readable `dense<...>` literals.
constexpr int64_t kMaxInlineElements = 1024;

/// A constant of `type` from little-endian raw `bytes`: a dense literal when
/// small, a dense_resource blob named after `blobName` when large.
inline mlir::ElementsAttr makePackedConstant(mlir::ShapedType type,
                                             llvm::ArrayRef<char> bytes,
                                             size_t alignment,
                                             llvm::StringRef blobName) {
  if (type.getNumElements() <= kMaxInlineElements)
    return mlir::DenseElementsAttr::getFromRawBuffer(type, bytes);
  return mlir::DenseResourceElementsAttr::get(
      type, blobName,
      mlir::HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignment));
}

} // namespace bitsink

#endif // BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_PACKEDCONSTANTS_H
