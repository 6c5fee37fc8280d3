#include "firmware/cim_schedule/network.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "firmware/cim_schedule/networks_embedded.h"
#include "textio/text_input.h"

namespace pimlab::firmware::cim_schedule {

const char* node_type_name(NodeType t) {
  switch (t) {
    case NodeType::Input: return "input";
    case NodeType::Conv: return "conv";
    case NodeType::Dense: return "dense";
    case NodeType::MaxPool: return "maxpool";
    case NodeType::AvgPool: return "avgpool";
    case NodeType::Add: return "add";
    case NodeType::Concat: return "concat";
    case NodeType::Split: return "split";
    case NodeType::Upsample: return "upsample";
    case NodeType::Attention: return "attention";
  }
  return "?";
}

namespace {
std::string str(const Shape& s) { return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c); }

struct LineError {
  const std::string& src;
  int line;
  [[noreturn]] void operator()(const std::string& what) const {
    throw std::invalid_argument(src + ":" + std::to_string(line) + ": " + what);
  }
};

int to_int(const std::string& v, const std::string& key, const LineError& err) {
  std::size_t pos = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v.size() || v.empty()) err("'" + key + "=" + v + "' is not an integer");
  if (x < 0 || x > (1 << 24)) err("'" + key + "=" + v + "' is out of range [0, 16777216]");
  return static_cast<int>(x);
}

Shape parse_shape(const std::string& t, const LineError& err) {
  Shape s;
  char x1 = 0, x2 = 0;
  std::istringstream is(t);
  if (!(is >> s.h >> x1 >> s.w >> x2 >> s.c) || x1 != 'x' || x2 != 'x' || !is.eof() || s.h < 1 || s.w < 1 || s.c < 1)
    err("shape '" + t + "' is not HxWxC with positive sizes");
  return s;
}

const std::map<std::string, NodeType>& types() {
  static const std::map<std::string, NodeType> m = {
      {"conv", NodeType::Conv},       {"dense", NodeType::Dense},   {"maxpool", NodeType::MaxPool},
      {"avgpool", NodeType::AvgPool}, {"add", NodeType::Add},       {"concat", NodeType::Concat},
      {"split", NodeType::Split},     {"upsample", NodeType::Upsample}, {"attention", NodeType::Attention}};
  return m;
}
}  // namespace

Network parse_network(std::istream& in, const std::string& source) {
  Network net;
  std::map<std::string, int> index;
  std::string text;
  int line_no = 0;
  while (textio::read_line(in, text, source, static_cast<std::size_t>(line_no) + 1)) {
    ++line_no;
    const LineError err{source, line_no};
    if (auto h = text.find('#'); h != std::string::npos) text.resize(h);
    // Names and keys are printed back (messages, JSON, Gantt charts): printable ASCII only.
    for (const char ch : text) {
      const auto u = static_cast<unsigned char>(ch);
      if ((u < 0x20 && ch != '\t' && ch != '\r') || u > 0x7e) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", u);
        err(std::string("byte ") + hex + " is not printable ASCII (names, types and keys are ASCII; '#' starts a comment)");
      }
    }
    std::istringstream ls(text);
    std::vector<std::string> tok;
    for (std::string t; ls >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (tok[0] == "network") {
      if (tok.size() != 2) err("'network' needs exactly one name");
      net.name = tok[1];
      continue;
    }
    Node n;
    n.line = line_no;
    if (tok[0] == "input") {
      if (tok.size() != 3) err("'input' needs a name and HxWxC");
      if (!net.nodes.empty()) err("'input' must be the first node");
      n.name = tok[1];
      n.ofm = parse_shape(tok[2], err);
    } else {
      auto ty = types().find(tok[0]);
      if (ty == types().end())
        err("unknown node type '" + tok[0] + "' (allowed: input, conv, dense, maxpool, avgpool, add, concat, split, upsample, attention)");
      n.type = ty->second;
      if (net.nodes.empty()) err("the first node must be 'input'");
      if (tok.size() < 5 || tok[tok.size() - 2] != "->") err("expected 'TYPE NAME INPUTS [params] -> HxWxC'");
      n.name = tok[1];
      std::istringstream is(tok[2]);
      for (std::string in_name; std::getline(is, in_name, ',');) {
        auto it = index.find(in_name);
        if (it == index.end()) err("input '" + in_name + "' of '" + n.name + "' is not defined on an earlier line");
        n.inputs.push_back(it->second);
      }
      bool has_c = false;
      int c_out = 0;
      for (std::size_t i = 3; i + 2 < tok.size(); ++i) {
        const auto eq = tok[i].find('=');
        if (eq == std::string::npos) err("parameter '" + tok[i] + "' is not key=value");
        const std::string key = tok[i].substr(0, eq), val = tok[i].substr(eq + 1);
        if (key == "k") n.k = to_int(val, key, err);
        else if (key == "s") n.s = to_int(val, key, err);
        else if (key == "p") {
          const auto comma = val.find(',');
          n.p_top = to_int(val.substr(0, comma), key, err);
          n.p_bottom = comma == std::string::npos ? n.p_top : to_int(val.substr(comma + 1), key, err);
        } else if (key == "c") {
          c_out = to_int(val, key, err);
          has_c = true;
        } else if (key == "groups") n.groups = to_int(val, key, err);
        else if (key == "id") n.group_id = to_int(val, key, err);
        else if (key == "f") n.f = to_int(val, key, err);
        else if (key == "heads") n.heads = to_int(val, key, err);
        else if (key == "dh") n.d_head = to_int(val, key, err);
        else err("unknown parameter '" + key + "' (allowed: k, s, p, c, groups, id, f, heads, dh)");
      }
      const Shape declared = parse_shape(tok.back(), err);
      const Shape& a = net.nodes[n.inputs[0]].ofm;
      const std::size_t n_in = n.inputs.size();
      auto need_inputs = [&](std::size_t lo, std::size_t hi) {
        if (n_in < lo || n_in > hi)
          err("'" + n.name + "' (" + tok[0] + ") takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + "+") +
              " input(s), got " + std::to_string(n_in));
      };
      Shape out;
      switch (n.type) {
        case NodeType::Conv:
        case NodeType::MaxPool:
        case NodeType::AvgPool: {
          need_inputs(1, 1);
          if (n.k < 1 || n.s < 1) err("'" + n.name + "': k and s must be >= 1");
          if (n.type == NodeType::Conv && (!has_c || c_out < 1)) err("'" + n.name + "': conv needs c=C_out >= 1");
          const int hp = a.h + n.p_top + n.p_bottom, wp = a.w + n.p_top + n.p_bottom;
          if (hp < n.k || wp < n.k) err("'" + n.name + "': kernel " + std::to_string(n.k) + " is larger than the padded input " + str(a));
          out = {(hp - n.k) / n.s + 1, (wp - n.k) / n.s + 1, n.type == NodeType::Conv ? c_out : a.c};
          if (n.type == NodeType::Conv) {
            n.weight_rows = static_cast<long long>(n.k) * n.k * a.c;
            n.weight_cols = c_out;
          }
          break;
        }
        case NodeType::Dense:
          need_inputs(1, 1);
          if (!has_c || c_out < 1) err("'" + n.name + "': dense needs c=C_out >= 1");
          out = {1, 1, c_out};
          n.weight_rows = static_cast<long long>(a.h) * a.w * a.c;
          n.weight_cols = c_out;
          break;
        case NodeType::Add:
          need_inputs(2, 64);
          for (std::size_t i = 1; i < n_in; ++i)
            if (!(net.nodes[n.inputs[i]].ofm == a))
              err("shape mismatch: add '" + n.name + "' inputs " + str(a) + " and " + str(net.nodes[n.inputs[i]].ofm));
          out = a;
          break;
        case NodeType::Concat: {
          need_inputs(2, 64);
          out = {a.h, a.w, 0};
          for (int i : n.inputs) {
            const Shape& b = net.nodes[i].ofm;
            if (b.h != a.h || b.w != a.w)
              err("shape mismatch: concat '" + n.name + "' inputs " + str(a) + " and " + str(b) + " differ in H x W");
            out.c += b.c;
          }
          break;
        }
        case NodeType::Split:
          need_inputs(1, 1);
          if (n.groups < 1 || n.group_id >= n.groups || a.c % n.groups != 0)
            err("'" + n.name + "': groups=" + std::to_string(n.groups) + " id=" + std::to_string(n.group_id) + " do not split " + std::to_string(a.c) + " channels");
          out = {a.h, a.w, a.c / n.groups};
          break;
        case NodeType::Upsample:
          need_inputs(1, 1);
          if (n.f < 1) err("'" + n.name + "': f must be >= 1");
          out = {a.h * n.f, a.w * n.f, a.c};
          break;
        case NodeType::Attention:
          need_inputs(1, 1);
          if (n.heads < 1 || n.d_head < 1) err("'" + n.name + "': attention needs heads >= 1 and dh >= 1");
          if (a.w != 1) err("shape mismatch: attention '" + n.name + "' takes token rows (Lx1xC), got " + str(a));
          if (a.c != 3 * n.heads * n.d_head)
            err("shape mismatch: attention '" + n.name + "' needs Q, K, V of " + std::to_string(n.heads) + " heads x " +
                std::to_string(n.d_head) + " = " + std::to_string(3 * n.heads * n.d_head) + " channels, got " + str(a));
          out = {a.h, 1, n.heads * n.d_head};
          n.weight_rows = n.d_head;
          n.weight_cols = a.h;
          break;
        case NodeType::Input:
          break;
      }
      if (!(out == declared))
        err("shape mismatch: '" + n.name + "' declares OFM " + str(declared) + " but its inputs and parameters give " + str(out));
      n.ofm = out;
    }
    if (index.count(n.name)) err("node name '" + n.name + "' is defined twice");
    index[n.name] = static_cast<int>(net.nodes.size());
    net.nodes.push_back(n);
  }
  if (net.nodes.size() < 2) throw std::invalid_argument(source + ": a network needs an input and at least one layer");
  if (net.name.empty()) net.name = source;
  return net;
}

std::vector<std::string> builtin_network_names() {
  std::vector<std::string> v;
  for (const auto& e : embedded_networks()) v.push_back(e.name);
  return v;
}

Network load_network(const std::string& name_or_file) {
  for (const auto& e : embedded_networks())
    if (name_or_file == e.name) {
      std::istringstream is(e.text);
      return parse_network(is, std::string(e.name) + ".net");
    }
  std::ifstream f(name_or_file);
  if (!f) {
    std::string names;
    for (const auto& e : embedded_networks()) names += (names.empty() ? "" : ", ") + std::string(e.name);
    throw std::invalid_argument("--network: '" + name_or_file + "' is neither a built-in network (" + names + ") nor a readable file");
  }
  return parse_network(f, name_or_file);
}

}  // namespace pimlab::firmware::cim_schedule
