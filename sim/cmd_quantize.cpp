// `pimlab quantize`: quantizes FP32 values read from stdin with one of
// pimlab's number formats and prints what storage holds, as FP32 bit patterns.
// The rules of every format are in docs/numerics.md; this command only parses
// the input and calls numerics/format.h.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "cli.h"
#include "quantize_input.h"
#include "numerics/format.h"
#include "numerics/fp.h"

namespace {

using pimlab::cli::UsageError;
namespace numerics = pimlab::numerics;

std::vector<std::string> format_names() {
  std::vector<std::string> names;
  for (const auto& f : numerics::all_formats()) names.emplace_back(f.name);
  return names;
}

int run_quantize(int argc, char** argv) {
  pimlab::cli::Args args(
      "quantize",
      {{"format", "NAME", "number format: " + pimlab::cli::one_of(format_names()), ""},
       {"rounding", "MODE", "nearest or stochastic (stochastic: mx8 only)", "nearest"},
       {"seed", "S", "seed of the stochastic-rounding generator, 0..4294967295", "1"}});
  args.parse(argc, argv, 2);
  if (args.help_requested()) {
    std::cout << args.help_text(
        "--format NAME [--rounding nearest|stochastic] [--seed S] < values.txt",
        "Quantizes FP32 values with one of pimlab's number formats and prints, for each\n"
        "input, the value storage holds, dequantized to FP32 (docs/numerics.md).\n"
        "\n"
        "input (stdin): one value per line, either a decimal number (1.5, -2e-3, .25)\n"
        "  rounded to the nearest FP32, or 0x followed by exactly 8 hex digits: the FP32\n"
        "  bit pattern (0x3f800000 = 1.0). Spaces and tabs around a value are ignored;\n"
        "  blank lines are skipped (error messages count every line). NaN and Inf are\n"
        "  rejected.\n"
        "blocks: values are taken in input order in blocks of the format's size (mx8: 16;\n"
        "  mxint8, mxfp8-*, mxfp6-*, mxfp4-e2m1, int8: 32; fp32/fp16/bf16: 1); a partial\n"
        "  last block is padded with +0, which never changes the block's scale, and the\n"
        "  padding is not printed.\n"
        "output (stdout): one line per input value, the dequantized value as FP32 bits,\n"
        "  0x%08x (lowercase hex). fp16 and bf16 overflow to +-Inf (0x7f800000).\n"
        "stochastic rounding (mx8): xorshift32 seeded with --seed draws 8 bits per\n"
        "  element, padding included; the same seed and input give the same output.\n"
        "errors: a malformed or non-finite value, an unknown format, rounding mode or\n"
        "  option exit with status 2 and one line naming the problem.\n"
        "\n"
        "example: printf '1.9921875\\n0.3\\n' | pimlab quantize --format mx8");
    return 0;
  }
  const auto fmt_name = args.opt("format");
  if (!fmt_name) throw UsageError("--format is required (one of " + pimlab::cli::one_of(format_names()) + ")");
  const std::string fname = args.choice("format", "", format_names());
  const numerics::Format fmt = numerics::parse_format(fname);
  const std::string rname = args.choice("rounding", "nearest", {"nearest", "stochastic"});
  const numerics::Rounding mode = rname == "stochastic" ? numerics::Rounding::stochastic : numerics::Rounding::nearest;
  if (mode == numerics::Rounding::stochastic && fmt != numerics::Format::mx8)
    throw UsageError("--rounding stochastic is defined for mx8 only; format '" + fname +
                     "' rounds to nearest (ties to even)");
  const std::uint64_t seed = args.u64("seed", 1);
  if (seed > 0xFFFFFFFFull) throw UsageError("--seed " + std::to_string(seed) + " is out of range [0, 4294967295]");

  // A directory redirected to stdin reads as an I/O error: refuse it as the
  // bad input it is.
  struct stat st {};
  if (::fstat(0, &st) == 0 && S_ISDIR(st.st_mode))
    throw UsageError("stdin is a directory; expected one value per line");
  std::ios::sync_with_stdio(false);
  const std::vector<float> in = pimlab::cli::read_quantize_input(std::cin);

  numerics::SrRng rng(static_cast<std::uint32_t>(seed));
  const std::vector<float> out =
      numerics::quantize(fmt, in, mode, mode == numerics::Rounding::stochastic ? &rng : nullptr);
  std::string text;
  text.reserve(out.size() * 11);
  char buf[16];
  for (float v : out) {
    std::snprintf(buf, sizeof buf, "0x%08x\n", static_cast<unsigned>(numerics::bits_of(v)));
    text += buf;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 3;  // a failed write is an I/O error
}

}  // namespace

PIMLAB_COMMAND("quantize", "quantize FP32 values (stdin) with mx8, OCP MX, int8, fp16 or bf16", run_quantize);
