#pragma once
// doctest in a test that includes libtorch headers. libtorch brings glog's CHECK macros (CHECK,
// CHECK_EQ, ... CHECK_GE); doctest's must win in the test file. Include this after the torch and
// xbar::networks headers, in place of <doctest/doctest.h>.
#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_LT
#undef CHECK_LE
#undef CHECK_GT
#undef CHECK_GE
#include <doctest/doctest.h>
