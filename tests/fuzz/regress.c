// SPDX-License-Identifier: GPL-2.0
/*
 * Regression checks for bugs the fuzzer found, one test each, in the
 * kselftest harness. Run in the debug VM by tests/fuzz/stress.sh.
 */
#include "cma_buf_test.h"
#include "kselftest_harness.h"

TEST(module_is_loaded)
{
	ASSERT_TRUE(cb_module_loaded());
}

TEST_HARNESS_MAIN
