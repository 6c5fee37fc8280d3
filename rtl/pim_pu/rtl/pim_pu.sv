// pim_pu: the State-update Processing Unit of a DRAM bank pair (Pimba).
// Executes SU / SCORE / ATTEND COMPs on 32-byte MX8 atoms of the open rows of
// bank A and bank B. Interface, register map, command encoding, latencies and
// error rules: rtl/pim_pu/doc/spec.md. Arithmetic: pim_pu_pkg.
//
// Pipeline of one COMP accepted in cycle 0 (Beats = 32 / Lanes):
//   1 RD, 2 CAP, 3.. E1, E2, E3 (Beats cycles each, SU arithmetic),
//   5+Beats Q0, 6+Beats Q1 (requantiser), 7+Beats WB + M1 (products),
//   M2 (accumulate / lane tree), 8+2*Beats M3 (SCORE top of the tree).
// Heavy arithmetic sits in clocked blocks enabled by the stage valid bits, so
// an idle stage costs nothing in simulation.
`timescale 1ns/1ps

// Short-form element (beat * Lanes + l) of register slot `slot` of entry
// `sel` for lane l: the lane's word of the entry, shifted to the beat.
`define PIM_PU_RF_LANE(slot, sel, beat) \
  15'(rf_q[slot][sel][LaneW * l +: LaneW] >> {beat, 4'b0000})

module pim_pu #(
  parameter int unsigned Lanes   = 8,  // 8, 16 or 32 element lanes
  parameter int unsigned RegSets = 1   // register sets per bank, 1..4
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // command port (from the channel's command decoder)
  input  logic                      cmd_valid_i,
  input  logic [2:0]                cmd_op_i,
  input  logic                      cmd_bank_i,
  input  logic [4:0]                cmd_idx_i,
  input  logic [255:0]              cmd_wdata_i,
  // bank pair: reads of the open rows (data one cycle after the request)
  output logic [1:0]                bank_re_o,
  output logic [4:0]                bank_rcol_o,
  input  logic [255:0]              bank_a_rdata_i,
  input  logic [255:0]              bank_b_rdata_i,
  // bank pair: write-back to the open rows
  output logic [1:0]                bank_we_o,
  output logic [4:0]                bank_wcol_o,
  output logic [255:0]              bank_wdata_o,
  // result read-out
  output logic                      res_valid_o,
  output logic [255:0]              res_data_o,
  // status
  output logic [1:0]                busy_o,
  output logic                      err_o,
  output logic [pim_pu_pkg::NumErr-1:0] err_cause_o
);

  localparam int unsigned Beats   = 32 / Lanes;
  localparam int unsigned BeatW   = (Beats > 1) ? $clog2(Beats) : 1;
  localparam int unsigned AccLat  = 8 + 2 * Beats;
  localparam int unsigned NumSel  = 2 * RegSets;        // register sets of both banks
  localparam int unsigned SelW    = $clog2(NumSel);
  localparam int unsigned SliceW  = 32 * 16;            // a decoded slice: 32 short forms, 16 bits each
  localparam int unsigned LaneW   = 16 * Beats;         // a lane's elements of a slice, 16 bits each
  localparam int unsigned LastBeat = Beats - 1;

  // ===========================================================================
  // Configuration, status and the register file
  // ===========================================================================
  logic [1:0]  mode_q   [2];
  logic        rnd_q    [2];
  logic [1:0]  setsel_q [2];
  logic [31:0] rng_q    [2];
  // Register file, held decoded: entry [slot][(bank, set)] holds the 32
  // short-form elements of a slice, lane-major: lane l's elements at
  // [LaneW * l +: LaneW], element c = j * Lanes + l at [16 j +: 15] of that
  // (rf_elem_pos; bit 15 is 0), so a lane reads its operand from one word of
  // the entry shifted by 16 * beat (log2(Beats) mux stages).
  logic [SliceW-1:0] rf_q [pim_pu_pkg::NumSlots][NumSel];
  logic [pim_pu_pkg::NumErr-1:0] err_q, err_set;
  logic [1:0]  cool_q;                 // cycles until the next COMP may issue
  logic [4:0]  busy_q   [2];           // cycles of busy window left per bank

  // Register-file entry of set `set` of bank `b`.
  function automatic logic [SelW-1:0] rf_index(input logic b, input logic [1:0] set);
    rf_index = SelW'(32'(b) * RegSets + 32'(set));
  endfunction
  // Bit position of element c in a register-file entry (lane-major).
  function automatic int unsigned rf_elem_pos(input int unsigned c);
    rf_elem_pos = LaneW * (c % Lanes) + 16 * (c / Lanes);
  endfunction

  // ===========================================================================
  // Command decode (cycle 0)
  // ===========================================================================
  logic       cmd_bank_busy;
  logic       do_comp, do_regwr, do_result, do_clear, do_ctrl, do_seed, do_errclr;
  logic [1:0] regwr_set;
  logic [2:0] regwr_slot;

  assign cmd_bank_busy = busy_q[cmd_bank_i] != 5'd0;
  assign regwr_set  = cmd_idx_i[4:3];
  assign regwr_slot = cmd_idx_i[2:0];

  always_comb begin
    do_comp   = 1'b0;
    do_regwr  = 1'b0;
    do_result = 1'b0;
    do_clear  = 1'b0;
    do_ctrl   = 1'b0;
    do_seed   = 1'b0;
    do_errclr = 1'b0;
    err_set   = '0;
    if (cmd_valid_i) begin
      unique case (cmd_op_i)
        pim_pu_pkg::OpNop: ;
        pim_pu_pkg::OpComp: begin
          if (cool_q != 2'd0) err_set[pim_pu_pkg::ErrRate] = 1'b1;
          else                do_comp = 1'b1;
        end
        pim_pu_pkg::OpRegWr: begin
          if (32'(regwr_slot) >= pim_pu_pkg::NumSlots || 32'(regwr_set) >= RegSets) begin
            err_set[pim_pu_pkg::ErrAddr] = 1'b1;
          end else if (cmd_bank_busy && regwr_set == setsel_q[cmd_bank_i]) begin
            err_set[pim_pu_pkg::ErrBusy] = 1'b1;
          end else if (!pim_pu_pkg::mx8_block_ok(cmd_wdata_i[127:112]) ||
                       !pim_pu_pkg::mx8_block_ok(cmd_wdata_i[255:240])) begin
            err_set[pim_pu_pkg::ErrData] = 1'b1;
          end else begin
            do_regwr = 1'b1;
          end
        end
        pim_pu_pkg::OpResult: begin
          if (cmd_idx_i[4:2] != 3'd0) err_set[pim_pu_pkg::ErrAddr] = 1'b1;
          else if (cmd_bank_busy)     err_set[pim_pu_pkg::ErrBusy] = 1'b1;
          else                        do_result = 1'b1;
        end
        pim_pu_pkg::OpClear: begin
          if (cmd_bank_busy) err_set[pim_pu_pkg::ErrBusy] = 1'b1;
          else               do_clear = 1'b1;
        end
        pim_pu_pkg::OpCfgWr: begin
          unique case (cmd_idx_i)
            pim_pu_pkg::CfgCtrl: begin
              if (cmd_bank_busy) begin
                err_set[pim_pu_pkg::ErrBusy] = 1'b1;
              end else if (cmd_wdata_i[1:0] == 2'd3 || 32'(cmd_wdata_i[4:3]) >= RegSets) begin
                err_set[pim_pu_pkg::ErrCfg] = 1'b1;
              end else begin
                do_ctrl = 1'b1;
              end
            end
            pim_pu_pkg::CfgSeed: begin
              if (cmd_bank_busy) err_set[pim_pu_pkg::ErrBusy] = 1'b1;
              else               do_seed = 1'b1;
            end
            pim_pu_pkg::CfgErrClr: do_errclr = 1'b1;
            default: err_set[pim_pu_pkg::ErrAddr] = 1'b1;
          endcase
        end
        default: err_set[pim_pu_pkg::ErrOpcode] = 1'b1;
      endcase
    end
  end

  // ===========================================================================
  // Pipeline control: one record per stage {valid, beat, bank, atom, mode, rnd}
  // ===========================================================================
  // RD (cycle 1) and CAP (cycle 2)
  logic       rd_valid_q, cp_valid_q;
  logic       rd_bank_q, cp_bank_q;
  logic [4:0] rd_atom_q, cp_atom_q;
  logic [1:0] rd_mode_q, cp_mode_q;
  logic       rd_rnd_q, cp_rnd_q;
  // E1, E2, E3 (SU arithmetic), beats
  logic             ex_valid_q, e2_valid_q, e3_valid_q;
  logic [BeatW-1:0] ex_beat_q, e2_beat_q, e3_beat_q;
  logic             ex_bank_q, e2_bank_q, e3_bank_q;
  logic [4:0]       ex_atom_q, e2_atom_q, e3_atom_q;
  logic [1:0]       ex_mode_q, e2_mode_q, e3_mode_q;
  logic             ex_rnd_q, e2_rnd_q, e3_rnd_q;
  // Q (requantiser): block 0 then block 1
  logic       q_valid_q, q_blk_q, q_bank_q, q_rnd_q;
  logic [4:0] q_atom_q;
  logic [1:0] q_mode_q;
  // M1, M2 (products, accumulate), M3 (SCORE top)
  logic             m1_valid_q, m2_valid_q, m3_valid_q;
  logic [BeatW-1:0] m1_beat_q, m2_beat_q;
  logic             m1_bank_q, m2_bank_q, m3_bank_q;
  logic [4:0]       m1_atom_q, m2_atom_q, m3_atom_q;
  logic [1:0]       m1_mode_q, m2_mode_q;

  logic ex_last, e3_last, m1_last, m2_last;
  assign ex_last = ex_valid_q && (32'(ex_beat_q) == LastBeat);
  assign e3_last = e3_valid_q && (32'(e3_beat_q) == LastBeat);
  assign m1_last = m1_valid_q && (32'(m1_beat_q) == LastBeat);
  assign m2_last = m2_valid_q && (32'(m2_beat_q) == LastBeat);

  always_ff @(posedge clk_i or negedge rst_ni) begin : p_ctrl
    if (!rst_ni) begin
      rd_valid_q <= 1'b0; rd_bank_q <= 1'b0; rd_atom_q <= '0; rd_mode_q <= '0; rd_rnd_q <= 1'b0;
      cp_valid_q <= 1'b0; cp_bank_q <= 1'b0; cp_atom_q <= '0; cp_mode_q <= '0; cp_rnd_q <= 1'b0;
      ex_valid_q <= 1'b0; ex_beat_q <= '0; ex_bank_q <= 1'b0; ex_atom_q <= '0; ex_mode_q <= '0; ex_rnd_q <= 1'b0;
      e2_valid_q <= 1'b0; e2_beat_q <= '0; e2_bank_q <= 1'b0; e2_atom_q <= '0; e2_mode_q <= '0; e2_rnd_q <= 1'b0;
      e3_valid_q <= 1'b0; e3_beat_q <= '0; e3_bank_q <= 1'b0; e3_atom_q <= '0; e3_mode_q <= '0; e3_rnd_q <= 1'b0;
      q_valid_q  <= 1'b0; q_blk_q <= 1'b0; q_bank_q <= 1'b0; q_atom_q <= '0; q_mode_q <= '0; q_rnd_q <= 1'b0;
      m1_valid_q <= 1'b0; m1_beat_q <= '0; m1_bank_q <= 1'b0; m1_atom_q <= '0; m1_mode_q <= '0;
      m2_valid_q <= 1'b0; m2_beat_q <= '0; m2_bank_q <= 1'b0; m2_atom_q <= '0; m2_mode_q <= '0;
      m3_valid_q <= 1'b0; m3_bank_q <= 1'b0; m3_atom_q <= '0;
      cool_q     <= '0;
      busy_q[0]  <= '0;
      busy_q[1]  <= '0;
    end else begin
      // Stages from the last to the first, so that each reads its
      // predecessor's registers before they are written.
      // M2 -> M3
      m3_valid_q <= m2_last && (m2_mode_q == pim_pu_pkg::ModeScore);
      if (m2_last) begin
        m3_bank_q <= m2_bank_q; m3_atom_q <= m2_atom_q;
      end
      // M1 -> M2
      m2_valid_q <= m1_valid_q;
      if (m1_valid_q) begin
        m2_beat_q <= m1_beat_q; m2_bank_q <= m1_bank_q; m2_atom_q <= m1_atom_q; m2_mode_q <= m1_mode_q;
      end
      // Q1 -> M1 beats (WB in the first)
      if (q_valid_q && q_blk_q) begin
        m1_valid_q <= 1'b1;
        m1_beat_q  <= '0;
        m1_bank_q  <= q_bank_q; m1_atom_q <= q_atom_q; m1_mode_q <= q_mode_q;
      end else if (m1_valid_q) begin
        if (m1_last) m1_valid_q <= 1'b0;
        m1_beat_q <= m1_beat_q + 1'b1;
      end
      // E3 (last beat) -> Q0 -> Q1
      if (e3_last) begin
        q_valid_q <= 1'b1;
        q_blk_q   <= 1'b0;
        q_bank_q  <= e3_bank_q; q_atom_q <= e3_atom_q; q_mode_q <= e3_mode_q; q_rnd_q <= e3_rnd_q;
      end else if (q_valid_q) begin
        if (q_blk_q) q_valid_q <= 1'b0;
        q_blk_q <= 1'b1;
      end
      // E2 -> E3
      e3_valid_q <= e2_valid_q;
      if (e2_valid_q) begin
        e3_beat_q <= e2_beat_q; e3_bank_q <= e2_bank_q; e3_atom_q <= e2_atom_q;
        e3_mode_q <= e2_mode_q; e3_rnd_q <= e2_rnd_q;
      end
      // E1 -> E2
      e2_valid_q <= ex_valid_q;
      if (ex_valid_q) begin
        e2_beat_q <= ex_beat_q; e2_bank_q <= ex_bank_q; e2_atom_q <= ex_atom_q;
        e2_mode_q <= ex_mode_q; e2_rnd_q <= ex_rnd_q;
      end
      // CAP -> E1 beats
      if (cp_valid_q) begin
        ex_valid_q <= 1'b1;
        ex_beat_q  <= '0;
        ex_bank_q  <= cp_bank_q; ex_atom_q <= cp_atom_q; ex_mode_q <= cp_mode_q; ex_rnd_q <= cp_rnd_q;
      end else if (ex_valid_q) begin
        if (ex_last) ex_valid_q <= 1'b0;
        ex_beat_q <= ex_beat_q + 1'b1;
      end
      // RD -> CAP
      cp_valid_q <= rd_valid_q;
      if (rd_valid_q) begin
        cp_bank_q <= rd_bank_q; cp_atom_q <= rd_atom_q; cp_mode_q <= rd_mode_q; cp_rnd_q <= rd_rnd_q;
      end
      // issue -> RD
      rd_valid_q <= do_comp;
      if (do_comp) begin
        rd_bank_q <= cmd_bank_i;
        rd_atom_q <= cmd_idx_i;
        rd_mode_q <= mode_q[cmd_bank_i];
        rd_rnd_q  <= rnd_q[cmd_bank_i];
      end
      // COMP spacing and busy windows
      if (do_comp)              cool_q <= 2'(pim_pu_pkg::CompGap - 1);
      else if (cool_q != 2'd0)  cool_q <= cool_q - 2'd1;
      for (int b = 0; b < 2; b++) begin
        if (do_comp && cmd_bank_i == b[0]) busy_q[b] <= 5'(AccLat);
        else if (busy_q[b] != 5'd0)       busy_q[b] <= busy_q[b] - 5'd1;
      end
    end
  end

  assign bank_re_o   = rd_valid_q ? (rd_bank_q ? 2'b10 : 2'b01) : 2'b00;
  assign bank_rcol_o = rd_atom_q;
  assign busy_o      = {busy_q[1] != 5'd0, busy_q[0] != 5'd0};

  // ===========================================================================
  // CAP: the atom read from the bank. A block outside the format reads as +0
  // (and sets ERR_DATA): the atom is stored as read with one "in format" bit
  // per block, applied where its elements are used.
  // The read data is only looked at inside clocked processes, in CAP.
  // ===========================================================================
  logic [255:0] atom_q, atom2_q;
  logic [1:0]   atom_ok_q;

  // (atom_ok_q is set with the ERR_DATA check, in p_err_res)
  always_ff @(posedge clk_i) begin : p_atom
    if (cp_valid_q) atom_q <= cp_bank_q ? bank_b_rdata_i : bank_a_rdata_i;
    // kept for the pass-through of SCORE / ATTEND
    if (ex_last) atom2_q <= {atom_ok_q[1] ? atom_q[255:128] : 128'd0, atom_ok_q[0] ? atom_q[127:0] : 128'd0};
  end

  // ===========================================================================
  // Lanes. Lane l handles elements c = beat * Lanes + l of every stage:
  //   E1: h = dec(atom[c]); g = gk[r] * gv[c]; b = k[r] * v[c]
  //   E2: a = h * g
  //   E3: y[c] = a + b                             (into ybuf)
  //   M1: SU h'[c] * q[r]; ATTEND x[c] * p[r]; SCORE x[c] * q[c]
  //   M2: SU/ATTEND acc[c] += product; SCORE: Lanes-leaf pairwise tree
  // Each stage keeps its lanes' results in one register, lane l at
  // [w * l +: w] (g_lane[l].lane_* name the slices for waveforms); the
  // arithmetic of a stage only runs while that stage holds a COMP of a mode
  // that uses it.
  // ===========================================================================
  logic e1_su, e2_su, e3_su, m2_elem, m2_score;
  assign e1_su    = ex_valid_q && ex_mode_q == pim_pu_pkg::ModeSu;
  assign e2_su    = e2_valid_q && e2_mode_q == pim_pu_pkg::ModeSu;
  assign e3_su    = e3_valid_q && e3_mode_q == pim_pu_pkg::ModeSu;
  assign m2_elem  = m2_valid_q && m2_mode_q != pim_pu_pkg::ModeScore;
  assign m2_score = m2_valid_q && m2_mode_q == pim_pu_pkg::ModeScore;

  // Register-file entry of the COMP in E1 and in M1, and its row scalars:
  // k[r], gk[r] for E1, q[r] (SU) or p[r] (ATTEND) for M1. Read once when the
  // COMP enters the stage (the selected set of a busy bank cannot change).
  logic [SelW-1:0]           ex_sel_q, m1_sel_q;
  logic [14:0]               ex_kr_q, ex_gkr_q, m1_s_q;
  logic                      m1_start;
  assign m1_start = q_valid_q && q_blk_q;
  always_ff @(posedge clk_i) begin : p_row
    logic [SelW-1:0] sel;
    if (cp_valid_q) begin
      sel = rf_index(cp_bank_q, setsel_q[cp_bank_q]);
      ex_sel_q <= sel;
      ex_kr_q  <= rf_q[pim_pu_pkg::SlotK][sel][rf_elem_pos(32'(cp_atom_q)) +: 15];
      ex_gkr_q <= rf_q[pim_pu_pkg::SlotGk][sel][rf_elem_pos(32'(cp_atom_q)) +: 15];
    end
    if (m1_start) begin
      sel = rf_index(q_bank_q, setsel_q[q_bank_q]);
      m1_sel_q <= sel;
      m1_s_q   <= (q_mode_q == pim_pu_pkg::ModeAttend) ? rf_q[pim_pu_pkg::SlotP][sel][rf_elem_pos(32'(q_atom_q)) +: 15] :
                                                          rf_q[pim_pu_pkg::SlotQ][sel][rf_elem_pos(32'(q_atom_q)) +: 15];
    end
  end

  // Each lane's raw elements {field, E, micro bit} of an atom: lane l's word
  // at [LaneRawW * l +: LaneRawW], its element j * Lanes + l at [16 j +: 16].
  // The lanes decode from these words (E1 from the read atom, loaded in CAP;
  // M1 from the written-back or passed-through atom, loaded in Q1).
  localparam int unsigned LaneRawW = 16 * Beats;
  function automatic logic [Lanes*LaneRawW-1:0] lanes_raw(input logic [255:0] a);
    int unsigned c;
    for (int l = 0; l < Lanes; l++) begin
      for (int j = 0; j < Beats; j++) begin
        c = j * Lanes + l;
        lanes_raw[LaneRawW * l + 16 * j +: 16] = {a[128 * (c / 16) + 7 * (c % 16) +: 7],
                                                   a[128 * (c / 16) + 112 +: 8],
                                                   a[128 * (c / 16) + 120 + (c % 16) / 2]};
      end
    end
  endfunction

  logic [Lanes*LaneRawW-1:0] e1_raw_q, m1_raw_q;
  logic [127:0]              qblk0_q;
  logic [255:0]              wb_q;

  logic [63:0]         acc_set;                  // accumulator written since reset / CLEAR
  // Accumulators in rows of Lanes: row bank * Beats + beat holds accumulators
  // beat * Lanes .. + Lanes - 1 of the bank (one per lane), so M2 reads and
  // writes one row. Entry {bank, c} is flag acc_set[Lanes * row + lane].
  localparam int unsigned AccRows = 2 * Beats;
  logic [Lanes*32-1:0] acc_q [AccRows];

  // Per-stage lane registers, lane l at [w * l +: w]: E1 -> h, g, b2;
  // E2 -> a, b3; M1 -> prod.
  logic [Lanes*15-1:0] h_q;
  logic [Lanes*32-1:0] g_q, b2_q, a_q, b3_q, prod_q;

  always_ff @(posedge clk_i) begin : p_raw
    if (cp_valid_q) e1_raw_q <= lanes_raw(cp_bank_q ? bank_b_rdata_i : bank_a_rdata_i);
  end

  // The arithmetic of each stage sits in the clocked process that stores its
  // results (the same flops and timing as logic in front of them): a
  // simulator evaluates it only at the clock edge of a busy stage.
  always_ff @(posedge clk_i) begin : p_e1
    if (e1_su) begin
      for (int l = 0; l < Lanes; l++) begin
        // (an element of a block outside the format reads as +0)
        h_q[15*l +: 15]  <= pim_pu_pkg::mx8_dec_raw(16'(e1_raw_q[LaneRawW*l +: LaneRawW] >> (16 * 32'(ex_beat_q))),
                                                    atom_ok_q[(32'(ex_beat_q) * Lanes + l) / 16]);
        g_q[32*l +: 32]  <= pim_pu_pkg::fp_mul_66(ex_gkr_q, `PIM_PU_RF_LANE(pim_pu_pkg::SlotGv, ex_sel_q, ex_beat_q));
        b2_q[32*l +: 32] <= pim_pu_pkg::fp_mul_66(ex_kr_q, `PIM_PU_RF_LANE(pim_pu_pkg::SlotV, ex_sel_q, ex_beat_q));
      end
    end
  end
  always_ff @(posedge clk_i) begin : p_e2
    if (e2_su) begin
      for (int l = 0; l < Lanes; l++) begin
        a_q[32*l +: 32] <= pim_pu_pkg::fp_mul_6f(h_q[15*l +: 15], g_q[32*l +: 32]);
      end
      b3_q <= b2_q;
    end
  end
  always_ff @(posedge clk_i) begin : p_m1
    if (m1_valid_q) begin
      for (int l = 0; l < Lanes; l++) begin
        prod_q[32*l +: 32] <= pim_pu_pkg::fp_mul_66(
            pim_pu_pkg::mx8_dec_raw(16'(m1_raw_q[LaneRawW*l +: LaneRawW] >> (16 * 32'(m1_beat_q))), 1'b1),
            (m1_mode_q == pim_pu_pkg::ModeScore) ? `PIM_PU_RF_LANE(pim_pu_pkg::SlotQ, m1_sel_q, m1_beat_q) : m1_s_q);
      end
    end
  end

  // y of the COMP in E3..Q1, one row per beat: y[c] at row c / Lanes, lane c % Lanes.
  logic [Lanes*32-1:0] ybuf_q [Beats];
  always_ff @(posedge clk_i) begin : p_ybuf
    logic [Lanes*32-1:0] row;
    if (e3_su) begin
      for (int l = 0; l < Lanes; l++) row[32*l +: 32] = pim_pu_pkg::fp_add(a_q[32*l +: 32], b3_q[32*l +: 32]);
      ybuf_q[e3_beat_q] <= row;
    end
  end

  // ===========================================================================
  // Q: requantise y[0..15] (Q0) and y[16..31] (Q1); SCORE/ATTEND pass the read
  // atom through. The bank's generator advances 16 steps per stochastic block.
  // ===========================================================================
  logic         q_su;

  assign q_su = q_valid_q && q_mode_q == pim_pu_pkg::ModeSu;
  // The requantiser sits in the clocked process that stores its block (the
  // same flops and timing as a requantiser in front of them): it is only
  // evaluated at the clock edge of a block in Q. With the second block it also
  // loads each lane's raw elements for M1.
  always_ff @(posedge clk_i) begin : p_q
    logic [511:0] y;
    logic [127:0] blk;
    if (q_valid_q) begin
      if (q_su) begin
        for (int i = 0; i < 16; i++) begin
          y[32*i +: 32] = q_blk_q ? ybuf_q[(16 + i) / Lanes][32 * ((16 + i) % Lanes) +: 32] :
                                    ybuf_q[i / Lanes][32 * (i % Lanes) +: 32];
        end
        blk = pim_pu_pkg::mx8_quant16(y, q_rnd_q, rng_q[q_bank_q]);
      end else begin
        blk = q_blk_q ? atom2_q[255:128] : atom2_q[127:0];
      end
      if (!q_blk_q) begin
        qblk0_q <= blk;
      end else begin
        wb_q     <= {blk, qblk0_q};
        m1_raw_q <= lanes_raw({blk, qblk0_q});
      end
    end
  end

  // WB: the first M1 cycle of an SU COMP writes the requantised atom back.
  logic wb_bank;
`ifdef PIM_PU_BUG_BANK_SEL
  assign wb_bank = ~m1_bank_q;                   // planted fault: wrong bank
`else
  assign wb_bank = m1_bank_q;
`endif
  assign bank_we_o    = (m1_valid_q && m1_beat_q == '0 && m1_mode_q == pim_pu_pkg::ModeSu) ?
                        (wb_bank ? 2'b10 : 2'b01) : 2'b00;
  assign bank_wcol_o  = m1_atom_q;
  assign bank_wdata_o = wb_q;

  // ===========================================================================
  // SCORE: M2 reduces a beat's Lanes products with a pairwise tree (level 1
  // adds neighbours, ...: with aligned beats this is the golden tree's
  // subtree); M3 adds the beats' partial sums pairwise and accumulates.
  // ===========================================================================
  function automatic logic [31:0] lane_tree(input logic [Lanes*32-1:0] v);
    logic [Lanes*32-1:0] t;
    t = v;
    for (int w = Lanes / 2; w >= 1; w = w / 2) begin
      for (int i = 0; i < w; i++) begin
        t[32*i +: 32] = pim_pu_pkg::fp_add(t[64*i +: 32], t[64*i+32 +: 32]);
      end
    end
    lane_tree = t[31:0];
  endfunction

  logic [31:0] part_q [Beats];
  always_ff @(posedge clk_i) begin : p_part
    if (m2_score) part_q[m2_beat_q] <= lane_tree(prod_q);
  end

  logic [31:0] top_sum, m3_old, m3_sum;
  assign m3_old = acc_set[{m3_bank_q, m3_atom_q}] ?
                  acc_q[32'(m3_bank_q) * Beats + 32'(m3_atom_q) / Lanes][32 * (32'(m3_atom_q) % Lanes) +: 32] : 32'd0;
  if (Beats == 1) begin : g_top1
    assign top_sum = part_q[0];
  end else if (Beats == 2) begin : g_top2
    always_comb begin
      top_sum = '0;
      if (m3_valid_q) top_sum = pim_pu_pkg::fp_add(part_q[0], part_q[1]);
    end
  end else begin : g_top4
    always_comb begin
      top_sum = '0;
      if (m3_valid_q) begin
        top_sum = pim_pu_pkg::fp_add(pim_pu_pkg::fp_add(part_q[0], part_q[1]),
                                     pim_pu_pkg::fp_add(part_q[2], part_q[3]));
      end
    end
  end
  always_comb begin
    m3_sum = '0;
    if (m3_valid_q) m3_sum = pim_pu_pkg::fp_add(m3_old, top_sum);
  end

  // ===========================================================================
  // Accumulators. acc_set marks entries written since reset / CLEAR; an
  // unmarked entry reads as +0, so reset and CLEAR are one cycle. Writers
  // never meet on one bank: CLEAR needs an idle bank, and a bank's COMPs in
  // flight share a mode.
  // ===========================================================================
  always_ff @(posedge clk_i or negedge rst_ni) begin : p_acc_set
    if (!rst_ni) begin
      acc_set <= '0;
    end else begin
      if (do_clear) begin
        if (cmd_bank_i) acc_set[63:32] <= '0;
        else            acc_set[31:0]  <= '0;
      end
      if (m2_elem) begin
        acc_set[Lanes * (32'(m2_bank_q) * Beats + 32'(m2_beat_q)) +: Lanes] <= '1;
      end
      if (m3_valid_q) acc_set[{m3_bank_q, m3_atom_q}] <= 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin : p_acc
    logic [Lanes*32-1:0] nrow;
    logic [Lanes-1:0]    set;
    int unsigned         row;
    if (m2_elem) begin
      row = 32'(m2_bank_q) * Beats + 32'(m2_beat_q);
      set = acc_set[Lanes * row +: Lanes];
      for (int l = 0; l < Lanes; l++) begin
        nrow[32*l +: 32] = pim_pu_pkg::fp_add(set[l] ? acc_q[row][32*l +: 32] : 32'd0, prod_q[32*l +: 32]);
      end
      acc_q[row] <= nrow;
    end
    if (m3_valid_q) begin
      acc_q[32'(m3_bank_q) * Beats + 32'(m3_atom_q) / Lanes][32 * (32'(m3_atom_q) % Lanes) +: 32] <= m3_sum;
    end
  end

  // ===========================================================================
  // Register file, configuration, generator, error flags, result read-out
  // ===========================================================================
  // REG_WR decodes the slice once, at the write port (32 decoders), so the
  // lanes read operands in short form.
  always_ff @(posedge clk_i or negedge rst_ni) begin : p_regs
    logic [SliceW-1:0] dec;
    if (!rst_ni) begin
      for (int t = 0; t < pim_pu_pkg::NumSlots; t++) begin
        for (int i = 0; i < NumSel; i++) begin
          rf_q[t][i] <= (t == 32'(pim_pu_pkg::SlotGv)) ? {32{1'b0, pim_pu_pkg::Mx8One}} : '0;
        end
      end
    end else if (do_regwr) begin
      dec = '0;
      for (int c = 0; c < 32; c++) begin
        dec[rf_elem_pos(c) +: 15] = pim_pu_pkg::mx8_dec(cmd_wdata_i[128 * (c / 16) + 7 * (c % 16) +: 7],
                                                        cmd_wdata_i[128 * (c / 16) + 112 +: 8],
                                                        cmd_wdata_i[128 * (c / 16) + 120 + (c % 16) / 2]);
      end
      // (slots 6, 7 are ERR_ADDR and never reach a write)
      rf_q[regwr_slot][rf_index(cmd_bank_i, regwr_set)] <= dec;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin : p_cfg
    if (!rst_ni) begin
      for (int b = 0; b < 2; b++) begin
        mode_q[b]   <= pim_pu_pkg::ModeSu;
        rnd_q[b]    <= 1'b0;
        setsel_q[b] <= 2'd0;
        rng_q[b]    <= pim_pu_pkg::RngSeedZero;
      end
    end else begin
      if (do_ctrl) begin
        mode_q[cmd_bank_i]   <= cmd_wdata_i[1:0];
        rnd_q[cmd_bank_i]    <= cmd_wdata_i[2];
        setsel_q[cmd_bank_i] <= cmd_wdata_i[4:3];
      end
      if (do_seed) begin
        rng_q[cmd_bank_i] <= (cmd_wdata_i[31:0] == 32'd0) ? pim_pu_pkg::RngSeedZero : cmd_wdata_i[31:0];
      end
      if (q_su && q_rnd_q) rng_q[q_bank_q] <= pim_pu_pkg::xorshift32_16(rng_q[q_bank_q]);
    end
  end

  logic res_valid_q;
  logic [255:0] res_data_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin : p_err_res
    logic [pim_pu_pkg::NumErr-1:0] data_err;
    logic [1:0]                    ok;
    if (!rst_ni) begin
      err_q       <= '0;
      res_valid_q <= 1'b0;
      atom_ok_q   <= '0;
    end else begin
      data_err = '0;
      if (cp_valid_q) begin                      // CAP: the read blocks in the format?
        ok = {pim_pu_pkg::mx8_block_ok(cp_bank_q ? bank_b_rdata_i[255:240] : bank_a_rdata_i[255:240]),
              pim_pu_pkg::mx8_block_ok(cp_bank_q ? bank_b_rdata_i[127:112] : bank_a_rdata_i[127:112])};
        atom_ok_q <= ok;
        if (ok != 2'b11) data_err[pim_pu_pkg::ErrData] = 1'b1;
      end
      err_q <= (err_q & ~(do_errclr ? cmd_wdata_i[pim_pu_pkg::NumErr-1:0] : '0)) | err_set | data_err;
      res_valid_q <= do_result;
    end
  end

  always_ff @(posedge clk_i) begin : p_res_data
    if (do_result) begin
      for (int i = 0; i < 8; i++) begin
        res_data_q[32*i +: 32] <= acc_set[{cmd_bank_i, cmd_idx_i[1:0], 3'(i)}] ?
                                  acc_q[32'(cmd_bank_i) * Beats + 32'({cmd_idx_i[1:0], 3'(i)}) / Lanes]
                                       [32 * (32'({cmd_idx_i[1:0], 3'(i)}) % Lanes) +: 32] : 32'd0;
      end
    end
  end

`ifndef SYNTHESIS
  // Per-lane view of the stage registers for waveforms (removed by Verilator
  // when untraced): g_lane[l].lane_h is lane l's slice of h_q, and so on.
  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic [14:0] lane_h;
    logic [31:0] lane_g, lane_b, lane_a, lane_b3, lane_prod;
    assign lane_h    = h_q[15*l +: 15];
    assign lane_g    = g_q[32*l +: 32];
    assign lane_b    = b2_q[32*l +: 32];
    assign lane_a    = a_q[32*l +: 32];
    assign lane_b3   = b3_q[32*l +: 32];
    assign lane_prod = prod_q[32*l +: 32];
  end

  // Per-accumulator view for waveforms (removed by Verilator when untraced).
  logic [31:0] acc_view [64];
  always_comb begin
    for (int i = 0; i < 64; i++) begin
      acc_view[i] = acc_set[i] ? acc_q[(i / 32) * Beats + (i % 32) / Lanes][32 * ((i % 32) % Lanes) +: 32] : 32'd0;
    end
  end
`endif

  assign res_valid_o = res_valid_q;
  assign res_data_o  = res_data_q;
  assign err_o       = |err_q;
  assign err_cause_o = err_q;

  // ===========================================================================
  // Assertions (simulation only)
  // ===========================================================================
`ifndef SYNTHESIS
  initial begin
    assert (Lanes == 8 || Lanes == 16 || Lanes == 32)
      else $fatal(1, "pim_pu: Lanes = %0d, allowed 8, 16, 32", Lanes);
    assert (RegSets >= 1 && RegSets <= 4)
      else $fatal(1, "pim_pu: RegSets = %0d, allowed 1..4", RegSets);
  end
  // The banks see one-hot (or no) read and write strobes.
  a_re_onehot: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(bank_re_o));
  a_we_onehot: assert property (@(posedge clk_i) disable iff (!rst_ni) $onehot0(bank_we_o));
  // A new atom never arrives while E1 still has beats of the previous one.
  a_e1_free: assert property (@(posedge clk_i) disable iff (!rst_ni) cp_valid_q |-> (!ex_valid_q || ex_last));
  // The requantiser and M1 are free when the next COMP reaches them.
  a_q_free:  assert property (@(posedge clk_i) disable iff (!rst_ni) e3_last |-> (!q_valid_q || q_blk_q));
  a_m1_free: assert property (@(posedge clk_i) disable iff (!rst_ni) (q_valid_q && q_blk_q) |-> (!m1_valid_q || m1_last));
  // Every stage in flight belongs to a busy bank.
  a_busy_e1: assert property (@(posedge clk_i) disable iff (!rst_ni) ex_valid_q |-> busy_o[ex_bank_q]);
  a_busy_m2: assert property (@(posedge clk_i) disable iff (!rst_ni) m2_valid_q |-> busy_o[m2_bank_q]);
  a_busy_m3: assert property (@(posedge clk_i) disable iff (!rst_ni) m3_valid_q |-> busy_o[m3_bank_q]);
`endif

endmodule

`undef PIM_PU_RF_LANE
