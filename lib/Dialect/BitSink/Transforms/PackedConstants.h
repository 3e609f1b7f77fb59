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

#include <string>

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

/// The little-endian bytes of a `dense` or `dense_resource` constant whose
/// elements take `elementBytes` bytes; `splat` when they hold one element
/// that stands for all. Fails, with `why` naming the constant as `what`,
/// when a `dense_resource` blob is missing, elided or short.
inline mlir::LogicalResult readPackedBytes(mlir::ElementsAttr attr,
                                           size_t elementBytes,
                                           llvm::StringRef what,
                                           llvm::ArrayRef<char> &bytes,
                                           bool &splat, std::string &why) {
  splat = false;
  if (auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(attr)) {
    bytes = dense.getRawData();
    splat = dense.isSplat();
    return mlir::success();
  }
  bytes = llvm::cast<mlir::DenseResourceElementsAttr>(attr).getData();
  size_t expected = attr.getNumElements() * elementBytes;
  if (bytes.size() == expected)
    return mlir::success();
  why = "its dense_resource " + what.str() + " holds " +
        std::to_string(bytes.size()) + " bytes, expected " +
        std::to_string(expected) + " (the blob is missing or elided)";
  return mlir::failure();
}

} // namespace bitsink

#endif // BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_PACKEDCONSTANTS_H
