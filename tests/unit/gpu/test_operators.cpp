// The operator-row CSV reader: columns by name, carried-along columns,
// and errors that name the source, the line, the column and the value.
#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>

#include "gpu/operators.h"

using namespace pimlab::gpu;

namespace {
OperatorTable read(const std::string& text) {
  std::istringstream in(text);
  return read_operator_csv(in, "ops.csv");
}
}  // namespace

TEST_CASE("operator CSV: columns in any order, comments, extra columns carried along", "[gpu][operators]") {
  const OperatorTable t = read(
      "# decode step\n"
      "model,dbyte,num_op,k,n,m,category,name,cls,time_s\n"
      "\n"
      "opt,2,1,4096,12288,32,gemm,qkv,FC,0.5\n"
      "opt, 1 ,64,128,2049,1,gemv,attention_qk,MATMUL,\n");
  CHECK(t.columns == std::vector<std::string>{"model", "dbyte", "num_op", "k", "n", "m", "category", "name", "cls"});
  REQUIRE(t.ops.size() == 2);
  CHECK(t.ops[0].cls == OpClass::FC);
  CHECK(t.ops[0].m == 32);
  CHECK(t.ops[0].n == 12288);
  CHECK(t.ops[0].k == 4096);
  CHECK(t.ops[1].cls == OpClass::MATMUL);
  CHECK(t.ops[1].dbyte == 1);
  CHECK(t.ops[1].num_op == 64);
  CHECK(t.echo[1][0] == "opt");
  CHECK(t.lines == std::vector<int>{4, 5});
}

TEST_CASE("operator CSV errors name file, line, column and value", "[gpu][operators]") {
  const std::string h = "cls,name,category,m,n,k,num_op,dbyte\n";
  CHECK_THROWS_WITH(read("cls,name,category,m,n,k,num_op\nFC,a,gemm,1,1,1,1\n"),
                    Catch::Contains("ops.csv:1: header lacks column 'dbyte'"));
  CHECK_THROWS_WITH(read(h + "FC,a,gemm,1,1,1,1,2\nFC,b,gemm,3x,1,1,1,2\n"),
                    Catch::Contains("ops.csv:3: column 'm' value '3x' is not an integer"));
  CHECK_THROWS_WITH(read(h + "FC,a,gemm,1,1,1,1\n"), Catch::Contains("ops.csv:2: 7 fields, the header has 8"));
  CHECK_THROWS_WITH(read(h + "SU,a,state_update,1,1,1,1,2\n"),
                    Catch::Contains("ops.csv:2: column 'cls': operator class 'SU' is unknown"));
  CHECK_THROWS_WITH(read(h + "FC,a,matmul,1,1,1,1,2\n"),
                    Catch::Contains("ops.csv:2: column 'category' value 'matmul' is unknown"));
  CHECK_THROWS_WITH(read(h + "FC,a,gemm,1,1,1,1,4\n"), Catch::Contains("ops.csv:2: dbyte 4 is not supported"));
  CHECK_THROWS_WITH(read(h + "FC,a,gemm,1,0,1,1,2\n"), Catch::Contains("ops.csv:2: n 0 is out of range"));
  CHECK_THROWS_WITH(read(h + "FC,a,gemm,1.5,1,1,1,2\n"), Catch::Contains("column 'm' value '1.5' is not an integer"));
  CHECK_THROWS_WITH(read(h + "FC,,gemm,1,1,1,1,2\n"), Catch::Contains("ops.csv:2: column 'name' is empty"));
  CHECK_THROWS_WITH(read("cls,name,cls\n"), Catch::Contains("names column 'cls' twice"));
  CHECK_THROWS_WITH(read("# nothing\n"), Catch::Contains("ops.csv: no header"));
}
