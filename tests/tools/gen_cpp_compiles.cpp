// Compiled at build time with -Werror (tests/tools/CMakeLists.txt): the C++
// that `comframe gen cpp` writes for the built-in devices, both in one
// translation unit, as a host program would include them.
#include "echo_profile.hpp"
#include "thermo_profile.hpp"

static_assert(thermo::get_info::id == 0x0001);
static_assert(echo::echo_text::id == 0x0002);
