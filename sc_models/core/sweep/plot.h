// Plots of a merged sweep CSV (docs/sweep.md, "Plots"): the series a plot
// shows, taken from the CSV's rows, and the gnuplot script and data file that
// draw them. Pure C++: gnuplot itself is run by `pimlab plot`.
#pragma once

#include <istream>
#include <map>
#include <string>
#include <vector>

namespace pimlab::sweep {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as the header
  std::size_t column(const std::string& name, const std::string& what) const;  // throws naming what
};

// Reads an RFC 4180 CSV (quoted cells, "" inside quotes). `source` names the
// input in errors ("<source>:<line>: ..."); a row of another width is an error.
Table read_csv(std::istream& is, const std::string& source);

struct PlotSpec {
  std::string x, y;                          // columns
  std::string group;                         // column, or empty: one series
  std::map<std::string, std::string> where;  // rows kept: column = value
  std::string speedup_over;                  // group value: y divided by its y at the same x
  bool log = false;                          // log-scale y (and x when numeric)
  bool log_x = false;                        // log-scale x (base 2) when numeric
};

struct Series {
  std::string name;                          // the group value ("" without --group)
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};

struct PlotData {
  bool x_numeric = true;
  std::vector<std::string> x_labels;  // categorical x: the labels, x = 0, 1, ...
  std::vector<Series> series;         // groups in order of first appearance
};

// The series of a plot. Every other axis column must be constant in the rows
// kept (else an error names it and two of its values: filter with `where` or
// make it the group); two rows with the same group and x are an error; a
// row whose y is empty (a metric the point lacks) is skipped.
PlotData plot_data(const Table& t, const PlotSpec& s, const std::vector<std::string>& axis_columns);

// The data file gnuplot reads: one block per series ("# <name>", then "x y"
// lines with the values printed exactly, %.17g), blocks separated by two
// blank lines (gnuplot's "index").
std::string data_file(const PlotData& d);

// A gnuplot script drawing the data file as lines with points, one per
// series, into out_svg and out_png.
std::string gnuplot_script(const PlotData& d, const PlotSpec& s, const std::string& data_path,
                           const std::string& out_svg, const std::string& out_png, const std::string& title);

}  // namespace pimlab::sweep

namespace pimlab::sweep {
// The axis columns of a merged results.csv: those between "point" and "seed".
std::vector<std::string> axis_columns(const Table& t);
}  // namespace pimlab::sweep

namespace pimlab::sweep {

// Breakdown bars: one stacked bar per value of `group`, one segment per
// category of the CSV's breakdown.<category>.<quantity> columns (quantity
// time_s or energy_j). Every other axis column must be constant in the rows
// kept (the same rule as plot_data), and each group has one row.
struct BreakdownData {
  std::string quantity;
  std::vector<std::string> categories;
  std::vector<std::pair<std::string, std::vector<double>>> bars;
};
BreakdownData breakdown_data(const Table& t, const std::string& group, const std::string& quantity,
                             const std::map<std::string, std::string>& where, const std::vector<std::string>& axis_columns);
// The data file: a header line "<group> <categories...>", then one line per bar.
std::string breakdown_file(const BreakdownData& b, const std::string& group);
std::string breakdown_script(const BreakdownData& b, const std::string& data_path, const std::string& out_svg,
                             const std::string& out_png, const std::string& title);

// Roofline view of the operators of a run (`pimlab run --plot` writes
// operators.csv; `pimlab plot operators.csv --roofline` draws it): one plot per
// sweep point (column "point", as `pimlab sweep` and `pimlab run --plot` write
// it) or, in a table without that column, per (model, batch, system), of the
// host's operators in one decode step, each a
// point at arithmetic intensity flops / bytes (FLOP per byte of off-chip
// traffic) and achieved flops / time_s, under the roof min(peak FLOP/s,
// peak bytes/s x intensity). Columns: model, batch, system, name, category,
// flops, bytes, time_s, peak_flops, peak_bytes_per_s (one row per operator;
// operators without traffic or time are left out).
struct RooflinePoint {
  std::string name, category;
  double intensity = 0;  // FLOP / byte
  double flops_per_s = 0;
};
struct Roofline {
  std::string point;  // empty when the table has no point column
  std::string model, batch, system;
  double peak_flops = 0, peak_bytes_per_s = 0;
  std::vector<RooflinePoint> points;
};
// The plots of an operators table, in order of first appearance. Throws
// std::invalid_argument naming the column and the row for a missing column,
// a value that is not a number, or peaks that differ within one plot.
std::vector<Roofline> roofline_data(const Table& t);
// The data file ("intensity flops_per_s name" lines, %.17g) and the script.
std::string roofline_file(const Roofline& r);
std::string roofline_script(const Roofline& r, const std::string& data_path, const std::string& out_svg,
                            const std::string& out_png);

}  // namespace pimlab::sweep
