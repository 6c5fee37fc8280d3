// What one traced iteration did, in time order, and its VCD file
// (`pimlab run --trace DIR`, docs/serving.md "Waveforms"): the operator on the
// critical path with its device and category, and the PIM commands of channel
// 0 of every PIM kernel, per pseudo-channel, at their issue times.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace pimlab::serving {

struct Timeline {
  struct Op {
    double start_s = 0, end_s = 0;
    std::string name, category, device;  // device: "host", "pim" or "cim"
    double flops = 0, bytes = 0;          // host operators: arithmetic and off-chip bytes of one instance
  };
  struct PimCommand {
    double time_s = 0;   // issue time from the start of the iteration
    int pch = 0;
    std::string name;    // "ACT4_WITH_REG_8", "COMP", ...
  };
  std::vector<Op> ops;
  std::vector<Op> distinct;  // every operator of the step once (one instance, start 0), graph order
  std::vector<PimCommand> pim_commands;  // channel 0
  double pim_clock_ps = 1000;            // one PIM command slot (the channel's tCK)
  int pseudo_channels = 2;
  // Host and PIM run at the same time (the NPU systems, the GPU hosts' overlap
  // mode): `op` and `category` follow the host's operations, `pim_op` the PIM
  // work, `cim_op` the CIM tiles'; otherwise (GPU hosts, serial) the operators are serial and `op` is
  // the one on the critical path.
  bool concurrent = false;
  std::vector<Op> stages;  // optional: the schedule's stages (name, start, end)
  // Optional: a line on how the schedule was chosen (`--sub-batches auto`:
  // the sub-batch count kept and every candidate's iteration time), written
  // into the VCD's comment after the title.
  std::string note;
};

// A VCD (IEEE 1364 with string values, as GTKWave reads them), timescale 1 ps:
// iteration.host_busy, iteration.pim_busy (1 bit), iteration.op and
// iteration.category (strings), with `concurrent` iteration.pim_op, with
// stages iteration.stage (strings), with CIM operators iteration.cim_busy
// (1 bit) and, `concurrent`, iteration.cim_op (string), ch0.pch<p>.cmd (string: the command issued in that cycle, empty
// otherwise).
void write_vcd(std::ostream& os, const Timeline& t, const std::string& title);

}  // namespace pimlab::serving
