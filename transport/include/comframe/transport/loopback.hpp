// comframe/transport/loopback.hpp — an in-process pair of connected links.
//
// For tests and in-process simulators: two links on one io_context, where
// the bytes written on one end are read on the other. `open_link(io,
// "loop://NAME")` reaches the same pairs by name (see link.hpp).
//
//   auto [host, device] = comframe::transport::make_loopback_pair(io);
//   host->async_write(request, on_written);
//   device->async_read_some(buffer, on_request);
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

#include "comframe/transport/link.hpp"

namespace comframe::transport {

/// Bytes one direction of a loopback pair holds before writes wait for reads.
inline constexpr std::size_t loopback_capacity_bytes = 64 * 1024;

/// Both ends of a loopback pair.
struct loopback_pair {
  std::unique_ptr<link> a;
  std::unique_ptr<link> b;
};

/// Creates a connected pair of in-process links on `io`.
///  - Bytes written on one end are read on the other, in order.
///  - Each direction buffers up to loopback_capacity_bytes; a write beyond that
///    completes only as the reader makes room (no unbounded growth).
///  - Closing (or destroying) one end fails the other's pending write with
///    link_lost, and its reads with link_lost once the bytes already sent have
///    been read.
///  - Completions run in order, never inside the call that started the
///    operation, in batches: one posted handler runs the pair's finished
///    operations (those their handlers finish included) up to 64 at a time,
///    then lets the io_context's other handlers run. A request and its reply
///    through a pair cost no post each (and no reactor poll each on an
///    io_context that has a reactor).
/// Both ends report url() "loop://NAME"; the pair is not registered under NAME
/// for open_link.
loopback_pair make_loopback_pair(boost::asio::io_context& io, std::string_view name = "pair");

}  // namespace comframe::transport
