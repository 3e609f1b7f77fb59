//===- Profile.cpp - per-kernel time of a profiled entry --------*- C++ -*-===//
//
// The profile runtime (bitsink_profile_begin / bitsink_profile_end) and its
// table. The instrumented code calls the two functions from the thread
// that called the entry, around kernels whose parallel loops run on OpenMP
// workers; the counters are that thread's current ones, so executables on
// different threads never share counters and need no locks.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/Profile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace bitsink;

namespace {
/// The counters the calling thread's begin / end calls go to.
thread_local ProfileCounters *currentCounters = nullptr;
} // namespace

extern "C" void bitsink_profile_begin(int64_t id) {
  if (currentCounters)
    currentCounters->begin(id);
}

extern "C" void bitsink_profile_end(int64_t id) {
  if (currentCounters)
    currentCounters->end(id);
}

uint64_t bitsink::profileClockNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ProfileCounters::ProfileCounters(std::vector<std::string> labels) {
  kernels.resize(labels.size());
  for (auto [kernel, label] : llvm::zip_equal(kernels, labels))
    kernel.label = std::move(label);
}

void ProfileCounters::begin(int64_t id) {
  if (id < 0 || static_cast<uint64_t>(id) >= kernels.size())
    return;
  Kernel &kernel = kernels[id];
  if (kernel.open++ == 0)
    kernel.start = profileClockNanoseconds();
}

void ProfileCounters::end(int64_t id) {
  if (id < 0 || static_cast<uint64_t>(id) >= kernels.size())
    return;
  Kernel &kernel = kernels[id];
  if (kernel.open == 0 || --kernel.open > 0)
    return;
  kernel.nanoseconds += profileClockNanoseconds() - kernel.start;
  ++kernel.calls;
}

void ProfileCounters::addEntryCall(uint64_t nanoseconds) {
  ++entryCalls;
  entryNanoseconds += nanoseconds;
}

void ProfileCounters::reset() {
  for (Kernel &kernel : kernels)
    kernel.calls = kernel.nanoseconds = kernel.open = 0;
  entryCalls = entryNanoseconds = 0;
}

ProfileReport ProfileCounters::report(llvm::StringRef entry) const {
  ProfileReport report;
  report.entry = entry.str();
  report.entryCalls = entryCalls;
  report.entryMilliseconds = entryNanoseconds * 1e-6;
  for (auto [id, kernel] : llvm::enumerate(kernels))
    report.kernels.push_back({static_cast<int64_t>(id), kernel.label,
                              kernel.calls, kernel.nanoseconds * 1e-6});
  llvm::sort(report.kernels, [](const ProfileKernel &a,
                                const ProfileKernel &b) {
    return a.milliseconds != b.milliseconds ? a.milliseconds > b.milliseconds
                                            : a.id < b.id;
  });
  return report;
}

ProfileCounters::Scope::Scope(ProfileCounters &counters)
    : counters(counters), previous(currentCounters),
      start(profileClockNanoseconds()) {
  currentCounters = &counters;
}

ProfileCounters::Scope::~Scope() {
  counters.addEntryCall(profileClockNanoseconds() - start);
  currentCounters = previous;
}

std::string bitsink::formatProfile(const ProfileReport &report,
                                   size_t maxRows) {
  std::string text;
  llvm::raw_string_ostream os(text);
  uint64_t calls = report.entryCalls;
  // Times per entry call; shares of the entry's time.
  double perCall = calls ? 1.0 / calls : 0.0;
  double entryMs = report.entryMilliseconds * perCall;
  auto share = [&](double ms) {
    return entryMs > 0 ? 100.0 * ms / entryMs : 0.0;
  };
  os << "profile of '" << report.entry << "': " << calls
     << (calls == 1 ? " call, " : " calls, ") << llvm::format("%.4f", entryMs)
     << " ms per call, " << report.kernels.size()
     << (report.kernels.size() == 1 ? " kernel\n" : " kernels\n");
  if (calls > 1)
    os << "(ms: mean per call of '" << report.entry << "'; runs: over all "
       << calls << " calls)\n";
  os << llvm::format("%10s %6s %6s  %s\n", "ms", "%", "runs", "kernel");
  double kernelsMs = 0;
  double otherMs = 0;
  uint64_t otherRuns = 0;
  size_t others = 0;
  for (auto [row, kernel] : llvm::enumerate(report.kernels)) {
    double ms = kernel.milliseconds * perCall;
    kernelsMs += ms;
    if (maxRows && row >= maxRows) {
      otherMs += ms;
      otherRuns += kernel.calls;
      ++others;
      continue;
    }
    os << llvm::format("%10.4f %5.1f%% %6llu  ", ms, share(ms),
                       static_cast<unsigned long long>(kernel.calls))
       << kernel.label << "\n";
  }
  if (others)
    os << llvm::format("%10.4f %5.1f%% %6llu  ", otherMs, share(otherMs),
                       static_cast<unsigned long long>(otherRuns))
       << "(" << others << " other kernels)\n";
  double rest = entryMs - kernelsMs;
  os << llvm::format("%10.4f %5.1f%% %6s  ", rest, share(rest), "")
     << "(in no kernel: allocations, the call itself)\n";
  os << llvm::format("%10.4f %5.1f%% %6s  ", entryMs, share(entryMs), "")
     << "total\n";
  return text;
}
