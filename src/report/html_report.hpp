// The HTML report (`colossim report`, or `simulate --format html`): one self-contained file, its
// charts drawn as inline SVG when it is written (no script, no network when it is viewed): the
// pipeline timeline of one step, where the step goes, memory per GPU, the GPUs' power over the
// step, goodput against the checkpoint interval, interruptions by cause, and the fabric's link
// tiers under each collective.
#pragma once

#include <string>
#include <vector>

#include "app/app.hpp"

namespace colossim {

[[nodiscard]] std::string html_report(const app::Report& report);
// `colossim design --format html`: the frontier of finish against total cost, then the text.
[[nodiscard]] std::string design_html(const app::Design& design);
// `colossim sweep --format html`: each headline against the first axis, one line per combination
// of the others, then the CSV. Drawn from the CSV lines (sweep_csv_lines), so that MPI ranks that
// joined their rows render the same page as one process.
[[nodiscard]] std::string sweep_html(const std::vector<std::string>& csv_lines);
// `colossim plan --format html`: step time, MFU and memory of the best plans, then the text.
[[nodiscard]] std::string plan_html(const app::PlanRanking& ranking);
// `colossim bringup --format html`: GPUs, tokens and power day by day, then `text_block`.
[[nodiscard]] std::string bringup_html(const app::BringupResult& result,
                                       const std::string& text_block);

}  // namespace colossim
