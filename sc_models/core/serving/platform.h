// A user's own system as a platform file (docs/serving.md, "Your own
// system"): a JSON document naming the host, the PIM design, the element
// formats and the operator-to-device rules; a built-in system can be the base.
// Every key is checked: an unknown key, a wrong type or a bad value is a
// std::invalid_argument naming the file, the key, the value and what is allowed.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "gpu/host.h"
#include "model/system.h"
#include "pim/attacc.h"
#include "serving/cim_place.h"

namespace pimlab::serving {

struct Platform {
  model::SystemSpec system;
  std::optional<gpu::Host> gpu_host;  // given by the file
  std::optional<int> gpus;
  std::optional<pim::AttaccPlacement> attacc_placement;
  std::optional<CimSystem> cim;  // the "cim" section
};

// Keys: "name" (required), "base" (a built-in system name), "description",
// "host" ("gpu" or "npu"), "gpu" (a preset name or a host object as
// `pimlab layers --host` reads), "gpus", "pim" (none, pimba, hbm-pim,
// time-multiplexed, pipelined, attacc, newton, neupims), "attacc_placement",
// "formats" {weights, activations, kv, state}, "rules" (a list of
// "KEY=VALUE[,KEY=VALUE]:DEVICE" strings, first match wins; they replace the
// base's rules), "cim" (CIM tiles of each GPU: "place" none|softmax|ffn,
// "softmax_cores", and the keys of cim::config_keys(), validated by
// cim::TileConfig::validate and cim::EnergyConfig::validate).
Platform platform_from_json(const nlohmann::json& j, const std::string& where);
Platform platform_from_file(const std::string& path);
// The "cim" section alone (`where` names the file in messages).
CimSystem cim_from_json(const nlohmann::json& c, const std::string& where);

}  // namespace pimlab::serving
