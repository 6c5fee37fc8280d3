// Compares the CSV printed by `pimlab layers --csv <vectors file>` with the
// reference vectors it was run on: every row whose num_gpus equals the run's
// --gpus must match (FLOPs exact, time and energies within 1e-6 relative, tiles
// exact). The vectors print 7 significant digits, so an exact reproduction
// differs by at most 5e-7 relative: the tolerance covers that rounding only.
//   check_layers_vectors VECTORS.csv OUTPUT.csv GPUS
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::vector<std::string>> read_csv(const char* path) {
  std::ifstream f(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> r;
    std::stringstream ss(line);
    std::string x;
    while (std::getline(ss, x, ',')) r.push_back(x);
    if (line.back() == ',') r.emplace_back();
    rows.push_back(r);
  }
  return rows;
}

std::map<std::string, std::size_t> index(const std::vector<std::string>& header) {
  std::map<std::string, std::size_t> m;
  for (std::size_t i = 0; i < header.size(); ++i) m[header[i]] = i;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: check_layers_vectors VECTORS.csv OUTPUT.csv GPUS\n");
    return 2;
  }
  const auto ref = read_csv(argv[1]);
  const auto out = read_csv(argv[2]);
  const std::string gpus = argv[3];
  if (ref.size() < 2 || ref.size() != out.size()) {
    std::fprintf(stderr, "row count: vectors %zu, output %zu\n", ref.size(), out.size());
    return 1;
  }
  auto ri = index(ref[0]);
  auto oi = index(out[0]);
  for (const char* c : {"num_gpus", "flops", "time_s", "e_offchip_pJ", "e_onchip_pJ", "tiles_l1_tm_tn_tk_l2_tm_tn_tk"})
    if (!ri.count(c)) return std::fprintf(stderr, "vectors lack column %s\n", c), 1;
  for (const char* c : {"flops", "time_s", "e_offchip_pJ", "e_onchip_pJ", "tiles"})
    if (!oi.count(c)) return std::fprintf(stderr, "output lacks column %s\n", c), 1;
  int checked = 0, bad = 0;
  double worst = 0;
  for (std::size_t r = 1; r < ref.size(); ++r) {
    const auto& a = ref[r];
    const auto& b = out[r];
    if (a[ri["num_gpus"]] != gpus) continue;
    ++checked;
    if (std::stod(a[ri["flops"]]) != std::stod(b[oi["flops"]])) {
      std::fprintf(stderr, "row %zu: flops %s, expected %s\n", r + 1, b[oi["flops"]].c_str(), a[ri["flops"]].c_str());
      ++bad;
    }
    for (const char* c : {"time_s", "e_offchip_pJ", "e_onchip_pJ"}) {
      const double want = std::stod(a[ri[c]]);
      const double got = std::stod(b[oi[c]]);
      const double e = want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want);
      worst = std::max(worst, e);
      if (!(e <= 1e-6)) {
        std::fprintf(stderr, "row %zu: %s %s, expected %s (relative error %.3g)\n", r + 1, c, b[oi[c]].c_str(),
                     a[ri[c]].c_str(), e);
        ++bad;
      }
    }
    const std::string& tw = a[ri["tiles_l1_tm_tn_tk_l2_tm_tn_tk"]];
    const std::string& tg = b[oi["tiles"]];
    if (tw != tg) {
      std::fprintf(stderr, "row %zu: tiles %s, expected %s\n", r + 1, tg.c_str(), tw.c_str());
      ++bad;
    }
  }
  std::printf("%d rows with num_gpus %s checked, %d mismatches, max relative error %.3g\n", checked, gpus.c_str(), bad,
              worst);
  return bad == 0 && checked > 0 ? 0 : 1;
}
