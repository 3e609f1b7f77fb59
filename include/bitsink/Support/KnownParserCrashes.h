//===- KnownParserCrashes.h - inputs that crash MLIR 22's parser --*- C++ -*-===//
//
// MLIR 22's custom parsers of linalg.transpose and linalg.broadcast read
// their `permutation = [...]` / `dimensions = [...]` array through a helper
// that stores the parsed attribute without checking it: when the array is
// malformed the parser dereferences a null attribute (found by
// fuzz/FuzzIR.cpp; it crashes the C API and Python, and is undefined
// behaviour elsewhere). Until upstream checks it, callers that parse
// untrusted text reject such input first with this check. Header-only, no
// MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_SUPPORT_KNOWNPARSERCRASHES_H
#define BITSINK_SUPPORT_KNOWNPARSERCRASHES_H

#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bitsink {

/// Where a keyword `permutation` or `dimensions` is followed by `=` and
/// then anything but a well-formed `[i, j, ...]` integer list: the byte
/// offset of the keyword. std::nullopt when the text has no such place.
inline std::optional<size_t> findMalformedLinalgArray(std::string_view text) {
  for (std::string_view keyword : {"permutation", "dimensions"}) {
    for (size_t at = text.find(keyword); at != std::string_view::npos;
         at = text.find(keyword, at + 1)) {
      size_t i = at + keyword.size();
      auto skipSpace = [&] {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
          ++i;
      };
      skipSpace();
      if (i >= text.size() || text[i] != '=')
        continue;
      ++i;
      skipSpace();
      if (i >= text.size() || text[i] != '[')
        return at;
      ++i;
      bool wantNumber = true, sawNumber = false;
      for (;; ++i) {
        skipSpace();
        if (i >= text.size())
          return at;
        char c = text[i];
        if (c == ']') {
          if (sawNumber && wantNumber)
            return at; // "[1, ]"
          break;
        }
        if (wantNumber && (c == '-' || std::isdigit(static_cast<unsigned char>(c)))) {
          if (c == '-')
            ++i;
          if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i])))
            return at;
          while (i + 1 < text.size() &&
                 std::isdigit(static_cast<unsigned char>(text[i + 1])))
            ++i;
          wantNumber = false;
          sawNumber = true;
          continue;
        }
        if (!wantNumber && c == ',') {
          wantNumber = true;
          continue;
        }
        return at;
      }
    }
  }
  return std::nullopt;
}

} // namespace bitsink

#endif // BITSINK_SUPPORT_KNOWNPARSERCRASHES_H
