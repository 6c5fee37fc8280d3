// Kernels end to end through the TLM channel, with the scoreboard
// (`tlm/pim_rtl/cosim.h, docs/cosim.md).
#include "tlm/pim_rtl/cosim.h"

#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <systemc>
#include <tlm>

#include "dram/spec.h"
#include "firmware/attacc/data.h"
#include "firmware/attacc/generator.h"
#include "firmware/neupims/check.h"
#include "firmware/pimba/generator.h"
#include "golden/accuracy.h"
#include "golden/attention.h"
#include "golden/models.h"
#include "golden/pu_ops.h"
#include "golden/state_update.h"
#include "golden/synth.h"
#include "numerics/fp.h"
#include "numerics/mx8.h"
#include "tlm/common/config.h"
#include "tlm/common/interrupt.h"
#include "tlm/common/session.h"
#include "tlm/hbm/channel.h"
#include "firmware/pimba/lowering.h"
#include "tlm/pim_rtl/rtl_unit.h"

namespace pimlab::tlm_pim_rtl {

namespace {

namespace fw = firmware::pimba;
using firmware::pimba::Atom32;
using firmware::pimba::ChunkPlace;
using tlm_hbm::HbmChannel;
using tlm_hbm::PimKernel;

CosimFigures g_figures;
std::string g_document;

// A path for a shell command line: quoted when it holds anything but
// [A-Za-z0-9/._+-].
std::string shell_word(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._+-", c));
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A command that opens `wave` with the committed view tb/cosim/<view> from any
// directory: absolute paths, run from the source tree, which the views' translate
// filters (command names) are named relative to.
std::string gtkwave_hint(const std::string& wave, const char* view) {
  const std::string root = PIMLAB_SOURCE_DIR;
  return "(cd " + shell_word(root) + " && gtkwave " + shell_word(std::filesystem::absolute(wave).lexically_normal().string()) +
         " " + shell_word(root + "/tb/cosim/" + view) + ")";
}

std::string hex32(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  char b[32];
  std::snprintf(b, sizeof b, "0x%08x", u);
  return b;
}
std::string hex(const std::uint8_t* p) {
  std::string s;
  char b[4];
  for (int i = 0; i < 32; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}
std::string num_text(float f) {
  std::ostringstream os;
  os.precision(9);
  os << f;
  return os.str();
}

Atom32 encode32(const float* v) {
  return golden::encode_atom_bytes(v);
}

// FNV-1a over everything that must not depend on the unit models.
struct Digest {
  std::uint64_t h = 1469598103934665603ull;
  void add(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  template <class T>
  void add(const T& v) {
    add(&v, sizeof v);
  }
};

struct Failure {
  std::string text;
};

// The channels of the other families a plan needs, one per distinct
// configuration (name under top, configuration keys under top.<name>.).
struct FamilyChannel {
  std::string key;  // family_key of its jobs
  std::string name;
  nlohmann::json keys;
};
std::string family_key(const CosimJob& j) {
  if (j.kernel == "newton-attention") return "newton/" + j.pim_type;
  if (j.kernel == "attacc-attention") return "attacc/" + j.preset + "/" + j.placement;
  return "";
}
std::vector<FamilyChannel> family_channels(const CosimOptions& o) {
  std::vector<FamilyChannel> v;
  std::vector<std::string> seen;
  for (const CosimJob& j : o.jobs) {
    const std::string k = family_key(j);
    if (k.empty() || std::find(seen.begin(), seen.end(), k) != seen.end()) continue;
    seen.push_back(k);
    FamilyChannel c;
    c.key = k;
    if (j.kernel == "newton-attention") {
      c.name = "newton_" + j.pim_type;
      c.keys = {{"pim_family", "newton"}, {"pim_type", j.pim_type}};
    } else {
      c.name = "attacc" + std::to_string(v.size());
      c.keys = {{"pim_family", "attacc"}, {"preset", j.preset}, {"placement", j.placement}};
    }
    v.push_back(c);
  }
  return v;
}

class Firmware : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Firmware);
  tlm_utils::simple_initiator_socket<Firmware> socket;
  // One socket per channel of another family (family_channels order).
  std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<Firmware>>> family_sockets;

  Firmware(const sc_core::sc_module_name& n, const CosimOptions& o, HbmChannel& ch,
           std::vector<std::pair<std::string, HbmChannel*>> family)
      : sc_module(n), socket("socket"), m_o(o), m_ch(ch), m_family(std::move(family)) {
    for (std::size_t i = 0; i < m_family.size(); ++i)
      family_sockets.push_back(std::make_unique<tlm_utils::simple_initiator_socket<Firmware>>(
          (std::string("socket_") + m_family[i].second->basename()).c_str()));
    SC_THREAD(run);
  }

  int errors = 0;
  bool internal_error = false;  // an exception other than a mismatch report
  std::string interrupted_kernel;  // the kernel an interrupt cut short (empty: none)
  bool done = false;
  std::uint64_t kernels = 0, kernel_cycles = 0, compared = 0;
  int jobs_done = 0;
  std::vector<std::string> lines;  // what was checked, for the report
  Digest digest;
  nlohmann::json mismatch_json;

 private:
  // "functional: job N of M, ETA" on standard error, at most every 0.2 s
  // (wall-clock: a display only, never part of the results).
  void progress(std::size_t total_jobs) {
    const auto done = static_cast<std::uint64_t>(jobs_done), total = static_cast<std::uint64_t>(total_jobs);
    const auto now = std::chrono::steady_clock::now();
    if (done != 1 && done != total && now - m_shown < std::chrono::milliseconds(200)) return;
    m_shown = now;
    const double spent = std::chrono::duration<double>(now - m_began).count();
    const double eta = spent / static_cast<double>(done) * static_cast<double>(total - done);
    std::fprintf(stderr, "\r  functional: job %llu of %llu, ETA %.0f s   ", static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total), eta);
    std::fflush(stderr);
  }
  std::chrono::steady_clock::time_point m_began = std::chrono::steady_clock::now(), m_shown{};

  void run() {
    try {
      std::vector<CosimJob> plan = m_o.jobs;
      if (plan.empty()) {
        CosimJob j;
        j.kernel = m_o.kernel;
        j.model = m_o.model;
        j.steps = m_o.steps;
        j.len = m_o.len;
        j.seed = m_o.seed;
        plan.push_back(j);
      }
      for (const CosimJob& j : plan) {
        m_job = j;
        if (j.kernel == "su")
          run_su();
        else if (j.kernel == "newton-attention")
          run_newton_attention();
        else if (j.kernel == "attacc-attention")
          run_attacc_attention();
        else
          run_attention();
        ++jobs_done;
        if (m_o.progress) progress(plan.size());
      }
      if (m_o.progress) std::fprintf(stderr, "\r%*s\r", 72, "");
      report_family_mismatches();
    } catch (const tlm_common::Interrupted&) {
      // SIGINT/SIGTERM inside a kernel or in the host work around the
      // kernels: stop here; run_cosim reports the verdict "interrupted".
      interrupted_kernel = m_in_kernel;
    } catch (const Failure& f) {
      // The report is a diagnostic: standard error, so that standard output
      // carries the table or the JSON document alone.
      std::cerr << f.text << std::flush;
      ++errors;
    } catch (const std::exception& e) {
      std::cerr << "pimlab cosim: error: " << e.what() << "\n" << std::flush;
      mismatch_json = {{"error", e.what()}};
      ++errors;
      internal_error = true;
    }
    done = true;  // nothing else is scheduled: the simulation ends when idle
  }

  // ---- transport ----
  void transport(tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, std::size_t n,
                 tlm_hbm::PimExtension* ext = nullptr, int family = -1) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(data);
    gp.set_data_length(static_cast<unsigned>(n));
    gp.set_streaming_width(static_cast<unsigned>(n));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    if (ext) gp.set_extension(ext);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    if (family < 0)
      socket->b_transport(gp, delay);
    else
      (*family_sockets[static_cast<std::size_t>(family)])->b_transport(gp, delay);
    if (ext) gp.clear_extension(ext);
    if (ext && ext->interrupted) throw tlm_common::Interrupted();
    if (gp.get_response_status() != tlm::TLM_OK_RESPONSE)
      throw std::runtime_error(std::string("transaction at address ") + std::to_string(addr) + " answered " +
                               gp.get_response_string() + (ext ? " (" + ext->error + ")" : std::string()));
    const sc_core::sc_time end = sc_core::sc_time_stamp() + delay;
    if (ext && !m_wave_busy.empty()) replay_unit_waves(end);
    wait(end - sc_core::sc_time_stamp());  // synchronise after every transaction (no temporal decoupling)
  }

  // Lays bytes into a family channel's DRAM image through the debug
  // interface (no time, no controller traffic): docs/cosim.md, "Newton and
  // AttAcc jobs", says why these jobs' operands are not timed writes.
  void load(int family, std::uint64_t addr, const std::uint8_t* data, std::size_t n) {
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_WRITE_COMMAND);
    gp.set_address(addr);
    gp.set_data_ptr(const_cast<std::uint8_t*>(data));
    gp.set_data_length(static_cast<unsigned>(n));
    gp.set_streaming_width(static_cast<unsigned>(n));
    gp.set_byte_enable_ptr(nullptr);
    const unsigned moved = (*family_sockets[static_cast<std::size_t>(family)])->transport_dbg(gp);
    if (moved != n)
      throw std::runtime_error("debug write of " + std::to_string(n) + " bytes at address " + std::to_string(addr) +
                               " moved " + std::to_string(moved));
  }

  // Unit waves: the kernel's unit events (busy mask, command opcode) all lie
  // between now and the end of the transaction; set the traced variables at
  // their cycles so the channel's VCD shows them in time.
  void start_of_simulation() override {
    sc_core::sc_trace_file* tf = m_ch.trace_file();
    if (!tf) return;
    m_wave_names = wave_units();
    m_wave_busy.assign(m_wave_names.size(), 0);
    m_wave_cmd.assign(m_wave_names.size(), 0);
    for (std::size_t u = 0; u < m_wave_names.size(); ++u) {
      if (m_wave_names[u].empty()) continue;
      sc_core::sc_trace(tf, m_wave_busy[u], m_wave_names[u] + ".busy");
      sc_core::sc_trace(tf, m_wave_cmd[u], m_wave_names[u] + ".command");
    }
  }
  void replay_unit_waves(const sc_core::sc_time& end) {
    struct Ev {
      std::int64_t cycle;
      std::size_t unit;
      UnitWaveEvent e;
    };
    std::vector<Ev> ev;
    for (std::size_t u = 0; u < m_wave_names.size(); ++u)
      for (const UnitWaveEvent& e : take_wave_events(u)) ev.push_back({e.cycle, u, e});
    std::stable_sort(ev.begin(), ev.end(), [](const Ev& a, const Ev& b) { return a.cycle < b.cycle; });
    const sc_core::sc_time tck = m_ch.tck();
    for (const Ev& e : ev) {
      const sc_core::sc_time t = tck * static_cast<double>(e.cycle);
      if (t > sc_core::sc_time_stamp()) wait(std::min(t, end) - sc_core::sc_time_stamp());
      (e.e.kind == 0 ? m_wave_busy : m_wave_cmd)[e.unit] = e.e.value;
    }
  }
  void write_page(const ChunkPlace& p, const std::uint8_t* bytes) {
    transport(tlm::TLM_WRITE_COMMAND, m_ch.timing().row_address(p.pch, p.bank_group, p.bank, p.row),
              const_cast<std::uint8_t*>(bytes), 1024);
  }
  std::vector<std::uint8_t> read_page(const ChunkPlace& p) {
    std::vector<std::uint8_t> out(1024);
    transport(tlm::TLM_READ_COMMAND, m_ch.timing().row_address(p.pch, p.bank_group, p.bank, p.row), out.data(), 1024);
    return out;
  }

  // Sends one lowered kernel; returns the result buffer. Checks the shadow
  // checks and the unit error flags.
  std::vector<std::uint8_t> run_kernel(PimKernel& lk, const std::string& label) {
    std::vector<std::uint8_t> res(lk.result_bytes());
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    std::map<std::string, std::uint64_t> before;  // unit commands before this kernel
    m_kernel_label = m_job.label.empty() ? label : m_job.label + ": " + label;
    tlm_common::throw_if_interrupted();  // not after the host work before it (golden, lowering)
    m_in_kernel = m_kernel_label;
    transport(tlm::TLM_READ_COMMAND, 0, res.data(), res.size(), &lk.ext);
    m_in_kernel.clear();
    ++kernels;
    kernel_cycles += lk.ext.kernel_cycles;
    digest.add(lk.ext.kernel_cycles);
    digest.add(lk.ext.start_cycle);
    m_last_start = lk.ext.start_cycle;
    if (const UnitMismatch* m = first_mismatch()) {
      std::ostringstream os;
      os << "MISMATCH (RTL vs behavioural, cycle by cycle) in kernel " << kernels << " (" << label << ")\n"
         << "  unit      " << m->unit << "\n"
         << "  what      " << m->what << "\n"
         << "  cycle     " << m->cycle << "   simulation time " << m->time_ps << " ps\n"
         << "  command   #" << m->unit_command << " of this unit" << (m->command.empty() ? "" : ": " + m->command)
         << "\n"
         << "  expected  " << m->expected << "\n"
         << "  actual    " << m->actual << "\n";
      mismatch_json = {{"kind", "unit"},        {"kernel", kernels},
                       {"label", label},        {"unit", m->unit},
                       {"what", m->what},       {"cycle", m->cycle},
                       {"time_ps", m->time_ps}, {"unit_command", m->unit_command},
                       {"command", m->command}, {"expected", m->expected},
                       {"actual", m->actual}};
      throw Failure{os.str()};
    }
    if (lk.ext.err_cause != 0) {
      std::ostringstream os;
      os << "MISMATCH: PIM unit error flags after kernel " << kernels << " (" << label << "), started at "
         << t0.to_seconds() * 1e12 << " ps:\n";
      for (const auto& e : lk.ext.unit_errors) os << "  " << e << "\n";
      mismatch_json = {{"kind", "unit_error"}, {"kernel", kernels}, {"label", label}, {"errors", lk.ext.unit_errors}};
      throw Failure{os.str()};
    }
    return res;
  }

  // Index in ext.program.ops of the k-th RESULT op (the op that filled result slot k).
  static std::size_t result_op_index(const PimKernel& lk, std::size_t slot) {
    for (std::size_t i = 0, k = 0; i < lk.ext.program.ops.size(); ++i)
      if ((lk.ext.program.ops[i].cmd.op & 7) == static_cast<int>(pim_unit::Op::result) && k++ == slot) return i;
    return 0;
  }
  std::string unit_name(const ChunkPlace& p) const {
    return std::string(m_ch.name()) + ".pch" + std::to_string(p.pch) + ".bank_group" + std::to_string(p.bank_group) +
           ".pair" + std::to_string(p.bank / 2);
  }

  // Element-by-element comparison of one value; throws a Failure on mismatch.
  // `what` and `where` are callables building the texts (only on a mismatch).
  template <class What, class Where>
  void check(float expected, float actual, const What& what_f, const Where& where_f) {
    ++compared;
    std::uint32_t e, a;
    std::memcpy(&e, &expected, 4);
    std::memcpy(&a, &actual, 4);
    digest.add(a);
    if (e == a) return;
    const std::string what = what_f(), where = where_f();
    std::ostringstream os;
    os << "MISMATCH (golden vs channel) in kernel " << kernels << " (" << m_kernel_label << ")\n"
       << "  value     " << what << "\n"
       << "  source    " << where << "\n"
       << "  time      " << static_cast<std::uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e12 + 0.5)
       << " ps (kernel started in cycle " << m_last_start << ")\n"
       << "  expected  " << hex32(expected) << " (" << num_text(expected) << ")\n"
       << "  actual    " << hex32(actual) << " (" << num_text(actual) << ")\n";
    mismatch_json = {{"kind", "golden"},        {"kernel", kernels},
                     {"label", m_kernel_label}, {"value", what},
                     {"source", where},         {"expected", hex32(expected)},
                     {"actual", hex32(actual)}, {"time_ps", sc_core::sc_time_stamp().to_seconds() * 1e12}};
    throw Failure{os.str()};
  }
  std::string result_source(const PimKernel& lk, std::size_t slot) const {
    const auto& r = lk.results[slot];
    std::ostringstream os;
    const std::size_t op = result_op_index(lk, slot);
    os << "command " << op << " of the kernel (RESULT bank " << (r.place.bank % 2 ? "B" : "A") << " group " << r.group
       << ") to unit " << unit_name(r.place) << ", chunk (" << r.place.block_row << ", " << r.place.block_col
       << ") in bank " << int(r.place.bank) << " row " << r.place.row;
    return os.str();
  }

  // ---- state update ----
  void run_su() {
    const golden::StudyModel& m = golden::find_study_model(m_job.model);
    const int R = m.rows, C = m.cols;
    fw::KernelSpec spec;
    spec.op = fw::Op::SU;
    spec.rows = R;
    spec.cols = C;
    const fw::Program prog = fw::generate(spec);
    const std::vector<ChunkPlace> places = firmware::pimba::chunk_places(prog, 0, 0);
    // Inputs (docs/cosim.md): h0 ~ N(0, 1/4); per step the model's synthetic
    // inputs as `pimlab accuracy` draws them (docs/golden.md).
    golden::SynthRng g = golden::SynthRng::stream(m_job.seed, 1);
    std::vector<float> h0(static_cast<std::size_t>(R) * C);
    for (float& x : h0) x = static_cast<float>(0.5 * g.normal());
    golden::SuState state(numerics::Format::mx8, R, C, h0);
    std::vector<golden::SuInputs> steps;
    const double A = -g.uniform(1.0, 16.0), gamma = 1.0 - std::ldexp(1.0, -5);
    for (int s = 0; s < m_job.steps; ++s) {
      golden::SuInputs64 in;
      if (m_job.model == "mamba2-2.7b") {
        golden::Mamba2Step st;
        st.dt = std::exp(g.uniform(std::log(1e-3), std::log(1e-1)));
        for (auto* v : {&st.B, &st.C}) {
          v->resize(R);
          for (double& x : *v) x = g.normal();
        }
        st.x.resize(C);
        for (double& x : st.x) x = g.normal();
        in = golden::mamba2_su_inputs(A, st);
      } else {
        golden::RetNetStep st;
        st.q.resize(R);
        st.k.resize(R);
        st.v.resize(C);
        for (double& x : st.q) x = g.normal();
        for (double& x : st.k) x = g.normal() / std::sqrt(static_cast<double>(R));
        for (double& x : st.v) x = g.normal();
        in = golden::retnet_su_inputs(gamma, st);
      }
      steps.push_back(golden::to_fp32(in));
      if (s % 256 == 255) tlm_common::throw_if_interrupted();  // up to 100000 steps of inputs
      if (!steps.back().gv.empty())
        throw std::logic_error("the Pimba register protocol writes no GV slice; the model needs gv = 1");
    }
    // Load the state: chunk (i, j), atom r = state row 32i + r, columns 32j..
    const int bpr = C / 16;  // MX8 blocks per state row
    auto chunk_image = [&](const golden::SuState& s, const ChunkPlace& p) {
      std::vector<std::uint8_t> page(1024);
      for (int r = 0; r < 32; ++r)
        for (int h = 0; h < 2; ++h)
          std::memcpy(
              page.data() + 32 * r + 16 * h,
              s.mx8_blocks()[static_cast<std::size_t>(32 * p.block_row + r) * bpr + 2 * p.block_col + h].bytes.data(),
              16);
      return page;
    };
    for (const ChunkPlace& p : places) write_page(p, chunk_image(state, p).data());

    for (int s = 0; s < m_job.steps; ++s) {
      const golden::SuInputs& in = steps[s];
      auto operands = [&](const fw::Round&, const fw::BankWork& w, pim_unit::Slot slot) {
        switch (slot) {
          case pim_unit::Slot::k:
            return encode32(&in.k[32 * w.block_row]);
          case pim_unit::Slot::gk:
            return encode32(&in.gk[32 * w.block_row]);
          case pim_unit::Slot::q:
            return encode32(&in.q[32 * w.block_row]);
          case pim_unit::Slot::v:
            return encode32(&in.v[32 * w.block_col]);
          default:
            throw std::logic_error("SU lowering asked for slot " + std::to_string(static_cast<int>(slot)));
        }
      };
      PimKernel lk = firmware::pimba::lower_kernel(prog, 0, 0, operands);
      const std::string label = "su step " + std::to_string(s + 1) + " of " + std::to_string(m_job.steps);
      const std::vector<std::uint8_t> res = run_kernel(lk, label);
      // Golden.
      std::vector<float> o_gold;
      golden::su_step(state, in, o_gold);
      // Host: o[c] = sum over block-rows i (increasing) of the partials, from +0.
      const int I = R / 32;
      std::vector<std::vector<float>> part(I, std::vector<float>(C, 0.0f));
      std::vector<std::vector<std::size_t>> slot_of(I, std::vector<std::size_t>(C, 0));
      for (std::size_t k = 0; k < lk.results.size(); ++k) {
        const auto& r = lk.results[k];
        for (int l = 0; l < 8; ++l) {
          const int c = 32 * r.place.block_col + 8 * r.group + l;
          std::memcpy(&part[r.place.block_row][c], res.data() + 32 * k + 4 * l, 4);
          slot_of[r.place.block_row][c] = k;
        }
      }
      for (int c = 0; c < C; ++c) {
        float o = 0.0f;
        for (int i = 0; i < I; ++i) o = numerics::pu_add(o, part[i][c]);
        check(
            o_gold[c], o,
            [&] { return std::string("o[" + std::to_string(c) + "] (output of step " + std::to_string(s + 1) + ")"); },
            [&] {
              return std::string("sum over block-rows of the RESULT partials; first: " +
                                 result_source(lk, slot_of[0][c]));
            });
      }
      // State read back through the channel, element by element.
      for (const ChunkPlace& p : places) {
        const std::vector<std::uint8_t> got = read_page(p);
        const std::vector<std::uint8_t> want = chunk_image(state, p);
        if (got == want) {
          digest.add(got.data(), got.size());
          compared += 32 * 32;
          continue;
        }
        for (int r = 0; r < 32; ++r) {
          float wv[32], gv[32];
          numerics::Mx8Block wb[2], gb[2];
          for (int h = 0; h < 2; ++h) {
            std::memcpy(wb[h].bytes.data(), want.data() + 32 * r + 16 * h, 16);
            std::memcpy(gb[h].bytes.data(), got.data() + 32 * r + 16 * h, 16);
          }
          golden::decode_atom(wb, wv);
          golden::decode_atom(gb, gv);
          for (int c = 0; c < 32; ++c)
            check(
                wv[c], gv[c],
                [&] {
                  return std::string("h[" + std::to_string(32 * p.block_row + r) + "][" +
                                     std::to_string(32 * p.block_col + c) + "] (state after step " +
                                     std::to_string(s + 1) + ")");
                },
                [&] {
                  return std::string("SU write-back of COMP bank " + std::string(p.bank % 2 ? "B" : "A") + " atom " +
                                     std::to_string(r) + " in unit " + unit_name(p) + ", bank " +
                                     std::to_string(p.bank) + " row " + std::to_string(p.row));
                });
          if (std::memcmp(want.data() + 32 * r, got.data() + 32 * r, 32) != 0) {
            std::ostringstream os;
            os << "MISMATCH (golden vs channel) in kernel " << kernels << " (" << m_kernel_label << ")\n"
               << "  value     MX8 image of state row " << 32 * p.block_row + r << ", columns " << 32 * p.block_col
               << ".. (same values, other encoding)\n  source    unit " << unit_name(p) << "\n"
               << "  expected  " << hex(want.data() + 32 * r) << "\n  actual    " << hex(got.data() + 32 * r) << "\n";
            throw Failure{os.str()};
          }
        }
      }
    }
    std::ostringstream os;
    os << m_job.steps << " x " << C << " outputs o and " << m_job.steps << " x " << R * C << " state elements h";
    lines.push_back(os.str());
  }

  // ---- decode attention ----
  void run_attention() {
    // A partial last chunk of 32 tokens is padded with zero tokens (K = V = 0,
    // p = 0): their scores are not used, and their p.V products are +0, which
    // leave every sum the golden kernel forms unchanged.
    const int d = 128, L = m_job.len, Lp = (L + 31) / 32 * 32;
    golden::SynthRng g = golden::SynthRng::stream(m_job.seed, 2);
    golden::KvCache kv(numerics::Format::mx8, d);
    std::vector<float> kt(d), vt(d), q(d);
    for (int t = 0; t < L; ++t) {
      if (m_o.jobs.empty() && m_o.data == "carry") {
        // Directed vector for the adder's rounding carry (docs/cosim.md): K = 0,
        // so every score is 0 and p = 1/L exactly (L a power of two); V is
        // constant along d per token: tokens 0..3 hold 63 * 2^-5, 2^-11,
        // 2^-17, 2^-23 (their sum is 2 - 2^-23: 24 one bits), token 4 holds
        // 2^-24, the rest 0. Every output accumulates to (2 - 2^-23) / L, and
        // adding 2^-24 / L is a tie that rounds up to even: the significand
        // overflows and the exponent must take the carry (o = 2 / L).
        const float v = t < 4 ? std::ldexp(63.0f, -5 - 6 * t) : t == 4 ? std::ldexp(1.0f, -24) : 0.0f;
        std::fill(kt.begin(), kt.end(), 0.0f);
        std::fill(vt.begin(), vt.end(), v);
      } else {
        for (int i = 0; i < d; ++i) kt[i] = static_cast<float>(g.normal());
        for (int i = 0; i < d; ++i) vt[i] = static_cast<float>(g.normal());
      }
      kv.append(kt, vt);
      // The host work before the first kernel takes seconds at L = 65536: an
      // interrupt acts within it.
      if (t % 1024 == 1023) tlm_common::throw_if_interrupted();
    }
    for (float& x : q) x = static_cast<float>(2.0 * g.normal());  // scores ~ N(0, 4), as `pimlab accuracy`
    std::vector<golden::AttentionTrace> trace;
    const std::vector<float> o_gold = golden::attention_decode(kv, q, 1, &trace);
    tlm_common::throw_if_interrupted();
    // The cache as the channel holds it: padded to whole chunks.
    golden::KvCache kvp = kv;
    {
      const std::vector<float> zero(d, 0.0f);
      for (int t = L; t < Lp; ++t) kvp.append(zero, zero);
    }

    auto program = [&](fw::Op op) {
      fw::KernelSpec spec;
      spec.op = op;
      spec.rows = d;
      spec.cols = Lp;
      return fw::generate(spec);
    };
    const fw::Program ps = program(fw::Op::Score), pa = program(fw::Op::Attend);
    tlm_common::throw_if_interrupted();
    std::uint32_t rounds_per_pch = 0;
    for (const auto& r : ps.rounds) rounds_per_pch = std::max(rounds_per_pch, r.index_in_pch + 1);
    const int k_base = 0, v_base = static_cast<int>(rounds_per_pch);
    const std::vector<ChunkPlace> kp = firmware::pimba::chunk_places(ps, 0, k_base), vp = firmware::pimba::chunk_places(pa, 0, v_base);
    // Chunk (i, j): atom r = token 32j + r, dimensions 32i..
    const int bpt = d / 16;
    auto load = [&](const std::vector<ChunkPlace>& places, const std::vector<numerics::Mx8Block>& blocks) {
      for (const ChunkPlace& p : places) {
        std::vector<std::uint8_t> page(1024, 0);
        for (int r = 0; r < 32; ++r)
          for (int h = 0; h < 2; ++h)
            std::memcpy(page.data() + 32 * r + 16 * h,
                        blocks[static_cast<std::size_t>(32 * p.block_col + r) * bpt + 2 * p.block_row + h].bytes.data(),
                        16);
        write_page(p, page.data());
      }
    };
    load(kp, kvp.k_blocks());
    load(vp, kvp.v_blocks());

    // SCORE in PIM.
    std::vector<float> qq(d);
    numerics::quantize(numerics::Format::mx8, q.data(), qq.data(), d);
    auto score_ops = [&](const fw::Round&, const fw::BankWork& w, pim_unit::Slot) { return encode32(&q[32 * w.block_row]); };
    PimKernel ls = firmware::pimba::lower_kernel(ps, 0, k_base, score_ops);
    const std::vector<std::uint8_t> rs = run_kernel(ls, "attention SCORE, L = " + std::to_string(L));
    const int I = d / 32;
    std::vector<std::vector<float>> part(I, std::vector<float>(L, 0.0f));
    std::vector<std::vector<std::size_t>> slot_of(I, std::vector<std::size_t>(L, 0));
    for (std::size_t k = 0; k < ls.results.size(); ++k) {
      const auto& r = ls.results[k];
      for (int l = 0; l < 8; ++l) {
        const int t = 32 * r.place.block_col + 8 * r.group + l;
        if (t >= L) continue;
        std::memcpy(&part[r.place.block_row][t], rs.data() + 32 * k + 4 * l, 4);
        slot_of[r.place.block_row][t] = k;
      }
    }
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
    std::vector<float> s(L);
    for (int t = 0; t < L; ++t) {
      float acc = 0.0f;
      for (int i = 0; i < I; ++i) acc = numerics::pu_add(acc, part[i][t]);
      s[t] = numerics::pu_mul(acc, scale);
      check(
          trace[0].scores[t], s[t], [&] { return std::string("score s[" + std::to_string(t) + "]"); },
          [&] {
            return std::string("sum over dimension blocks of the RESULT partials; first: " +
                               result_source(ls, slot_of[0][t]));
          });
    }
    // Softmax on the host with the golden code; p quantized to MX8 in blocks
    // along the tokens.
    std::vector<float> p(Lp, 0.0f), pq(L);
    golden::host_softmax(s.data(), p.data(), static_cast<std::size_t>(L));
    numerics::quantize(numerics::Format::mx8, p.data(), pq.data(), static_cast<std::size_t>(L));
    for (int t = 0; t < L; ++t)
      check(
          trace[0].p[t], pq[t], [&] { return std::string("p[" + std::to_string(t) + "] (host softmax)"); },
          [&] { return std::string("host"); });

    // ATTEND in PIM.
    auto attend_ops = [&](const fw::Round&, const fw::BankWork& w, pim_unit::Slot) { return encode32(&p[32 * w.block_col]); };
    tlm_common::throw_if_interrupted();
    PimKernel la = firmware::pimba::lower_kernel(pa, 0, v_base, attend_ops);
    const std::vector<std::uint8_t> ra = run_kernel(la, "attention ATTEND, L = " + std::to_string(L));
    const int J = Lp / 32;
    std::vector<std::vector<float>> pa_part(J, std::vector<float>(d, 0.0f));
    std::vector<std::size_t> slot_d(d, 0);
    for (std::size_t k = 0; k < la.results.size(); ++k) {
      const auto& r = la.results[k];
      for (int l = 0; l < 8; ++l) {
        const int dd = 32 * r.place.block_row + 8 * r.group + l;
        std::memcpy(&pa_part[r.place.block_col][dd], ra.data() + 32 * k + 4 * l, 4);
        if (r.place.block_col == 0) slot_d[dd] = k;
      }
    }
    for (int dd = 0; dd < d; ++dd) {
      float o = 0.0f;
      for (int j = 0; j < J; ++j) o = numerics::pu_add(o, pa_part[j][dd]);
      check(
          o_gold[dd], o, [&] { return std::string("o[" + std::to_string(dd) + "] (attention output)"); },
          [&] {
            return std::string("sum over token chunks of the RESULT partials; first: " + result_source(la, slot_d[dd]));
          });
    }
    std::ostringstream os;
    os << L << " scores, " << L << " softmax weights, " << d << " outputs";
    lines.push_back(os.str());
  }

  // ---- Newton / NeuPIMs and AttAcc jobs (docs/cosim.md, "Newton and AttAcc jobs") ----
  int family_index(const CosimJob& j) const {
    const std::string k = family_key(j);
    for (std::size_t i = 0; i < m_family.size(); ++i)
      if (m_family[i].first == k) return static_cast<int>(i);
    throw std::logic_error("no channel for job kind " + k);
  }

  // A Newton / NeuPIMs channel as the target of firmware::neupims's streams:
  // rows laid into its DRAM image (bank b = rank*16 + bg*4 + bank), each
  // GWRITE-led segment sent as one PimExtension::newton transaction.
  class NewtonChannelTarget : public firmware::neupims::TimedTarget {
   public:
    NewtonChannelTarget(Firmware& f, int fam) : m_f(f), m_fam(fam), m_ch(*f.m_family[static_cast<std::size_t>(fam)].second) {}
    void write_row(int bank, int row, const std::vector<std::uint16_t>& values) override {
      std::vector<std::uint8_t> bytes(1024, 0);
      std::memcpy(bytes.data(), values.data(), std::min<std::size_t>(1024, 2 * values.size()));
      m_f.load(m_fam, m_ch.timing().row_address(bank / 16, (bank / 4) % 4, bank % 4, row), bytes.data(), bytes.size());
    }
    std::vector<std::vector<std::uint16_t>> run(const std::vector<pim::Txn>& txns) override {
      tlm_hbm::PimExtension ext;
      ext.newton = txns;
      std::size_t answers = 0;
      for (const pim::Txn& x : txns)
        answers += x.type == pim::TxnType::ReadRes || x.type == pim::TxnType::CompsReadRes;
      std::vector<std::uint8_t> res(64 * answers);
      tlm_common::throw_if_interrupted();
      m_f.m_in_kernel = m_f.m_kernel_label;
      m_f.transport(tlm::TLM_READ_COMMAND, 0, res.data(), res.size(), &ext, m_fam);
      m_f.m_in_kernel.clear();
      m_cycles += ext.kernel_cycles;
      std::vector<std::vector<std::uint16_t>> out(answers, std::vector<std::uint16_t>(32));
      for (std::size_t k = 0; k < answers; ++k) std::memcpy(out[k].data(), res.data() + 64 * k, 64);
      return out;
    }
    std::uint64_t take_cycles() override { return std::exchange(m_cycles, 0); }

   private:
    Firmware& m_f;
    int m_fam;
    HbmChannel& m_ch;
    std::uint64_t m_cycles = 0;
  };

  void run_newton_attention() {
    namespace fn = firmware::neupims;
    NewtonChannelTarget t(*this, family_index(m_job));
    m_kernel_label = m_job.label;
    const fn::AttentionCheck before = m_newton;
    fn::check_attention(m_job.pim_type == "single" ? pim::PimType::Single : pim::PimType::Dual, m_job.width,
                        m_job.len, m_job.seed, m_job.label, m_newton, &t);
    kernels += m_newton.kernels - before.kernels;
    kernel_cycles += m_newton.kernel_cycles - before.kernel_cycles;
    compared += m_newton.values_compared - before.values_compared;
    family_mismatches += m_newton.mismatches - before.mismatches;
    if (family_first_mismatch.empty()) family_first_mismatch = m_newton.first_mismatch;
  }

  // One request's heads on one AttAcc stack: head h runs in stack channel
  // h mod channels (as firmware::attacc lays a stack); each stack channel's
  // program (its heads, a one-channel spec) runs on the attacc channel in
  // turn, its K / V laid into the channel's DRAM image first. The stack's
  // channels are identical and run in parallel: the kernel's cycles are the
  // slowest channel's.
  void run_attacc_attention() {
    namespace fa = firmware::attacc;
    const int fam = family_index(m_job);
    fa::AttentionSpec s;
    s.placement = pim::parse_placement(m_job.placement);
    s.heads = m_job.heads;
    s.len = m_job.len;
    s.d_head = m_job.d_head;
    s.dbyte = 2;
    s.max_len = m_job.max_len;
    s.channels = dram::preset(m_job.preset).org.channels;
    const std::vector<fa::HeadData> d = fa::seeded_heads(s, m_job.seed);
    std::vector<fa::HeadResults> got(static_cast<std::size_t>(s.heads));
    std::uint64_t hazards = 0, cycles = 0;
    std::string first_hazard;
    m_kernel_label = m_job.label;
    for (int c = 0; c < s.channels && c < s.heads; ++c) {
      fa::AttentionSpec one = s;
      one.channels = 1;
      std::vector<fa::HeadData> mine;
      for (int h = c; h < s.heads; h += s.channels) mine.push_back(d[static_cast<std::size_t>(h)]);
      one.heads = static_cast<int>(mine.size());
      tlm_hbm::PimExtension ext;
      ext.attacc = fa::generate(one, &ext.attacc_ops);
      ext.attacc_len = s.len;
      ext.attacc_d_head = s.d_head;
      for (const fa::HeadData& h : mine) ext.attacc_queries.push_back(h.q);
      for (const auto& [addr, atom] : fa::head_atoms(one, mine)) {
        std::uint8_t bytes[32];
        std::memcpy(bytes, atom.data(), 32);
        load(fam, addr, bytes, 32);
      }
      std::vector<std::uint8_t> res(4 * static_cast<std::size_t>(s.d_head) * mine.size());
      tlm_common::throw_if_interrupted();
      m_in_kernel = m_kernel_label;
      transport(tlm::TLM_READ_COMMAND, 0, res.data(), res.size(), &ext, fam);
      m_in_kernel.clear();
      cycles = std::max(cycles, ext.kernel_cycles);
      hazards += ext.attacc_hazards;
      if (first_hazard.empty() && !ext.unit_errors.empty()) first_hazard = ext.unit_errors.front();
      for (std::size_t i = 0; i < mine.size(); ++i) {
        fa::HeadResults& g = got[static_cast<std::size_t>(c) + i * static_cast<std::size_t>(s.channels)];
        g.scores = ext.attacc_scores[i];
        g.probs = ext.attacc_probs[i];
        g.outputs.resize(static_cast<std::size_t>(s.d_head));
        std::memcpy(g.outputs.data(), res.data() + 4 * static_cast<std::size_t>(s.d_head) * i, 4 * g.outputs.size());
      }
    }
    const fa::VerifyReport v = fa::verify_heads(s, d, got, hazards, first_hazard);
    const std::uint64_t bad = v.scores_mismatched + v.probs_mismatched + v.outputs_mismatched;
    if (bad && family_first_mismatch.empty()) family_first_mismatch = m_job.label + ": " + v.first_mismatch;
    family_mismatches += bad;
    ++kernels;
    kernel_cycles += cycles;
    compared += v.scores + v.probs + v.outputs;
    for (std::uint64_t x : {cycles, v.scores, v.probs, v.outputs, bad}) digest.add(x);
  }

  // The Newton and AttAcc jobs check every job to the end (as the in-process
  // checks did) and report the count and the first difference.
  void report_family_mismatches() {
    if (m_newton.jobs) digest.add(m_newton.digest);
    if (family_mismatches == 0) return;
    std::ostringstream os;
    os << "MISMATCH (golden vs channel): " << family_mismatches << " values differ from golden; first: "
       << family_first_mismatch << "\n";
    mismatch_json = {{"kind", "golden"}, {"values", family_mismatches}, {"first", family_first_mismatch}};
    throw Failure{os.str()};
  }

 public:
  std::uint64_t family_mismatches = 0;
  std::string family_first_mismatch;

 private:
  firmware::neupims::AttentionCheck m_newton;
  const CosimOptions& m_o;
  CosimJob m_job;  // the job in progress
  HbmChannel& m_ch;
  std::vector<std::pair<std::string, HbmChannel*>> m_family;  // family_key, channel
  std::vector<std::string> m_wave_names;
  std::vector<int> m_wave_busy, m_wave_cmd;
  std::string m_kernel_label;
  std::string m_in_kernel;  // the label of the kernel in flight (empty: none)
  std::uint64_t m_last_start = 0;
};

struct Top : sc_core::sc_module {
  HbmChannel hbm;
  std::vector<std::unique_ptr<HbmChannel>> family;  // family_channels(o), in order
  std::unique_ptr<Firmware> fw;
  Top(const sc_core::sc_module_name& n, const CosimOptions& o) : sc_module(n), hbm("hbm") {
    std::vector<std::pair<std::string, HbmChannel*>> f;
    for (const FamilyChannel& c : family_channels(o)) {
      family.push_back(std::make_unique<HbmChannel>(c.name.c_str()));
      f.emplace_back(c.key, family.back().get());
    }
    fw = std::make_unique<Firmware>("fw", o, hbm, f);
    fw->socket.bind(hbm.socket);
    for (std::size_t i = 0; i < family.size(); ++i) fw->family_sockets[i]->bind(family[i]->socket);
  }
};

}  // namespace

void validate(CosimOptions& o) {
  auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
  for (CosimJob& j : o.jobs) {
    const std::string who = "job '" + j.label + "': ";
    if (j.kernel == "su") {
      if (j.model != "mamba2-2.7b" && j.model != "retnet-2.7b")
        bad(who + "model '" + j.model + "' has no state-update recipe (allowed: mamba2-2.7b, retnet-2.7b)");
      if (j.steps < 1 || j.steps > 100000) bad(who + "steps " + std::to_string(j.steps) + " (allowed: 1..100000)");
    } else if (j.kernel == "attention") {
      if (j.model != "opt-7b") bad(who + "model '" + j.model + "' has no attention recipe (allowed: opt-7b, d_head 128)");
      if (j.len < 1 || j.len > 65536) bad(who + "len " + std::to_string(j.len) + " (allowed: 1..65536)");
    } else if (j.kernel == "newton-attention") {
      if (j.pim_type != "single" && j.pim_type != "dual") bad(who + "pim_type '" + j.pim_type + "' (allowed: single, dual)");
      if (j.width < 128 || j.width % 128) bad(who + "width " + std::to_string(j.width) + " (allowed: a positive multiple of 128)");
      if (j.len < 1 || j.len > (1 << 20)) bad(who + "len " + std::to_string(j.len) + " (allowed: 1..1048576)");
    } else if (j.kernel == "attacc-attention") {
      firmware::attacc::AttentionSpec s;
      try {
        s.placement = pim::parse_placement(j.placement);
        s.channels = dram::preset(j.preset).org.channels;
      } catch (const std::exception& e) {
        bad(who + e.what());
      }
      if (j.preset.rfind("attacc-hbm3-", 0) != 0) bad(who + "preset '" + j.preset + "' (allowed: an attacc-hbm3-* preset)");
      s.heads = j.heads;
      s.len = j.len;
      s.d_head = j.d_head;
      s.max_len = j.max_len;
      try {
        firmware::attacc::validate(s);
        s.channels = 1;  // each stack channel's program
        s.heads = (j.heads + dram::preset(j.preset).org.channels - 1) / dram::preset(j.preset).org.channels;
        firmware::attacc::validate(s);
      } catch (const std::invalid_argument& e) {
        bad(who + e.what());
      }
    } else {
      bad(who + "kernel '" + j.kernel + "' (allowed: su, attention, newton-attention, attacc-attention)");
    }
  }
  if (o.kernel != "su" && o.kernel != "attention")
    bad("--kernel: value '" + o.kernel + "' is not allowed; allowed: su, attention");
  if (o.kernel == "su") {
    if (o.data != "random") bad("--data: value '" + o.data + "' is not allowed for --kernel su; allowed: random");
    if (o.model.empty()) o.model = "mamba2-2.7b";
    if (o.model != "mamba2-2.7b" && o.model != "retnet-2.7b")
      bad("--model: value '" + o.model + "' is not allowed for --kernel su; allowed: mamba2-2.7b, retnet-2.7b");
    if (o.steps < 1 || o.steps > 100000)
      bad("--steps: value " + std::to_string(o.steps) + " is not allowed; allowed: 1..100000");
  } else {
    if (o.model.empty()) o.model = "opt-7b";
    if (o.model != "opt-7b")
      bad("--model: value '" + o.model + "' is not allowed for --kernel attention; allowed: opt-7b (d_head 128)");
    if (o.len < 1 || o.len > 65536)
      bad("--len: value " + std::to_string(o.len) + " is not allowed; allowed: 1..65536");
    if (o.data != "random" && o.data != "carry")
      bad("--data: value '" + o.data + "' is not allowed; allowed: random, carry");
    if (o.data == "carry" && (o.len < 32 || (o.len & (o.len - 1)) != 0))
      bad("--data carry: --len " + std::to_string(o.len) + " is not allowed; allowed: a power of two >= 32 (p = 1/L exact)");
  }
  if (o.units.empty()) o.units = rtl_available() ? "mixed" : "behavioural";
  if (o.units != "rtl" && o.units != "behavioural" && o.units != "mixed")
    bad("--units: value '" + o.units + "' is not allowed; allowed: rtl, behavioural, mixed");
  if (!o.rtl_units.empty() && !rtl_available())
    bad("RTL units: this pimlab was built without RTL (PIMLAB_WITH_RTL=OFF)");
  if (o.units != "behavioural" && !rtl_available())
    bad("--units " + o.units + ": this pimlab was built without RTL (PIMLAB_WITH_RTL=OFF); allowed: behavioural");
}

const CosimFigures& last_figures() { return g_figures; }
const std::string& last_document() { return g_document; }

int run_cosim(const CosimOptions& o, int argc, char** argv) {
  using tlm_common::Config;
  using tlm_common::Session;
  Top* top = nullptr;
  bool config_error = false;
  int mismatches = -1;  // the firmware's mismatch count; -1 until the simulation ran to its report
  bool failed = false;  // the firmware stopped on an error that is not a mismatch, or never finished
  std::chrono::steady_clock::time_point t0;
  double wall = 0;
  const int errors = tlm_common::run_sc_main(
      argc, argv,
      [&](int, char**) {
        nlohmann::json cfg;
        cfg["top.hbm.pu_model"] = o.units == "rtl" ? "rtl" : "behavioural";
        if (o.units == "mixed") cfg["top.hbm.pch0.bank_group0.pair0.model"] = "rtl";
        for (const std::string& u : o.rtl_units) cfg["top.hbm." + u + ".model"] = "rtl";
        for (const FamilyChannel& c : family_channels(o))
          for (const auto& [k, v] : c.keys.items()) cfg["top." + c.name + "." + k] = v;
        if (!o.trace_dir.empty()) {
          std::filesystem::create_directories(o.trace_dir);
          cfg["top.hbm.trace"] = true;
          cfg["top.hbm.trace_file"] = o.trace_dir + "/tlm";
        }
        Config::instance().load(cfg);
        // A configuration file overrides the keys above (e.g. the model of
        // each unit: top.hbm.pch<p>.bank_group<g>.pair<q>.model).
        if (!o.config_file.empty()) {
          try {
            Config::instance().load_file(o.config_file);
          } catch (const tlm_common::ConfigError&) {
            config_error = true;
            throw;
          }
        }
        RtlOptions ro;
        // The RTL FST needs the traced Verilated library; with another one
        // (planted faults) a traced run writes the channel VCD only.
        ro.trace_dir = o.units == "behavioural" || !rtl_can_trace() ? "" : o.trace_dir;
        if (!o.trace_dir.empty() && o.units != "behavioural" && !rtl_can_trace())
          std::cerr << "pimlab cosim: note: the RTL library '" << rtl_variant()
                    << "' is not traced; --trace writes the channel VCD only\n";
        ro.shadow_check = o.shadow_check;
        ro.seed = o.seed;
        ro.unit_waves = !o.trace_dir.empty();
        register_unit_models(ro);
        // Configuration errors are bad input (exit status 2): a value out of
        // range while building, an unknown key right after.
        try {
          auto t = std::make_unique<Top>("top", o);
          Config::instance().check_consumed();
          top = t.get();
          return t;
        } catch (const tlm_common::ConfigError&) {
          config_error = true;
          throw;
        }
      },
      [&]() {
        t0 = std::chrono::steady_clock::now();
        Session::instance().run_to_idle();
        wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        // Report while the design exists.
        Firmware& f = *top->fw;
        const bool interrupted = Session::instance().interrupted() || !f.done;
        const bool match = f.errors == 0 && !interrupted;
        failed = f.internal_error || (!f.done && !Session::instance().interrupted());
        mismatches = failed ? 0 : f.errors;
        const auto totals = model_totals();
        std::uint64_t rtl_cycles = 0, busy = 0;
        double rtl_s = 0;
        for (const auto& m : totals) {
          rtl_cycles += m.cycles_clocked;
          busy += m.busy_cycles;
          if (m.model == "rtl") rtl_s += m.seconds;
        }
        // The digest covers what must not depend on the unit models: every
        // value compared, the kernels' cycles, each unit's busy cycles.
        Digest dg = f.digest;
        for (int p = 0; p < 2; ++p)
          for (int b = 0; b < 4; ++b)
            for (int q = 0; q < 2; ++q)
              dg.add(unit_busy_cycles("top.hbm.pch" + std::to_string(p) + ".bank_group" + std::to_string(b) + ".pair" +
                                      std::to_string(q)));
        char dig[32];
        std::snprintf(dig, sizeof dig, "%016llx", static_cast<unsigned long long>(dg.h));
        g_figures = {match, f.jobs_done, f.compared, wall, f.kernel_cycles, rtl_cycles, busy, static_cast<int>(f.kernels), dig};
        // The PIM transactions every channel answered (its own count).
        {
          const nlohmann::json st = tlm_common::collect_stats();
          for (const auto& [name, ch] : st.items())
            if (ch.is_object() && ch.contains("pim_transactions"))
              g_figures.channel_pim_transactions += ch["pim_transactions"]["value"].get<std::uint64_t>();
        }
        const double sim_ps = sc_core::sc_time_stamp().to_seconds() * 1e12;
        {
          nlohmann::json j;
          j["verdict"] = match ? "match" : interrupted && f.errors == 0 ? "interrupted" : "mismatch";
          j["kernel"] = o.kernel;
          j["model"] = o.model;
          if (o.kernel == "su")
            j["steps"] = o.steps;
          else
            j["len"] = o.len;
          j["data"] = o.data;
          j["units"] = o.units;
          j["seed"] = o.seed;
          j["rtl_library"] = rtl_variant();
          j["kernels"] = f.kernels;
          j["kernel_cycles"] = f.kernel_cycles;
          j["values_compared"] = f.compared;
          j["sim_time_ps"] = sim_ps;
          j["digest"] = dig;
          j["unit_models"] = nlohmann::json::array();
          for (const auto& m : totals)
            j["unit_models"].push_back({{"model", m.model},
                                        {"units", m.units},
                                        {"busy_cycles", m.busy_cycles},
                                        {"last_busy_cycle", m.last_effect_cycle},
                                        {"commands", m.commands},
                                        {"rtl_cycles_clocked", m.cycles_clocked}});
          // Wall-clock figures only on request: the document is otherwise byte-identical across reruns.
          if (o.speed) {
            j["wall_s"] = wall;
            j["rtl_unit_cycles_per_s"] = wall > 0 ? rtl_cycles / wall : 0.0;
            j["rtl_wrapper_s"] = rtl_s;
            j["rtl_unit_cycles_per_wrapper_s"] = rtl_s > 0 ? rtl_cycles / rtl_s : 0.0;
            j["kernel_cycles_per_s"] = wall > 0 ? f.kernel_cycles / wall : 0.0;
          }
          if (!f.mismatch_json.is_null()) j["mismatch"] = f.mismatch_json;
          // Interrupted: the figures above cover what ran (the kernel cut
          // short is not in kernels / kernel_cycles; its unit cycles are).
          if (interrupted) {
            j["pim_interrupted"] = true;
            if (!f.interrupted_kernel.empty()) j["interrupted_kernel"] = f.interrupted_kernel;
          }
          j["traces"] = trace_files();
          if (!o.trace_dir.empty()) j["traces"].push_back(o.trace_dir + "/tlm.vcd");
          g_document = j.dump(2);
        }
        if (!o.json && !o.quiet) {
          std::printf("pimlab cosim: kernel %s, model %s, %s, units %s, seed %u, RTL library %s\n", o.kernel.c_str(),
                      o.model.c_str(),
                      (o.kernel == "su" ? std::to_string(o.steps) + " steps" : "L " + std::to_string(o.len)).c_str(),
                      o.units.c_str(), o.seed, rtl_variant());
          std::printf("  verdict      %s\n", match                          ? "MATCH (golden = channel, bit for bit)"
                                             : interrupted && f.errors == 0 ? "INTERRUPTED"
                                                                            : "MISMATCH");
          if (interrupted && !f.interrupted_kernel.empty())
            std::printf("  interrupted  in %s (figures below: the part that ran)\n", f.interrupted_kernel.c_str());
          for (const auto& l : f.lines)
            std::printf("  compared     %s (%llu values)\n", l.c_str(), static_cast<unsigned long long>(f.compared));
          if (o.units != "behavioural")
            std::printf("  shadow       %s\n",
                        !o.shadow_check ? "off"
                        : first_mismatch()
                            ? "RTL differs from its behavioural twin"
                            : "RTL = behavioural twin in every cycle (busy, write-backs, results, rows, flags)");
          std::printf("  kernels      %llu PIM transactions, %llu kernel cycles (channel engine), simulated %.0f ps\n",
                      static_cast<unsigned long long>(f.kernels), static_cast<unsigned long long>(f.kernel_cycles),
                      sim_ps);
          std::printf("  unit model   units  busy cycles  last busy cycle  commands  RTL cycles clocked\n");
          for (const auto& m : totals)
            std::printf("  %-12s %5d  %11llu  %15lld  %8llu  %18llu\n", m.model.c_str(), m.units,
                        static_cast<unsigned long long>(m.busy_cycles), static_cast<long long>(m.last_effect_cycle),
                        static_cast<unsigned long long>(m.commands), static_cast<unsigned long long>(m.cycles_clocked));
          std::printf("  digest       %s (results, cycles, per-unit busy cycles; the same for any --units)\n", dig);
          std::printf(
              "  speed        %.3f s wall, %.3g RTL unit cycles/s, %.3g kernel cycles/s; %.3f s inside the RTL units "
              "(%.3g cycles/s there)\n",
              wall, wall > 0 ? rtl_cycles / wall : 0.0, wall > 0 ? f.kernel_cycles / wall : 0.0, rtl_s,
              rtl_s > 0 ? rtl_cycles / rtl_s : 0.0);
          if (!o.trace_dir.empty()) {
            std::printf("  waves        %s\n", gtkwave_hint(o.trace_dir + "/tlm.vcd", "tlm.gtkw").c_str());
            for (const auto& t : trace_files()) std::printf("               %s\n", gtkwave_hint(t, "rtl.gtkw").c_str());
          }
        }
        std::cout << std::flush;
        // The FSTs now, several at once (the units' destructors would close
        // them one by one): an interrupted run exits within a second.
        close_unit_traces();
        return f.errors;
      });
  // The command-line contract (README): 2 bad input, 130 interrupted, 3 an
  // internal or I/O error (anything counted besides the firmware's mismatches),
  // 1 a verification mismatch, 0 a full match.
  if (config_error) return 2;
  if (Session::instance().interrupted()) return 130;
  if (failed || mismatches < 0 || errors > mismatches) return 3;
  return mismatches > 0 ? 1 : 0;
}

}  // namespace pimlab::tlm_pim_rtl
