// Test support: gtest prints a core::measured as its state and size.
#pragma once

#include <ostream>

#include "comframe/core/measure.hpp"

namespace comframe::core {
inline void PrintTo(const measured& m, std::ostream* os) { *os << "{state " << int(m.st) << ", size " << m.size << "}"; }
}  // namespace comframe::core
