//===- ParsePipeline.cpp - textual pipelines for a module -------*- C++ -*-===//
//
// Implements bitsink::parseModulePipeline: MLIR parses the text; this file
// only decides where it is anchored and hands a target CPU to the
// bitsink-cpu-pipeline elements. Both need the text's outline (elements,
// their options and nested pipelines), read here the way MLIR's pipeline
// parser reads it: `name`, `name{options}` (braces nest) or
// `op-name(pipeline)`, separated by commas.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {
/// A bitsink-cpu-pipeline element of a pipeline text.
struct CPUPipelineElement {
  /// Where options go: before the closing brace, or right after the name.
  size_t insertAt;
  bool hasBraces;
  StringRef options;
};

/// The outline of a textual pipeline; `ok` is false where MLIR's parser
/// would not read the text as a pipeline (it then reports why).
class PipelineOutline {
public:
  explicit PipelineOutline(StringRef text) : text(text) {
    ok = scanPipeline(/*depth=*/0) && pos == text.size();
  }

  bool ok = false;
  /// Elements of the outermost pipeline, and whether the first has a
  /// nested pipeline.
  unsigned topLevelElements = 0;
  bool firstIsNested = false;
  SmallVector<CPUPipelineElement> cpuPipelines;

private:
  void skipSpaces() {
    while (pos < text.size() && isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
  }

  /// Elements separated by commas, up to a ')' (depth > 0) or the end.
  bool scanPipeline(unsigned depth) {
    for (;;) {
      size_t stop = std::min(text.find_first_of(",(){", pos), text.size());
      StringRef rawName = text.slice(pos, stop);
      StringRef name = rawName.trim();
      if (name.empty())
        return false;
      size_t nameEnd = pos + rawName.rtrim().size();
      pos = stop;
      if (depth == 0 && topLevelElements++ == 0)
        firstIsNested = pos < text.size() && text[pos] == '(';
      if (pos < text.size() && text[pos] == '{') {
        size_t open = pos;
        unsigned braces = 0;
        for (; pos < text.size(); ++pos) {
          if (text[pos] == '{')
            ++braces;
          else if (text[pos] == '}' && --braces == 0)
            break;
        }
        if (pos == text.size())
          return false;
        if (name == "bitsink-cpu-pipeline")
          cpuPipelines.push_back({pos, true, text.slice(open + 1, pos)});
        ++pos;
        skipSpaces();
      } else if (pos < text.size() && text[pos] == '(') {
        ++pos;
        if (!scanPipeline(depth + 1) || pos == text.size() || text[pos] != ')')
          return false;
        ++pos;
        skipSpaces();
      } else if (name == "bitsink-cpu-pipeline") {
        cpuPipelines.push_back({nameEnd, false, StringRef()});
      }
      if (pos == text.size())
        return depth == 0;
      if (text[pos] == ')')
        return depth > 0;
      if (text[pos] != ',')
        return false;
      ++pos;
    }
  }

  StringRef text;
  size_t pos = 0;
};
} // namespace

/// `text` with target-cpu=`cpu` (when not empty) added to each
/// bitsink-cpu-pipeline that names no target-cpu, and profile=true (with
/// `profile`) to each that does not set profile (an element whose options
/// do not parse is left for MLIR's parser to report).
static std::string withCpuPipelineOptions(StringRef text,
                                          const PipelineOutline &outline,
                                          StringRef cpu, bool profile) {
  std::string result = text.str();
  for (const CPUPipelineElement &element :
       llvm::reverse(outline.cpuPipelines)) {
    bitsink::CPUPipelineOptions options;
    if (failed(options.parseFromString(element.options, llvm::nulls())))
      continue;
    std::string added;
    if (!cpu.empty() && !options.targetCpu.hasValue())
      added = ("target-cpu=" + cpu).str();
    if (profile && !options.profile.hasValue())
      added += (added.empty() ? "" : " ") + std::string("profile=true");
    if (added.empty())
      continue;
    result.insert(element.insertAt,
                  element.hasBraces ? " " + added : "{" + added + "}");
  }
  return result;
}

FailureOr<OpPassManager> bitsink::parseModulePipeline(StringRef text,
                                                      raw_ostream &errors,
                                                      StringRef targetCpu,
                                                      bool profile) {
  text = text.trim();
  std::string withCpu;
  PipelineOutline outline(text);
  if (outline.ok && (!targetCpu.empty() || profile) &&
      !outline.cpuPipelines.empty()) {
    withCpu = withCpuPipelineOptions(text, outline, targetCpu, profile);
    text = withCpu;
  }
  // One `op-name(...)`: anchored on that op, as MLIR reads it.
  if (outline.ok && outline.topLevelElements == 1 && outline.firstIsNested)
    return parsePassPipeline(text, errors);
  OpPassManager pm(ModuleOp::getOperationName());
  if (failed(parsePassPipeline(text, pm, errors)))
    return failure();
  return pm;
}
