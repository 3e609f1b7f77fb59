// RUN: bitsink-opt %s -split-input-file -bitsink-profile-instrument -verify-diagnostics -o /dev/null

// Instrumenting twice would time every kernel twice under two ids.
// expected-error @+1 {{bitsink-profile-instrument: the module is already instrumented (it has `bitsink.profile_labels`)}}
module attributes {bitsink.profile_labels = []} {
  func.func @f() {
    return
  }
}

// -----

// The runtime's names are taken by something else.
// expected-error @+1 {{bitsink-profile-instrument: @bitsink_profile_begin is taken; the profile runtime declares it as an external function of type '(i64) -> ()'}}
func.func @bitsink_profile_begin(%a: i64) {
  return
}
