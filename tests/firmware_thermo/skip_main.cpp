// main() for the firmware_thermo tests: exits 77 when a test was skipped (a
// missing tool: QEMU or the cross compiler) and none failed, so CTest shows it
// as skipped (SKIP_RETURN_CODE 77) rather than passed. CI=true turns the skip
// into a failure (support/require_tool.hpp).
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  if (failed != 0) return failed;
  return ::testing::UnitTest::GetInstance()->skipped_test_count() > 0 ? 77 : 0;
}
