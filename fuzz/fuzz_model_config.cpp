// A model's config.json (model/model.h), read with load_config as
// `pimlab model --config` and `pimlab run --model FILE` do, then sized: the
// counts every command derives from a model.
#include <cstdint>

#include "fuzz_common.h"
#include "model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace model = pimlab::model;
  const std::string& path = pimlab::fuzz::input_file(data, size, ".json");
  pimlab::fuzz::accept_bad_input([&] {
    const model::ModelConfig m = model::load_config(path);
    (void)model::parameters(m);
    (void)model::kv_elements_per_token(m);
    (void)model::state_elements_per_request(m);
    (void)model::conv_window_elements_per_request(m);
  });
  return 0;
}
