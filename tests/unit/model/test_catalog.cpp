// The Pimba artifact's operator catalog (tests/data/system/pimba_layer_catalog_b32.csv):
// every row of every (model, system) reproduced exactly in artifact-compatible
// mode, in order: class, category, name, m, n, k, num_op, dbyte, repeat.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "model/graph.h"
#include "model/model.h"
#include "model/system.h"

using namespace pimlab::model;

namespace {

struct Row {
  std::string model, system;
  std::int64_t tp = 0;
  std::string cls, category, name;
  std::int64_t m = 0, n = 0, k = 0, num_op = 0, dbyte = 0, repeat = 0;
};

// The first 12 fields of each line (the 13th, a quoted note, may contain commas).
std::vector<Row> read_catalog() {
  std::ifstream is(std::string(PIMLAB_SYSTEM_DATA_DIR) + "/pimba_layer_catalog_b32.csv");
  REQUIRE(is);
  std::string line;
  std::getline(is, line);  // header
  std::vector<Row> rows;
  while (std::getline(is, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string x;
    for (int i = 0; i < 12 && std::getline(ss, x, ','); ++i) f.push_back(x);
    REQUIRE(f.size() == 12);
    Row r;
    r.model = f[0];
    r.system = f[1];
    r.tp = std::stoll(f[2]);
    r.cls = f[3];
    r.category = f[4];
    r.name = f[5];
    r.m = std::stoll(f[6]);
    r.n = std::stoll(f[7]);
    r.k = std::stoll(f[8]);
    r.num_op = std::stoll(f[9]);
    r.dbyte = std::stoll(f[10]);
    r.repeat = std::stoll(f[11]);
    rows.push_back(r);
  }
  return rows;
}

using Key = std::tuple<std::string, std::string, std::int64_t>;

std::map<Key, std::vector<Row>> grouped(const std::vector<Row>& rows) {
  std::map<Key, std::vector<Row>> g;
  for (const auto& r : rows) g[{r.model, r.system, r.tp}].push_back(r);
  return g;
}

// The catalog row at another batch, by the rules of system.md §1.3: the batch
// is m of every FC/NORM/ACT/G2G, the factor of num_op of the attention GEMVs,
// softmax and GPU state-update MATMULs, and num_op of the SU kernel.
Row at_batch(Row r, std::int64_t B) {
  if (r.cls == "FC" || r.cls == "NORM" || r.cls == "ACT" || r.cls == "G2G") {
    REQUIRE(r.m == 32);
    r.m = B;
  } else if (r.cls == "MATMUL" || r.cls == "SOFTMAX") {
    REQUIRE(r.num_op % 32 == 0);
    r.num_op = r.num_op / 32 * B;
  } else if (r.cls == "SU") {
    REQUIRE(r.num_op == 32);
    r.num_op = B;
  }
  return r;
}

void check_group(const Key& key, const std::vector<Row>& want, std::int64_t batch) {
  const auto& [model_name, system_name, tp] = key;
  INFO(model_name << " on " << system_name << ", tp " << tp << ", batch " << batch);
  const ModelConfig& m = preset(model_name);
  const SystemSpec& s = find_system(system_name);
  const auto ops = decode_graph(m, graph_options(s, batch, 2049, tp, true));
  REQUIRE(ops.size() == want.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Row w = at_batch(want[i], batch);
    const Operator& o = ops[i];
    INFO("row " << i << ": " << w.name);
    CHECK(class_name(o.cls) == w.cls);
    CHECK(category_name(o.category) == w.category);
    CHECK(o.name == w.name);
    CHECK(o.m == w.m);
    CHECK(o.n == w.n);
    CHECK(o.k == w.k);
    CHECK(o.num_op == w.num_op);
    CHECK(o.dbyte == w.dbyte);
    CHECK(o.repeat == w.repeat);
  }
}

}  // namespace

TEST_CASE("catalog: all 12 models x 4 systems at batch 32, every row", "[catalog]") {
  const auto rows = read_catalog();
  REQUIRE(rows.size() == 540);
  const auto g = grouped(rows);
  REQUIRE(g.size() == 48);
  for (const auto& [key, want] : g) check_group(key, want, 32);
}

TEST_CASE("catalog: batches 1, 64 and 128 follow the same rules", "[catalog]") {
  const auto g = grouped(read_catalog());
  for (const std::int64_t b : {1, 64, 128})
    for (const auto& [key, want] : g) check_group(key, want, b);
}

TEST_CASE("catalog: GPU-side state update is two MATMULs, PIM-side one SU kernel", "[catalog]") {
  // Mamba-2-2.7B: H = 80 heads of 128 x 64 (system.md §1.3), B = 32.
  const ModelConfig& m = preset("mamba2-2.7b");
  const auto gpu = decode_graph(m, graph_options(find_system("gpu"), 32, 2049, 1, true));
  const auto pim = decode_graph(m, graph_options(find_system("pimba"), 32, 2049, 1, true));
  REQUIRE(gpu.size() == pim.size() + 1);
  CHECK(gpu[3].name == "attention_kv");
  CHECK(gpu[3].num_op == 80 * 32);
  CHECK(pim[3].cls == OpClass::su);
  CHECK(pim[3].m == 80);
  CHECK(pim[3].num_op == 32);
}
