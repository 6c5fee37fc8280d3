#include "pim/newton_trace.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "textio/text_input.h"

namespace pimlab::pim {

namespace {
[[noreturn]] void fail(const std::string& source, std::size_t line_no, const std::string& what) {
  throw std::invalid_argument(source + ":" + std::to_string(line_no) + ": " + what);
}
}  // namespace

std::string newton_refusal(PimType type, const Txn& t) {
  if (!is_pim_txn(t.type)) return {};
  bool ok = type != PimType::Dram;
  if (type == PimType::Dual && (t.type == TxnType::Comp || t.type == TxnType::ReadRes)) ok = false;
  if (type == PimType::Single && t.type == TxnType::CompsReadRes) ok = false;
  if (!ok)
    return std::string("transaction ") + txn_type_name(t.type) + " is not accepted by the " + pim_type_name(type) +
           " controller (dual: P_HEADER, COMPS_READRES, GWRITE; single: P_HEADER, COMP, READRES, GWRITE; dram: none)";
  if (type == PimType::Dual && t.type == TxnType::PHeader && t.gwrite_header)
    return "P_HEADER with the gwrite flag (column bit 3) is rejected by the dual controller";
  return {};
}

std::map<int, NewtonWorkload> read_newton_trace(std::istream& in, const std::string& source, PimType ptype) {
  std::map<int, NewtonWorkload> out;
  std::map<int, std::pair<int, std::size_t>> gemv_row;  // channel -> (row, line) of its last P_HEADER
  std::string line;
  std::size_t no = 0;
  while (textio::read_line(in, line, source, no + 1)) {
    ++no;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream ss(line);
    std::string queue, type, addr, extra;
    if (!(ss >> queue)) continue;
    if (queue != "pim" && queue != "mem") fail(source, no, "unknown queue '" + queue + "' (allowed: pim, mem)");
    if (!(ss >> type) || !(ss >> addr))
      fail(source, no, "a transaction needs 3 fields 'pim|mem TYPE 0xADDR'");
    if (ss >> extra) fail(source, no, "unexpected field '" + extra + "' after the address");
    TxnType t;
    try {
      t = parse_txn_type(type);
    } catch (const std::invalid_argument& e) {
      fail(source, no, e.what());
    }
    if ((queue == "pim") != is_pim_txn(t))
      fail(source, no, "transaction " + type + " does not belong in the " + queue + " queue (pim: GWRITE, P_HEADER, " +
                           "COMP, READRES, COMPS_READRES; mem: READ, WRITE)");
    const std::optional<std::uint64_t> parsed = textio::parse_hex_address(addr);
    if (!parsed) fail(source, no, "malformed address '" + addr + "' (expected hexadecimal 0x...)");
    const std::uint64_t a = *parsed;
    Txn x;
    try {
      x = make_txn(t, a);
    } catch (const std::invalid_argument& e) {
      fail(source, no, e.what());
    }
    const std::string why = newton_refusal(ptype, x);
    if (!why.empty()) fail(source, no, why);
    // A GEMV's COMP / READRES / COMPS_READRES work on the row its P_HEADER opened in every bank:
    // one that names another row is not part of a GEMV the controller can run (it would compute
    // on a row no bank has open).
    if (x.type == TxnType::PHeader) {
      gemv_row[x.a.channel] = {x.a.row, no};
    } else if (x.type == TxnType::Comp || x.type == TxnType::ReadRes || x.type == TxnType::CompsReadRes) {
      const auto h = gemv_row.find(x.a.channel);
      if (h != gemv_row.end() && h->second.first != x.a.row)
        fail(source, no, type + " addresses row " + std::to_string(x.a.row) + " of channel " + std::to_string(x.a.channel) +
                             ", but the GEMV's P_HEADER (line " + std::to_string(h->second.second) + ") opened row " +
                             std::to_string(h->second.first));
    }
    NewtonWorkload& w = out[x.a.channel];
    (queue == "pim" ? w.pim : w.mem).push_back(x);
  }
  return out;
}

std::map<int, NewtonWorkload> read_newton_trace_file(const std::string& path, PimType type) {
  textio::check_input_file(path, "trace file");
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot open trace file '" + path + "'");
  return read_newton_trace(in, path, type);
}

void write_newton_trace(std::ostream& os, const NewtonWorkload& w) {
  char buf[64];
  for (const auto* q : {&w.pim, &w.mem})
    for (const Txn& t : *q) {
      std::snprintf(buf, sizeof buf, "%s %s 0x%llx\n", q == &w.pim ? "pim" : "mem", txn_type_name(t.type),
                    static_cast<unsigned long long>(t.addr));
      os << buf;
    }
}

void accumulate(NewtonCounters& t, const NewtonCounters& c) {
  t.cycles = std::max(t.cycles, c.cycles);
  t.responses += c.responses;
  t.expected += c.expected;
  t.num_read_cmds += c.num_read_cmds;
  t.num_write_cmds += c.num_write_cmds;
  t.num_act_cmds += c.num_act_cmds;
  t.num_pre_cmds += c.num_pre_cmds;
  t.num_ref_cmds += c.num_ref_cmds;
  t.num_gact_cmds += c.num_gact_cmds;
  t.num_gwrite_cmds += c.num_gwrite_cmds;
  t.num_comp_cmds += c.num_comp_cmds;
  t.num_readres_cmds += c.num_readres_cmds;
  t.num_pim_precharge_cmds += c.num_pim_precharge_cmds;
  t.num_p_header_cmds += c.num_p_header_cmds;
  t.energy_pj += c.energy_pj;
  t.background_pj += c.background_pj;
}

void NewtonCounters::collect(stats::Sink& s) const {
  s.add("cycles", cycles, "cycles", "last response handed back + 1 (DRAM clock)");
  s.add("responses", responses, "transactions", "transactions answered (reads, writes, PIM transactions)");
  s.add("num_read_cmds", num_read_cmds, "commands", "RD commands");
  s.add("num_write_cmds", num_write_cmds, "commands", "WR commands");
  s.add("num_act_cmds", num_act_cmds, "commands", "ACT commands");
  s.add("num_pre_cmds", num_pre_cmds, "commands", "PRE commands");
  s.add("num_ref_cmds", num_ref_cmds, "commands", "REF commands");
  s.add("num_gact_cmds", num_gact_cmds, "commands", "G_ACT commands");
  s.add("num_gwrite_cmds", num_gwrite_cmds, "commands", "GWRITE commands");
  s.add("num_comp_cmds", num_comp_cmds, "commands", "MAC steps (a COMPS_READRES counts its num_comps)");
  s.add("num_readres_cmds", num_readres_cmds, "commands", "READRES plus COMPS_READRES");
  s.add("num_pim_precharge_cmds", num_pim_precharge_cmds, "commands", "PIM_PRECHARGE commands (dual)");
  s.add("num_p_header_cmds", num_p_header_cmds, "commands", "P_HEADER transactions taken from the PIM queue");
  s.add("energy_pj", energy_pj, "pJ", "the controller's IDD energy (neupims_pim.md §7), background included");
  s.add("background_pj", background_pj, "pJ", "the background (standby) part of energy_pj");
}

nlohmann::json newton_json(const NewtonCounters& c) { return stats::flat(c); }

}  // namespace pimlab::pim
