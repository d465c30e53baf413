// The HTML report: self-contained (no script, no external resource), every chart present and
// drawn from the result it is given.
#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

using namespace colossim;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The SVG of the figure with this id ("" when there is none).
std::string figure(const std::string& html, const std::string& id) {
  const size_t at = html.find("<figure id=\"" + id + "\">");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</figure>", at) - at);
}

}  // namespace

TEST(HtmlReport, EveryChartIsDrawnAndThePageStandsAlone) {
  const Scenario s = colossim::testing::scenario(
      "name: a <b> & c\ncluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 64, tokens: 1.0e+11}\nparallelism: {tp: 2, pp: 2, dp: 16, "
      "micro_batch: 1}\n");
  const auto r = app::report(s);
  ASSERT_TRUE(r.ok());
  const std::string html = html_report(*r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  for (const char* id :
       {"timeline", "breakdown", "memory", "power", "goodput", "interruptions", "fabric"}) {
    const std::string svg = figure(html, id);
    ASSERT_FALSE(svg.empty()) << id;
    EXPECT_GT(count(svg, "<rect") + count(svg, "<circle"), 2U) << id;
  }
  // Two pipeline stages, each with a compute row; the goodput curve has its seven intervals.
  EXPECT_NE(figure(html, "timeline").find("stage 1 compute"), std::string::npos);
  EXPECT_EQ(count(figure(html, "goodput"), "<circle"), 7U);
  EXPECT_EQ(r->goodput_curve.size(), 7U);
  // Nothing to fetch or run when it is viewed; names are escaped.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));
  EXPECT_NE(html.find("a &lt;b&gt; &amp; c"), std::string::npos);
  EXPECT_EQ(html.find("a <b> & c"), std::string::npos);
}
