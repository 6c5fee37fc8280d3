// One interface over every format: quantize in blocks, return what storage
// holds as FP32 (docs/numerics.md, "Quantizing a vector").
#include "numerics/format.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "numerics/fp.h"
#include "numerics/int8.h"
#include "numerics/ocp_mx.h"

namespace pimlab::numerics {

namespace {

const std::vector<FormatInfo>& table() {
  // bits_per_element: element bits + the block's scale bits / block size.
  static const std::vector<FormatInfo> t = {
      {Format::fp32, "fp32", 1, 32.0},
      {Format::fp16, "fp16", 1, 16.0},
      {Format::bf16, "bf16", 1, 16.0},
      {Format::mx8, "mx8", kMx8Block, 8.0},  // 16 bytes per 16 values
      {Format::mxint8, "mxint8", kMxBlock, 8.0 + 8.0 / kMxBlock},
      {Format::mxfp8_e4m3, "mxfp8-e4m3", kMxBlock, 8.0 + 8.0 / kMxBlock},
      {Format::mxfp8_e5m2, "mxfp8-e5m2", kMxBlock, 8.0 + 8.0 / kMxBlock},
      {Format::mxfp6_e3m2, "mxfp6-e3m2", kMxBlock, 6.0 + 8.0 / kMxBlock},
      {Format::mxfp6_e2m3, "mxfp6-e2m3", kMxBlock, 6.0 + 8.0 / kMxBlock},
      {Format::mxfp4_e2m1, "mxfp4-e2m1", kMxBlock, 4.0 + 8.0 / kMxBlock},
      {Format::int8, "int8", kInt8Block, 8.0 + 32.0 / kInt8Block},
  };
  return t;
}

MxElem mx_elem_of(Format f) {
  switch (f) {
    case Format::mxint8: return MxElem::int8;
    case Format::mxfp8_e4m3: return MxElem::fp8_e4m3;
    case Format::mxfp8_e5m2: return MxElem::fp8_e5m2;
    case Format::mxfp6_e3m2: return MxElem::fp6_e3m2;
    case Format::mxfp6_e2m3: return MxElem::fp6_e2m3;
    case Format::mxfp4_e2m1: return MxElem::fp4_e2m1;
    default: throw std::logic_error("mx_elem_of: not an OCP MX format");
  }
}

}  // namespace

const std::vector<FormatInfo>& all_formats() { return table(); }

const FormatInfo& info(Format f) {
  for (const auto& i : table())
    if (i.format == f) return i;
  throw std::logic_error("numerics: format missing from the table");
}

Format parse_format(const std::string& name) {
  std::string allowed;
  for (const auto& i : table()) {
    if (name == i.name) return i.format;
    allowed += allowed.empty() ? "" : ", ";
    allowed += i.name;
  }
  throw std::invalid_argument("unknown format '" + name + "' (allowed: " + allowed + ")");
}

void quantize(Format f, const float* in, float* out, std::size_t n, Rounding mode, SrRng* rng) {
  const FormatInfo& fi = info(f);
  if (mode == Rounding::stochastic) {
    if (f != Format::mx8)
      throw std::invalid_argument(std::string("stochastic rounding is defined for mx8 only, not for ") + fi.name);
    if (rng == nullptr) throw std::invalid_argument("stochastic rounding needs a generator (rng is null)");
  }
  // NaN/Inf anywhere is rejected before anything is written, naming its index.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t u = bits_of(in[i]);
    if ((u & 0x7F800000u) == 0x7F800000u) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%s: input %zu is %s (0x%08x); only finite values can be quantized", fi.name,
                    i, (u & 0x7FFFFFu) ? "NaN" : ((u >> 31) ? "-Inf" : "+Inf"), static_cast<unsigned>(u));
      throw std::invalid_argument(buf);
    }
  }
  switch (f) {
    case Format::fp32:
      std::copy(in, in + n, out);
      return;
    case Format::fp16:
      for (std::size_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(fp32_to_fp16(in[i]));
      return;
    case Format::bf16:
      for (std::size_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(fp32_to_bf16(in[i]));
      return;
    default: break;
  }
  // Block formats: full blocks in place; a partial last block padded with +0.
  const std::size_t B = static_cast<std::size_t>(fi.block);
  float bin[32], bout[32];
  for (std::size_t base = 0; base < n; base += B) {
    const std::size_t len = std::min(B, n - base);
    std::fill(bin, bin + B, 0.0f);
    std::copy(in + base, in + base + len, bin);
    if (f == Format::mx8) {
      mx8_decode(mx8_encode(bin, mode, rng), bout);
    } else if (f == Format::int8) {
      int8_decode(int8_encode(bin), bout);
    } else {
      const MxElem e = mx_elem_of(f);
      mx_decode(e, mx_encode(e, bin), bout);
    }
    std::copy(bout, bout + len, out + base);
  }
}

std::vector<float> quantize(Format f, const std::vector<float>& in, Rounding mode, SrRng* rng) {
  std::vector<float> out(in.size());
  quantize(f, in.data(), out.data(), in.size(), mode, rng);
  return out;
}

}  // namespace pimlab::numerics
