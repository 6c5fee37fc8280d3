// Every number format pimlab knows, behind one interface: quantize a vector of
// FP32 values in blocks of the format's size and give back what storage holds,
// dequantized to FP32. Used by the golden kernels, `pimlab quantize` and
// `pimlab accuracy`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mx8.h"

namespace pimlab::numerics {

enum class Format {
  fp32,
  fp16,
  bf16,
  mx8,         // Pimba MX8 (block 16)
  mxint8,      // OCP MX, block 32, E8M0 scale
  mxfp8_e4m3,
  mxfp8_e5m2,
  mxfp6_e3m2,
  mxfp6_e2m3,
  mxfp4_e2m1,
  int8,        // symmetric INT8, one FP32 scale per block of 32 (docs/numerics.md)
};

struct FormatInfo {
  Format format;
  const char* name;         // CLI name: "mx8", "mxfp8-e4m3", ...
  int block;                // elements sharing a scale (1 = none)
  double bits_per_element;  // storage bits per element, scale amortised
};

const FormatInfo& info(Format f);
const std::vector<FormatInfo>& all_formats();
// Looks a CLI name up; throws std::invalid_argument listing the allowed names.
Format parse_format(const std::string& name);

// Quantizes `n` values in order, in blocks of info(f).block; a partial last
// block is padded with +0 (padding cannot raise the block's scale) and the
// padding is dropped from the output. Writes the dequantized values to out.
// NaN/Inf inputs throw std::invalid_argument naming the index. Stochastic
// rounding is defined for mx8 only (others: invalid_argument); `rng` draws per
// element as documented.
void quantize(Format f, const float* in, float* out, std::size_t n, Rounding mode = Rounding::nearest,
              SrRng* rng = nullptr);
std::vector<float> quantize(Format f, const std::vector<float>& in, Rounding mode = Rounding::nearest,
                            SrRng* rng = nullptr);

}  // namespace pimlab::numerics
