// comframe/transport/frame_header_codec.hpp — frame_header as a core Struct.
//
// The header is an ordinary fixed-size core Struct of four fields; this header
// describes it to the core codec, so that
//   std::vector<std::uint8_t> head = core::encode(header, header_endian);   // 6 bytes
// gives the bytes docs/protocol.md specifies. frame.hpp leaves it out so that
// code which only sends and receives frames does not compile Boost.Describe.
#pragma once

#include <boost/describe/class.hpp>

#include "comframe/core/codec.hpp"
#include "comframe/transport/frame.hpp"

namespace comframe::transport {

BOOST_DESCRIBE_STRUCT(frame_header, (), (version, kind, command, sequence))

static_assert(core::is_fixed_size_v<frame_header> && core::min_size<frame_header>() == header_size_bytes);

}  // namespace comframe::transport
