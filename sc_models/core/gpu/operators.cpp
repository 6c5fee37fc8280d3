#include "gpu/operators.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace pimlab::gpu {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::int64_t parse_int(const std::string& where, const std::string& col, const std::string& text) {
  const char* p = text.c_str();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(p, &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-'))
    throw std::invalid_argument(where + "column '" + col + "' value '" + text + "' is not an integer");
  return v;
}

}  // namespace

const std::vector<std::string>& operator_columns() {
  static const std::vector<std::string> c{"cls", "name", "category", "m", "n", "k", "num_op", "dbyte"};
  return c;
}

const std::vector<std::string>& result_columns() {
  static const std::vector<std::string> c{"flops", "time_s", "e_offchip_pJ", "e_onchip_pJ", "tiles"};
  return c;
}

const std::vector<std::string>& categories() {
  static const std::vector<std::string> c{"gemm", "gemv", "state_update", "causal_conv1d", "discretization", "comm", "others"};
  return c;
}

OperatorTable read_operator_csv(std::istream& in, const std::string& source) {
  OperatorTable t;
  std::string line;
  int lineno = 0;
  std::vector<std::string> header;
  std::vector<int> index;  // column of each required field
  std::vector<std::size_t> echo_idx;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string s = trim(line);
    if (s.empty() || s[0] == '#') continue;
    const std::string where = source + ":" + std::to_string(lineno) + ": ";
    const auto fields = split(s);
    if (header.empty()) {
      header = fields;
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i].empty()) throw std::invalid_argument(where + "header column " + std::to_string(i + 1) + " has no name");
        for (std::size_t j = 0; j < i; ++j)
          if (header[j] == header[i]) throw std::invalid_argument(where + "header names column '" + header[i] + "' twice");
      }
      for (const std::string& c : operator_columns()) {
        const auto it = std::find(header.begin(), header.end(), c);
        if (it == header.end())
          throw std::invalid_argument(where + "header lacks column '" + c + "'; required: " + join(operator_columns(), ","));
        index.push_back(static_cast<int>(it - header.begin()));
      }
      const auto& rc = result_columns();
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (std::find(rc.begin(), rc.end(), header[i]) != rc.end()) continue;
        echo_idx.push_back(i);
        t.columns.push_back(header[i]);
      }
      continue;
    }
    if (fields.size() != header.size())
      throw std::invalid_argument(where + std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
    auto field = [&](int which) -> const std::string& { return fields[static_cast<std::size_t>(index[static_cast<std::size_t>(which)])]; };
    Operator op;
    try {
      op.cls = parse_class(field(0));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + "column 'cls': " + e.what());
    }
    op.name = field(1);
    if (op.name.empty()) throw std::invalid_argument(where + "column 'name' is empty");
    op.category = field(2);
    const auto& cats = categories();
    if (std::find(cats.begin(), cats.end(), op.category) == cats.end())
      throw std::invalid_argument(where + "column 'category' value '" + op.category + "' is unknown; allowed: " + join(cats, ", "));
    op.m = parse_int(where, "m", field(3));
    op.n = parse_int(where, "n", field(4));
    op.k = parse_int(where, "k", field(5));
    op.num_op = parse_int(where, "num_op", field(6));
    const std::int64_t db = parse_int(where, "dbyte", field(7));
    op.dbyte = (db == 1 || db == 2) ? static_cast<int>(db) : 0;
    try {
      if (op.dbyte == 0) throw std::invalid_argument("dbyte " + field(7) + " is not supported; allowed: 1 or 2");
      validate(op);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(where + e.what());
    }
    std::vector<std::string> echo;
    for (std::size_t i : echo_idx) echo.push_back(fields[i]);
    t.ops.push_back(op);
    t.echo.push_back(std::move(echo));
    t.lines.push_back(lineno);
  }
  if (header.empty())
    throw std::invalid_argument(source + ": no header; expected the columns " + join(operator_columns(), ","));
  return t;
}

OperatorTable read_operator_csv_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::invalid_argument(path + ": cannot open the operator file");
  return read_operator_csv(f, path);
}

}  // namespace pimlab::gpu
