// Network files: the built-in layer tables and the shape checks.
#include <catch2/catch.hpp>

#include <sstream>

#include "firmware/cim_schedule/network.h"
#include "firmware/cim_schedule/schedule.h"

using namespace pimlab::firmware::cim_schedule;

namespace {
int count(const Network& n, NodeType t) {
  int c = 0;
  for (const auto& x : n.nodes) c += x.type == t;
  return c;
}
Network parse(const std::string& text) {
  std::istringstream is(text);
  return parse_network(is, "bad.net");
}
const Node& node(const Network& n, const std::string& name) {
  for (const auto& x : n.nodes)
    if (x.name == name) return x;
  FAIL("no node " << name);
  return n.nodes[0];
}
}  // namespace

TEST_CASE("built-in networks parse with their published layer counts") {
  CHECK(builtin_network_names() ==
        std::vector<std::string>{"bertbase512", "resnet18", "resnet50", "tinyyolov3", "tinyyolov4", "vgg16"});
  const Network v3 = load_network("tinyyolov3");
  CHECK(count(v3, NodeType::Conv) == 13);  // yolov3-tiny.cfg: 13 convolutional sections
  CHECK(count(v3, NodeType::MaxPool) == 6);
  CHECK(count(v3, NodeType::Concat) == 1);
  CHECK(count(v3, NodeType::Upsample) == 1);
  const Network v4 = load_network("tinyyolov4");
  CHECK(count(v4, NodeType::Conv) == 21);  // yolov4-tiny.cfg: 21 convolutional sections
  CHECK(count(v4, NodeType::Split) == 3);
  CHECK(count(v4, NodeType::Concat) == 7);
  CHECK(count(v4, NodeType::MaxPool) == 3);
  const Network r18 = load_network("resnet18");
  CHECK(count(r18, NodeType::Conv) == 20);  // 1 + 16 + 3 projections
  CHECK(count(r18, NodeType::Add) == 8);
  CHECK(count(r18, NodeType::Dense) == 1);
  const Network r50 = load_network("resnet50");
  CHECK(count(r50, NodeType::Conv) == 53);  // 1 + 48 + 4 projections
  CHECK(count(r50, NodeType::Add) == 16);
  const Network vgg = load_network("vgg16");
  CHECK(count(vgg, NodeType::Conv) == 13);
  CHECK(count(vgg, NodeType::Dense) == 3);
  CHECK(vgg.nodes.back().ofm.c == 1000);
  CHECK(node(vgg, "fc6").weight_rows == 7 * 7 * 512);
}

TEST_CASE("weight matrices and PEs per copy, derived by hand") {
  const Network v3 = load_network("tinyyolov3");
  const Node& c12 = node(v3, "conv12");  // 3x3, 512 -> 1024 at 13x13
  CHECK(c12.weight_rows == 4608);
  CHECK(c12.weight_cols == 1024);
  // RRAM: cols' = 1024 x 2 slices x 2 (differential) = 4096 -> 16 x ceil(4608/256) = 18
  CHECK(PeConfig::rram().pes(c12) == 16 * 18);
  // UCLM: ceil(1024/64) x ceil(4608/64) = 16 x 72
  CHECK(PeConfig::uclm().pes(c12) == 16 * 72);
  const Node& c0 = node(v3, "conv0");  // 27 x 16
  CHECK(PeConfig::rram().pes(c0) == 1);
  CHECK(node(v3, "pool11").ofm == Shape{13, 13, 512});
  CHECK(node(v3, "route20").ofm == Shape{26, 26, 384});
  CHECK(PeConfig::rram().pes(node(v3, "pool11")) == 0);
}

TEST_CASE("a transformer block as token rows: attention PEs and invocations, derived by hand") {
  const Network b = load_network("bertbase512");
  const Node& at = node(b, "attn");
  CHECK(at.type == NodeType::Attention);
  CHECK(at.ofm == Shape{512, 1, 768});
  // RRAM per head: K^T 64 x 512 -> ceil(512 x 2 x 2 / 256) x 1 = 8; V 512 x 64 -> ceil(256/256) x 2 = 2.
  CHECK(PeConfig::rram().pes(at) == 12 * (8 + 2));
  // UCLM per head: K^T 1 x 8, V 8 x 1 = 16 (the 2 ceil(L/64) of uclm.md §1.6), 192 for 12 heads.
  CHECK(PeConfig::uclm().pes(at) == 192);
  CHECK(mvm_invocations(at) == 2 * 12 * 512);
  CHECK(PeConfig::uclm().pes(node(b, "qkv")) == 12 * 36);  // 768 x 2304
  const std::string head = "network t\ninput x 8x1x96\n";
  CHECK_THROWS_WITH(parse(head + "attention a x heads=2 dh=32 -> 8x1x64\n"),
                    Catch::Contains("bad.net:3: shape mismatch: attention 'a' needs Q, K, V of 2 heads x 32 = 192 channels, got 8x1x96"));
  CHECK_THROWS_WITH(parse("network t\ninput x 8x2x96\nattention a x heads=1 dh=32 -> 8x1x32\n"),
                    Catch::Contains("takes token rows"));
}

TEST_CASE("shape mismatches and malformed lines are errors naming file and line") {
  const std::string head = "network t\ninput data 8x8x3\n";
  CHECK_THROWS_WITH(parse(head + "conv c1 data k=3 s=1 p=1 c=4 -> 8x8x5\n"),
                    Catch::Contains("bad.net:3: shape mismatch: 'c1' declares OFM 8x8x5 but its inputs and parameters give 8x8x4"));
  CHECK_THROWS_WITH(parse(head + "conv a data k=3 s=1 p=1 c=4 -> 8x8x4\nconv b data k=3 s=2 p=1 c=4 -> 4x4x4\nadd s a,b -> 8x8x4\n"),
                    Catch::Contains("bad.net:5: shape mismatch: add 's' inputs 8x8x4 and 4x4x4"));
  CHECK_THROWS_WITH(parse(head + "conv a data k=1 s=2 p=0 c=4 -> 4x4x4\nconcat s a,data -> 4x4x7\n"),
                    Catch::Contains("bad.net:4: shape mismatch: concat"));
  CHECK_THROWS_WITH(parse(head + "conv a nope k=1 s=1 p=0 c=4 -> 8x8x4\n"), Catch::Contains("bad.net:3: input 'nope'"));
  CHECK_THROWS_WITH(parse(head + "relu a data -> 8x8x3\n"), Catch::Contains("bad.net:3: unknown node type 'relu'"));
  CHECK_THROWS_WITH(parse(head + "conv a data k=3 s=1 p=1 -> 8x8x3\n"), Catch::Contains("conv needs c=C_out"));
  CHECK_THROWS_WITH(parse(head + "conv a data k=x s=1 p=1 c=3 -> 8x8x3\n"), Catch::Contains("'k=x' is not an integer"));
  CHECK_THROWS_WITH(parse(head + "split a data groups=2 id=0 -> 8x8x1\n"), Catch::Contains("do not split 3 channels"));
  CHECK_THROWS_WITH(load_network("no_such_network"), Catch::Contains("neither a built-in network"));
  // A name that is not printable ASCII (it would be printed back into JSON and charts); comments
  // may hold any text; binary input stops at its first NUL.
  CHECK_THROWS_WITH(parse(head + "conv c\xAA data k=1 s=1 p=0 c=4 -> 8x8x4\n"),
                    Catch::Contains("bad.net:3: byte 0xAA is not printable ASCII"));
  CHECK_NOTHROW(parse(head + "conv c data k=1 s=1 p=0 c=4 -> 8x8x4  # caf\xC3\xA9\n"));
  CHECK_THROWS_WITH(parse(head + std::string("conv c data\0", 12)), Catch::Contains("bad.net:3"));
}
