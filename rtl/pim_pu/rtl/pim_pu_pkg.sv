// pim_pu_pkg: constants of the PIM processing unit and its arithmetic as
// functions (MX8 decode, FP32 multiply and add of the PU, MX8 requantiser,
// xorshift32). The rules are those of docs/numerics.md ("Pimba MX8", "PU
// arithmetic"); rtl/pim_pu/doc/spec.md says how the unit uses them.
//
// Written for Verilator 5.006 and Yosys 0.23: functions assign their name (no
// `return`), no enum casts, no interfaces, users call `pim_pu_pkg::name`.
`timescale 1ns/1ps

package pim_pu_pkg;

  // ---- geometry ----
  localparam int unsigned CompGap   = 4;    // nCCD_L: minimum cycles between COMPs

  // ---- command opcodes (cmd_op_i) ----
  localparam logic [2:0] OpNop    = 3'd0;
  localparam logic [2:0] OpComp   = 3'd1;
  localparam logic [2:0] OpRegWr  = 3'd2;
  localparam logic [2:0] OpResult = 3'd3;
  localparam logic [2:0] OpClear  = 3'd4;
  localparam logic [2:0] OpCfgWr  = 3'd5;

  // ---- operation modes (CTRL.mode) ----
  localparam logic [1:0] ModeSu     = 2'd0;
  localparam logic [1:0] ModeScore  = 2'd1;
  localparam logic [1:0] ModeAttend = 2'd2;

  // ---- register slots ----
  localparam int unsigned NumSlots = 6;
  localparam logic [2:0] SlotK  = 3'd0;
  localparam logic [2:0] SlotGk = 3'd1;
  localparam logic [2:0] SlotQ  = 3'd2;
  localparam logic [2:0] SlotV  = 3'd3;
  localparam logic [2:0] SlotGv = 3'd4;
  localparam logic [2:0] SlotP  = 3'd5;

  // ---- configuration registers (CFG_WR idx) ----
  localparam logic [4:0] CfgCtrl   = 5'd0;
  localparam logic [4:0] CfgSeed   = 5'd1;
  localparam logic [4:0] CfgErrClr = 5'd2;

  // ---- error causes (err_cause_o bits) ----
  localparam int unsigned NumErr  = 6;
  localparam int unsigned ErrOpcode = 0;
  localparam int unsigned ErrRate   = 1;
  localparam int unsigned ErrBusy   = 2;
  localparam int unsigned ErrAddr   = 3;
  localparam int unsigned ErrCfg    = 4;
  localparam int unsigned ErrData   = 5;

  // ---- numbers ----
  localparam logic [31:0] RngSeedZero = 32'h9E3779B9;  // what seed 0 loads
  localparam logic [30:0] FltMaxMag   = 31'h7F7FFFFF;  // |FLT_MAX|
  // 1.0 as an MX8 element (field 0x20, E = 127, no micro-exponent), decoded to
  // the short form below: +, exponent 127, significand 100000b.
  localparam logic [14:0]  Mx8One = {1'b0, 8'd127, 6'b100000};

  // ---------------------------------------------------------------------------
  // MX8 helpers. Short form of a decoded element: {sign, biased exponent[7:0],
  // significand[5:0]} with the significand normalised (bit 5 set), or
  // exponent 0 and significand 0 for a zero.
  // ---------------------------------------------------------------------------

  // A block the encoder can produce: E != 255, and no micro-exponent when
  // E = 0. `hdr` is bytes 15..14 of the block {micro bits, E}.
  function automatic logic mx8_block_ok(input logic [15:0] hdr);
    mx8_block_ok = (hdr[7:0] != 8'hFF) && !((hdr[7:0] == 8'h00) && (hdr[15:8] != 8'h00));
  endfunction

  // Leading zeros of a 6-bit significand, one table bit per result bit:
  // bit m of Clz6B<k> is bit k of clz6(m) (m = 0 gives 6; its value reads as
  // zero anyway). Three 64-bit constants instead of a priority chain: a
  // simulator evaluates each as one shift.
  localparam logic [63:0] Clz6B0 = 64'h00000000FFFF00F2;
  localparam logic [63:0] Clz6B1 = 64'h000000000000FFF1;
  localparam logic [63:0] Clz6B2 = 64'h000000000000000F;

  // One element of a block from its 7-bit field {sign, m}, the block's E and
  // the micro-exponent bit of its pair: value m * 2^(pe - 132), pe = E - mu.
  // A value below 2^-126 (an FP32 subnormal) reads as zero of its sign (DAZ).
  function automatic logic [14:0] mx8_dec(input logic [6:0] f, input logic [7:0] e, input logic mu);
    logic [5:0] m;
    logic [7:0] pe, s;
    m  = f[5:0];
    s  = {5'b0, Clz6B2[m], Clz6B1[m], Clz6B0[m]};
    // pe = E - mu >= 0 (a micro-exponent needs E > 0, mx8_block_ok).
    // value = (m * 2^s / 32) * 2^(pe - 127 - s): biased exponent pe - s,
    // zero (or subnormal: DAZ) when pe <= s; m = 0 has s = 6 > pe or reads 0.
    pe = e - {7'b0, mu};
    if (m == 6'd0 || pe <= s) begin
      mx8_dec = {f[6], 14'b0};
    end else begin
      mx8_dec = {f[6], pe - s, m << s[2:0]};
    end
  endfunction

  // An element held raw as {7-bit field, its block's E, its pair's micro bit};
  // `ok` clear (its block is outside the format) reads as +0.
  function automatic logic [14:0] mx8_dec_raw(input logic [15:0] r, input logic ok);
    mx8_dec_raw = ok ? mx8_dec(r[15:9], r[8:1], r[0]) : 15'd0;
  endfunction

  // ---------------------------------------------------------------------------
  // FP32 arithmetic of the PU: round to nearest even, DAZ, FTZ, saturation.
  // ---------------------------------------------------------------------------

  // Result packing: FTZ below 2^-126, saturation at FLT_MAX. `e` is the biased
  // exponent as a 10-bit two's-complement number.
  function automatic logic [31:0] fp_pack(input logic s, input logic [9:0] e, input logic [22:0] frac);
    if (e[9] || e == 10'd0) begin
      fp_pack = {s, 31'b0};
    end else if (e >= 10'd255) begin
      fp_pack = {s, FltMaxMag};
    end else begin
      fp_pack = {s, e[7:0], frac};
    end
  endfunction

  // Result of a product: `es` = ex + ey (+1 when the significand product
  // carried), so the biased result exponent is es - 127 (FTZ when es <= 127,
  // saturation when es >= 382); `frac` the 23-bit fraction.
  function automatic logic [31:0] fp_prod_pack(input logic s, input logic [9:0] es, input logic [22:0] frac);
    if (es <= 10'd127) begin
      fp_prod_pack = {s, 31'b0};
    end else if (es >= 10'd382) begin
      fp_prod_pack = {s, FltMaxMag};
    end else begin
      fp_prod_pack = {s, 8'(es - 10'd127), frac};
    end
  endfunction

  // Product of two short-form MX8 values: 6 x 6 bits, exact (12 bits).
  function automatic logic [31:0] fp_mul_66(input logic [14:0] x, input logic [14:0] y);
    logic [11:0] p;
    logic [22:0] f;
    if (x[13:6] == 8'd0 || y[13:6] == 8'd0) begin
      fp_mul_66 = {x[14] ^ y[14], 31'b0};
    end else begin
      // p in [1024, 4096): (p / 1024) * 2^(ex + ey - 254); p[11] the carry.
      p = 12'(x[5:0]) * 12'(y[5:0]);
      f = 23'({p[10:0], 13'b0} >> p[11]);
      fp_mul_66 = fp_prod_pack(x[14] ^ y[14], {2'b00, x[13:6]} + {2'b00, y[13:6]} + {9'b0, p[11]}, f);
    end
  endfunction

  // Product of a short-form MX8 value and an FP32 value: 6 x 24 bits, rounded
  // to 24 bits, nearest even.
  function automatic logic [31:0] fp_mul_6f(input logic [14:0] x, input logic [31:0] g);
    logic [29:0] p;
    logic [9:0]  es;
    logic [23:0] frac;                            // {carry, fraction} after rounding
    if (x[13:6] == 8'd0 || g[30:23] == 8'd0) begin
      fp_mul_6f = {x[14] ^ g[31], 31'b0};
    end else begin
      // p in [2^28, 2^30): (p / 2^28) * 2^(ex + eg - 254); p[29] the carry.
      p  = 30'(x[5:0]) * 30'({1'b1, g[22:0]});
      es = {2'b00, x[13:6]} + {2'b00, g[30:23]} + {9'b0, p[29]};
      if (!p[29]) p = p << 1;
      // round to nearest even at bit 6 (p[29] is the leading one); a carry out
      // of the fraction makes the significand 2^24: exponent + 1, fraction 0.
      frac = {1'b0, p[28:6]} + {23'b0, p[5] & ((|p[4:0]) | p[6])};
      fp_mul_6f = fp_prod_pack(x[14] ^ g[31], es + {9'b0, frac[23]}, frac[22:0]);
    end
  endfunction

  // Leading zeros of a non-zero 27-bit value.
  function automatic logic [4:0] lzc27(input logic [26:0] x);
    logic [31:0] v;
    logic [4:0]  n;
    v = {x, 5'b0};
    n = 5'd0;
    if (v[31:16] == 16'd0) begin n = n + 5'd16; v = v << 16; end
    if (v[31:24] == 8'd0)  begin n = n + 5'd8;  v = v << 8;  end
    if (v[31:28] == 4'd0)  begin n = n + 5'd4;  v = v << 4;  end
    if (v[31:30] == 2'd0)  begin n = n + 5'd2;  v = v << 2;  end
    if (!v[31])            begin n = n + 5'd1;                end
    lzc27 = n;
  endfunction

  // IEEE binary32 addition with guard, round and sticky bits.
  function automatic logic [31:0] fp_add(input logic [31:0] a, input logic [31:0] b);
    logic [31:0] hi, lo;
    logic [7:0]  d;
    logic [63:0] wl;
    logic [27:0] xh, xl, sum;
    logic [9:0]  e;
    logic [4:0]  lz;
    logic [24:0] mant;
    if (a[30:23] == 8'd0 || b[30:23] == 8'd0) begin
      // A zero (or a subnormal, DAZ) adds nothing; (-0) + (-0) = -0.
      if (b[30:23] != 8'd0)      fp_add = b;
      else if (a[30:23] != 8'd0) fp_add = a;
      else                       fp_add = {a[31] & b[31], 31'b0};
    end else begin
      // hi: the operand of larger magnitude (its sign is the result's).
      if (a[30:0] >= b[30:0]) begin hi = a; lo = b; end
      else                    begin hi = b; lo = a; end
      d  = hi[30:23] - lo[30:23];
      // {carry, 24-bit significand, guard, round, sticky}
      wl = {1'b1, lo[22:0], 40'b0} >> d;
      xh = {2'b01, hi[22:0], 3'b000};
      xl = {1'b0, wl[63:38], (|wl[37:0]) | (d >= 8'd64)};
      sum = (hi[31] ^ lo[31]) ? (xh - xl) : (xh + xl);
      e   = {2'b00, hi[30:23]};
      if (sum == 28'd0) begin
        fp_add = 32'd0;                           // x + (-x) = +0
      end else begin
        if (sum[27]) begin                        // carry: one place right
          sum = {1'b0, sum[27:1]} | {27'b0, sum[0]};
          e   = e + 10'd1;
        end else if (!sum[26]) begin              // cancellation: normalise left
          lz  = lzc27(sum[26:0]);
          sum = sum << lz;
          e   = e - {5'b0, lz};
        end
        mant = {1'b0, sum[26:3]} + {24'b0, sum[2] & (sum[1] | sum[0] | sum[3])};
        if (mant[24]) begin                       // rounding carried: 2^24, fraction 0
`ifndef PIM_PU_BUG_DROP_CARRY
          e = e + 10'd1;
`endif
          mant = mant >> 1;
        end
        fp_add = fp_pack(hi[31], e, mant[22:0]);
      end
    end
  endfunction

  // ---------------------------------------------------------------------------
  // Stochastic-rounding generator and the MX8 requantiser.
  // ---------------------------------------------------------------------------

  function automatic logic [31:0] xorshift32(input logic [31:0] x);
    logic [31:0] v;
    v = x ^ (x << 13);
    v = v ^ (v >> 17);
    v = v ^ (v << 5);
    xorshift32 = v;
  endfunction

  // The generator state after one stochastic block (16 steps).
  function automatic logic [31:0] xorshift32_16(input logic [31:0] x);
    logic [31:0] v;
    v = x;
    for (int i = 0; i < 16; i++) v = xorshift32(v);
    xorshift32_16 = v;
  endfunction

  // Quantises 16 FP32 values (FTZ'd, finite) to one packed MX8 block
  // {micro bits, E, 16 fields}. With `stoch` set the generator steps once per
  // element (element order) from `state_in`; the state after the block is
  // xorshift32_16(state_in).
  function automatic logic [127:0] mx8_quant16(input logic [511:0] y, input logic stoch,
                                               input logic [31:0] state_in);
    logic [7:0]   emax, ei, pe, d;
    logic [7:0]   micro;
    logic [111:0] fields;
    logic [31:0]  st;
    logic [23:0]  sig;
    logic [31:0]  q;
    logic [7:0]   r;
    logic [6:0]   m;
    emax = 8'd0;
    for (int i = 0; i < 16; i++) begin
      if (y[32*i+23 +: 8] > emax) emax = y[32*i+23 +: 8];
    end
    for (int j = 0; j < 8; j++) begin
      micro[j] = (emax != 8'd0) && (y[64*j+23 +: 8] < emax) && (y[64*j+55 +: 8] < emax);
    end
    st = state_in;
    fields = '0;
    for (int i = 0; i < 16; i++) begin
      ei  = y[32*i+23 +: 8];
      pe  = emax - {7'b0, micro[i/2]};
      d   = pe - ei;
      sig = (ei != 8'd0) ? {1'b1, y[32*i +: 23]} : 24'd0;
      // m = floor((sig + r * 2^k) / 2^(k+8)), k = 10 + d, which equals
      // floor((floor(sig / 2^k) + r) / 2^8): r = 128 is round-half-up
      // (+2^(17+d)), r = bits [31:24] of a generator step is stochastic.
      if (stoch) begin
        st = xorshift32(st);
        r  = st[31:24];
      end else begin
        r  = 8'd128;
      end
      if (d > 8'd22) begin
        m = 7'd0;
      end else begin
        q = 32'(sig) >> (8'd10 + d);
`ifdef PIM_PU_BUG_ROUNDING
        // planted fault: round half down (+2^(17+d) - 1), i.e. r = 127 plus
        // one when any bit below 2^k is set
        if (!stoch) r = 8'd127 + {7'b0, |(32'(sig) & ((32'd1 << (8'd10 + d)) - 32'd1))};
`endif
        m = 7'((q + {24'b0, r}) >> 8);
      end
      if (m == 7'd64) m = 7'd63;                  // carry out of the 6-bit field saturates
      fields[7*i +: 7] = {y[32*i+31], m[5:0]};
    end
    mx8_quant16 = {micro, emax, fields};
  endfunction

endpackage
