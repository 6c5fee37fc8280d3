// The accuracy study behind `pimlab accuracy` (and, for now, `pimlab run`):
// runs a model's decode kernel (state update or decode attention) on seeded
// synthetic inputs of realistic statistics in several storage formats and
// measures each against FP64. docs/golden.md documents the inputs and metrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "numerics/format.h"
#include "numerics/mx8.h"

namespace pimlab::golden {

enum class StudyKind { state_update, attention };

struct StudyModel {
  const char* name;        // CLI name, e.g. "mamba2-2.7b"
  StudyKind kind;
  int rows, cols;          // state rows x cols per head; attention: d_head x 0
  const char* shape_text;  // "128 x 64 (d_state x head_dim)"
  int model_heads;         // heads (state) or query heads (attention) per layer
  int default_heads;       // heads the study runs by default
  const char* inputs_text; // one line describing the synthetic inputs
};

const std::vector<StudyModel>& study_models();
// Throws std::invalid_argument naming the value and the allowed names.
const StudyModel& find_study_model(const std::string& name);

// A format name as the study accepts it: every numerics::Format name plus the
// short aliases e4m3 = mxfp8-e4m3 and e5m2 = mxfp8-e5m2 (OCP MXFP8).
numerics::Format parse_study_format(const std::string& name);
std::vector<std::string> study_format_names();  // aliases first, then num names

struct StudyConfig {
  std::string model = "mamba2-2.7b";
  int steps = 64;
  int heads = 0;    // 0 = the model's default_heads
  int context = 0;  // attention only: tokens in the cache before the first step (0 = 512)
  std::vector<numerics::Format> formats;  // empty = mx8, int8, e4m3, e5m2, fp16, bf16
  std::uint64_t seed = 1;
  numerics::Rounding rounding = numerics::Rounding::nearest;  // stochastic: MX8 write-back only
};

struct FormatAccuracy {
  numerics::Format format;
  double bits_per_element;
  double o_rel_max;    // max over (head, step) of ||o^ - o||_2 / ||o||_2
  double o_rel_mean;   // mean over (head, step)
  double state_rel;    // final state (attention: K/V cache) ||x^ - x||_F / ||x||_F over all heads
  bool stochastic;     // this format's write-back used stochastic rounding
};

struct StudyResult {
  StudyConfig config;  // effective: defaults filled in
  const StudyModel* model;
  std::vector<FormatAccuracy> formats;
};

// Validates the configuration (std::invalid_argument naming the field) and runs it.
StudyResult run_accuracy_study(const StudyConfig& config);

}  // namespace pimlab::golden

namespace pimlab::golden {
// The study as a plain-text table (byte-deterministic: no timing, fixed
// number formats): a header naming the model, shape, heads, steps, seed and
// rounding, one line on the inputs, one on the metrics, then one row per format.
std::string format_accuracy_table(const StudyResult& r);
// "nearest" or "stochastic".
const char* rounding_name(numerics::Rounding r);
}  // namespace pimlab::golden
