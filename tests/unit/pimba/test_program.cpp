// The PIM program text form (firmware/pimba/program.h): a lowered kernel
// written and read back is the same program, item for item; malformed text
// is refused with file and line.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "firmware/pimba/generator.h"
#include "firmware/pimba/lowering.h"
#include "firmware/pimba/program.h"
#include "pim/trace.h"

using namespace pimlab::firmware::pimba;

namespace {

LoweredKernel small_su() {
  KernelSpec k;
  k.op = Op::SU;
  k.num_op = 2;
  k.rows = 64;
  k.cols = 64;
  const Program p = generate(k);
  // Operand bytes that differ per slot and bank, so the round trip must keep them.
  return lower_kernel(p, 0, 3, [](const Round& r, const BankWork& w, pimlab::pim_unit::Slot s) {
    Atom32 a{};
    for (int i = 0; i < 32; ++i)
      a[i] = static_cast<std::uint8_t>(i * 7 + static_cast<int>(s) * 31 + w.block_row * 3 + w.block_col + r.pch);
    return a;
  });
}

bool same(const ChannelProgram& a, const ChannelProgram& b) {
  if (a.stream.size() != b.stream.size() || a.rows.size() != b.rows.size() || a.ops.size() != b.ops.size()) return false;
  for (std::size_t i = 0; i < a.stream.size(); ++i)
    if (pimlab::pim::format_trace_line(a.stream[i]) != pimlab::pim::format_trace_line(b.stream[i])) return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    const RowOp &x = a.rows[i], &y = b.rows[i];
    if (x.step != y.step || x.pch != y.pch || x.bank_group != y.bank_group || x.bank != y.bank || x.row != y.row)
      return false;
  }
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    const UnitOp &x = a.ops[i], &y = b.ops[i];
    if (x.step != y.step || x.offset != y.offset || x.col_slots != y.col_slots || x.pch != y.pch ||
        x.bank_group != y.bank_group || x.pair != y.pair || x.cmd.head() != y.cmd.head() || x.cmd.wdata != y.cmd.wdata)
      return false;
  }
  return true;
}

ChannelProgram parse(const std::string& text) {
  std::istringstream is(text);
  return read_program(is, "p.txt");
}

}  // namespace

TEST_CASE("PIM program: a lowered kernel round-trips through its text form", "[pimba][program]") {
  const LoweredKernel lk = small_su();
  REQUIRE(!lk.program.ops.empty());
  std::ostringstream os;
  write_program(os, lk.program);
  const std::string text = os.str();
  CHECK(text.rfind("pimlab-pim-program 1 pimba\n", 0) == 0);
  const ChannelProgram back = parse(text);
  CHECK(same(lk.program, back));
  // Written again, byte for byte the same text.
  std::ostringstream again;
  write_program(again, back);
  CHECK(again.str() == text);
  // Register writes inside an ACT4_WITH_REG are placed by column accesses,
  // not cycles: the k-th write at 1 cycle + k columns.
  bool saw_slot = false;
  for (const UnitOp& o : lk.program.ops) saw_slot = saw_slot || (o.offset == 1 && o.col_slots > 0);
  CHECK(saw_slot);
}

TEST_CASE("PIM program: malformed text is refused with file and line", "[pimba][program]") {
  const std::string h = "pimlab-pim-program 1 pimba\n";
  CHECK_THROWS_WITH(parse(""), Catch::Contains("expected the header"));
  CHECK_THROWS_WITH(parse("pimlab-pim-program 2 pimba\n"), Catch::Contains("p.txt:1:"));
  CHECK_THROWS_WITH(parse(h + "cmd comp 0 0\nfoo 1\n"), Catch::Contains("p.txt:3: unknown item 'foo'"));
  CHECK_THROWS_WITH(parse(h + "cmd bogus 0 0\n"), Catch::Contains("p.txt:2:"));
  CHECK_THROWS_WITH(parse(h + "cmd comp 0 0\nrow 0 0 0 0\n"), Catch::Contains("'row' needs 5 fields"));
  CHECK_THROWS_WITH(parse(h + "cmd comp 0 0\nop 0 0 0 0 0 0 JUMP 0 0\n"), Catch::Contains("unknown unit opcode 'JUMP'"));
  CHECK_THROWS_WITH(parse(h + "cmd comp 0 0\nop 0 0 0 0 0 0 COMP 2 0\n"), Catch::Contains("unit bank 2 out of range"));
  CHECK_THROWS_WITH(parse(h + "cmd comp 0 0\nop 0 0 0 0 0 0 REG_WR 0 0 abc\n"), Catch::Contains("64 hex digits"));
  CHECK_THROWS_WITH(parse(h + "cmd comp 0 0\nrow 5 0 0 0 1\n"), Catch::Contains("names stream command 5 of 1"));
  // Comments and blank lines are skipped; opcodes by number are accepted.
  const ChannelProgram p = parse(h + "# a comment\n\ncmd comp 0 1  # trailing\nop 0 0 0 0 0 0 1 1 5\n");
  REQUIRE(p.ops.size() == 1);
  CHECK(p.ops[0].cmd.op == 1);
  CHECK(p.ops[0].cmd.idx == 5);
  CHECK(p.stream[0].pch == 1);
}
