// The link core (noc/link.h): noc::transaction_ps, the delay one transaction
// adds on idle links, against the router's own delays derived by hand in
// tests/sc/noc/test_router.cpp ("OK: write and read ..."), less that test's
// memory latency (10 ns) and clock-edge wait; and the cycle arithmetic.
#include <catch2/catch.hpp>

#include "noc/link.h"

using namespace pimlab;

TEST_CASE("transaction_ps: the router's delay of one transaction on idle links", "[noc]") {
  // The router test's in0 and out0 links.
  const noc::LinkParams in{16, 1000, 1}, out{32, 500, 2}, dflt{};
  // Write of 100 B: in (16 B x 1 GHz) 7 cycles [0, 7 ns), out (32 B x 500 MHz)
  // 4 cycles [0, 8 ns): through at 8 ns; the request's and the response's
  // traversal each add 1 x 1 ns + 2 x 2 ns: 18 ns (the router test: 28 ns with the
  // memory's 10 ns).
  CHECK(noc::transaction_ps(in, out, noc::Dir::request, 100) == 18000);
  // Read of 100 B: the same links on the response direction, out then in: 18 ns
  // (the router test: 57 - 28 = 29 ns = 18 + 10 ns memory + 1 ns to the next 2 ns edge).
  CHECK(noc::transaction_ps(in, out, noc::Dir::response, 100) == 18000);
  // Write of 8 B to a default link: 1 ns on in, 0.5 ns on out, 2 x (1 + 0.5) ns: 4 ns (router: 14 ns).
  CHECK(noc::transaction_ps(in, dflt, noc::Dir::request, 8) == 4000);
  // Both links at the defaults: ceil(B / 32) x 500 ps + 2 x (500 + 500) ps.
  CHECK(noc::transaction_ps(dflt, dflt, noc::Dir::request, 1) == 2500);
  CHECK(noc::transaction_ps(dflt, dflt, noc::Dir::request, 64) == 3000);
  CHECK(noc::transaction_ps(dflt, dflt, noc::Dir::response, 65) == 3500);
  // No data: the two traversals' latencies only.
  CHECK(noc::transaction_ps(dflt, dflt, noc::Dir::request, 0) == 2000);
}
