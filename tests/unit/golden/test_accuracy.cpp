// The accuracy study behind `pimlab accuracy`: configuration checks, format
// names, determinism, and that FP32 storage measures at FP32's precision.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "golden/accuracy.h"

using namespace pimlab::golden;
namespace numerics = pimlab::numerics;

TEST_CASE("accuracy study: format names and aliases", "[golden][accuracy]") {
  CHECK(parse_study_format("e4m3") == numerics::Format::mxfp8_e4m3);
  CHECK(parse_study_format("e5m2") == numerics::Format::mxfp8_e5m2);
  CHECK(parse_study_format("mx8") == numerics::Format::mx8);
  CHECK(parse_study_format("int8") == numerics::Format::int8);
  CHECK(parse_study_format("mxfp4-e2m1") == numerics::Format::mxfp4_e2m1);
  CHECK_THROWS_AS(parse_study_format("fp12"), std::invalid_argument);
  CHECK_THROWS_AS(find_study_model("gpt-9"), std::invalid_argument);
  CHECK(find_study_model("hgrn2-2.7b").rows == 128);
}

TEST_CASE("accuracy study: invalid configurations are rejected", "[golden][accuracy]") {
  StudyConfig c;
  c.steps = 0;
  CHECK_THROWS_AS(run_accuracy_study(c), std::invalid_argument);
  c = StudyConfig{};
  c.heads = 81;  // Mamba-2-2.7B has 80 heads
  CHECK_THROWS_AS(run_accuracy_study(c), std::invalid_argument);
  c = StudyConfig{};
  c.context = 16;  // attention only
  CHECK_THROWS_AS(run_accuracy_study(c), std::invalid_argument);
  c = StudyConfig{};
  c.formats = {numerics::Format::mx8, numerics::Format::mx8};
  CHECK_THROWS_AS(run_accuracy_study(c), std::invalid_argument);
}

TEST_CASE("accuracy study: deterministic, defaults filled in, FP32 at FP32 precision", "[golden][accuracy]") {
  StudyConfig c;
  c.model = "hgrn2-2.7b";
  c.steps = 4;
  c.heads = 1;
  c.formats = {numerics::Format::fp32, numerics::Format::mx8};
  const StudyResult a = run_accuracy_study(c), b = run_accuracy_study(c);
  CHECK(format_accuracy_table(a) == format_accuracy_table(b));
  REQUIRE(a.formats.size() == 2);
  // FP32 storage: inputs rounded to FP32 (u = 2^-24) plus the kernel's FP32
  // roundings; for a 128-row state and 4 steps the derived bound is a few
  // hundred u times the conditioning: far below 1e-4, far above 0.
  CHECK(a.formats[0].o_rel_max < 1e-4);
  CHECK(a.formats[0].state_rel < 1e-4);
  // MX8 keeps 6 significant bits: errors of order 2^-6 .. 2^-3.
  CHECK(a.formats[1].o_rel_mean > 1e-3);
  CHECK(a.formats[1].o_rel_mean < 0.5);
  StudyConfig d;
  d.model = "opt-7b";
  d.steps = 1;
  d.heads = 1;
  d.formats = {numerics::Format::fp16};
  const StudyResult r = run_accuracy_study(d);
  CHECK(r.config.context == 512);  // the documented default
  CHECK(r.formats[0].bits_per_element == 16.0);
}
