//===- Profile.h - per-kernel time of a profiled entry ----------*- C++ -*-===//
//
// The runtime behind bitsink-profile-instrument: the calls it puts around
// every kernel (bitsink_profile_begin / bitsink_profile_end) add the time
// between them, on a monotonic clock, to the counters of the kernel's id.
// The JIT makes an executable's counters the current ones of the calling
// thread for the length of each call (ProfileCounters::Scope) and hands the
// two functions to the code it compiles. Calls from a thread without
// current counters (an OpenMP worker, an executable compiled without
// profiling) do nothing. docs/profiling.md describes the table.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_EXECUTION_PROFILE_H
#define BITSINK_EXECUTION_PROFILE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
/// Starts kernel `id` of the calling thread's current counters.
void bitsink_profile_begin(int64_t id);
/// Ends kernel `id` and adds the time since its begin to its counters.
void bitsink_profile_end(int64_t id);
}

namespace bitsink {

/// The name of the module attribute (an array of strings, one per kernel
/// id) that bitsink-profile-instrument writes.
constexpr llvm::StringLiteral kProfileLabelsAttrName = "bitsink.profile_labels";

/// Nanoseconds on the monotonic clock the runtime uses.
uint64_t profileClockNanoseconds();

/// One kernel's line of a profile.
struct ProfileKernel {
  int64_t id = 0;
  std::string label;
  /// Times the kernel ran and the time it took, summed over every entry
  /// call since the last reset.
  uint64_t calls = 0;
  double milliseconds = 0;
};

/// What a profiled executable measured since its counters were reset.
struct ProfileReport {
  std::string entry;
  /// Calls of the entry and their summed time, measured around each call
  /// by the host.
  uint64_t entryCalls = 0;
  double entryMilliseconds = 0;
  /// Every kernel, the slowest first (ties by id).
  std::vector<ProfileKernel> kernels;
};

/// The counters of one profiled executable.
class ProfileCounters {
public:
  explicit ProfileCounters(std::vector<std::string> labels);

  size_t size() const { return kernels.size(); }
  /// Kernel `id`'s counters; ids outside [0, size()) are ignored.
  void begin(int64_t id);
  void end(int64_t id);
  /// Adds one call of the entry that took `nanoseconds`.
  void addEntryCall(uint64_t nanoseconds);
  /// Clears every count (the labels stay).
  void reset();
  ProfileReport report(llvm::StringRef entry) const;

  /// Makes `counters` the calling thread's current counters until the
  /// scope ends (the previous ones come back then), and times the scope as
  /// one entry call.
  class Scope {
  public:
    explicit Scope(ProfileCounters &counters);
    ~Scope();
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;

  private:
    ProfileCounters &counters;
    ProfileCounters *previous;
    uint64_t start;
  };

private:
  struct Kernel {
    std::string label;
    uint64_t calls = 0;
    uint64_t nanoseconds = 0;
    /// Begin time of the open call, and how many begins are open (a
    /// kernel of a function that calls itself is timed once, outermost).
    uint64_t start = 0;
    unsigned open = 0;
  };
  std::vector<Kernel> kernels;
  uint64_t entryCalls = 0;
  uint64_t entryNanoseconds = 0;
};

/// The profile as a table, the slowest kernel first: time per entry call
/// (ms), share of the entry's time, kernel calls per entry call, label;
/// then the time in no kernel (allocation, calls between kernels) and the
/// total. `maxRows` > 0 keeps that many kernel rows and sums the others in
/// one row.
std::string formatProfile(const ProfileReport &report, size_t maxRows = 0);

} // namespace bitsink

#endif // BITSINK_EXECUTION_PROFILE_H
