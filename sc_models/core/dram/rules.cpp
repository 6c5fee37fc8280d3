#include "dram/rules.h"

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

int eval_distance(const std::string& expr, const Timing& t) {
  static const std::map<std::string, int Timing::*> names = {
      {"nBL", &Timing::nBL},       {"nCL", &Timing::nCL},       {"nCWL", &Timing::nCWL},
      {"nRCDRD", &Timing::nRCDRD}, {"nRCDWR", &Timing::nRCDWR}, {"nRP", &Timing::nRP},
      {"nRAS", &Timing::nRAS},     {"nRC", &Timing::nRC},       {"nWR", &Timing::nWR},
      {"nRTPS", &Timing::nRTPS},   {"nRTPL", &Timing::nRTPL},   {"nCCDS", &Timing::nCCDS},
      {"nCCDL", &Timing::nCCDL},   {"nRRDS", &Timing::nRRDS},   {"nRRDL", &Timing::nRRDL},
      {"nWTRS", &Timing::nWTRS},   {"nWTRL", &Timing::nWTRL},   {"nFAW", &Timing::nFAW},
      {"nRFC", &Timing::nRFC},     {"nRFCpb", &Timing::nRFCpb}, {"nREFI", &Timing::nREFI},
      {"nREFIpb", &Timing::nREFIpb}};
  int total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < expr.size()) {
    int sign = 1;
    if (expr[i] == '+' || expr[i] == '-') {
      sign = expr[i] == '-' ? -1 : 1;
      ++i;
    } else if (any) {
      throw std::invalid_argument("distance expression '" + expr + "': expected + or - at position " + std::to_string(i));
    }
    std::size_t j = i;
    while (j < expr.size() && std::isalnum(static_cast<unsigned char>(expr[j]))) ++j;
    const std::string term = expr.substr(i, j - i);
    if (term.empty())
      throw std::invalid_argument("distance expression '" + expr + "': empty term at position " + std::to_string(i));
    if (std::isdigit(static_cast<unsigned char>(term[0]))) {
      for (char ch : term)
        if (!std::isdigit(static_cast<unsigned char>(ch)))
          throw std::invalid_argument("distance expression '" + expr + "': bad number '" + term + "'");
      total += sign * std::stoi(term);
    } else {
      auto it = names.find(term);
      if (it == names.end())
        throw std::invalid_argument("distance expression '" + expr + "': unknown timing name '" + term + "'");
      total += sign * (t.*(it->second));
    }
    any = true;
    i = j;
  }
  if (!any) throw std::invalid_argument("distance expression is empty");
  return total;
}

CommandSet hbm_command_set() {
  CommandSet s;
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

}  // namespace pimlab::dram
