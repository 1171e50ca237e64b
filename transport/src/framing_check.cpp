#include "framing_check.hpp"

#include <boost/crc.hpp>

#include <string_view>

#include "comframe/core/error.hpp"

namespace comframe::transport::detail {

namespace {

template <class Crc>
std::uint64_t run_optimal(std::span<const std::uint8_t> bytes) {
  Crc c;
  c.process_bytes(bytes.data(), bytes.size());
  return c.checksum();
}

struct named_engine {
  std::string_view name;
  std::uint64_t (*fn)(std::span<const std::uint8_t>);
};

// One crc_optimal per catalogue name; the parameters match named_crc()'s.
constexpr named_engine named_engines[] = {
    {"CRC-16/MODBUS", run_optimal<boost::crc_optimal<16, 0x8005, 0xFFFF, 0, true, true>>},
    {"CRC-16/IBM-3740", run_optimal<boost::crc_optimal<16, 0x1021, 0xFFFF, 0, false, false>>},
    {"CRC-16/XMODEM", run_optimal<boost::crc_optimal<16, 0x1021, 0, 0, false, false>>},
    {"CRC-16/KERMIT", run_optimal<boost::crc_optimal<16, 0x1021, 0, 0, true, true>>},
    {"CRC-8/SMBUS", run_optimal<boost::crc_optimal<8, 0x07, 0, 0, false, false>>},
    {"CRC-32/ISO-HDLC", run_optimal<boost::crc_optimal<32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, true, true>>},
    {"CRC-32C", run_optimal<boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>>},
};

std::uint64_t reflect(std::uint64_t v, unsigned width) noexcept {
  std::uint64_t r = 0;
  for (unsigned i = 0; i < width; ++i)
    if (v & (std::uint64_t{1} << i)) r |= std::uint64_t{1} << (width - 1 - i);
  return r;
}

// Entry b of the table: the register after one byte b from a zero register,
// as crc_basic computes it (reflected registers for a reflected CRC).
template <std::size_t Width>
void fill_table(std::array<std::uint64_t, 256>& table, std::uint64_t poly, bool reflected) {
  using value = typename boost::crc_basic<Width>::value_type;
  for (unsigned b = 0; b < 256; ++b) {
    boost::crc_basic<Width> c(static_cast<value>(poly), 0, 0, reflected, reflected);
    c.process_byte(static_cast<unsigned char>(b));
    table[b] = c.checksum();
  }
}

}  // namespace

check_engine::check_engine(const framing_spec& spec) : kind_(spec.check), size_(spec.check_size()) {
  if (kind_ != check_kind::crc) return;
  const crc_parameters& p = spec.crc;
  for (const auto& e : named_engines)
    if (!p.name.empty() && e.name == p.name) {
      named_ = e.fn;
      return;
    }
  width_ = p.width;
  mask_ = width_ == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width_) - 1;
  reflected_ = p.refin;
  reflect_out_ = p.refin != p.refout;
  init_ = p.refin ? reflect(p.init, width_) : p.init;
  xorout_ = p.xorout;
  switch (width_) {
    case 8: fill_table<8>(table_, p.poly, reflected_); break;
    case 16: fill_table<16>(table_, p.poly, reflected_); break;
    case 32: fill_table<32>(table_, p.poly, reflected_); break;
    default: throw usage_error("transport", "a CRC of width " + std::to_string(width_) + " is not supported");
  }
}

std::uint64_t check_engine::compute(std::span<const std::uint8_t> bytes) const noexcept {
  switch (kind_) {
    case check_kind::none: return 0;
    case check_kind::sum8: {
      unsigned s = 0;
      for (const auto b : bytes) s += b;
      return s & 0xFF;
    }
    case check_kind::xor8: {
      unsigned x = 0;
      for (const auto b : bytes) x ^= b;
      return x;
    }
    case check_kind::crc: break;
  }
  if (named_ != nullptr) return named_(bytes);
  std::uint64_t r = init_;
  if (reflected_) {
    for (const auto b : bytes) r = (r >> 8) ^ table_[(r ^ b) & 0xFF];
  } else {
    const unsigned shift = width_ - 8;
    for (const auto b : bytes) r = ((r << 8) ^ table_[((r >> shift) ^ b) & 0xFF]) & mask_;
  }
  if (reflect_out_) r = reflect(r, width_);
  return (r ^ xorout_) & mask_;
}

}  // namespace comframe::transport::detail
