// The compiler's output (firmware/compiler/program.h, docs/compiler.md): the
// program of one decode iteration written, read back and written again byte
// for byte; bad input named by file and line; determinism; and the PIM cycles
// of every channel equal to what the serving back-ends compute for the same
// iteration (one mechanism: both call the family generators' shared entry
// points).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "firmware/compiler/placement.h"
#include "firmware/compiler/program.h"
#include "firmware/pimba/generator.h"
#include "model/graph.h"
#include "model/model.h"
#include "model/system.h"
#include "serving/attacc_pim.h"
#include "serving/gpu_backend.h"
#include "serving/neupims_backend.h"
#include "serving/pimba_pim.h"
#include "workload/snapshot.h"

using namespace pimlab;
namespace fc = firmware::compiler;
namespace fs = std::filesystem;

namespace {

// A GPT-3-shaped model small enough for many runs (as tests/unit/serving).
model::ModelConfig tiny(int layers, int heads = 4) {
  model::ModelConfig m = model::preset("gpt3-7b");
  m.name = "gpt3-tiny";
  m.hidden = m.attn_input = 128 * heads;
  m.heads = m.kv_heads = heads;
  m.head_dim = 128;
  m.layers = m.attn_layers = layers;
  m.intermediate = 4 * m.hidden;
  m.vocab = 1024;
  return m;
}

fc::CompileInput pimba_input(const std::vector<std::int64_t>& contexts) {
  fc::CompileInput in;
  in.model = tiny(2);
  in.system = model::find_system("pimba");
  in.contexts = contexts;
  in.pim_channels = 4;
  return in;
}

fc::CompileInput neupims_input(const char* system, const std::vector<std::int64_t>& contexts, bool sub_batch,
                               std::uint32_t channels = 8) {
  fc::CompileInput in;
  in.model = tiny(3);
  in.system = model::find_system(system);
  in.contexts = contexts;
  in.sub_batch = sub_batch;
  in.placement = fc::neupims_placement(fc::Policy::greedy, channels, std::numeric_limits<std::uint64_t>::max(), static_cast<std::uint64_t>(in.model.hidden),
                                       static_cast<std::uint64_t>(in.model.heads),
                                       static_cast<std::uint64_t>(in.model.layers), 1, 1);
  return in;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every file of a directory tree: relative path -> contents.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).generic_string()] = slurp(e.path());
  return out;
}

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / ("pimlab_test_program_" + name)) {
    fs::remove_all(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::uint64_t max_cycles(const fc::SystemProgram& p, int segment) {
  std::uint64_t c = 0;
  for (const fc::ChannelFile& f : p.files)
    if (f.segment == segment) c = std::max(c, f.cycles);
  return c;
}

int segment_named(const fc::SystemProgram& p, const std::string& name) {
  for (const fc::Segment& s : p.segments)
    if (s.name == name) return s.id;
  FAIL("no segment " << name);
  return -1;
}

// The decode graph's host GEMM FLOPs: QKV, projection and FFN over `rows`
// token rows in every layer, plus the LM head over `head_rows` rows.
double graph_gemm_flops(const model::ModelConfig& m, int tp, std::int64_t rows, std::int64_t head_rows) {
  model::GraphOptions g;
  g.context = 1;
  g.tp = tp;
  double flops = 0;
  g.batch = rows;
  for (const model::Operator& op : model::decode_graph(m, g))
    if (op.name == "qkv" || op.name == "proj" || op.name == "ffn_1" || op.name == "ffn_2")
      flops += 2.0 * op.m * op.k * op.n * static_cast<double>(m.layers);
  g.batch = head_rows;
  for (const model::Operator& op : model::decode_graph(m, g))
    if (op.name == "lm_head") flops += 2.0 * op.m * op.k * op.n;
  return flops;
}

}  // namespace

TEST_CASE("program: round trip write-read-write is byte-identical", "[compiler][program]") {
  for (const fc::CompileInput& in : {pimba_input({130, 300}), neupims_input("neupims", {100, 200, 300, 150, 90}, true),
                                     neupims_input("npu+pim", {64, 65}, false)}) {
    TempDir a("rt_a"), b("rt_b");
    const fc::SystemProgram p = fc::compile(in);
    REQUIRE(!p.files.empty());
    fc::write_program(a.path.string(), p);
    const fc::SystemProgram q = fc::read_program(a.path.string());
    REQUIRE(q.files.size() == p.files.size());
    REQUIRE(q.host.size() == p.host.size());
    for (std::size_t i = 0; i < p.files.size(); ++i) {
      CHECK(q.files[i].cycles == p.files[i].cycles);
      CHECK(q.files[i].pimba.size() == p.files[i].pimba.size());
      CHECK(q.files[i].newton.pim.size() == p.files[i].newton.pim.size());
    }
    fc::write_program(b.path.string(), q);
    CHECK(tree(a.path) == tree(b.path));
  }
}

TEST_CASE("program: deterministic", "[compiler][program]") {
  const fc::CompileInput in = neupims_input("neupims", {100, 200, 300, 150, 90, 400}, true);
  std::ostringstream a, b;
  const fc::SystemProgram p = fc::compile(in), q = fc::compile(in);
  fc::write_manifest(a, p);
  fc::write_host_npu(a, p);
  for (const auto& f : p.files) fc::write_channel_file(a, p, f);
  fc::write_manifest(b, q);
  fc::write_host_npu(b, q);
  for (const auto& f : q.files) fc::write_channel_file(b, q, f);
  CHECK(a.str() == b.str());
}

TEST_CASE("program: host kernel list follows the graph with PIM launches in place", "[compiler][program]") {
  const fc::SystemProgram p = fc::compile(pimba_input({130, 130}));
  // Attention on PIM: q*K^T, softmax on the host, then p*V; each entry waits for the one before.
  std::vector<std::string> names;
  for (std::size_t i = 0; i < p.host.size(); ++i) {
    names.push_back(p.host[i].name);
    CHECK(p.host[i].after == static_cast<int>(i) - 1);
  }
  const auto at = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  CHECK(at("qkv") < at("attention_qk.0"));
  CHECK(at("attention_qk.0") < at("attention_softmax"));
  CHECK(at("attention_softmax") < at("attention_kv.0"));
  CHECK(at("attention_kv.0") < at("proj"));
  // Two requests of one column-block group: one kernel each, 4 channels.
  CHECK(p.segments.size() == 2);
  CHECK(p.segments[0].requests == 2);
  CHECK(p.segments[0].repeat == 2);
  CHECK(p.header.family == "pimba");
  CHECK(p.header.channels == 4);
  // The order the entries run in (the platform's, fc::host_instances): the
  // layer's entries (repeat 2) as a loop body twice, then the final ones once.
  const auto order = fc::host_instances(p.host);
  std::size_t body = 0;
  while (body < p.host.size() && p.host[body].repeat == 2) ++body;
  REQUIRE(body > 0);
  for (std::size_t i = 0; i < 2 * body; ++i) {
    CHECK(order[i].first == i % body);
    CHECK(order[i].second == static_cast<std::int64_t>(i / body));
  }
  CHECK(order.size() == 2 * body + (p.host.size() - body));
  // A PIM launch is charged to its operator's category, also as read from disk
  // (a `pim` line names none).
  for (const fc::HostEntry& e : p.host)
    if (e.kind == fc::EntryKind::pim) CHECK(fc::pim_entry_category(e) == "gemv");
  const auto dir = std::filesystem::temp_directory_path() / "pimlab_test_program_categories";
  std::filesystem::remove_all(dir);
  fc::write_program(dir.string(), p);
  const fc::SystemProgram back = fc::read_program(dir.string());
  REQUIRE(back.host.size() == p.host.size());
  for (std::size_t i = 0; i < p.host.size(); ++i) CHECK(back.host[i].category == p.host[i].category);
  std::filesystem::remove_all(dir);
}

TEST_CASE("program: Pimba-family channel cycles equal the serving back-end's kernel cycles", "[compiler][program]") {
  // Two KV lengths in different column blocks: two kernels per attention operator.
  const fc::CompileInput in = pimba_input({130, 300});
  const fc::SystemProgram p = fc::compile(in);
  serving::PimbaPimOptions o;
  o.variant = "pimba";
  o.channels = in.pim_channels;
  serving::PimbaPim pim(o);
  const std::int64_t per_request = in.model.heads;  // MHA: one matrix per head
  struct Case {
    const char* seg;
    firmware::pimba::Op op;
    std::int64_t L;
  } cases[] = {{"attention_qk.0", firmware::pimba::Op::Score, 130},
               {"attention_qk.1", firmware::pimba::Op::Score, 300},
               {"attention_kv.0", firmware::pimba::Op::Attend, 130},
               {"attention_kv.1", firmware::pimba::Op::Attend, 300}};
  for (const Case& c : cases) {
    const serving::PimKernelResult r = pim.run(c.op, per_request, 128, c.L);
    INFO(c.seg);
    CHECK(r.cycles > 100);
    CHECK(max_cycles(p, segment_named(p, c.seg)) == r.cycles);
  }
}

TEST_CASE("program: NeuPIMs channel cycles equal the back-end's PIM-alone stage figure", "[compiler][program]") {
  for (const bool sub_batch : {true, false}) {
    const char* system = sub_batch ? "neupims" : "npu+pim";
    const std::vector<std::int64_t> lens{100, 200, 300, 150, 90, 400, 600};
    const fc::CompileInput in = neupims_input(system, lens, sub_batch);
    const fc::SystemProgram p = fc::compile(in);
    // The serving back-end on the same placement.
    fc::Placer placer(*in.placement);
    std::vector<fc::NewRequest> fresh;
    for (std::int64_t L : lens) fresh.push_back({static_cast<std::uint64_t>(L - 1), static_cast<std::uint64_t>(L)});
    const fc::Placement pl = placer.place({}, fresh);
    std::vector<serving::DecodeRequest> batch;
    for (std::size_t i = 0; i < lens.size(); ++i) batch.push_back({lens[i], static_cast<int>(pl.channel[i])});
    serving::NeupimsOptions o;
    o.system = sub_batch ? serving::NeupimsSystem::neupims : serving::NeupimsSystem::npu_pim;
    o.model = in.model;
    o.channels = static_cast<int>(in.placement->channels);
    o.sub_batch = sub_batch;
    serving::NeupimsBackend be(o);
    be.decode(batch);
    std::map<std::string, double> pim_alone;
    for (const serving::NeupimsStage& s : be.last_stages()) pim_alone[s.name] = s.pim_alone_s;
    INFO(system);
    for (const fc::Segment& s : p.segments) CHECK(max_cycles(p, s.id) > 1000);
    if (sub_batch) {
      // Stage B runs sub-batch 1's attention, stage E sub-batch 2's (DRAM clock 1 GHz).
      CHECK(static_cast<double>(max_cycles(p, segment_named(p, "attention.sb1"))) * 1e-9 == pim_alone.at("B"));
      CHECK(static_cast<double>(max_cycles(p, segment_named(p, "attention.sb2"))) * 1e-9 == pim_alone.at("E"));
    } else {
      CHECK(static_cast<double>(max_cycles(p, segment_named(p, "attention"))) * 1e-9 == pim_alone.at("B"));
    }
    // The placement the compiler used is the one above.
    for (const fc::ChannelFile& f : p.files) CHECK(f.newton.pim.front().a.channel == f.channel);
  }
}

TEST_CASE("program: AttAcc stack cycles equal the serving back-end's", "[compiler][program]") {
  for (const bool artifact : {false, true}) {
    fc::CompileInput in = pimba_input({130, 300, 300});
    in.system = model::find_system("attacc");
    in.attacc_placement = pim::AttaccPlacement::BankGroup;
    in.artifact_compatible = artifact;
    const fc::SystemProgram p = fc::compile(in);
    REQUIRE(p.segments.size() == 2);  // two KV lengths
    CHECK(p.files.size() == 2u * static_cast<unsigned>(in.attacc_stacks));
    serving::AttaccPimOptions o;
    o.placement = in.attacc_placement;
    o.artifact_compatible = artifact;
    serving::AttaccPim pim(o);
    const std::int64_t heads = in.model.heads;
    const serving::AttaccKernelResult a = pim.exact(heads * 1, 128, 130, 2), b = pim.exact(heads * 2, 128, 300, 2);
    INFO("artifact " << artifact);
    CHECK(a.cycles > 100);
    CHECK(max_cycles(p, 0) == static_cast<std::uint64_t>(a.cycles));
    CHECK(max_cycles(p, 1) == static_cast<std::uint64_t>(b.cycles));
    TempDir x("attacc_a"), y("attacc_b");
    fc::write_program(x.path.string(), p);
    fc::write_program(y.path.string(), fc::read_program(x.path.string()));
    CHECK(tree(x.path) == tree(y.path));
  }
}

TEST_CASE("program: what it refuses", "[compiler][program]") {
  fc::CompileInput in = pimba_input({130});
  in.artifact_compatible = true;
  CHECK_THROWS_WITH(fc::compile(in), Catch::Contains("interpolated"));
  in = pimba_input({});
  CHECK_THROWS_WITH(fc::compile(in), Catch::Contains("no requests"));
  in = pimba_input({1});
  CHECK_THROWS_WITH(fc::compile(in), Catch::Contains("context 1 out of range"));
  in = pimba_input({130});
  in.system = model::find_system("attacc");
  in.contexts = {5000};
  CHECK_THROWS_WITH(fc::compile(in), Catch::Contains("exceeds the KV region of 4096 tokens"));
  in = neupims_input("neupims", {130}, true);
  in.placement.reset();
  CHECK_THROWS_WITH(fc::compile(in), Catch::Contains("placement"));
  // Capacity: a request that fits on no channel is the placement's error.
  in = neupims_input("neupims", {130, 4000}, true);
  in.placement->capacity_bytes = in.placement->footprint.bytes(1000);
  CHECK_THROWS_AS(fc::compile(in), fc::CapacityError);
}

TEST_CASE("program: bad input names file and line", "[compiler][program]") {
  const std::string hdr =
      "pimlab-program 1 host.kernels system=pimba model=m batch=1 context=2 tp=1 family=pimba variant=pimba "
      "preset=hbm2-pimba channels=4 artifact=0\n";
  auto read = [](const std::string& text) {
    std::istringstream is(text);
    return fc::read_host_kernels(is, "host.kernels", nullptr);
  };
  CHECK(read(hdr + "kernel 0 1 2 - FC gemm qkv 1 2 3 1 2\npim 1 1 2 0 0 attention\n").size() == 2);
  CHECK_THROWS_WITH(read(hdr + "kernal 0 1 2 - FC gemm qkv 1 2 3 1 2\n"), "host.kernels:2: unknown item 'kernal' (allowed: kernel, pim)");
  CHECK_THROWS_WITH(read(hdr + "kernel 0 1 2 - FC gemm qkv 1 2 3 1\n"), "host.kernels:2: a kernel line has 13 fields, not 12");
  CHECK_THROWS_WITH(read(hdr + "kernel 1 1 2 - FC gemm qkv 1 2 3 1 2\n"), "host.kernels:2: index 1 where 0 is next");
  CHECK_THROWS_WITH(read(hdr + "kernel 0 1 2 - FC gemm qkv 1 2 x 1 2\n"), "host.kernels:2: k 'x' is not an integer");
  CHECK_THROWS_WITH(read(hdr + "kernel 0 1 0 - FC gemm qkv 1 2 3 1 2\n"), "host.kernels:2: repeat 0 out of range (1..1099511627776)");
  CHECK_THROWS_WITH(read(hdr + "kernel 0 1 2 5 FC gemm qkv 1 2 3 1 2\n"), Catch::StartsWith("host.kernels:2: after"));
  CHECK_THROWS_WITH(read(hdr + "kernel 0 1 2 - XX gemm qkv 1 2 3 1 2\n"), Catch::StartsWith("host.kernels:2: "));
  CHECK_THROWS_WITH(read("pimlab-program 2 host.kernels\n"), "host.kernels:1: format version 2 is not supported (allowed: 1)");
  CHECK_THROWS_WITH(read("hello\n"), Catch::StartsWith("host.kernels:1: not a pimlab program file"));
  CHECK_THROWS_WITH(read(""), "host.kernels: empty (no 'pimlab-program' header)");
  std::string bad = hdr;
  bad.replace(bad.find("tp=1"), 4, "tq=1");
  CHECK_THROWS_WITH(read(bad), Catch::StartsWith("host.kernels:1: unknown header key 'tq'"));

  // A directory whose channel file was tampered with, or is missing.
  TempDir d("bad");
  const fc::SystemProgram p = fc::compile(neupims_input("npu+pim", {64, 65}, false));
  fc::write_program(d.path.string(), p);
  const fs::path victim = d.path / p.files[0].path;
  {
    std::ofstream f(victim, std::ios::app);
    f << "pim GWRITE 0x0\n";
  }
  CHECK_THROWS_WITH(fc::read_program(d.path.string()), Catch::Contains("PIM transactions, the manifest says"));
  fs::remove(victim);
  CHECK_THROWS_WITH(fc::read_program(d.path.string()), Catch::Contains(p.files[0].path));
  {
    std::ofstream f(d.path / "manifest", std::ios::app);
    f << "segmnt 9\n";
  }
  CHECK_THROWS_WITH(fc::read_program(d.path.string()), Catch::Contains("unknown item 'segmnt'"));
  CHECK_THROWS_WITH(fc::read_program((d.path / "nothere").string()), Catch::Contains("manifest"));
}

TEST_CASE("program: snapshot channels pinned, cycles equal the back-end's", "[compiler][program]") {
  // The first 40 requests of a NeuPIMs snapshot on their recorded channels.
  const workload::Snapshot snap =
      workload::read_snapshot(std::string(PIMLAB_WORKLOAD_DATA) + "/neupims_snapshots/share-gpt2-bs512-ms7B-tp4-clb-0.csv");
  fc::CompileInput in = neupims_input("neupims", {}, true, 32);
  std::vector<serving::DecodeRequest> batch;
  for (std::size_t i = 0; i < 40; ++i) {
    in.contexts.push_back(std::max<std::int64_t>(2, static_cast<std::int64_t>(snap[i].seq_len)));
    in.pinned.push_back(static_cast<int>(snap[i].channel));
    batch.push_back({in.contexts.back(), in.pinned.back()});
  }
  const fc::SystemProgram p = fc::compile(in);
  for (const fc::ChannelFile& f : p.files) CHECK(f.newton.pim.front().a.channel == f.channel);
  serving::NeupimsOptions o;
  o.system = serving::NeupimsSystem::neupims;
  o.model = in.model;
  o.channels = 32;
  o.sub_batch = true;
  serving::NeupimsBackend be(o);
  be.decode(batch);
  std::map<std::string, double> pim_alone;
  for (const serving::NeupimsStage& s : be.last_stages()) pim_alone[s.name] = s.pim_alone_s;
  CHECK(static_cast<double>(max_cycles(p, segment_named(p, "attention.sb1"))) * 1e-9 == pim_alone.at("B"));
  CHECK(static_cast<double>(max_cycles(p, segment_named(p, "attention.sb2"))) * 1e-9 == pim_alone.at("E"));
  in.pinned[3] = 32;
  CHECK_THROWS_WITH(fc::compile(in), "request 3: channel 32 (allowed: 0..31)");
}

TEST_CASE("program: writing over an earlier program leaves no stale channel file", "[compiler][program]") {
  TempDir d("stale"), e("stale_fresh");
  fc::write_program(d.path.string(), fc::compile(neupims_input("neupims", {100, 200, 300, 150, 90}, true)));
  const fc::SystemProgram small = fc::compile(neupims_input("npu+pim", {64}, false));
  fc::write_program(d.path.string(), small);
  fc::write_program(e.path.string(), small);
  CHECK(tree(d.path) == tree(e.path));
}

TEST_CASE("program: NPU host gets the back-end's stages, every layer's GEMMs once per request", "[compiler][program]") {
  // Layer count 3: stages A, B, C x 2, D x 2, E, F and the LM head.
  const std::vector<std::int64_t> lens{100, 200, 300, 150, 90, 400, 600};
  for (const char* system : {"neupims", "npu+pim", "npu-only"}) {
    INFO(system);
    const bool sub_batch = std::string(system) == "neupims";
    fc::CompileInput in = neupims_input(system, lens, sub_batch);
    if (std::string(system) == "npu-only") in.placement.reset();
    const fc::SystemProgram p = fc::compile(in);
    REQUIRE(p.npu_host);
    CHECK(p.host.empty());
    // The serving back-end times the same stages: names, repeats and tokens agree.
    fc::Placer placer(*neupims_input(system, lens, sub_batch).placement);
    std::vector<fc::NewRequest> fresh;
    for (std::int64_t L : lens) fresh.push_back({static_cast<std::uint64_t>(L - 1), static_cast<std::uint64_t>(L)});
    const fc::Placement pl = placer.place({}, fresh);
    std::vector<serving::DecodeRequest> batch;
    for (std::size_t i = 0; i < lens.size(); ++i) batch.push_back({lens[i], static_cast<int>(pl.channel[i])});
    serving::NeupimsOptions o;
    o.system = serving::parse_neupims_system(system);
    o.model = in.model;
    o.channels = 8;
    o.sub_batch = sub_batch;
    serving::NeupimsBackend be(o);
    be.decode(batch);
    REQUIRE(be.last_stages().size() == p.npu.size());
    for (std::size_t i = 0; i < p.npu.size(); ++i) {
      CHECK(be.last_stages()[i].name == p.npu[i].name);
      CHECK(be.last_stages()[i].repeat == p.npu[i].repeat);
      CHECK(be.last_stages()[i].requests_npu == p.npu[i].tokens);
    }
    // Every layer's GEMMs run once for every request: the stages' GEMM FLOPs
    // (times their repeats) equal the decode graph's host GEMMs of the whole
    // batch, layers times, plus the LM head once.
    double program = 0;
    for (const fc::NpuStage& s : p.npu)
      for (const fc::NpuOp& x : s.ops)
        if (x.kind == fc::NpuOpKind::gemm)
          program += 2.0 * x.shape.m * x.shape.k * x.shape.n * static_cast<double>(s.repeat);
    const auto B = static_cast<std::int64_t>(lens.size());
    CHECK(program == graph_gemm_flops(in.model, in.tp, B, B));
    // Each PIM stage names the segment of its request group's attention.
    if (sub_batch) {
      for (const fc::NpuStage& s : p.npu) {
        INFO(s.name);
        const char* want = s.name == "B" || s.name == "D" ? "attention.sb1"
                           : s.name == "C" || s.name == "E" ? "attention.sb2"
                                                             : nullptr;
        if (want) CHECK(s.segment == segment_named(p, want));
        else CHECK(s.segment == -1);
      }
    } else if (std::string(system) == "npu+pim") {
      for (const fc::NpuStage& s : p.npu) CHECK(s.segment == (s.name == "B" ? segment_named(p, "attention") : -1));
    } else {
      CHECK(p.segments.empty());
      std::size_t attentions = 0;
      for (const fc::NpuOp& x : p.npu.at(0).ops) attentions += x.kind == fc::NpuOpKind::attention;
      CHECK(attentions == lens.size());
    }
  }
}

TEST_CASE("program: bad NPU program input names file and line", "[compiler][program]") {
  const std::string hdr =
      "pimlab-program 1 host.npu system=neupims model=m batch=1 context=2 tp=1 family=neupims variant=dual "
      "preset=hbm2-newton channels=8 artifact=0\n";
  auto read = [](const std::string& text) {
    std::istringstream is(text);
    return fc::read_host_npu(is, "host.npu", nullptr);
  };
  CHECK(read(hdr + "stage A 1 2 -\ngemm gemm 2 128 256 1\n").at(0).ops.at(0).shape.n == 256);
  CHECK_THROWS_WITH(read(hdr + "gemm gemm 2 128 256 1\n"), "host.npu:2: 'gemm' before the first stage line");
  CHECK_THROWS_WITH(read(hdr + "stage A 1 2 -\ngemn gemm 2 128 256 1\n"),
                    "host.npu:3: unknown item 'gemn' (allowed: stage, gemm, vector, attention)");
  CHECK_THROWS_WITH(read(hdr + "stage A 1 2 -\nvector others tanh 1 2 0 0 0\n"),
                    Catch::StartsWith("host.npu:3: vector operation 'tanh'"));
  CHECK_THROWS_WITH(read(hdr + "stage A 0 2 -\n"), "host.npu:2: repeat 0 out of range (1..1125899906842624)");
  CHECK_THROWS_WITH(read(hdr + "stage A 1 2 -\nattention gemv 5 1 2 3\n"), "host.npu:3: an attention line has 7 or 8 fields, not 6");
  CHECK_THROWS_WITH(read(hdr + "stage A 1 2 -\ngemm gemx 2 128 256 1\n"),
                    "host.npu:3: category 'gemx' (allowed: gemm, gemv, others)");
  CHECK_THROWS_WITH(read("pimlab-program 1 host.kernels system=x\n"), Catch::StartsWith("host.npu:1: file kind 'host.kernels'"));
}

TEST_CASE("program: a prefill chunk puts every operator on the host", "[compiler][program][prefill]") {
  // NPU host: one `prefill` stage per layer and the LM head; its GEMM FLOPs
  // equal the prefill graph's (Q query tokens per request) QKV, projection and
  // FFN over every token plus the LM head over one row per request; each
  // request's attention is Q x L per head (4 Q L E FLOPs). No PIM segment.
  const std::vector<std::int64_t> lens{100, 200, 300};
  const std::int64_t Q = 64;
  fc::CompileInput in = neupims_input("neupims", lens, true);
  in.chunk = Q;
  const fc::SystemProgram p = fc::compile(in);
  REQUIRE(p.npu_host);
  CHECK(p.segments.empty());
  CHECK(p.files.empty());
  CHECK(p.header.chunk == Q);
  REQUIRE(p.npu.size() == 2);
  CHECK(p.npu[0].name == "prefill");
  CHECK(p.npu[0].repeat == in.model.layers);
  CHECK(p.npu[0].tokens == 3 * Q);
  double program = 0, attention = 0;
  std::size_t attentions = 0;
  for (const fc::NpuStage& s : p.npu)
    for (const fc::NpuOp& x : s.ops) {
      if (x.kind == fc::NpuOpKind::gemm) program += 2.0 * x.shape.m * x.shape.k * x.shape.n * static_cast<double>(s.repeat);
      if (x.kind == fc::NpuOpKind::attention) {
        CHECK(x.tokens == Q);
        CHECK(x.len == lens.at(attentions % lens.size()));
        attention += static_cast<double>(x.flops);
        ++attentions;
      }
    }
  CHECK(attentions == lens.size());
  const double E = static_cast<double>(in.model.heads / in.tp * in.model.head_dim);
  CHECK(attention == 4.0 * Q * (100 + 200 + 300) * E);
  CHECK(program == graph_gemm_flops(in.model, in.tp, 3 * Q, 3));
  // Written and read back: the same stages, TOKENS included.
  const auto dir = std::filesystem::temp_directory_path() / "pimlab_test_program_prefill";
  std::filesystem::remove_all(dir);
  fc::write_program(dir.string(), p);
  const fc::SystemProgram back = fc::read_program(dir.string());
  CHECK(back.header.chunk == Q);
  REQUIRE(back.npu.size() == p.npu.size());
  CHECK(back.npu[0].ops.size() == p.npu[0].ops.size());
  for (std::size_t i = 0; i < p.npu[0].ops.size(); ++i) CHECK(back.npu[0].ops[i].tokens == p.npu[0].ops[i].tokens);
  std::filesystem::remove_all(dir);
  // Refused: a chunk longer than a context, artifact-compatible mode, a negative chunk.
  in.chunk = 101;
  CHECK_THROWS_WITH(fc::compile(in), "request 0: a chunk of 101 tokens does not fit in context 100");
  in.chunk = Q;
  in.artifact_compatible = true;
  CHECK_THROWS_WITH(fc::compile(in), "a prefill chunk with --artifact-compatible: the artifacts model decode steps only");
  in.artifact_compatible = false;
  in.chunk = -1;
  CHECK_THROWS_AS(fc::compile(in), std::invalid_argument);
}

TEST_CASE("program: per-request prefill chunks", "[compiler][program][prefill]") {
  // The serving loop's prefill pass whose requests have different prompt
  // tokens left: each request's attention takes its own chunk (Q_i x L_i per
  // head), the GEMMs run over the sum of the chunks, the header names the
  // largest chunk.
  const std::vector<std::int64_t> lens{100, 200, 300}, chunks{100, 17, 64};
  fc::CompileInput in = neupims_input("neupims", lens, true);
  in.chunks = chunks;
  const fc::SystemProgram p = fc::compile(in);
  CHECK(p.header.chunk == 100);
  REQUIRE(p.npu.size() == 2);
  CHECK(p.npu[0].tokens == 100 + 17 + 64);
  std::size_t a = 0;
  double program = 0;
  for (const fc::NpuStage& s : p.npu)
    for (const fc::NpuOp& x : s.ops) {
      if (x.kind == fc::NpuOpKind::gemm) program += 2.0 * x.shape.m * x.shape.k * x.shape.n * static_cast<double>(s.repeat);
      if (x.kind != fc::NpuOpKind::attention) continue;
      CHECK(x.tokens == chunks.at(a % chunks.size()));
      CHECK(x.len == lens.at(a % lens.size()));
      ++a;
    }
  CHECK(a == lens.size());
  CHECK(program == graph_gemm_flops(in.model, in.tp, 100 + 17 + 64, 3));
  // Refused: a count that is not one per request, a chunk beyond its context
  // or below 1, a GPU host (its prefill graph takes one chunk size).
  in.chunks = {100, 17};
  CHECK_THROWS_WITH(fc::compile(in), "prefill chunks: 2 for 3 requests");
  in.chunks = {100, 201, 64};
  CHECK_THROWS_WITH(fc::compile(in), "request 1: a chunk of 201 tokens does not fit in context 200");
  in.chunks = {100, 0, 64};
  CHECK_THROWS_WITH(fc::compile(in), "request 1: a chunk of 0 tokens (allowed: >= 1)");
  fc::CompileInput g;
  g.model = in.model;
  g.system = model::find_system("pimba");
  g.contexts = lens;
  g.chunks = chunks;
  CHECK_THROWS_WITH(fc::compile(g), Catch::StartsWith("per-request prefill chunks on a GPU host"));
}
