// The files of data/ (hardware catalog, model presets, calibration), compiled into the binary
// by cmake/embed_data.cmake. Keys are paths relative to data/, e.g. "hardware/gpus.yaml".
#pragma once

#include <map>
#include <string_view>

namespace colossim {

const std::map<std::string_view, std::string_view>& embedded_files();

}  // namespace colossim
