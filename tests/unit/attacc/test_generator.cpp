// The attention -> request generator (attacc_pim.md §7): counts derived by
// hand, address fields, the artifact's quirks, and input validation.
#include <catch2/catch.hpp>

#include "firmware/attacc/generator.h"
#include "pim/attacc.h"

using namespace pimlab;
using R = pim::AttaccReq;
using firmware::attacc::AttentionSpec;

namespace {
std::vector<std::uint64_t> counts(const std::vector<pim::AttaccStatement>& t) {
  std::vector<std::uint64_t> n(pim::kAttaccReqTypes, 0);
  for (const auto& s : t) ++n[int(s.type)];
  return n;
}
}  // namespace

TEST_CASE("address fields round-trip (§1 bit layout)", "[attacc][generator]") {
  const pim::AttaccAddr a{13, 1, 1, 2, 3, 16383, 31};
  const std::uint64_t x = pim::encode_addr(a);
  // channel 1 GiB, pCH 512 MiB, rank 256 MiB, BG 64 MiB, bank 16 MiB, row 1 KiB, column 32 B.
  CHECK(x == (13ull << 30) + (1ull << 29) + (1ull << 28) + (2ull << 26) + (3ull << 24) + 16383ull * 1024 + 31 * 32);
  const auto b = pim::decode_addr(x + 17);  // bytes inside the atom are ignored
  CHECK((b.ch == 13 && b.pch == 1 && b.rank == 1 && b.bg == 2 && b.bank == 3 && b.row == 16383 && b.col == 31));
}

TEST_CASE("bank placement: the §7.4 example and the extra MAC [Q]", "[attacc][generator]") {
  // nh = 64, L = 2048: 4 iterations, MAC = 4 x 16 x 512 + 16 = 32784 (the
  // first pair's extra score MAC in each of its 16 channels).
  AttentionSpec s;
  s.heads = 64;
  s.len = 2048;
  s.artifact_compatible = true;
  CHECK(counts(firmware::attacc::generate(s))[int(R::MacAB)] == 32784);
  s.artifact_compatible = false;
  CHECK(counts(firmware::attacc::generate(s))[int(R::MacAB)] == 32768);
}

TEST_CASE("slices drop statements in artifact mode [Q]", "[attacc][generator]") {
  // bank, nh = 100, L = 1536: the WRGB of each pair's second head (8 x 16 =
  // 128) in LS = 6 slices of floor(128 / 6) = 21: 2 dropped per pair, 3 pairs.
  AttentionSpec s;
  s.heads = 100;
  s.len = 1536;
  s.artifact_compatible = true;
  CHECK(counts(firmware::attacc::generate(s))[int(R::WrGB)] == 794);
  s.artifact_compatible = false;
  CHECK(counts(firmware::attacc::generate(s))[int(R::WrGB)] == 800);
}

TEST_CASE("buffer placement MAC addresses rotate over (rank, bg), then banks", "[attacc][generator]") {
  AttentionSpec s;
  s.placement = pim::AttaccPlacement::Buffer;
  s.heads = 1;
  s.len = 16;
  const auto t = firmware::attacc::generate(s);
  std::vector<pim::AttaccAddr> macs;
  for (const auto& st : t)
    if (st.type == R::MacPB) macs.push_back(pim::decode_addr(st.addr));
  REQUIRE(macs.size() == 128);  // score 8 x 8 + context 8 x 8
  // x = 5: (rank, bg) = 5 -> rank 1, bg 1; x = 8: bank 1; x = 32: column 1.
  CHECK((macs[5].rank == 1 && macs[5].bg == 1 && macs[5].bank == 0));
  CHECK((macs[8].rank == 0 && macs[8].bg == 0 && macs[8].bank == 1));
  CHECK(macs[32].col == 1);
  // Context MACs read V = K + 8 MiB: row 8192 of bank 0.
  CHECK(macs[64].row == 8192);
}

TEST_CASE("bad input is refused", "[attacc][generator]") {
  AttentionSpec s;
  s.heads = 0;
  CHECK_THROWS_AS(firmware::attacc::generate(s), std::invalid_argument);
  s = AttentionSpec{};
  s.len = 5000;  // > max_len 4096
  CHECK_THROWS_AS(firmware::attacc::generate(s), std::invalid_argument);
  s = AttentionSpec{};
  s.dbyte = 3;
  CHECK_THROWS_AS(firmware::attacc::generate(s), std::invalid_argument);
  CHECK_THROWS_AS(pim::parse_placement("rank"), std::invalid_argument);
}
