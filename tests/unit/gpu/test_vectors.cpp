// Every reference vector of the Pimba GPU roofline (tests/data/system/
// gpu_roofline_vectors.csv, A100 on 1 and 8 GPUs) reproduced by the core.
//
// Tolerance: the file prints 7 significant digits, so an exact reproduction
// differs by at most 5e-7 relative; 1e-6 covers that rounding only. FLOPs are
// integers printed exactly and tiles are compared as text, exactly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/host.h"
#include "gpu/roofline.h"

using namespace pimlab::gpu;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

double rel(double got, double want) {
  if (want == 0) return std::fabs(got);
  return std::fabs(got - want) / std::fabs(want);
}

}  // namespace

TEST_CASE("every shared GPU roofline vector: time and energy within 1e-6, tiles exact", "[gpu][vectors]") {
  std::ifstream f(PIMLAB_SYSTEM_DATA_DIR "/gpu_roofline_vectors.csv");
  REQUIRE(f);
  std::string line;
  REQUIRE(std::getline(f, line));
  if (!line.empty() && line.back() == '\r') line.pop_back();  // the file has CRLF line ends
  REQUIRE(line ==
          "gpu,num_gpus,cls,name,category,m,n,k,num_op,dbyte,flops,time_s,e_offchip_pJ,e_onchip_pJ,"
          "tiles_l1_tm_tn_tk_l2_tm_tn_tk");
  int rows = 0, rows_1gpu = 0, rows_8gpu = 0;
  double max_time = 0, max_off = 0, max_on = 0;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto c = split(line);
    REQUIRE(c.size() == 15);
    const Host& host = preset(c[0]);
    const int gpus = std::stoi(c[1]);
    Operator op;
    op.cls = parse_class(c[2]);
    op.name = c[3];
    op.category = c[4];
    op.m = std::stoll(c[5]);
    op.n = std::stoll(c[6]);
    op.k = std::stoll(c[7]);
    op.num_op = std::stoll(c[8]);
    op.dbyte = std::stoi(c[9]);
    const OpResult r = time_operator(host, op, gpus);
    INFO("line " << rows + 2 << ": " << line);
    CHECK(r.flops == std::stod(c[10]));
    const double et = rel(r.time_s, std::stod(c[11]));
    const double eoff = rel(r.e_offchip_pJ, std::stod(c[12]));
    const double eon = rel(r.e_onchip_pJ, std::stod(c[13]));
    CHECK(et <= 1e-6);
    CHECK(eoff <= 1e-6);
    CHECK(eon <= 1e-6);
    CHECK((r.tiles ? tiles_string(*r.tiles) : std::string()) == c[14]);
    max_time = std::max(max_time, et);
    max_off = std::max(max_off, eoff);
    max_on = std::max(max_on, eon);
    ++rows;
    (gpus == 1 ? rows_1gpu : rows_8gpu) += 1;
  }
  CHECK(rows == 521);
  CHECK(rows_1gpu == 250);
  CHECK(rows_8gpu == 271);
  WARN("max relative error over " << rows << " vectors: time " << max_time << ", e_offchip " << max_off
                                  << ", e_onchip " << max_on);
}
