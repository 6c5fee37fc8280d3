#include "tlm/hbm/channel.h"

#include <algorithm>
#include <filesystem>
#include <cstring>
#include <limits>

#include "tlm/common/log.h"
#include "tlm/common/session.h"
#include "tlm/hbm/dram_timing.h"
#include "tlm/hbm/extensions.h"

namespace pimlab::tlm_hbm {

using tlm_common::Param;

const char* cmd_name(CmdCode c) {
  switch (c) {
    case CmdCode::none: return "none";
    case CmdCode::act: return "ACT";
    case CmdCode::pre: return "PRE";
    case CmdCode::rd: return "RD";
    case CmdCode::wr: return "WR";
    case CmdCode::ref: return "REF";
    case CmdCode::pim: return "PIM";
  }
  return "?";
}

std::unique_ptr<TimingSource> HbmChannel::make_dram_timing() const {
  dram::ControllerConfig cfg;
  const std::string prefix = std::string(name()) + ".";
  try {
    cfg = dram::controller_config_from_json({{"queue_size", p_queue_size.get()},
                                             {"page_policy", p_page_policy.get()},
                                             {"write_high", p_write_high.get()},
                                             {"write_low", p_write_low.get()},
                                             {"dual_command_bus", p_dual_command_bus.get()},
                                             {"refresh", p_refresh.get()}});
  } catch (const std::invalid_argument& e) {
    throw tlm_common::ConfigError("config keys under '" + prefix + "': " + e.what());
  }
  try {
    return std::make_unique<DramTiming>(dram::preset(p_preset.get()), cfg, p_mapping.get(), p_check.get());
  } catch (const std::invalid_argument& e) {
    throw tlm_common::ConfigError("config key '" + p_mapping.key() + "' = \"" + p_mapping.get() + "\": " + e.what());
  }
}

HbmChannel::HbmChannel(const sc_core::sc_module_name& name) : HbmChannel(name, nullptr) {}

HbmChannel::HbmChannel(const sc_core::sc_module_name& name, std::unique_ptr<TimingSource> timing)
    : sc_module(name),
      socket("socket"),
      p_preset(*this, "preset", "hbm2-pimba", "DRAM device preset (organisation and timing, docs/dram.md)",
               dram::preset_names()),
      p_mapping(*this, "mapping", "ro_ba_bg_pc_ch_co",
                "address mapping, fields MSB first (ro, ba, bg, pc, ch, co; the channel field has 0 bits)"),
      p_page_policy(*this, "page_policy", "open", "controller page policy", {"open", "closed"}),
      p_queue_size(*this, "queue_size", 32, "requests", "controller request queue of each pseudo-channel (docs/dram.md)", 1, 4096),
      p_write_high(*this, "write_high", 24, "requests", "queued writes that start a write drain", 1, 4096),
      p_write_low(*this, "write_low", 8, "requests", "queued writes that end a write drain", 0, 4096),
      p_refresh(*this, "refresh", "all-bank", "refresh mode", {"all-bank", "per-bank", "off"}),
      p_dual_command_bus(*this, "dual_command_bus", true, "separate row and column command buses (HBM has both)"),
      p_check(*this, "check", true, "re-validate every issued DRAM command with the independent rule checker"),
      p_pu_lanes(*this, "pu_lanes", 8, "lanes", "element lanes of each PIM unit's datapath (rtl/pim_pu Lanes)", 8, 32),
      p_pu_reg_sets(*this, "pu_reg_sets", 1, "sets", "register sets per bank of each PIM unit (rtl/pim_pu RegSets)", 1, 4),
      p_pu_model(*this, "pu_model", "behavioural", "model of every PIM unit (a unit's own .model key overrides it)",
                 pim_unit_model_names()),
      m_timing(timing ? std::move(timing) : make_dram_timing()),
      m_tck(static_cast<double>(m_timing->tck_ps()), sc_core::SC_PS),
      p_capacity_bytes(*this, "capacity_bytes", m_timing->capacity_bytes(), "bytes",
                       "addressable bytes of the channel (at most what the DRAM organisation holds)",
                       m_timing->page_bytes(), m_timing->capacity_bytes()),
      p_max_transaction_bytes(*this, "max_transaction_bytes", 64ull << 20, "bytes",
                              "largest data_length one transaction may carry (longer: TLM_BURST_ERROR_RESPONSE)",
                              1, 1ull << 32),
      p_trace(*this, "trace", false, "write a VCD of bank state and issued commands (costly: opt-in)"),
      p_trace_file(*this, "trace_file", std::string(basename()) + "_cmds",
                   "VCD file name without the .vcd suffix (relative to the working directory)"),
      m_capacity(p_capacity_bytes.get()),
      m_atom(m_timing->atom_bytes()),
      m_store(p_capacity_bytes.get(), m_timing->page_bytes()) {
  if (m_capacity % m_timing->page_bytes() != 0)
    throw tlm_common::ConfigError("config key '" + p_capacity_bytes.key() + "': value " +
                                  std::to_string(m_capacity) + " is not allowed; allowed: a multiple of the page size (" +
                                  std::to_string(m_timing->page_bytes()) + " bytes)");
  {
    pim_unit::PuParams pp;
    pp.lanes = p_pu_lanes.get();
    pp.reg_sets = p_pu_reg_sets.get();
    try {
      pp.validate();
    } catch (const std::invalid_argument& e) {
      throw tlm_common::ConfigError("config key '" + p_pu_lanes.key() + "': value " + std::to_string(pp.lanes) +
                                    " is not allowed; allowed: 8, 16 or 32");
    }
    const int pairs = m_timing->banks_per_group() / 2;
    const int units = m_timing->pseudo_channels() * m_timing->bank_groups() * pairs;
    for (int u = 0; u < units; ++u) {
      PimUnitSite site;
      site.pair = u % pairs;
      site.bank_group = (u / pairs) % m_timing->bank_groups();
      site.pch = u / pairs / m_timing->bank_groups();
      site.name = std::string(this->name()) + ".pch" + std::to_string(site.pch) + ".bank_group" +
                  std::to_string(site.bank_group) + ".pair" + std::to_string(site.pair);
      site.params = pp;
      site.tck_ps = m_timing->tck_ps();
      p_unit_model.push_back(std::make_unique<Param<std::string>>(
          site.name + ".model", p_pu_model.get(), "model of this PIM unit", pim_unit_model_names()));
      m_units.push_back(pim_unit_models().at(p_unit_model.back()->get())(site));
    }
    m_pim_rows.assign(m_timing->pseudo_channels() * m_timing->bank_groups() * m_timing->banks_per_group(), nullptr);
    // The PIM family's rules run on the device the channel's timing source models.
    m_pim_engine = std::make_unique<pim::ChannelEngine>(pim::pimba_protocol(), m_timing->spec());
  }
  socket.register_b_transport(this, &HbmChannel::b_transport);
  socket.register_transport_dbg(this, &HbmChannel::transport_dbg);
  if (p_trace.get()) {
    const int banks = m_timing->pseudo_channels() * m_timing->bank_groups() * m_timing->banks_per_group();
    m_trace_open_row.assign(banks, -1);
    m_trace_cmd.assign(m_timing->pseudo_channels(), 0);
    m_timing->on_command = [this](const IssuedCommand& c) {
      m_trace_queue.push_back(c);
      m_trace_ev.notify(sc_core::SC_ZERO_TIME);
    };
    SC_THREAD(trace_thread);
  }
  PIMLAB_DEBUG(this->name()) << "timing: " << m_timing->describe() << ", capacity " << m_capacity << " bytes";
}

HbmChannel::~HbmChannel() = default;

void HbmChannel::end_of_elaboration() {
  if (!p_trace.get()) return;
  m_tf = sc_core::sc_create_vcd_trace_file(p_trace_file.get().c_str());
  m_tf->set_time_unit(1, sc_core::SC_PS);
  tlm_common::Session::instance().add_trace_file(m_tf);
  const std::string base = name();
  const int bgs = m_timing->bank_groups(), banks = m_timing->banks_per_group();
  for (int p = 0; p < m_timing->pseudo_channels(); ++p) {
    const std::string pch = base + ".pch" + std::to_string(p);
    sc_core::sc_trace(m_tf, m_trace_cmd[p], pch + ".command");
    for (int g = 0; g < bgs; ++g)
      for (int b = 0; b < banks; ++b)
        sc_core::sc_trace(m_tf, m_trace_open_row[(p * bgs + g) * banks + b],
                          pch + ".bank_group" + std::to_string(g) + ".bank" + std::to_string(b) + ".open_row");
  }
  PIMLAB_INFO(name()) << "tracing commands and bank state (command codes: 0 none, 1 ACT, 2 PRE, 3 RD, 4 WR, "
                         "5 REF, 6 PIM); open with: gtkwave "
                      << std::filesystem::absolute(p_trace_file.get() + ".vcd").lexically_normal().string();
}

void HbmChannel::trace_thread() {
  const int bgs = m_timing->bank_groups(), banks = m_timing->banks_per_group();
  for (;;) {
    while (m_trace_queue.empty()) wait(m_trace_ev);
    const sc_core::sc_time t = m_tck * static_cast<double>(m_trace_queue.front().cycle);
    if (t > sc_core::sc_time_stamp()) wait(t - sc_core::sc_time_stamp());
    std::fill(m_trace_cmd.begin(), m_trace_cmd.end(), 0);
    // Apply every command issued at this cycle (or already due).
    while (!m_trace_queue.empty() && m_tck * static_cast<double>(m_trace_queue.front().cycle) <= sc_core::sc_time_stamp()) {
      const IssuedCommand c = m_trace_queue.front();
      m_trace_queue.pop_front();
      m_trace_cmd[c.pch] = static_cast<int>(c.code);
      const int g0 = c.bank_group < 0 ? 0 : c.bank_group, g1 = c.bank_group < 0 ? bgs : c.bank_group + 1;
      const int b0 = c.bank < 0 ? 0 : c.bank, b1 = c.bank < 0 ? banks : c.bank + 1;
      for (int g = g0; g < g1; ++g)
        for (int b = b0; b < b1; ++b) {
          int& row = m_trace_open_row[(c.pch * bgs + g) * banks + b];
          if (c.code == CmdCode::act) row = c.row;
          if (c.code == CmdCode::pre) row = -1;
        }
    }
    // The command strobe lasts one tCK unless the next command follows at once.
    const bool next_is_adjacent =
        !m_trace_queue.empty() && m_tck * static_cast<double>(m_trace_queue.front().cycle) <= sc_core::sc_time_stamp() + m_tck;
    if (!next_is_adjacent) {
      wait(m_tck);
      std::fill(m_trace_cmd.begin(), m_trace_cmd.end(), 0);
    }
  }
}

tlm::tlm_response_status HbmChannel::validate(const tlm::tlm_generic_payload& gp, std::string& why) const {
  const std::uint64_t addr = gp.get_address();
  const std::uint64_t len = gp.get_data_length();
  const auto* stride = gp.get_extension<StrideExtension>();
  // Address range: the last byte touched must lie inside the channel.
  std::uint64_t span = len;
  if (stride && stride->element_bytes > 0 && len % stride->element_bytes == 0 && len > 0)
    span = (len / stride->element_bytes - 1) * stride->stride_bytes + stride->element_bytes;
  if (addr >= m_capacity || span > m_capacity - addr) {
    why = "address range [" + std::to_string(addr) + ", " + std::to_string(addr) + "+" + std::to_string(span) +
          ") outside [0, " + std::to_string(m_capacity) + ")";
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
  if (len == 0 || len > p_max_transaction_bytes.get()) {
    why = "data_length " + std::to_string(len) + " not in [1, " + std::to_string(p_max_transaction_bytes.get()) + "]";
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (stride && (stride->element_bytes == 0 || len % stride->element_bytes != 0 ||
                 stride->stride_bytes < stride->element_bytes)) {
    why = "stride extension: element_bytes " + std::to_string(stride->element_bytes) + ", stride_bytes " +
          std::to_string(stride->stride_bytes) + " with data_length " + std::to_string(len) +
          " (need element_bytes > 0 dividing data_length and stride_bytes >= element_bytes)";
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (gp.get_streaming_width() < len) {
    why = "streaming_width " + std::to_string(gp.get_streaming_width()) + " < data_length " + std::to_string(len) +
          " (streaming bursts are not supported by a memory)";
    return tlm::TLM_BURST_ERROR_RESPONSE;
  }
  if (const unsigned char* be = gp.get_byte_enable_ptr()) {
    const unsigned int be_len = gp.get_byte_enable_length();
    if (be_len == 0) {
      why = "byte_enable_length 0 with a byte-enable pointer";
      return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    }
    for (unsigned int i = 0; i < be_len; ++i)
      if (be[i] != TLM_BYTE_DISABLED && be[i] != TLM_BYTE_ENABLED) {
        why = "byte enable " + std::to_string(i) + " = " + std::to_string(be[i]) + " (allowed: 0x00 or 0xFF)";
        return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
      }
  }
  if (gp.get_command() != tlm::TLM_READ_COMMAND && gp.get_command() != tlm::TLM_WRITE_COMMAND) {
    why = "command TLM_IGNORE_COMMAND (allowed: TLM_READ_COMMAND, TLM_WRITE_COMMAND)";
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  }
  if (gp.get_data_ptr() == nullptr) {
    why = "data pointer is null";
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
  }
  return tlm::TLM_OK_RESPONSE;
}

void HbmChannel::move_data(tlm::tlm_generic_payload& gp) {
  const bool write = gp.is_write();
  std::uint8_t* data = gp.get_data_ptr();
  const std::uint64_t len = gp.get_data_length();
  const std::uint8_t* be = gp.get_byte_enable_ptr();
  const std::uint32_t be_len = gp.get_byte_enable_length();
  const auto* stride = gp.get_extension<StrideExtension>();
  const std::uint64_t piece = stride ? stride->element_bytes : len;
  const std::uint64_t step = stride ? stride->stride_bytes : len;
  m_atoms.clear();
  std::uint64_t last_atom = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t off = 0, addr = gp.get_address(); off < len; off += piece, addr += step) {
    if (be) {
      // The byte-enable pattern runs over the data buffer, not the addresses.
      if (write)
        for (std::uint64_t i = 0; i < piece; ++i) {
          if (be[(off + i) % be_len] == TLM_BYTE_ENABLED) m_store.write(addr + i, data + off + i, 1);
        }
      else
        for (std::uint64_t i = 0; i < piece; ++i) {
          if (be[(off + i) % be_len] == TLM_BYTE_ENABLED) m_store.read(addr + i, data + off + i, 1);
        }
    } else if (write) {
      m_store.write(addr, data + off, piece);
    } else {
      m_store.read(addr, data + off, piece);
    }
    // Atoms this piece touches, in address order, each once per transaction
    // when consecutive pieces share an atom.
    for (std::uint64_t a = addr / m_atom * m_atom; a < addr + piece; a += m_atom) {
      if (a == last_atom) continue;
      m_atoms.push_back(AtomAccess{a, write});
      last_atom = a;
    }
  }
}

void HbmChannel::account_access(const AccessTiming& t) {
  s_commands += t.commands;
  s_activates += t.activates;
  s_precharges += t.precharges;
  s_refreshes += t.refreshes;
  s_row_hits += t.row_hits;
  const std::uint64_t lat = static_cast<std::uint64_t>(t.done - t.arrival);
  s_latency_cycles += lat;
  s_max_latency_cycles = std::max(s_max_latency_cycles, lat);
  if (s_first_arrival < 0 || t.arrival < s_first_arrival) s_first_arrival = t.arrival;
  s_last_done = std::max(s_last_done, t.done);
}

Cycle HbmChannel::arrival_cycle(const sc_core::sc_time& local) const {
  const auto local_ps = static_cast<std::uint64_t>(local.value() / sc_core::sc_time(1, sc_core::SC_PS).value());
  return static_cast<Cycle>((local_ps + m_timing->tck_ps() - 1) / m_timing->tck_ps());
}

void HbmChannel::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (auto* pim_ext = gp.get_extension<PimExtension>()) {
    pim_transport(gp, delay, *pim_ext);
    return;
  }
  std::string why;
  const tlm::tlm_response_status st = validate(gp, why);
  if (st != tlm::TLM_OK_RESPONSE) {
    s_errors.count(st);
    PIMLAB_DEBUG(name()) << "rejected: " << why;
    gp.set_response_status(st);
    return;
  }
  move_data(gp);

  // Arrival = the initiator's local time, rounded up to the next DRAM cycle.
  const sc_core::sc_time local = sc_core::sc_time_stamp() + delay;
  const double tck_ps = static_cast<double>(m_timing->tck_ps());
  // Blocked PIM model: a memory access waits for a running PIM kernel.
  const Cycle arrival = std::max(arrival_cycle(local), m_pim_free);
  const AccessTiming t = m_timing->access(m_atoms, arrival);
  account_access(t);
  const sc_core::sc_time done(static_cast<double>(t.done) * tck_ps, sc_core::SC_PS);
  delay += done - local;  // done >= arrival >= local

  const std::uint64_t len = gp.get_data_length();
  if (gp.is_write()) {
    ++s_writes, s_bytes_written += len, s_atoms_written += m_atoms.size();
  } else {
    ++s_reads, s_bytes_read += len, s_atoms_read += m_atoms.size();
  }
  if (gp.get_extension<StrideExtension>()) ++s_strided;
  PIMLAB_TRACE(name()) << (gp.is_write() ? "WR " : "RD ") << "0x" << std::hex << gp.get_address() << std::dec
                       << " +" << len << " atoms " << m_atoms.size() << " cycles " << t.arrival << ".." << t.done;
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int HbmChannel::transport_dbg(tlm::tlm_generic_payload& gp) {
  const std::uint64_t addr = gp.get_address();
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND || addr >= m_capacity || gp.get_data_ptr() == nullptr) {
    gp.set_response_status(addr >= m_capacity ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_COMMAND_ERROR_RESPONSE);
    return 0;
  }
  // A debug access is clipped at the end of the channel (the TLM rule: return
  // the number of bytes actually moved).
  const std::uint64_t n = std::min<std::uint64_t>(gp.get_data_length(), m_capacity - addr);
  if (gp.is_write())
    m_store.write(addr, gp.get_data_ptr(), n);
  else
    m_store.read(addr, gp.get_data_ptr(), n);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return static_cast<unsigned int>(n);
}

void HbmChannel::debug_read(std::uint64_t addr, std::uint8_t* out, std::uint64_t n) const {
  if (addr > m_capacity || n > m_capacity - addr)
    throw std::out_of_range(std::string(name()) + ": debug_read outside the channel");
  m_store.read(addr, out, n);
}

void HbmChannel::debug_write(std::uint64_t addr, const std::uint8_t* in, std::uint64_t n) {
  if (addr > m_capacity || n > m_capacity - addr)
    throw std::out_of_range(std::string(name()) + ": debug_write outside the channel");
  m_store.write(addr, in, n);
}

void HbmChannel::collect_stats(tlm_common::StatsSink& s) const {
  s.add("reads", s_reads, "transactions", "read transactions answered OK");
  s.add("writes", s_writes, "transactions", "write transactions answered OK");
  s.add("strided_transactions", s_strided, "transactions", "OK transactions carrying a StrideExtension");
  s.add("bytes_read", s_bytes_read, "bytes", "payload bytes read");
  s.add("bytes_written", s_bytes_written, "bytes", "payload bytes written");
  s.add("atoms_read", s_atoms_read, "atoms", "32-byte atoms read (RD commands needed)");
  s.add("atoms_written", s_atoms_written, "atoms", "32-byte atoms written (WR commands needed)");
  s_errors.collect(s, "length, streaming width, stride", "null data pointer");
  s.add("dram_commands", s_commands, "commands", "DRAM commands issued by the engine (ACT, PRE, RD, WR, REF, PIM)");
  s.add("activates", s_activates, "commands", "ACT commands");
  s.add("precharges", s_precharges, "commands", "PRE commands");
  s.add("refreshes", s_refreshes, "commands", "refresh commands");
  s.add("row_hits", s_row_hits, "atoms", "atoms served from an already open row");
  const std::uint64_t atoms = s_atoms_read + s_atoms_written;
  s.add("row_hit_rate", atoms ? static_cast<double>(s_row_hits) / static_cast<double>(atoms) : 0.0, "ratio",
        "row_hits / (atoms_read + atoms_written)");
  s.add("pim_transactions", s_pim_transactions, "transactions", "PIM kernels run through the PIM path");
  s.add("pim_rejected", s_pim_rejected, "transactions", "PIM kernels rejected as malformed (generic error)");
  s.add("pim_interrupted", s_pim_interrupted, "transactions", "PIM kernels cut short by SIGINT/SIGTERM (partial)");
  s.add("pim_unit_commands", s_pim_ops, "commands", "commands issued to the PIM units");
  s.add("pim_kernel_cycles", s_pim_kernel_cycles, "cycles", "sum of the kernels' cycle counts (last stream command)");
  s.add("pim_num_act", s_pim_act, "banks", "banks activated by PIM commands (4 per ACT4*)");
  s.add("pim_num_comp", s_pim_comp, "commands", "COMP commands of the PIM streams");
  s.add("pim_num_rdwr", s_pim_rdwr, "accesses", "column accesses of the PIM streams (reference convention)");
  s.add("pim_unit_errors", s_pim_errors, "kernels", "kernels after which a unit's sticky error flag was set");
  const std::uint64_t txns = s_reads + s_writes;
  const double tck_ns = static_cast<double>(m_timing->tck_ps()) / 1000.0;
  s.add("latency_cycles_total", s_latency_cycles, "cycles",
        "sum over memory transactions of (done - arrival at the controller) in tCK");
  s.add("latency_cycles_max", s_max_latency_cycles, "cycles", "largest (done - arrival) of one memory transaction");
  s.add("latency_ns_avg", txns ? static_cast<double>(s_latency_cycles) * tck_ns / static_cast<double>(txns) : 0.0,
        "ns", "mean memory transaction latency (arrival at the controller to last data beat)");
  const Cycle span = s_first_arrival < 0 ? 0 : s_last_done - s_first_arrival;
  s.add("active_span_cycles", static_cast<std::uint64_t>(span), "cycles",
        "from the first arrival to the last completion");
  s.add("bandwidth_GBps",
        span > 0 ? static_cast<double>(s_bytes_read + s_bytes_written) / (static_cast<double>(span) * tck_ns) : 0.0,
        "GB/s", "payload bytes / active span (1 GB/s = 1 byte/ns)");
  s.add("resident_pages", static_cast<std::uint64_t>(m_store.resident_pages()), "pages",
        "backing-store pages holding memory (written at least once)");
}

void HbmChannel::reset_stats() {
  s_reads = s_writes = s_bytes_read = s_bytes_written = s_atoms_read = s_atoms_written = s_strided = 0;
  s_errors.reset();
  s_commands = s_activates = s_precharges = s_refreshes = s_row_hits = 0;
  s_pim_transactions = s_pim_ops = s_pim_kernel_cycles = s_pim_comp = s_pim_act = s_pim_rdwr = 0;
  s_pim_errors = s_pim_rejected = s_pim_interrupted = 0;
  s_latency_cycles = s_max_latency_cycles = 0;
  s_first_arrival = -1;
  s_last_done = 0;
}

}  // namespace pimlab::tlm_hbm
