#include "tlm/hbm/channel.h"

#include <algorithm>
#include <stdexcept>
#include <filesystem>
#include <cstring>
#include <limits>

#include "tlm/common/log.h"
#include "tlm/common/sim_time.h"
#include "tlm/common/session.h"
#include "tlm/hbm/dram_timing.h"
#include "tlm/hbm/newton_timing.h"
#include "tlm/hbm/attacc_timing.h"
#include "tlm/hbm/extensions.h"
#include "pim/attacc_unit.h"

namespace pimlab::tlm_hbm {

// An AttAcc program whose units compute: the units of its one channel, its
// statements and their data-path annotation (the payload's, alive until the
// program completes).
struct AttaccRun {
  AttaccRun(const pim::AttaccUnitConfig& cfg, const std::vector<pim::AttaccStatement>& p,
            const std::vector<pim::AttaccOp>& o)
      : units(cfg), program(p), ops(o) {}
  pim::AttaccUnits units;
  const std::vector<pim::AttaccStatement>& program;
  const std::vector<pim::AttaccOp>& ops;
};

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

std::unique_ptr<TimingSource> HbmChannel::make_timing() const {
  if (p_pim_family.get() == "attacc") {
    try {
      return std::make_unique<AttaccTiming>(dram::preset(p_preset.get()), pim::parse_placement(p_placement.get()),
                                            p_artifact_compatible.get(), p_check.get());
    } catch (const std::invalid_argument& e) {
      throw tlm_common::ConfigError("config key '" + p_preset.key() + "' = \"" + p_preset.get() +
                                    "\" with pim_family = attacc: " + e.what());
    }
  }
  if (p_pim_family.get() != "newton") return make_dram_timing();
  pim::NewtonOptions o;
  o.type = pim::parse_pim_type(p_pim_type.get());  // the key's allowed values are those names
  o.artifact_compatible = p_artifact_compatible.get();
  return std::make_unique<NewtonTiming>(o, p_check.get());
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
      p_frontend(*this, "frontend", "immediate",
                 "immediate: each transaction timed alone in call order (one initiator); queued: one controller "
                 "queue shared by every initiator (docs/tlm.md, Front ends)",
                 {"immediate", "queued"}),
      p_pim_family(*this, "pim_family", "pimba",
                   "PIM family of the channel: pimba (the DRAM preset and the Pimba PIM path), newton (the "
                   "Newton / NeuPIMs HBM2 channel of neupims_pim.md, its controller and PIM programs) or attacc "
                   "(one AttAcc HBM3-PIM channel of an attacc-hbm3-* preset, attacc_pim.md)",
                   {"pimba", "newton", "attacc"}),
      p_pim_type(*this, "pim_type", "dual",
                 "newton family: dual (NeuPIMs, dual row buffer), single (Newton) or dram (no PIM)",
                 {"dual", "single", "dram"}),
      p_artifact_compatible(*this, "artifact_compatible", false,
                            "newton / attacc family: reproduce the NewtonSim / AttAcc quirks (docs/pim_protocols.md) "
                            "instead of the physical rules"),
      p_placement(*this, "placement", "bank",
                  "attacc family: PU placement, bank (all-bank MACs), bg (same-bank) or buffer (per-bank, buffer die)",
                  {"bank", "bg", "buffer"}),
      p_pu_lanes(*this, "pu_lanes", 8, "lanes", "element lanes of each PIM unit's datapath (rtl/pim_pu Lanes)", 8, 32),
      p_pu_reg_sets(*this, "pu_reg_sets", 1, "sets", "register sets per bank of each PIM unit (rtl/pim_pu RegSets)", 1, 4),
      p_pu_model(*this, "pu_model", "behavioural", "model of every PIM unit (a unit's own .model key overrides it)",
                 pim_unit_model_names()),
      m_timing(timing ? std::move(timing) : make_timing()),
      m_tck(static_cast<double>(m_timing->tck_ps()), sc_core::SC_PS),
      m_tck_ps(static_cast<std::uint64_t>(m_timing->tck_ps())),
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
  m_newton = dynamic_cast<NewtonTiming*>(m_timing.get()) != nullptr;
  m_attacc = dynamic_cast<AttaccTiming*>(m_timing.get()) != nullptr;
  if (m_attacc)
    static_cast<AttaccTiming&>(*m_timing).on_final = [this](std::uint64_t tag, std::size_t index) {
      attacc_execute(tag, index);
    };
  m_queued = p_frontend.get() == "queued";
  if (m_queued && !m_timing->incremental())
    throw tlm_common::ConfigError("config key '" + p_frontend.key() +
                                  "' = \"queued\": the channel's timing source has no incremental interface (" +
                                  m_timing->describe() + ")");
  if (!m_newton && !m_attacc) {
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
  if (m_queued) SC_THREAD(queue_thread);
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
  if (const auto* seg = gp.get_extension<SegmentExtension>()) {
    bool ok = !seg->ends.empty() && seg->ends.back() == len && !stride && (seg->ends.size() == 1 || addr % m_atom == 0);
    for (std::size_t i = 0; ok && i < seg->ends.size(); ++i)
      ok = seg->ends[i] > (i ? seg->ends[i - 1] : 0) && (i + 1 == seg->ends.size() || seg->ends[i] % m_atom == 0);
    if (!ok) {
      why = "segment extension: " + std::to_string(seg->ends.size()) +
            " segment ends (need increasing ends, each but the last a multiple of the " + std::to_string(m_atom) +
            " B atom, the last = data_length " + std::to_string(len) +
            ", an atom-aligned address when there are several, and no stride extension)";
      return tlm::TLM_BURST_ERROR_RESPONSE;
    }
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

void HbmChannel::move_data(tlm::tlm_generic_payload& gp, bool bytes) {
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
    if (!bytes) {
      // atoms only
    } else if (be) {
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
  const std::uint64_t local_ps = tlm_common::ps_of(local);
  return static_cast<Cycle>((local_ps + m_tck_ps - 1) / m_tck_ps);
}

void HbmChannel::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (auto* pim_ext = gp.get_extension<PimExtension>()) {
    if (m_attacc)
      attacc_transport(gp, delay, *pim_ext);
    else if (m_newton)
      newton_transport(gp, delay, *pim_ext);
    else
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
  AccessTiming t;
  const auto* seg = gp.get_extension<SegmentExtension>();
  if (m_queued && seg) {
    sync_initiator(delay);
    move_data(gp, false);
    t = queue_segments(gp, *seg, std::max(arrival_cycle(sc_core::sc_time_stamp()), m_pim_free));
    move_data(gp, true);  // the bytes move at completion
  } else if (m_queued) {
    sync_initiator(delay);
    QueuedRequest r;
    move_data(gp, false);
    r.atoms = m_atoms;
    r.arrival = std::max(arrival_cycle(sc_core::sc_time_stamp()), m_pim_free);
    queue_and_wait(r);
    move_data(gp, true);  // the bytes move at completion
    t = r.timing;
  } else {
    move_data(gp, true);
    // Arrival = the initiator's local time, rounded up to the next DRAM cycle.
    const sc_core::sc_time local = sc_core::sc_time_stamp() + delay;
    // Blocked PIM model: a memory access waits for a running PIM kernel.
    const Cycle arrival = std::max(arrival_cycle(local), m_pim_free);
    t = m_timing->access(m_atoms, arrival);
    const sc_core::sc_time done = tlm_common::time_of(static_cast<std::uint64_t>(t.done) * m_tck_ps);
    delay += done - local;  // done >= arrival >= local
    if (seg && seg->on_done)
      for (std::size_t i = 0; i < seg->ends.size(); ++i) seg->on_done(i, done);
  }
  account_access(t);

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

Cycle HbmChannel::now_cycle() const {
  const std::uint64_t ps = tlm_common::ps_of(sc_core::sc_time_stamp());
  return static_cast<Cycle>(ps / static_cast<std::uint64_t>(m_timing->tck_ps()));
}

void HbmChannel::sync_initiator(sc_core::sc_time& delay) {
  if (delay != sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
}

AccessTiming HbmChannel::queue_segments(const tlm::tlm_generic_payload& gp, const SegmentExtension& seg,
                                        Cycle arrival) {
  // The atoms of each segment (validate(): segments start at atom boundaries).
  const std::uint64_t base = gp.get_address();
  std::deque<QueuedRequest> rs;
  std::size_t k = 0;
  for (std::size_t i = 0; i < seg.ends.size(); ++i) {
    QueuedRequest& r = rs.emplace_back();
    r.arrival = arrival;
    while (k < m_atoms.size() && (m_atoms[k].addr <= base ? 0 : m_atoms[k].addr - base) < seg.ends[i])
      r.atoms.push_back(m_atoms[k++]);
  }
  AccessTiming all;
  all.arrival = arrival;
  all.first_issue = std::numeric_limits<Cycle>::max();
  std::size_t left = 0;
  sc_core::sc_event finished;
  const double tck_ps = static_cast<double>(m_timing->tck_ps());
  for (std::size_t i = 0; i < rs.size(); ++i) {
    QueuedRequest& r = rs[i];
    if (r.atoms.empty()) continue;  // not after validate(): every segment holds an atom
    ++left;
    r.on_done = [&, i, tck_ps](const AccessTiming& d) {
      all.done = std::max(all.done, d.done);
      all.first_issue = std::min(all.first_issue, d.first_issue);
      all.commands += d.commands, all.activates += d.activates, all.precharges += d.precharges;
      all.refreshes += d.refreshes, all.reads += d.reads, all.writes += d.writes, all.row_hits += d.row_hits;
      const sc_core::sc_time at(static_cast<double>(d.done) * tck_ps, sc_core::SC_PS);
      if (seg.on_done) seg.on_done(i, at);
      if (--left == 0)
        finished.notify(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME);
    };
    r.tag = m_next_tag++;
    m_inbox.push_back(&r);
  }
  if (left > 0) {
    m_queue_ev.notify(sc_core::SC_ZERO_TIME);
    sc_core::wait(finished);
  } else {
    all.first_issue = arrival;
  }
  if (all.done < arrival) all.done = arrival;
  return all;
}

void HbmChannel::queue_and_wait(QueuedRequest& r) {
  r.tag = m_next_tag++;
  m_inbox.push_back(&r);
  // A delta notification: every initiator of this evaluation phase has
  // enqueued before the controller thread runs.
  m_queue_ev.notify(sc_core::SC_ZERO_TIME);
  sc_core::wait(r.done_ev);
}

void HbmChannel::book_commands() {
  const AccessTiming c = m_timing->take_command_counts();
  s_commands += c.commands;
  s_activates += c.activates;
  s_precharges += c.precharges;
  s_refreshes += c.refreshes;
}

void HbmChannel::settle() {
  if (!m_queued || !m_inbox.empty() || !m_in_flight.empty() || m_pim_waiting > 0) return;
  m_timing->settle(now_cycle());
  book_commands();
}

void HbmChannel::queue_thread() {
  const double tck_ps = static_cast<double>(m_timing->tck_ps());
  for (;;) {
    // One delta first: every initiator resuming at this time has enqueued, so
    // requests that arrive in one cycle enter it together, whatever the order
    // in which the kernel runs the processes.
    sc_core::wait(sc_core::SC_ZERO_TIME);
    ++s_queue_wakeups;
    const Cycle now = now_cycle();
    m_timing->advance(now - 1);
    // Admit in arrival order what has arrived by this cycle.
    // Nothing enters while a Pimba kernel waits for its turn or runs.
    while (m_pim_waiting == 0 && !m_inbox.empty() && m_inbox.front()->arrival <= now) {
      QueuedRequest* r = m_inbox.front();
      m_inbox.pop_front();
      r->arrival = std::max(r->arrival, m_pim_free);  // behind the last kernel
      if (r->program)
        static_cast<NewtonTiming&>(*m_timing).submit_program(r->tag, *r->program, r->arrival);
      else if (r->attacc) {
        if (r->attacc_run) m_attacc_runs[r->tag] = r->attacc_run;
        static_cast<AttaccTiming&>(*m_timing).submit_program(r->tag, *r->attacc, r->arrival);
      }
      else
        m_timing->submit(r->tag, r->atoms, r->arrival);
      m_in_flight.emplace(r->tag, r);
      s_max_in_flight = std::max<std::uint64_t>(s_max_in_flight, m_in_flight.size());
    }
    m_timing->advance(now);
    for (const TimingSource::Done& d : m_timing->take_done()) {
      const auto it = m_in_flight.find(d.tag);
      if (it == m_in_flight.end()) throw std::logic_error(std::string(name()) + ": completion of an unknown request");
      QueuedRequest* r = it->second;
      m_in_flight.erase(it);
      r->timing = d.timing;
      r->done = true;
      if (r->on_done) r->on_done(r->timing);
      const sc_core::sc_time at(static_cast<double>(d.timing.done) * tck_ps, sc_core::SC_PS);
      r->done_ev.notify(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME);
    }
    if (m_in_flight.empty() && m_pim_waiting > 0) m_drained_ev.notify(sc_core::SC_ZERO_TIME);
    book_commands();
    // Sleep until the engine's next event or the next arrival; with nothing
    // outstanding, until a request is enqueued (no wake-ups while idle).
    Cycle next = m_timing->next_event();
    if (!m_inbox.empty() && m_pim_waiting == 0) next = std::min(next, m_inbox.front()->arrival);
    if (next == TimingSource::kNoEvent) {
      sc_core::wait(m_queue_ev);
    } else {
      const sc_core::sc_time at(static_cast<double>(std::max(next, now + 1)) * tck_ps, sc_core::SC_PS);
      sc_core::wait(at - sc_core::sc_time_stamp(), m_queue_ev);
    }
  }
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

void HbmChannel::newton_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, PimExtension& ext) {
  ext.error.clear();
  ext.unit_errors.clear();
  ext.interrupted = false;
  ext.err_cause = 0;
  auto& nt = static_cast<NewtonTiming&>(*m_timing);
  if (reject_outside(gp, ext)) return;
  // Validate before anything changes: one 64-byte burst (the 32 banks' FP16
  // results) per READRES / COMPS_READRES.
  std::size_t results = 0;
  for (const pim::Txn& t : ext.newton)
    results += t.type == pim::TxnType::ReadRes || t.type == pim::TxnType::CompsReadRes;
  std::string why;
  if (!ext.program.stream.empty()) why = "a Pimba-family program sent to a channel of the newton family";
  else if (gp.get_command() != tlm::TLM_READ_COMMAND) why = "PIM payload command must be TLM_READ_COMMAND";
  else if (gp.get_data_length() != 64 * results)
    why = "PIM payload data_length " + std::to_string(gp.get_data_length()) + " != 64 x " + std::to_string(results) +
          " READRES / COMPS_READRES";
  else if (results > 0 && gp.get_data_ptr() == nullptr) why = "PIM payload without a result buffer";
  else if (gp.get_byte_enable_ptr() != nullptr) why = "PIM payload with byte enables";
  else if (gp.get_streaming_width() < gp.get_data_length()) why = "PIM payload streaming_width < data_length";
  else why = nt.program_error(ext.newton);
  if (reject_program(gp, ext, why)) return;
  AccessTiming t;
  if (m_queued) {
    sync_initiator(delay);
    QueuedRequest r;
    r.program = &ext.newton;
    r.arrival = arrival_cycle(sc_core::sc_time_stamp());
    queue_and_wait(r);
    t = r.timing;
  } else {
    // Alone, in call order: the program runs to its last response.
    const sc_core::sc_time local = sc_core::sc_time_stamp() + delay;
    const std::uint64_t tag = m_next_tag++;
    nt.submit_program(tag, ext.newton, arrival_cycle(local));
    t = finish_alone(tag, local, delay);
  }
  // The units compute on the row bytes of the backing store at completion, in
  // stream order: a P_HEADER opens its row in all 32 banks, a GWRITE copies
  // its bank's row into the global buffer (pim/newton_unit.h).
  std::vector<std::uint16_t> row(pim::kNewtonRowValues);
  auto load = [&](int bank, int r) {
    m_store.read(m_timing->row_address(bank / 16, (bank / 4) % 4, bank % 4, r),
                 reinterpret_cast<std::uint8_t*>(row.data()), 1024);  // FP16, little-endian
    m_newton_units.write_row(bank, r, row);
  };
  std::uint8_t* out = gp.get_data_ptr();
  std::size_t k = 0;
  for (const pim::Txn& x : ext.newton) {
    if (x.type == pim::TxnType::PHeader && !x.gwrite_header)
      for (int b = 0; b < pim::kNewtonBanks; ++b) load(b, x.a.row);
    if (x.type == pim::TxnType::GWrite) load(x.a.rank * 16 + x.a.bg * 4 + x.a.bank, x.a.row);
    const std::vector<std::uint16_t> res = m_newton_units.execute(x);
    if (!res.empty()) {
      std::memcpy(out + 64 * k, res.data(), 64);
      ++k;
    }
  }
  s_newton_results += k;
  ext.start_cycle = static_cast<std::uint64_t>(t.arrival);
  ext.kernel_cycles = static_cast<std::uint64_t>(t.done - t.arrival);
  ++s_pim_transactions;
  ++s_newton_programs;
  s_pim_kernel_cycles += ext.kernel_cycles;
  s_last_done = std::max(s_last_done, t.done);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool HbmChannel::reject_program(tlm::tlm_generic_payload& gp, PimExtension& ext, const std::string& why) {
  if (why.empty()) return false;
  ++s_pim_rejected;
  ext.error = why;
  PIMLAB_DEBUG(name()) << "PIM program rejected: " << why;
  gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  return true;
}

bool HbmChannel::reject_outside(tlm::tlm_generic_payload& gp, PimExtension& ext) {
  if (gp.get_address() < m_capacity) return false;
  ++s_pim_rejected;
  ext.error = "PIM payload address " + std::to_string(gp.get_address()) + " is outside the channel (capacity " +
              std::to_string(m_capacity) + " bytes)";
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return true;
}

AccessTiming HbmChannel::finish_alone(std::uint64_t tag, const sc_core::sc_time& local, sc_core::sc_time& delay) {
  AccessTiming t;
  for (bool done = false; !done;) {
    m_timing->advance(m_timing->next_event());
    for (const TimingSource::Done& d : m_timing->take_done()) {
      if (d.tag != tag) throw std::logic_error(std::string(name()) + ": completion of an unknown request");
      t = d.timing;
      done = true;
    }
  }
  book_commands();
  const sc_core::sc_time done_t(static_cast<double>(t.done) * static_cast<double>(m_timing->tck_ps()), sc_core::SC_PS);
  delay += done_t - local;
  return t;
}

void HbmChannel::attacc_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, PimExtension& ext) {
  ext.error.clear();
  ext.unit_errors.clear();
  ext.interrupted = false;
  ext.err_cause = 0;
  ext.attacc_hazards = 0;
  ext.attacc_scores.clear();
  ext.attacc_probs.clear();
  auto& at = static_cast<AttaccTiming&>(*m_timing);
  if (reject_outside(gp, ext)) return;
  // Validate before anything changes.
  const bool compute = !ext.attacc_ops.empty();
  const std::size_t iters = ext.attacc_queries.size();
  // Timing only (no ops): the read data is the program's cycle count (8
  // bytes; the base protocol has no empty read).
  const std::uint64_t want = compute ? 4ull * static_cast<std::uint64_t>(ext.attacc_d_head) * iters : 8;
  std::string why;
  if (!ext.program.stream.empty() || !ext.newton.empty()) why = "a Pimba or Newton program sent to a channel of the attacc family";
  else if (gp.get_command() != tlm::TLM_READ_COMMAND) why = "PIM payload command must be TLM_READ_COMMAND";
  else if (compute && ext.attacc_ops.size() != ext.attacc.size())
    why = "attacc_ops holds " + std::to_string(ext.attacc_ops.size()) + " entries for " +
          std::to_string(ext.attacc.size()) + " statements (one per statement, or none)";
  else if (compute && (ext.attacc_len < 1 || ext.attacc_d_head < 1))
    why = "attacc_len " + std::to_string(ext.attacc_len) + " / attacc_d_head " + std::to_string(ext.attacc_d_head) +
          " must be positive when the units compute";
  else if (gp.get_data_length() != want)
    why = "PIM payload data_length " + std::to_string(gp.get_data_length()) + " != " + std::to_string(want) +
          (compute ? " (4 x attacc_d_head FP32 outputs per query)" : " (no attacc_ops: the 8-byte cycle count)");
  else if (want > 0 && gp.get_data_ptr() == nullptr) why = "PIM payload without a result buffer";
  else if (gp.get_byte_enable_ptr() != nullptr) why = "PIM payload with byte enables";
  else if (gp.get_streaming_width() < gp.get_data_length()) why = "PIM payload streaming_width < data_length";
  else if (compute)
    for (std::size_t i = 0; i < iters && why.empty(); ++i)
      if (ext.attacc_queries[i].size() != static_cast<std::size_t>(ext.attacc_d_head))
        why = "attacc_queries[" + std::to_string(i) + "] holds " + std::to_string(ext.attacc_queries[i].size()) +
              " values, not attacc_d_head = " + std::to_string(ext.attacc_d_head);
  if (why.empty()) why = at.program_error(ext.attacc);
  if (why.empty() && compute)
    for (std::size_t i = 0; i < ext.attacc_ops.size() && why.empty(); ++i) {
      const pim::AttaccOp& op = ext.attacc_ops[i];
      if (op.phase != pim::AttaccPhase::None && (op.iter < 0 || static_cast<std::size_t>(op.iter) >= iters))
        why = "attacc_ops[" + std::to_string(i) + "] names head iteration " + std::to_string(op.iter) + " of " +
              std::to_string(iters) + " queries";
    }
  if (reject_program(gp, ext, why)) return;
  // The units (pim/attacc_unit.h, one channel) compute on the channel's bytes
  // per command: each final (MAC, data move) executes as it issues, in issue
  // order; a MAC first loads the atoms it reads (every bank it touches) from
  // the backing store at that moment.
  std::unique_ptr<AttaccRun> run;
  if (compute) {
    pim::AttaccUnitConfig cfg;
    cfg.placement = at.placement();
    cfg.d_head = ext.attacc_d_head;
    cfg.len = ext.attacc_len;
    cfg.channels = 1;
    run = std::make_unique<AttaccRun>(cfg, ext.attacc, ext.attacc_ops);
    for (std::size_t i = 0; i < iters; ++i) run->units.set_query(0, static_cast<int>(i), ext.attacc_queries[i]);
  }
  AccessTiming t;
  std::uint64_t tag = 0;
  struct Unregister {  // the program's units leave the map however the run ends
    std::map<std::uint64_t, AttaccRun*>& runs;
    const std::uint64_t* tag;
    bool armed = false;
    ~Unregister() {
      if (armed) runs.erase(*tag);
    }
  } unregister{m_attacc_runs, &tag, compute};
  if (m_queued) {
    sync_initiator(delay);
    QueuedRequest r;
    r.attacc = &ext.attacc;
    r.attacc_run = run.get();
    r.arrival = arrival_cycle(sc_core::sc_time_stamp());
    queue_and_wait(r);
    t = r.timing;
    tag = r.tag;
  } else {
    const sc_core::sc_time local = sc_core::sc_time_stamp() + delay;
    tag = m_next_tag++;
    if (compute) m_attacc_runs[tag] = run.get();
    at.submit_program(tag, ext.attacc, arrival_cycle(local));
    t = finish_alone(tag, local, delay);
  }
  at.take_program_order(tag);  // the issue order (the units have executed it)
  if (compute) {
    pim::AttaccUnits& units = run->units;
    std::uint8_t* out = gp.get_data_ptr();
    for (std::size_t i = 0; i < iters; ++i) {
      std::vector<float> o = units.outputs(0, static_cast<int>(i));
      o.resize(static_cast<std::size_t>(ext.attacc_d_head), 0.0f);
      std::memcpy(out + 4 * static_cast<std::size_t>(ext.attacc_d_head) * i, o.data(), 4 * o.size());
      ext.attacc_scores.push_back(units.scores(0, static_cast<int>(i)));
      ext.attacc_probs.push_back(units.probs(0, static_cast<int>(i)));
    }
    ext.attacc_hazards = units.hazards();
    if (units.hazards() > 0) ext.unit_errors.push_back("units: " + units.first_hazard());
    s_attacc_hazards += units.hazards();
    s_attacc_outputs += iters * static_cast<std::uint64_t>(ext.attacc_d_head);
  }
  ext.start_cycle = static_cast<std::uint64_t>(t.first_issue);
  ext.kernel_cycles = static_cast<std::uint64_t>(t.done - t.first_issue);
  if (!compute) std::memcpy(gp.get_data_ptr(), &ext.kernel_cycles, 8);
  ++s_pim_transactions;
  ++s_attacc_programs;
  s_pim_kernel_cycles += ext.kernel_cycles;
  s_last_done = std::max(s_last_done, t.done);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void HbmChannel::attacc_execute(std::uint64_t tag, std::size_t index) {
  const auto it = m_attacc_runs.find(tag);
  if (it == m_attacc_runs.end()) return;  // a program timed only
  AttaccRun& run = *it->second;
  const pim::AttaccStatement& st = run.program[index];
  const pim::AttaccAddr a = pim::decode_addr(st.addr);
  auto load = [&](const pim::AttaccAddr& x) {
    const std::uint64_t addr = pim::encode_addr(x);
    if (run.units.has_atom(addr)) return;
    pim::AttaccAtom v{};
    m_store.read(addr, reinterpret_cast<std::uint8_t*>(v.data()), 32);  // FP16, little-endian
    run.units.write_atom(addr, v);
  };
  for (int p = 0; p < 2; ++p)
    for (int r = 0; r < 2; ++r)
      for (int g = 0; g < 4; ++g)
        for (int b = 0; b < 4; ++b) {
          const bool reads = (st.type == pim::AttaccReq::MacAB) ||
                             (st.type == pim::AttaccReq::MacSB && b == a.bank) ||
                             (st.type == pim::AttaccReq::MacPB && r == a.rank && g == a.bg && b == a.bank);
          if (reads) load(pim::AttaccAddr{0, p, r, g, b, a.row, a.col});
        }
  run.units.execute(0, st.type, st.addr, run.ops[index]);
}

std::uint64_t HbmChannel::attacc_violations() const {
  if (!m_attacc || !p_check.get()) return 0;
  return static_cast<const AttaccTiming&>(*m_timing).check().size();
}

std::uint64_t HbmChannel::newton_violations() const {
  if (!m_newton || !p_check.get()) return 0;
  return static_cast<const NewtonTiming&>(*m_timing).check().size();
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
  {
    // pim_num_act, pim_num_comp, pim_num_rdwr: described by pim::Counters::collect.
    stats::collect_only(s, s_pim_counters, {"num_act", "num_comp", "num_rdwr"}, "channel stats: pim::Counters", "pim_");
  }
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
  if (m_queued) {
    s.add("queue_wakeups", s_queue_wakeups, "activations",
          "activations of the queued front end's controller thread (it sleeps while idle)");
    s.add("queue_max_in_flight", s_max_in_flight, "requests",
          "most requests inside the controller at once (all initiators)");
  }
  if (m_newton) {
    const auto& nt = static_cast<const NewtonTiming&>(*m_timing);
    const pim::NewtonCounters& c = nt.controller().counters();
    s.add("newton_programs", s_newton_programs, "transactions", "Newton PIM programs run");
    s.add("newton_results", s_newton_results, "bursts", "64-byte result bursts (READRES, COMPS_READRES) returned");
    {
      // newton_gact_cmds ... newton_energy_pj: described by pim::NewtonCounters::collect
      // (num_X_cmds -> newton_X_cmds).
      stats::collect_only(s, c,
                          {"num_gact_cmds", "num_comp_cmds", "num_readres_cmds", "num_gwrite_cmds",
                           "num_pim_precharge_cmds", "energy_pj"},
                          "channel stats: pim::NewtonCounters", "newton_", "num_");
    }
    s.add("newton_check_violations", newton_violations(), "violations",
          "issued commands the independent Newton checker rejects (pim/newton_checker.h; check = true)");
  }
  if (m_attacc) {
    const auto& at = static_cast<const AttaccTiming&>(*m_timing);
    const pim::AttaccCounts& c = at.controller().counts();
    s.add("attacc_programs", s_attacc_programs, "transactions", "AttAcc PIM programs run");
    s.add("attacc_outputs", s_attacc_outputs, "values", "FP32 attention outputs returned");
    s.add("attacc_hazards", s_attacc_hazards, "commands", "data hazards of the units (a final before its inputs)");
    stats::collect_only(s, c,
                        {"mac_cmds", "move_cmds", "pim_act_cmds", "pim_pre_cmds", "host_act_cmds", "host_rdwr_cmds"},
                        "channel stats: pim::AttaccCounts", "attacc_");
    s.add("attacc_energy_pj", pim::attacc_energy_pj(at.placement(), [&] {
            pim::AttaccCounts e = c;
            for (int k = 0; k < pim::kAttaccReqTypes; ++k) e.req[k] = at.requests().req[k];
            return e;
          }(), at.artifact_compatible()),
          "pJ", "energy of the programs run and the host accesses (attacc_pim.md §9 FGDRAM pJ/bit figures)");
    s.add("attacc_host_energy_pj", pim::attacc_host_energy_pj(c), "pJ",
          "host accesses' share of attacc_energy_pj: 901.12 per ACT (1 KiB row, 0.11 pJ/bit), 890.88 per RD / WR "
          "(32 B, cell to interposer 3.48 pJ/bit)");
    s.add("attacc_check_violations", attacc_violations(), "violations",
          "issued commands the independent AttAcc checker rejects (pim/attacc_checker.h; check = true)");
  }
}

void HbmChannel::reset_stats() {
  s_attacc_programs = s_attacc_outputs = s_attacc_hazards = 0;
  s_reads = s_writes = s_bytes_read = s_bytes_written = s_atoms_read = s_atoms_written = s_strided = 0;
  s_errors.reset();
  s_commands = s_activates = s_precharges = s_refreshes = s_row_hits = 0;
  s_pim_transactions = s_pim_ops = s_pim_kernel_cycles = 0;
  s_pim_counters = pim::Counters{};
  s_pim_errors = s_pim_rejected = s_pim_interrupted = 0;
  s_latency_cycles = s_max_latency_cycles = 0;
  s_first_arrival = -1;
  s_last_done = 0;
}

}  // namespace pimlab::tlm_hbm
