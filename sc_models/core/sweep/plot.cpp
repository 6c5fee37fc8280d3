#include "sweep/plot.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "textio/text_input.h"

namespace pimlab::sweep {

namespace {

bool number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return *end == '\0';
}

std::string exact(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

// gnuplot strings in double quotes: backslash and quote escaped.
std::string gp_quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

}  // namespace

std::size_t Table::column(const std::string& name, const std::string& what) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string all;
  for (const auto& h : header) all += (all.empty() ? "" : ", ") + h;
  throw std::invalid_argument(what + " '" + name + "' is not a column (columns: " + all + ")");
}

Table read_csv(std::istream& is, const std::string& source) {
  Table t;
  std::string line;
  std::size_t n = 0;
  while (textio::read_line(is, line, source, ++n)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    if (quoted) throw std::invalid_argument(source + ":" + std::to_string(n) + ": a quoted cell is not closed");
    cells.push_back(cell);
    if (t.header.empty()) {
      t.header = cells;
    } else if (cells.size() != t.header.size()) {
      throw std::invalid_argument(source + ":" + std::to_string(n) + ": " + std::to_string(cells.size()) +
                                  " cells, the header has " + std::to_string(t.header.size()));
    } else {
      t.rows.push_back(cells);
    }
  }
  if (t.header.empty()) throw std::invalid_argument(source + ": no header line");
  return t;
}

std::vector<std::string> axis_columns(const Table& t) {
  std::vector<std::string> a;
  if (t.header.empty() || t.header[0] != "point") return a;
  for (std::size_t i = 1; i < t.header.size() && t.header[i] != "seed"; ++i) a.push_back(t.header[i]);
  return a;
}

// The rows that pass the --where filters; every axis column other than
// `free` must hold one value in them (else an error naming the column and two
// of its values, ending with `hint`).
static std::vector<const std::vector<std::string>*> kept_rows(const Table& t, const std::map<std::string, std::string>& where,
                                                       const std::vector<std::string>& axis_columns,
                                                       const std::vector<std::size_t>& free, const std::string& hint) {
  std::vector<std::pair<std::size_t, std::string>> filters;
  for (const auto& [k, v] : where) filters.emplace_back(t.column(k, "--where"), v);
  std::vector<const std::vector<std::string>*> kept;
  for (const auto& r : t.rows) {
    bool ok = true;
    for (const auto& [c, v] : filters) ok = ok && r[c] == v;
    if (ok) kept.push_back(&r);
  }
  if (kept.empty()) throw std::invalid_argument("no row left to plot (check --where)");
  for (const auto& a : axis_columns) {
    const std::size_t c = t.column(a, "axis");
    if (std::find(free.begin(), free.end(), c) != free.end()) continue;
    for (const auto* r : kept)
      if ((*r)[c] != (*kept.front())[c])
        throw std::invalid_argument("column '" + a + "' varies ('" + (*kept.front())[c] + "', '" + (*r)[c] +
                                    "'): keep one value with --where " + a + "=VALUE" + hint);
  }
  return kept;
}

PlotData plot_data(const Table& t, const PlotSpec& s, const std::vector<std::string>& axis_columns) {
  const std::size_t cx = t.column(s.x, "--x");
  const std::size_t cy = t.column(s.y, "--y");
  const std::size_t cg = s.group.empty() ? t.header.size() : t.column(s.group, "--group");
  // Other axis columns must not vary: a series would mix their values.
  const auto kept = kept_rows(t, s.where, axis_columns, {cx, cg}, " or make it --group");
  PlotData d;
  for (const auto* r : kept) {
    double v;
    if (!number((*r)[cx], v)) d.x_numeric = false;
  }
  if (!d.x_numeric)
    for (const auto* r : kept)
      if (std::find(d.x_labels.begin(), d.x_labels.end(), (*r)[cx]) == d.x_labels.end()) d.x_labels.push_back((*r)[cx]);
  std::map<std::string, std::size_t> index;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto* r : kept) {
    const std::string g = cg < t.header.size() ? (*r)[cg] : std::string();
    if (!seen.emplace(g, (*r)[cx]).second)
      throw std::invalid_argument("two rows with " + (s.group.empty() ? std::string() : s.group + " '" + g + "' and ") +
                                  s.x + " '" + (*r)[cx] + "' (row of point " + (*r)[0] + "): filter with --where or add --group");
    double y = 0;
    if ((*r)[cy].empty()) continue;
    if (!number((*r)[cy], y))
      throw std::invalid_argument("--y '" + s.y + "': value '" + (*r)[cy] + "' (point " + (*r)[0] + ") is not a number");
    double x = 0;
    if (d.x_numeric) {
      number((*r)[cx], x);
    } else {
      x = static_cast<double>(std::find(d.x_labels.begin(), d.x_labels.end(), (*r)[cx]) - d.x_labels.begin());
    }
    auto it = index.find(g);
    if (it == index.end()) {
      it = index.emplace(g, d.series.size()).first;
      d.series.push_back({g, {}});
    }
    d.series[it->second].points.emplace_back(x, y);
  }
  for (auto& sr : d.series) std::sort(sr.points.begin(), sr.points.end());
  if (!s.speedup_over.empty()) {
    const auto b = index.find(s.speedup_over);
    if (b == index.end()) throw std::invalid_argument("--speedup-over '" + s.speedup_over + "' is not a value of the group column");
    const Series base = d.series[b->second];
    for (auto& sr : d.series)
      for (auto& p : sr.points) {
        const auto q = std::find_if(base.points.begin(), base.points.end(), [&](const auto& bp) { return bp.first == p.first; });
        if (q == base.points.end() || q->second == 0)
          throw std::invalid_argument("--speedup-over '" + s.speedup_over + "': no (non-zero) " + s.y + " at " + s.x + " " +
                                      (d.x_numeric ? exact(p.first) : d.x_labels[static_cast<std::size_t>(p.first)]));
        p.second /= q->second;
      }
  }
  return d;
}

std::string data_file(const PlotData& d) {
  std::string f;
  for (std::size_t i = 0; i < d.series.size(); ++i) {
    if (i) f += "\n\n";
    f += "# " + (d.series[i].name.empty() ? std::string("all") : d.series[i].name) + "\n";
    for (const auto& [x, y] : d.series[i].points) f += exact(x) + " " + exact(y) + "\n";
  }
  return f;
}

std::string gnuplot_script(const PlotData& d, const PlotSpec& s, const std::string& data_path,
                           const std::string& out_svg, const std::string& out_png, const std::string& title) {
  std::string g;
  g += "set title " + gp_quote(title) + " noenhanced\n";
  g += "set xlabel " + gp_quote(s.x) + " noenhanced\n";
  const std::string ylabel = s.speedup_over.empty() ? s.y : s.y + " / " + s.y + " of " + s.speedup_over;
  g += "set ylabel " + gp_quote(ylabel) + " noenhanced\n";
  g += "set grid\nset key outside right top noenhanced\n";
  if (s.log) {
    g += "set logscale y\n";
    if (d.x_numeric && !s.log_x) g += "set logscale x\n";
  }
  if (s.log_x && d.x_numeric) g += "set logscale x 2\n";
  if (!d.x_numeric) {
    g += "set xtics (";
    for (std::size_t i = 0; i < d.x_labels.size(); ++i)
      g += (i ? ", " : "") + gp_quote(d.x_labels[i]) + " " + std::to_string(i);
    g += ")\nset xrange [-0.5:" + std::to_string(d.x_labels.size()) + "-0.5]\n";
  }
  std::string plot = "plot ";
  for (std::size_t i = 0; i < d.series.size(); ++i) {
    plot += (i ? ", " : "") + gp_quote(data_path) + " index " + std::to_string(i) + " using 1:2 with linespoints title " +
            gp_quote(d.series[i].name.empty() ? s.y : d.series[i].name);
  }
  plot += "\n";
  g += "set terminal svg size 800,500 dynamic\nset output " + gp_quote(out_svg) + "\n" + plot;
  g += "set terminal png size 800,500\nset output " + gp_quote(out_png) + "\n" + plot;
  g += "set output\n";
  return g;
}

BreakdownData breakdown_data(const Table& t, const std::string& group, const std::string& quantity,
                             const std::map<std::string, std::string>& where, const std::vector<std::string>& axis_columns) {
  if (quantity != "time_s" && quantity != "energy_j")
    throw std::invalid_argument("breakdown quantity '" + quantity + "': allowed time_s or energy_j");
  BreakdownData b;
  b.quantity = quantity;
  std::vector<std::size_t> cols;
  const std::string suffix = "." + quantity;
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    const std::string& h = t.header[i];
    if (h.rfind("breakdown.", 0) == 0 && h.size() > 10 + suffix.size() &&
        h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0) {
      b.categories.push_back(h.substr(10, h.size() - 10 - suffix.size()));
      cols.push_back(i);
    }
  }
  if (cols.empty()) throw std::invalid_argument("no breakdown.<category>" + suffix + " columns");
  const std::size_t cg = t.column(group, "--group");
  const auto kept = kept_rows(t, where, axis_columns, {cg}, "");
  std::set<std::string> seen;
  for (const auto* r : kept) {
    if (!seen.insert((*r)[cg]).second)
      throw std::invalid_argument("two rows with " + group + " '" + (*r)[cg] + "': filter with --where");
    std::vector<double> v;
    for (const std::size_t c : cols) {
      double x = 0;
      if (!(*r)[c].empty() && !number((*r)[c], x))
        throw std::invalid_argument("'" + t.header[c] + "': value '" + (*r)[c] + "' (point " + (*r)[0] + ") is not a number");
      v.push_back(x);
    }
    b.bars.emplace_back((*r)[cg], v);
  }
  return b;
}

std::string breakdown_file(const BreakdownData& b, const std::string& group) {
  std::string f = group;
  for (const auto& c : b.categories) f += " " + c;
  f += "\n";
  for (const auto& [name, v] : b.bars) {
    f += gp_quote(name);
    for (const double x : v) f += " " + exact(x);
    f += "\n";
  }
  return f;
}

std::string breakdown_script(const BreakdownData& b, const std::string& data_path, const std::string& out_svg,
                             const std::string& out_png, const std::string& title) {
  std::string g;
  g += "set title " + gp_quote(title) + " noenhanced\n";
  g += "set ylabel " + gp_quote(b.quantity == "time_s" ? "time (s)" : "energy (J)") + "\n";
  g += "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.8 border -1\n";
  g += "set boxwidth 0.6\nset grid ytics\nset key outside right top noenhanced autotitle columnhead\n";
  g += "set xtics noenhanced rotate by -30\n";
  const std::string plot = "plot for [i=2:" + std::to_string(b.categories.size() + 1) + "] " + gp_quote(data_path) +
                           " using i:xtic(1)\n";
  g += "set terminal svg size 800,500 dynamic\nset output " + gp_quote(out_svg) + "\n" + plot;
  g += "set terminal png size 800,500\nset output " + gp_quote(out_png) + "\n" + plot;
  g += "set output\n";
  return g;
}

std::vector<Roofline> roofline_data(const Table& t) {
  const std::size_t cm = t.column("model", "roofline"), cb = t.column("batch", "roofline"),
                    cs = t.column("system", "roofline"), cn = t.column("name", "roofline"),
                    cc = t.column("category", "roofline"), cf = t.column("flops", "roofline"),
                    cy = t.column("bytes", "roofline"), ct = t.column("time_s", "roofline"),
                    cp = t.column("peak_flops", "roofline"), cw = t.column("peak_bytes_per_s", "roofline");
  // The plot key: the sweep point when the table has a point column, else (model, batch, system).
  const auto pc = std::find(t.header.begin(), t.header.end(), "point");
  const bool by_point = pc != t.header.end();
  const std::size_t cpt = by_point ? static_cast<std::size_t>(pc - t.header.begin()) : 0;
  std::vector<Roofline> out;
  std::size_t line = 1;
  for (const auto& r : t.rows) {
    ++line;
    auto num = [&](std::size_t c) {
      double v = 0;
      if (!number(r[c], v)) throw std::invalid_argument("row " + std::to_string(line) + ": '" + t.header[c] + "' value '" + r[c] + "' is not a number");
      return v;
    };
    auto it = std::find_if(out.begin(), out.end(), [&](const Roofline& x) {
      return by_point ? x.point == r[cpt] : x.model == r[cm] && x.batch == r[cb] && x.system == r[cs];
    });
    if (it == out.end()) {
      out.push_back({by_point ? r[cpt] : std::string(), r[cm], r[cb], r[cs], num(cp), num(cw), {}});
      it = out.end() - 1;
    } else if (it->peak_flops != num(cp) || it->peak_bytes_per_s != num(cw)) {
      throw std::invalid_argument("row " + std::to_string(line) + ": the peaks differ from the earlier rows of " +
                                  (by_point ? "point " + r[cpt] : r[cm] + ", batch " + r[cb] + ", " + r[cs]));
    }
    const double f = num(cf), b = num(cy), s = num(ct);
    if (!(f > 0) || !(b > 0) || !(s > 0)) continue;  // no arithmetic, traffic or time (e.g. an all-reduce)
    it->points.push_back({r[cn], r[cc], f / b, f / s});
  }
  return out;
}

std::string roofline_file(const Roofline& r) {
  std::string o = "# intensity_flop_per_byte flops_per_s name\n";
  char buf[96];
  for (const auto& p : r.points) {
    std::snprintf(buf, sizeof buf, "%.17g %.17g ", p.intensity, p.flops_per_s);
    o += buf + p.name + "\n";
  }
  return o;
}

std::string roofline_script(const Roofline& r, const std::string& data_path, const std::string& out_svg,
                            const std::string& out_png) {
  char peaks[160];
  std::snprintf(peaks, sizeof peaks, "P = %.17g\nB = %.17g\n", r.peak_flops, r.peak_bytes_per_s);
  const std::string head = std::string(peaks) +
      "set logscale xy\nset xlabel 'arithmetic intensity (FLOP per byte of off-chip traffic)'\n"
      "set ylabel 'FLOP/s'\nset grid\nset key inside left top\nset samples 400\nset xrange [1e-2:1e4]\n"
      "set format x '%g'\nset format y '%.0e'\n"
      "set title " + gp_quote((r.point.empty() ? std::string() : "point " + r.point + ": ") + r.model + ", batch " +
                               r.batch + ", " + r.system + ": roofline of the host operators") +
      " noenhanced\nroof(x) = (B * x < P) ? B * x : P\n";
  const std::string plot = "plot roof(x) title 'roof' with lines lw 2, \\\n"
                           "     " + gp_quote(data_path) + " using 1:2 title 'operators' with points pt 7, \\\n"
                           "     " + gp_quote(data_path) + " using 1:2:3 notitle with labels offset 0.6,0.6 left noenhanced font ',8'\n";
  std::string g = head;
  g += "set terminal svg size 900,600 dynamic\nset output " + gp_quote(out_svg) + "\n" + plot;
  g += "set terminal png size 900,600\nset output " + gp_quote(out_png) + "\n" + plot;
  g += "set output\n";
  return g;
}

}  // namespace pimlab::sweep
