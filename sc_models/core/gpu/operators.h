// Operator rows as CSV: header `cls,name,category,m,n,k,num_op,dbyte` (any
// column order; further columns are carried along unchanged). Used by
// `pimlab layers` and by the tests; errors name the source, the line, the
// column and the value.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "gpu/roofline.h"

namespace pimlab::gpu {

// The required columns, in their canonical order.
const std::vector<std::string>& operator_columns();
// The columns `pimlab layers` appends: flops,time_s,e_offchip_pJ,e_onchip_pJ,tiles.
const std::vector<std::string>& result_columns();
// The Pimba operator categories (gemm, gemv, state_update, causal_conv1d,
// discretization, comm, others).
const std::vector<std::string>& categories();

struct OperatorTable {
  std::vector<std::string> columns;             // input columns echoed to the output, input order
  std::vector<Operator> ops;                    // one per data row
  std::vector<std::vector<std::string>> echo;   // per row: the values of `columns`
  std::vector<int> lines;                       // per row: its line number in the source
};

// Reads the table. Blank lines and lines starting with '#' are skipped; an
// input column named like a result column is recomputed, not echoed.
// Throws std::invalid_argument "<source>:<line>: ..." on a missing or
// duplicate column, a wrong field count, a bad number, an unknown class or
// category, or a shape validate() rejects.
OperatorTable read_operator_csv(std::istream& in, const std::string& source);
OperatorTable read_operator_csv_file(const std::string& path);

}  // namespace pimlab::gpu
