// One weight-stationary systolic array (docs/npu.md "The array"):
//
//  - a cycle-by-cycle model of the PE grid (run_cycle_level) that computes real
//    values and reports when every output leaves the array, and
//  - the closed-form timing of the same array (ArrayTimeline), which the GEMM
//    timing uses; tests/unit/npu proves the two equal on every tile shape.
//
// The array has R rows x C columns of PEs. PE(r,c) holds two weight registers
// (double buffering: a tile's weights are written while the previous tile
// still computes). A tile is (m, k, n): a k x n stationary block (k <= R,
// n <= C) in rows 0..k-1, columns 0..n-1, and m input rows of length k streamed
// through it; it produces m x n outputs.
//
//  - Weight load: one PE row per cycle, row 0 first, into the buffer the tile
//    uses (a write in cycle t is seen from cycle t+1). A row may be written
//    only when no input of the previous user of that buffer will still read it.
//  - Inputs: element (i, r) of a tile whose stream starts at s enters PE(r,0)
//    in cycle s+i+r (skewed), moves one column right per cycle and multiplies
//    the weight of its own tile's buffer (the buffer index travels with it).
//  - Partial sums start at row 0, move one row down per cycle, add a*w where a
//    valid input meets them and leave the bottom of column c, so output (i, c)
//    is complete at the end of cycle s+i+(R-1)+c.
//  - A tile may reuse the weights of the tile before it (same k, n): no load.
//
// Pure C++, no SystemC.
#pragma once

#include <cstdint>
#include <vector>

#include "npu/config.h"

namespace pimlab::npu {

struct ArrayShape {
  int rows = 128;
  int cols = 128;
};

struct TileSpec {
  int m = 1;                   // streamed input rows
  int k = 1;                   // reduction extent (<= rows)
  int n = 1;                   // output columns (<= cols)
  bool reuse_weights = false;  // same stationary block as the previous tile: no load
  Cycle weights_ready = 0;     // the stationary block is in the scratchpad from this cycle
  Cycle inputs_ready = 0;      // the streamed rows are in the scratchpad from this cycle
};

struct TileTiming {
  Cycle load_start = -1;   // cycle weight row 0 is written (-1: weights reused)
  Cycle stream_start = 0;  // cycle input row 0 enters PE(0,0)
  Cycle end = 0;           // cycle after the last output left the array
  int buffer = 0;          // weight buffer (0 or 1)
};

// The closed form, one tile at a time (tiles in issue order). With b the
// tile's buffer, u the last tile that used b, p the previous tile and q the
// previous loaded tile:
//   L = max(weights_ready, L_q + k_q, s_u + m_u + C - 2)      (loaded tiles)
//   s = max(inputs_ready, s_p + m_p, L + 1)                    (reused: no L term)
//   end = s + m + R + n - 2
// (derivation in docs/npu.md; the cycle-level model checks every hazard itself).
class ArrayTimeline {
 public:
  explicit ArrayTimeline(ArrayShape shape);
  TileTiming add(const TileSpec& t);
  // Cycle after the last output of all tiles added so far (0 if none).
  Cycle end() const { return m_end; }
  ArrayShape shape() const { return m_shape; }

 private:
  ArrayShape m_shape;
  bool m_any = false;
  bool m_any_load = false;
  int m_buffer = 0;                 // buffer of the previous tile
  int m_last_load_buffer = 1;       // so the first load takes buffer 0
  Cycle m_loader_free = 0;          // L_q + k_q
  Cycle m_injector_free = 0;        // s_p + m_p
  Cycle m_buffer_free[2] = {0, 0};  // s_u + m_u + C - 2 per buffer
  Cycle m_prev_stream = 0;
  int m_prev_k = 0, m_prev_n = 0;
  Cycle m_end = 0;
};

std::vector<TileTiming> array_schedule(ArrayShape shape, const std::vector<TileSpec>& tiles);

// A tile with values: w is k x n (row-major), a is m x k (row-major).
template <class T>
struct TileData {
  TileSpec spec;
  std::vector<T> w;
  std::vector<T> a;
};

template <class T>
struct CycleLevelResult {
  std::vector<TileTiming> timing;
  std::vector<std::vector<T>> out;  // per tile, m x n row-major
  Cycle cycles = 0;                 // cycle after the last output
  std::int64_t macs = 0;            // multiply-accumulates with a valid input in a used column
};

// Simulates the PE grid cycle by cycle (T = std::int64_t or double). The
// controller starts a tile's load and stream as early as the physical state
// allows; a read of a weight row not yet written, or a partial sum meeting the
// wrong input, throws std::logic_error (a hazard). A reused tile must have the
// previous tile's k and n and weights (its w is ignored).
template <class T>
CycleLevelResult<T> run_cycle_level(ArrayShape shape, const std::vector<TileData<T>>& tiles);

}  // namespace pimlab::npu
