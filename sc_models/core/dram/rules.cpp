#include "dram/rules.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace pimlab::dram {

const char* scope_name(Scope s) {
  switch (s) {
    case Scope::SameBank: return "same bank";
    case Scope::SameBankGroup: return "same bank group";
    case Scope::OtherBankGroup: return "other bank group";
    case Scope::PseudoChannel: return "pseudo-channel";
    case Scope::Channel: return "channel";
    case Scope::OtherPseudoChannel: return "other pseudo-channel";
  }
  return "?";
}

ClassId CommandSet::id(const std::string& name) const {
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (classes[i].name == name) return static_cast<ClassId>(i);
  std::string allowed;
  for (const auto& c : classes) allowed += (allowed.empty() ? "" : ", ") + c.name;
  throw std::invalid_argument("command class '" + name + "' is not in the command set; allowed: " + allowed);
}

int CommandSet::row_buffers() const {
  int n = 1;
  for (const CommandClass& c : classes) n = std::max(n, c.row_buffer + 1);
  return n;
}

namespace {

// Value of a timing name, or of the derived `col` = max(nBL, nCCDL).
bool timing_value(const std::string& name, const Timing& t, int& out) {
  static const std::map<std::string, int Timing::*> names = {
      {"nBL", &Timing::nBL},       {"nCL", &Timing::nCL},       {"nCWL", &Timing::nCWL},
      {"nRCDRD", &Timing::nRCDRD}, {"nRCDWR", &Timing::nRCDWR}, {"nRP", &Timing::nRP},
      {"nRAS", &Timing::nRAS},     {"nRC", &Timing::nRC},       {"nWR", &Timing::nWR},
      {"nRTPS", &Timing::nRTPS},   {"nRTPL", &Timing::nRTPL},   {"nCCDS", &Timing::nCCDS},
      {"nCCDL", &Timing::nCCDL},   {"nRRDS", &Timing::nRRDS},   {"nRRDL", &Timing::nRRDL},
      {"nWTRS", &Timing::nWTRS},   {"nWTRL", &Timing::nWTRL},   {"nFAW", &Timing::nFAW},
      {"nRFC", &Timing::nRFC},     {"nRFCpb", &Timing::nRFCpb}, {"nREFI", &Timing::nREFI},
      {"nREFIpb", &Timing::nREFIpb}, {"nCCDAB", &Timing::nCCDAB}, {"nCCDSB", &Timing::nCCDSB}};
  if (name == "col") {
    out = std::max(t.nBL, t.nCCDL);
    return true;
  }
  auto it = names.find(name);
  if (it == names.end()) return false;
  out = t.*(it->second);
  return true;
}

// One sum of products: coef_n * n + constant.
struct Linear {
  long long coef_n = 0;
  long long constant = 0;
};

Linear parse_sum(const std::string& expr, const std::string& sum, const Timing& t) {
  auto fail = [&](const std::string& what) -> Linear {
    throw std::invalid_argument("distance expression '" + expr + "': " + what);
  };
  Linear r;
  std::size_t i = 0;
  bool any = false;
  while (i < sum.size()) {
    int sign = 1;
    if (sum[i] == '+' || sum[i] == '-') {
      sign = sum[i] == '-' ? -1 : 1;
      ++i;
    } else if (any) {
      return fail("expected + or - at '" + sum.substr(i) + "'");
    }
    // A product of factors: integers, timing names and at most one n.
    long long value = sign;
    bool has_n = false;
    for (;;) {
      std::size_t j = i;
      while (j < sum.size() && (std::isalnum(static_cast<unsigned char>(sum[j])) || sum[j] == '_')) ++j;
      const std::string f = sum.substr(i, j - i);
      if (f.empty()) return fail("empty term in '" + sum + "'");
      if (std::isdigit(static_cast<unsigned char>(f[0]))) {
        for (char ch : f)
          if (!std::isdigit(static_cast<unsigned char>(ch))) return fail("bad number '" + f + "'");
        value *= std::stoll(f);
      } else if (f == "n") {
        if (has_n) return fail("n appears twice in one product");
        has_n = true;
      } else {
        int v = 0;
        if (!timing_value(f, t, v)) return fail("unknown timing name '" + f + "'");
        value *= v;
      }
      i = j;
      if (i < sum.size() && sum[i] == '*') {
        ++i;
        continue;
      }
      break;
    }
    (has_n ? r.coef_n : r.constant) += value;
    any = true;
  }
  if (!any) return fail("empty sum");
  return r;
}

}  // namespace

Distance compile_distance(const std::string& expr_in, const Timing& t) {
  std::string expr;
  for (char ch : expr_in)
    if (!std::isspace(static_cast<unsigned char>(ch))) expr += ch;
  if (expr.empty()) throw std::invalid_argument("distance expression is empty");
  std::vector<std::string> sums;
  if (expr.rfind("max(", 0) == 0) {
    if (expr.back() != ')') throw std::invalid_argument("distance expression '" + expr_in + "': max( without )");
    const std::string inner = expr.substr(4, expr.size() - 5);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= inner.size(); ++i)
      if (i == inner.size() || inner[i] == ',') {
        sums.push_back(inner.substr(start, i - start));
        start = i + 1;
      }
  } else {
    sums.push_back(expr);
  }
  Distance d;
  bool have_arg = false;
  for (const std::string& sum : sums) {
    const Linear l = parse_sum(expr_in, sum, t);
    if (l.coef_n == 0) {
      d.base = std::max<long long>(d.base, l.constant);
    } else if (!have_arg) {
      d.arg_mult = static_cast<int>(l.coef_n);
      d.arg_const = static_cast<int>(l.constant);
      have_arg = true;
    } else if (l.coef_n == d.arg_mult) {
      d.arg_const = std::max<int>(d.arg_const, static_cast<int>(l.constant));
    } else {
      throw std::invalid_argument("distance expression '" + expr_in + "': two n-terms of different weight");
    }
  }
  if (have_arg && d.arg_mult < 0)
    throw std::invalid_argument("distance expression '" + expr_in + "': the n-term must not shrink with n");
  return d;
}

int eval_distance(const std::string& expr, const Timing& t) {
  const Distance d = compile_distance(expr, t);
  if (d.uses_arg())
    throw std::invalid_argument("distance expression '" + expr + "' depends on the argument n");
  return d.base;
}

namespace {
CommandSet build_hbm_command_set() {
  CommandSet s;
  s.name = "hbm";
  s.classes = {
      {"ACT", Target::Bank, BankEffect::Open, Bus::Row},
      {"PRE", Target::Bank, BankEffect::Close, Bus::Row},
      {"PREA", Target::PseudoChannel, BankEffect::Close, Bus::Row},
      {"RD", Target::Bank, BankEffect::Access, Bus::Column},
      {"WR", Target::Bank, BankEffect::Access, Bus::Column},
      {"REF", Target::PseudoChannel, BankEffect::Refresh, Bus::Row},
      {"REFPB", Target::Bank, BankEffect::Refresh, Bus::Row},
  };
  using S = Scope;
  // Read-to-write turnaround on the pseudo-channel's data bus: the write data
  // (starting nCWL after WR) may begin one idle cycle after the read data
  // (nCL .. nCL+nBL after RD) ends: WR - RD >= nCL + nBL + 1 - nCWL.
  // Write-to-read: the write data ends nCWL + nBL after WR, then tWTR.
  // Write recovery: the write data ends nCWL + nBL after WR, then tWR to PRE.
  s.rules = {
      {"tRC", "ACT", "ACT", S::SameBank, "nRC"},
      {"tRRD_L", "ACT", "ACT", S::SameBankGroup, "nRRDL"},
      {"tRRD_S", "ACT", "ACT", S::OtherBankGroup, "nRRDS"},
      {"tFAW", "ACT", "ACT", S::PseudoChannel, "nFAW", 4},
      {"tRCD_RD", "ACT", "RD", S::SameBank, "nRCDRD"},
      {"tRCD_WR", "ACT", "WR", S::SameBank, "nRCDWR"},
      {"tRAS", "ACT", "PRE", S::SameBank, "nRAS"},
      {"tRAS", "ACT", "PREA", S::SameBank, "nRAS"},
      {"tRP", "PRE", "ACT", S::SameBank, "nRP"},
      {"tRP", "PREA", "ACT", S::SameBank, "nRP"},
      {"tRP", "PRE", "REF", S::SameBank, "nRP"},
      {"tRP", "PREA", "REF", S::SameBank, "nRP"},
      {"tRP", "PRE", "REFPB", S::SameBank, "nRP"},
      {"tRP", "PREA", "REFPB", S::SameBank, "nRP"},
      {"tCCD_L", "RD", "RD", S::SameBankGroup, "nCCDL"},
      {"tCCD_S", "RD", "RD", S::OtherBankGroup, "nCCDS"},
      {"tBURST", "RD", "RD", S::PseudoChannel, "nBL"},
      {"tCCD_L", "WR", "WR", S::SameBankGroup, "nCCDL"},
      {"tCCD_S", "WR", "WR", S::OtherBankGroup, "nCCDS"},
      {"tBURST", "WR", "WR", S::PseudoChannel, "nBL"},
      {"tRTW", "RD", "WR", S::PseudoChannel, "nCL+nBL+1-nCWL"},
      {"tWTR_L", "WR", "RD", S::SameBankGroup, "nCWL+nBL+nWTRL"},
      {"tWTR_S", "WR", "RD", S::OtherBankGroup, "nCWL+nBL+nWTRS"},
      // Read to precharge binds within the bank (which is in the read's bank
      // group: the L value). A read does not delay the precharge of another
      // bank; nRTPS is kept in the spec for command families that use it.
      {"tRTP_L", "RD", "PRE", S::SameBank, "nRTPL"},
      {"tRTP_L", "RD", "PREA", S::SameBank, "nRTPL"},
      {"tWR", "WR", "PRE", S::SameBank, "nCWL+nBL+nWR"},
      {"tWR", "WR", "PREA", S::SameBank, "nCWL+nBL+nWR"},
      {"tRFC", "REF", "ACT", S::SameBank, "nRFC"},
      {"tRFC", "REF", "REF", S::PseudoChannel, "nRFC"},
      {"tRFCpb", "REFPB", "ACT", S::SameBank, "nRFCpb"},
      {"tRFCpb", "REFPB", "REFPB", S::SameBank, "nRFCpb"},
      {"tRRD_REFPB", "REFPB", "REFPB", S::PseudoChannel, "nRRDS"},
      {"tRRD_REFPB", "REFPB", "ACT", S::PseudoChannel, "nRRDS"},
      {"tRRD_REFPB", "ACT", "REFPB", S::PseudoChannel, "nRRDS"},
  };
  return s;
}
}  // namespace

const CommandSet& hbm_command_set() {
  static const CommandSet s = build_hbm_command_set();
  return s;
}

}  // namespace pimlab::dram
