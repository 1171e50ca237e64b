// bench-links: comframe::transport comframe::firmware_slice16
// bench/firmware_bench.cpp again, against the kit built with
// COMFRAME_CRC32C_SLICE16 (CRC-32C by slicing-by-16, still portable C).
#include "firmware_bench.cpp"
