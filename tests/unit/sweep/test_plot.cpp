// The series of `pimlab plot` taken from a merged CSV, and the data file gnuplot reads.
#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>

#include "sweep/plot.h"

using namespace pimlab::sweep;

namespace {
// A results.csv in the sweep's layout: point, axes, seed, metrics.
const char* kCsv =
    "point,system,batch,model,seed,tokens_per_s,tokens_per_j\n"
    "000,gpu,1,m,11,10,1\n"
    "001,gpu,8,m,12,40,2\n"
    "002,pimba,1,m,13,15,\n"
    "003,pimba,8,m,14,100,5\n";

Table table(const std::string& text) {
  std::istringstream in(text);
  return read_csv(in, "r.csv");
}

std::string error_of(const Table& t, const PlotSpec& s) {
  try {
    plot_data(t, s, axis_columns(t));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("plot: one series per group, x ascending, values as in the CSV", "[sweep]") {
  const Table t = table(kCsv);
  CHECK(axis_columns(t) == std::vector<std::string>{"system", "batch", "model"});
  PlotSpec s;
  s.x = "batch";
  s.y = "tokens_per_s";
  s.group = "system";
  const PlotData d = plot_data(t, s, axis_columns(t));
  REQUIRE(d.series.size() == 2);
  CHECK(d.x_numeric);
  CHECK(d.series[0].name == "gpu");
  CHECK(d.series[0].points == std::vector<std::pair<double, double>>{{1, 10}, {8, 40}});
  CHECK(d.series[1].points == std::vector<std::pair<double, double>>{{1, 15}, {8, 100}});
  CHECK(data_file(d) == "# gpu\n1 10\n8 40\n\n\n# pimba\n1 15\n8 100\n");
  // An empty cell (a metric the point lacks) is no point of the series.
  s.y = "tokens_per_j";
  CHECK(plot_data(t, s, axis_columns(t)).series[1].points == std::vector<std::pair<double, double>>{{8, 5}});
}

TEST_CASE("plot: speedup over a baseline group divides at the same x", "[sweep]") {
  const Table t = table(kCsv);
  PlotSpec s;
  s.x = "batch";
  s.y = "tokens_per_s";
  s.group = "system";
  s.speedup_over = "gpu";
  const PlotData d = plot_data(t, s, axis_columns(t));
  // pimba / gpu: 15 / 10 = 1.5 at batch 1, 100 / 40 = 2.5 at batch 8 (exact in binary).
  CHECK(d.series[0].points == std::vector<std::pair<double, double>>{{1, 1}, {8, 1}});
  CHECK(d.series[1].points == std::vector<std::pair<double, double>>{{1, 1.5}, {8, 2.5}});
  s.speedup_over = "tpu";
  CHECK(error_of(t, s) == "--speedup-over 'tpu' is not a value of the group column");
}

TEST_CASE("plot: a varying axis that is neither x nor the group is an error and --where filters", "[sweep]") {
  const Table t = table(std::string(kCsv) + "004,gpu,1,n,15,7,1\n");
  PlotSpec s;
  s.x = "batch";
  s.y = "tokens_per_s";
  s.group = "system";
  CHECK(error_of(t, s) == "column 'model' varies ('m', 'n'): keep one value with --where model=VALUE or make it --group");
  s.where["model"] = "n";
  const PlotData d = plot_data(t, s, axis_columns(t));
  REQUIRE(d.series.size() == 1);
  CHECK(d.series[0].points == std::vector<std::pair<double, double>>{{1, 7}});
  s.where.clear();
  s.group.clear();
  s.where["system"] = "gpu";
  s.x = "model";
  CHECK_THAT(error_of(t, s), Catch::StartsWith("column 'batch' varies"));
  s.x = "batch";
  s.where["model"] = "m";
  s.y = "tokens";
  CHECK_THAT(error_of(t, s), Catch::StartsWith("--y 'tokens' is not a column (columns: point, system,"));
}

TEST_CASE("plot: a categorical x is numbered in order of appearance", "[sweep]") {
  const Table t = table(kCsv);
  PlotSpec s;
  s.x = "system";
  s.y = "tokens_per_s";
  s.where["batch"] = "8";
  const PlotData d = plot_data(t, s, axis_columns(t));
  CHECK_FALSE(d.x_numeric);
  CHECK(d.x_labels == std::vector<std::string>{"gpu", "pimba"});
  CHECK(d.series[0].points == std::vector<std::pair<double, double>>{{0, 40}, {1, 100}});
  const std::string gp = gnuplot_script(d, s, "a.dat", "a.svg", "a.png", "t");
  CHECK(gp.find("set xtics (\"gpu\" 0, \"pimba\" 1)") != std::string::npos);
  CHECK(gp.find("set terminal svg") != std::string::npos);
  CHECK(gp.find("set terminal png") != std::string::npos);
}

TEST_CASE("read_csv: quoted cells and a row of the wrong width", "[sweep]") {
  const Table t = table("point,a,seed\n\"x,1\",\"say \"\"hi\"\"\",3\n");
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0][0] == "x,1");
  CHECK(t.rows[0][1] == "say \"hi\"");
  CHECK_THROWS_WITH(table("a,b\n1\n"), "r.csv:2: 1 cells, the header has 2");
  CHECK_THROWS_WITH(table("a,b\n\"1,2\n"), "r.csv:2: a quoted cell is not closed");
}

TEST_CASE("breakdown bars: one bar per group, one segment per breakdown column of the quantity", "[sweep]") {
  const Table t = table(
      "point,system,batch,seed,tokens_per_s,breakdown.gemm.time_s,breakdown.gemm.energy_j,breakdown.state_update.time_s,"
      "breakdown.state_update.energy_j\n"
      "000,gpu,8,1,10,0.5,2,0.25,3\n"
      "001,pimba,8,2,20,0.5,2,0.125,\n"
      "002,gpu,64,3,30,1,4,2,6\n");
  const BreakdownData b = breakdown_data(t, "system", "time_s", {{"batch", "8"}}, axis_columns(t));
  CHECK(b.categories == std::vector<std::string>{"gemm", "state_update"});
  REQUIRE(b.bars.size() == 2);
  CHECK(b.bars[0] == std::pair<std::string, std::vector<double>>{"gpu", {0.5, 0.25}});
  CHECK(b.bars[1] == std::pair<std::string, std::vector<double>>{"pimba", {0.5, 0.125}});
  CHECK(breakdown_file(b, "system") == "system gemm state_update\n\"gpu\" 0.5 0.25\n\"pimba\" 0.5 0.125\n");
  // An empty cell is a zero segment.
  CHECK(breakdown_data(t, "system", "energy_j", {{"batch", "8"}}, axis_columns(t)).bars[1].second ==
        std::vector<double>{2, 0});
  CHECK_THROWS_WITH(breakdown_data(t, "system", "time_s", {}, axis_columns(t)),
                    "column 'batch' varies ('8', '64'): keep one value with --where batch=VALUE");
  CHECK_THROWS_WITH(breakdown_data(t, "system", "power_w", {}, axis_columns(t)),
                    "breakdown quantity 'power_w': allowed time_s or energy_j");
}

TEST_CASE("roofline: intensity and achieved FLOP/s per operator, one plot per model, batch and system", "[sweep][plot]") {
  // fc: 800 FLOP over 100 bytes in 2 s -> intensity 8, 400 FLOP/s; norm: 30 FLOP over
  // 60 bytes in 0.5 s -> 0.5, 60 FLOP/s; g2g has no FLOPs and is left out.
  const Table t = table(
      "model,batch,system,name,category,flops,bytes,time_s,peak_flops,peak_bytes_per_s\n"
      "m,8,gpu,fc,gemm,800,100,2,1000,50\n"
      "m,8,gpu,norm,others,30,60,0.5,1000,50\n"
      "m,8,gpu,g2g,comm,0,0,1,1000,50\n"
      "m,8,pimba,fc,gemm,800,100,4,1000,50\n");
  const auto r = roofline_data(t);
  REQUIRE(r.size() == 2);
  CHECK(r[0].system == "gpu");
  CHECK(r[0].peak_flops == 1000);
  CHECK(r[0].peak_bytes_per_s == 50);
  REQUIRE(r[0].points.size() == 2);
  CHECK(r[0].points[0].name == "fc");
  CHECK(r[0].points[0].intensity == 8);
  CHECK(r[0].points[0].flops_per_s == 400);
  CHECK(r[0].points[1].intensity == 0.5);
  CHECK(r[0].points[1].flops_per_s == 60);
  CHECK(r[1].points[0].flops_per_s == 200);
  CHECK(roofline_file(r[0]) == "# intensity_flop_per_byte flops_per_s name\n8 400 fc\n0.5 60 norm\n");
  const std::string gp = roofline_script(r[0], "d.dat", "o.svg", "o.png");
  CHECK(gp.find("P = 1000\nB = 50\n") != std::string::npos);
  CHECK(gp.find("set output \"o.svg\"") != std::string::npos);
  CHECK(gp.find("set output \"o.png\"") != std::string::npos);
}

TEST_CASE("roofline: differing peaks within one plot and a missing column are errors", "[sweep][plot]") {
  CHECK_THROWS_WITH(roofline_data(table("model,batch,system,name,category,flops,bytes,time_s,peak_flops,peak_bytes_per_s\n"
                                        "m,8,gpu,a,gemm,1,1,1,1000,50\nm,8,gpu,b,gemm,1,1,1,999,50\n")),
                    Catch::Contains("row 3: the peaks differ"));
  CHECK_THROWS_AS(roofline_data(table("model,batch,system,name\nm,8,gpu,a\n")), std::invalid_argument);
}

TEST_CASE("roofline: with a point column (pimlab sweep's operators.csv), one plot per point", "[sweep][plot]") {
  // Two points of the same model, batch and system (differing in a platform key) stay two plots.
  const auto r = roofline_data(table(
      "point,model,batch,system,name,category,flops,bytes,time_s,peak_flops,peak_bytes_per_s\n"
      "0_stacks-2,m,8,pimba,fc,gemm,800,100,2,1000,50\n"
      "1_stacks-5,m,8,pimba,fc,gemm,800,100,1,1000,125\n"));
  REQUIRE(r.size() == 2);
  CHECK(r[0].point == "0_stacks-2");
  CHECK(r[1].point == "1_stacks-5");
  CHECK(r[1].peak_bytes_per_s == 125);
  CHECK(r[1].points[0].flops_per_s == 800);
  CHECK(roofline_script(r[1], "d.dat", "o.svg", "o.png").find("point 1_stacks-5: m, batch 8, pimba") != std::string::npos);
}
