// The HTML report (`colossim report`, or `simulate --format html`): one self-contained file, its
// charts drawn as inline SVG when it is written (no script, no network when it is viewed): the
// pipeline timeline of one step, where the step goes, memory per GPU, the GPUs' power over the
// step, goodput against the checkpoint interval, interruptions by cause, and the fabric's link
// tiers under each collective.
#pragma once

#include <string>

#include "app/app.hpp"

namespace colossim {

[[nodiscard]] std::string html_report(const app::Report& report);
// `colossim design --format html`: the frontier of finish against total cost, then the text.
[[nodiscard]] std::string design_html(const app::Design& design);

}  // namespace colossim
