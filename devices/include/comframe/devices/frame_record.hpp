// comframe/devices/frame_record.hpp — the frame record that sessions, device
// hosts, bridge feeds and the frame printers share: transport::frame_record
// (transport/frame_record.hpp), named here for the devices layer. Include this
// rather than session.hpp when a frame record is all you need.
#pragma once

#include "comframe/transport/frame_record.hpp"

namespace comframe::devices {

/// Which way a frame went, seen from the host (transport/frame.hpp).
using transport::direction;
/// One frame a session or device host sent, received or refused.
using transport::frame_record;

}  // namespace comframe::devices
