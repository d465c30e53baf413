// libFuzzer target: any bytes as a Hugging Face config.json (model.hf_config). The contract: an
// InputError naming the file and key, or a model whose sizes are positive; nothing else.
//
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build/fuzz/colossim_fuzz_hf_config -max_total_time=60 fuzz/hf_corpus
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "workload/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string file = "/tmp/colossim_fuzz_hf_" + std::to_string(getpid()) + ".json";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const colossim::Model m = colossim::import_hf_config(file);
    if (m.layers <= 0 || m.hidden <= 0 || m.heads <= 0 || m.vocab <= 0 || m.head_dim <= 0 ||
        m.params() <= 0)
      std::abort();  // accepted, but not a model
  } catch (const colossim::InputError&) {
    // the contract
  }
  return 0;
}
