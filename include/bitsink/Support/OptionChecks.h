//===- OptionChecks.h - one validation path for pass options ----*- C++ -*-===//
//
// Every bitsink pass and pipeline checks its options through an
// OptionChecker, before it creates any IR: the first violated rule becomes
// one message "<owner>: <option> must be <requirement>, got <value>". A pass
// reports it on its root op (OptionChecker::emit) and fails; a pipeline
// builder returns it as text (OptionChecker::message).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_SUPPORT_OPTIONCHECKS_H
#define BITSINK_SUPPORT_OPTIONCHECKS_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

#include <optional>
#include <string>

namespace bitsink {

class OptionChecker {
public:
  /// `owner` names the pass or pipeline in the message.
  explicit OptionChecker(llvm::StringRef owner) : owner(owner.str()) {}

  /// `value` in [lo, hi].
  OptionChecker &inRange(llvm::StringRef option, int64_t value, int64_t lo,
                         int64_t hi) {
    return check(value >= lo && value <= hi, option,
                 "in [" + llvm::Twine(lo) + ", " + llvm::Twine(hi) + "]",
                 llvm::Twine(value));
  }
  /// `value` >= lo.
  OptionChecker &atLeast(llvm::StringRef option, int64_t value, int64_t lo) {
    return check(value >= lo, option, ">= " + llvm::Twine(lo),
                 llvm::Twine(value));
  }
  OptionChecker &positive(llvm::StringRef option, int64_t value) {
    return check(value > 0, option, "positive", llvm::Twine(value));
  }
  /// `value` a positive multiple of `factor`.
  OptionChecker &positiveMultipleOf(llvm::StringRef option, int64_t value,
                                    int64_t factor) {
    return check(value > 0 && value % factor == 0, option,
                 "a positive multiple of " + llvm::Twine(factor),
                 llvm::Twine(value));
  }
  /// `value` a power of two in [lo, hi].
  OptionChecker &powerOfTwo(llvm::StringRef option, int64_t value, int64_t lo,
                            int64_t hi) {
    bool ok = value >= lo && value <= hi && (value & (value - 1)) == 0;
    return check(ok, option,
                 "a power of two in [" + llvm::Twine(lo) + ", " +
                     llvm::Twine(hi) + "]",
                 llvm::Twine(value));
  }
  /// `value` one of `allowed`.
  OptionChecker &oneOf(llvm::StringRef option, int64_t value,
                       llvm::ArrayRef<int64_t> allowed) {
    return check(llvm::is_contained(allowed, value), option,
                 "one of " +
                     llvm::join(llvm::map_range(allowed,
                                                [](int64_t v) {
                                                  return std::to_string(v);
                                                }),
                                ", "),
                 llvm::Twine(value));
  }
  OptionChecker &oneOf(llvm::StringRef option, llvm::StringRef value,
                       llvm::ArrayRef<llvm::StringRef> allowed) {
    return check(llvm::is_contained(allowed, value), option,
                 "one of " + llvm::join(allowed, ", "),
                 "'" + llvm::Twine(value) + "'");
  }
  /// A rule of its own: when `ok` is false the message is
  /// "<owner>: <text>".
  OptionChecker &require(bool ok, const llvm::Twine &text) {
    if (!ok && !firstError)
      firstError = owner + ": " + text.str();
    return *this;
  }

  bool ok() const { return !firstError; }
  /// The first violation, empty when every rule held.
  std::string message() const { return firstError.value_or(""); }
  /// Reports the first violation on `anchor`; fails when there was one.
  llvm::LogicalResult emit(mlir::Operation *anchor) const {
    if (!firstError)
      return llvm::success();
    anchor->emitError() << *firstError;
    return llvm::failure();
  }

private:
  OptionChecker &check(bool ok, llvm::StringRef option,
                       const llvm::Twine &requirement,
                       const llvm::Twine &value) {
    return require(ok, option + " must be " + requirement + ", got " + value);
  }

  std::string owner;
  std::optional<std::string> firstError;
};

} // namespace bitsink

#endif // BITSINK_SUPPORT_OPTIONCHECKS_H
