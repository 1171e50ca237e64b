// comframe/core/result.hpp — how a comframe function reports failure without throwing.
//
// A function that can fail and must not throw (a hot path, a noexcept parser)
// or that offers a non-throwing variant of a throwing one returns
// comframe::result<T, E>: Boost.System's result, either a T or an E.
//
//   E is the function's own error kind (transport::frame_error) or the
//   exception its throwing variant throws (comframe::error).
//
//   if (auto f = transport::parse_frame(bytes)) use(f->header, f->payload);
//   else count(f.error());                       // frame_error::crc, …
//
//   auto faults = firmware_sim::try_parse_faults(text);
//   if (!faults) show(faults.error().what());    // the error parse_faults() would throw
//   fault_config c = faults.value();             // or: throws that error
//
// value() throws E when E is a comframe::error (see below) or a
// boost::system::error_code; for any other E read error() instead (value()
// does not compile). No comframe function reports failure through an out
// parameter, a "last error" or an optional with the reason elsewhere.
#pragma once

#include <boost/system/result.hpp>

#include <concepts>

#include "comframe/core/error.hpp"

namespace comframe {

/// Either a T or the E that says why there is none (boost::system::result).
template <class T, class E>
using result = boost::system::result<T, E>;

/// Makes result<T, E>::value() throw E itself when E is a comframe error,
/// the same exception the throwing variant of the function would throw.
/// Found by argument-dependent lookup; not for calling directly.
template <class E>
  requires std::derived_from<E, error>
[[noreturn]] void throw_exception_from_error(const E& e, const boost::source_location&) {
  throw e;
}

}  // namespace comframe
