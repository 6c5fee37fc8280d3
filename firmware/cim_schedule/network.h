// CNN layer graphs for the cross-layer CIM scheduler (docs/cim.md, reference
// uclm.md §2.4 and §3). A network file has one node per line:
//   network NAME
//   input  NAME  HxWxC
//   TYPE   NAME  IN1[,IN2...]  [k=K s=S p=P|p=TOP,BOTTOM c=C groups=G id=I f=F]  -> HxWxC
// TYPE is conv, dense, maxpool, avgpool, add, concat, split, upsample or
// attention (token rows: input Lx1x(3 heads dh) holding Q, K, V; output
// Lx1x(heads dh); K and V are written into arrays as weights); the
// declared OFM after "->" must equal the shape the inputs and parameters give
// (a mismatch is an error naming the file, the line and both shapes).
// Inputs must be defined on earlier lines, so file order is a topological order.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace pimlab::firmware::cim_schedule {

enum class NodeType { Input, Conv, Dense, MaxPool, AvgPool, Add, Concat, Split, Upsample, Attention };
const char* node_type_name(NodeType t);

struct Shape {
  int h = 0, w = 0, c = 0;
  bool operator==(const Shape& o) const { return h == o.h && w == o.w && c == o.c; }
};

struct Node {
  std::string name;
  NodeType type = NodeType::Input;
  std::vector<int> inputs;  // node indices
  Shape ofm;
  int k = 1, s = 1, p_top = 0, p_bottom = 0;  // conv and pool (rows; columns alike)
  int groups = 1, group_id = 0;               // split
  int f = 1;                                  // upsample
  int heads = 1, d_head = 0;                  // attention
  int line = 0;
  bool is_mvm() const { return type == NodeType::Conv || type == NodeType::Dense || type == NodeType::Attention; }
  // Weight matrix rows x cols (conv: k k C_in x C_out; dense: H W C_in x C_out;
  // attention: one head's K^T, d_head x tokens, and V is its transpose).
  long long weight_rows = 0, weight_cols = 0;
};

struct Network {
  std::string name;
  std::vector<Node> nodes;
  const Shape& ifm(const Node& n, int which = 0) const { return nodes[n.inputs[which]].ofm; }
};

// Parses a network; `source` names the file in errors ("file:line: ...").
// Throws std::invalid_argument on any error.
Network parse_network(std::istream& in, const std::string& source);

// A built-in network by name (tinyyolov3, tinyyolov4, resnet18, resnet50,
// vgg16) or else a file path.
Network load_network(const std::string& name_or_file);
std::vector<std::string> builtin_network_names();

}  // namespace pimlab::firmware::cim_schedule
