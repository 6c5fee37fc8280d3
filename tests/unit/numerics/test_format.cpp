// The format interface (numerics/format.h): names, sizes, block padding,
// stochastic rounding only where defined, errors naming the index.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "numerics/format.h"
#include "test_util.h"

using namespace pimlab::numerics;
using numtest::B;
using numtest::hex32;

TEST_CASE("format: names and sizes", "[format]") {
  CHECK(parse_format("mx8") == Format::mx8);
  CHECK(parse_format("mxfp8-e4m3") == Format::mxfp8_e4m3);
  CHECK(parse_format("mxfp6-e2m3") == Format::mxfp6_e2m3);
  CHECK(parse_format("mxfp4-e2m1") == Format::mxfp4_e2m1);
  CHECK(parse_format("int8") == Format::int8);
  try {
    parse_format("fp8");
    FAIL("fp8 accepted");
  } catch (const std::invalid_argument& e) {
    const std::string w = e.what();
    CHECK(w.find("'fp8'") != std::string::npos);
    CHECK(w.find("mxfp8-e5m2") != std::string::npos);  // lists the allowed names
  }
  for (const auto& f : all_formats()) CHECK(parse_format(f.name) == f.format);
  CHECK(info(Format::mx8).block == 16);
  CHECK(info(Format::mx8).bits_per_element == 8.0);  // 16 bytes per 16 values
  CHECK(info(Format::mxfp4_e2m1).block == 32);
  CHECK(info(Format::mxfp4_e2m1).bits_per_element == 4.25);  // 4 + 8/32
  CHECK(info(Format::int8).bits_per_element == 9.0);          // 8 + 32/32
  CHECK(info(Format::fp16).block == 1);
}

TEST_CASE("format: a partial last block is padded with +0", "[format]") {
  // 17 values: block 0 = 16 copies of 1.0; block 1 = {0.3f, 15 x +0}. In block 1
  // E = 125 (0.3 = 1.2 * 2^-2), pair 0 holds E: d 0, sig 0x99999A = 10066330,
  // m = (10066330 + 2^17) >> 18 = floor(38.9) = 38 -> 38 * 2^(125-132) =
  // 0.296875. The padding cannot raise E, and only 17 outputs are written.
  std::vector<float> v(17, 1.0f);
  v[16] = 0.3f;
  const auto q = quantize(Format::mx8, v);
  REQUIRE(q.size() == 17);
  CHECK(q[0] == 1.0f);
  CHECK(q[16] == 0.296875f);
  // INT8 with 3 values: max|x| = 127 -> scale 1 for the padded block.
  const auto qi = quantize(Format::int8, std::vector<float>{127.0f, 2.5f, -3.5f});
  CHECK(qi == std::vector<float>{127.0f, 2.0f, -4.0f});
}

TEST_CASE("format: element-wise formats", "[format]") {
  // fp16: 1 + 2^-11 ties to 1.0; 65520 overflows to +Inf (see test_fp.cpp).
  const auto q = quantize(Format::fp16, std::vector<float>{1.0f + 0x1p-11f, 65520.0f});
  CHECK(q[0] == 1.0f);
  CHECK(std::isinf(q[1]));
  // bf16: 1 + 2^-8 + 2^-16 (0x3F808080 -> above the tie) -> 0x3F810000.
  const auto b = quantize(Format::bf16, std::vector<float>{1.0f + 0x1p-8f + 0x1p-16f});
  CHECK(hex32(B(b[0])) == "0x3f810000");
  // fp32 is the identity, -0 included.
  const auto f = quantize(Format::fp32, std::vector<float>{-0.0f, 0.1f});
  CHECK(hex32(B(f[0])) == "0x80000000");
  CHECK(f[1] == 0.1f);
}

TEST_CASE("format: stochastic rounding only for mx8, and only with a generator", "[format]") {
  SrRng rng(1);
  const std::vector<float> v(32, 1.0f);
  for (const auto& f : all_formats()) {
    INFO(f.name);
    if (f.format == Format::mx8)
      CHECK_NOTHROW(quantize(f.format, v, Rounding::stochastic, &rng));
    else
      CHECK_THROWS_AS(quantize(f.format, v, Rounding::stochastic, &rng), std::invalid_argument);
  }
  CHECK_THROWS_AS(quantize(Format::mx8, v, Rounding::stochastic, nullptr), std::invalid_argument);
}

TEST_CASE("format: NaN/Inf rejected for every format, naming the index", "[format]") {
  std::vector<float> v(40, 0.5f);
  v[33] = std::nanf("");
  for (const auto& f : all_formats()) {
    INFO(f.name);
    try {
      quantize(f.format, v);
      FAIL("NaN accepted");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("input 33") != std::string::npos);
    }
  }
}
