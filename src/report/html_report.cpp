#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "report/report.hpp"

namespace colossim {
namespace {

constexpr double kWidth = 960;       // every chart's width, px
constexpr double kLabelWidth = 190;  // the labels left of bars and timeline rows
constexpr double kPlotWidth = kWidth - kLabelWidth - 30;

std::string esc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One chart: a titled figure around an SVG of the given height.
std::string figure(const std::string& id, const std::string& title, double height,
                   const std::string& body, const std::string& caption) {
  return fmt::format(
      "<figure id=\"{}\"><figcaption><h2>{}</h2><p>{}</p></figcaption>\n"
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"{}\">\n{}</svg>"
      "</figure>\n",
      id, esc(title), esc(caption), kWidth, height, kWidth, height, esc(title), body);
}

std::string text(double x, double y, const std::string& s, const char* anchor = "start",
                 const char* cls = "label") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" class=\"{}\">{}</text>\n",
                     x, y, anchor, cls, esc(s));
}

std::string rect(double x, double y, double w, double h, const std::string& fill,
                 const std::string& tip) {
  return fmt::format(
      "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"><title>{}"
      "</title></rect>\n",
      x, y, std::max(w, 0.5), h, fill, esc(tip));
}

// Horizontal bars, one per (label, value), scaled to the largest.
std::string bars(const std::vector<std::pair<std::string, double>>& rows,
                 const std::function<std::string(double)>& value_text, const std::string& fill,
                 double& height) {
  constexpr double kRow = 24;
  height = 20 + kRow * static_cast<double>(rows.size());
  double top = 0;
  for (const auto& r : rows) top = std::max(top, r.second);
  std::string out;
  double y = 10;
  for (const auto& [label, value] : rows) {
    const double w = top > 0 ? (kPlotWidth - 90) * value / top : 0;  // room for the value
    out += text(kLabelWidth - 8, y + 15, label, "end");
    out += rect(kLabelWidth, y + 3, w, kRow - 6, fill, label + ": " + value_text(value));
    out += text(kLabelWidth + w + 6, y + 15, value_text(value));
    y += kRow;
  }
  return out;
}

// The y and x axes of a plot `height` high from `top`.
std::string axes(double top, double height) {
  return fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" class=\"axis\"/>\n"
      "<line x1=\"{0:.1f}\" y1=\"{2:.1f}\" x2=\"{3:.1f}\" y2=\"{2:.1f}\" class=\"axis\"/>\n",
      kLabelWidth, top, top + height, kLabelWidth + kPlotWidth);
}

// The kinds of task the timeline colours, from the simulator's task names.
struct TaskKind {
  const char* name;
  const char* colour;
};
constexpr TaskKind kKinds[] = {{"forward", "#4c78a8"},
                               {"backward", "#59a14f"},
                               {"optimizer", "#b07aa1"},
                               {"parameter gather", "#f28e2b"},
                               {"gradient reduction", "#e15759"},
                               {"pipeline send", "#76b7b2"}};

int kind_of(const TimelineEvent& e) {
  if (e.stream == "compute") {
    if (e.name.rfind("F ", 0) == 0) return 0;
    if (e.name.rfind("B ", 0) == 0) return 1;
    return 2;
  }
  if (e.name.rfind("all-gather", 0) == 0) return 3;
  if (e.name.rfind("reduce", 0) == 0) return 4;
  return 5;
}

std::string timeline(const Prediction& p, double& height) {
  const double step = p.step.step_time.value();
  // Rows: each stage's streams that ran anything, stage by stage.
  std::map<std::pair<int, std::string>, std::vector<const TimelineEvent*>> rows;
  for (const auto& e : p.step.timeline) rows[{e.stage, e.stream}].push_back(&e);
  constexpr double kRow = 16;
  height = 50 + kRow * static_cast<double>(rows.size());
  std::string out;
  const auto fx = [&](double t) { return kLabelWidth + kPlotWidth * t / step; };
  double y = 10;
  // Neighbouring tasks of one kind closer than a pixel merge into one rectangle.
  const double merge_gap = step / kPlotWidth;
  for (auto& [key, events] : rows) {
    std::sort(events.begin(), events.end(),
              [](const TimelineEvent* a, const TimelineEvent* b) { return a->start < b->start; });
    out += text(kLabelWidth - 8, y + 12, fmt::format("stage {} {}", key.first, key.second), "end");
    size_t i = 0;
    while (i < events.size()) {
      const int kind = kind_of(*events[i]);
      double start = events[i]->start.value(), end = events[i]->end.value();
      size_t j = i + 1;
      while (j < events.size() && kind_of(*events[j]) == kind &&
             events[j]->start.value() - end < merge_gap) {
        end = std::max(end, events[j]->end.value());
        ++j;
      }
      const std::string tip = j - i == 1 ? events[i]->name
                                         : fmt::format("{} ... {} ({} tasks)", events[i]->name,
                                                       events[j - 1]->name, j - i);
      out += rect(fx(start), y + 2, fx(end) - fx(start), kRow - 4, kKinds[kind].colour,
                  tip + ", " + human_seconds(end - start));
      i = j;
    }
    y += kRow;
  }
  out += text(kLabelWidth, y + 16, "0", "start");
  out += text(kLabelWidth + kPlotWidth, y + 16, human_seconds(step), "end");
  double x = kLabelWidth;
  for (const auto& k : kKinds) {
    out += fmt::format("<rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n",
                       x, y + 24, k.colour);
    out += text(x + 16, y + 34, k.name);
    x += 120;
  }
  return out;
}

std::string percent(double x) { return fmt::format("{:.1f}%", 100 * x); }

// The style every page shares.
constexpr const char* kStyle =
    "<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
    "figure{margin:0 0 28px}h1{font-size:20px}h2{font-size:16px;margin:0}"
    "figcaption p{margin:2px 0 6px;color:#555}.label{font-size:11px;fill:#333}"
    ".axis{stroke:#888}.series{fill:none;stroke:#4c78a8;stroke-width:2}"
    ".mark{stroke:#e15759;stroke-dasharray:4 3}"
    "pre{background:#f6f6f6;padding:12px;overflow:auto}</style>\n";

// Every feasible design at (finish day, total cost); the frontier joined and marked, the best
// ringed.
std::string frontier_chart(const DesignSearch& d, double& height) {
  height = 300;
  constexpr double kTop = 20, kPlotHeight = 230;
  double x0 = d.ranked.front().finish_day, x1 = x0;
  double y0 = d.ranked.front().total_cost_usd, y1 = y0;
  for (const auto& r : d.ranked) {
    x0 = std::min(x0, r.finish_day);
    x1 = std::max(x1, r.finish_day);
    y0 = std::min(y0, r.total_cost_usd);
    y1 = std::max(y1, r.total_cost_usd);
  }
  const double xpad = std::max((x1 - x0) * 0.05, 1.0), ypad = std::max((y1 - y0) * 0.05, 1.0);
  x0 -= xpad;
  x1 += xpad;
  y0 = std::max(0.0, y0 - ypad);
  y1 += ypad;
  const auto fx = [&](double x) { return kLabelWidth + kPlotWidth * (x - x0) / (x1 - x0); };
  const auto fy = [&](double y) { return kTop + kPlotHeight * (1 - (y - y0) / (y1 - y0)); };
  std::string out = axes(kTop, kPlotHeight);
  out += text(kLabelWidth - 8, kTop + 10, human_dollars(y1), "end");
  out += text(kLabelWidth - 8, kTop + kPlotHeight, human_dollars(y0), "end");
  out += text(kLabelWidth - 8, kTop + kPlotHeight / 2, "total cost", "end");
  const std::string& start = d.settings.start;
  out += text(kLabelWidth, kTop + kPlotHeight + 16, add_days(start, x0));
  out += text(kLabelWidth + kPlotWidth, kTop + kPlotHeight + 16, add_days(start, x1), "end");
  out += text(kLabelWidth + kPlotWidth / 2, kTop + kPlotHeight + 16, "trained on", "middle");
  std::string path;
  for (const size_t i : d.frontier) {
    const auto& r = d.ranked[i];
    path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", fx(r.finish_day),
                        fy(r.total_cost_usd));
  }
  out += fmt::format("<path d=\"{}\" class=\"series\"/>\n", path);
  std::vector<bool> on_frontier(d.ranked.size(), false);
  for (const size_t i : d.frontier) on_frontier[i] = true;
  for (size_t i = d.ranked.size(); i-- > 0;) {  // the best drawn last, on top
    const auto& r = d.ranked[i];
    out += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" stroke=\"{}\"><title>#{} {}: "
        "{}, {}</title></circle>\n",
        fx(r.finish_day), fy(r.total_cost_usd), i == 0 ? 7 : 4,
        on_frontier[i] ? "#4c78a8" : "#bbbbbb", i == 0 ? "#e15759" : "none", i + 1,
        esc(design_label(r.choice)), r.finish_date, human_dollars(r.total_cost_usd));
  }
  return out;
}

// A CSV line (RFC 4180: quoted fields with doubled quotes) split into its fields.
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\n' && c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

std::optional<double> number_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

constexpr const char* kPalette[] = {"#4c78a8", "#f28e2b", "#59a14f", "#e15759",
                                    "#b07aa1", "#76b7b2", "#edc948", "#9c755f"};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x position, value), in x order
};

// Several series over shared x positions; `ticks` label the positions, a legend names the series
// (when there are several), a dashed line marks `mark_x` (when positive).
std::string series_chart(const std::vector<Series>& series,
                         const std::vector<std::pair<double, std::string>>& ticks, bool log_x,
                         const std::function<std::string(double)>& y_text, double& height,
                         double mark_x = 0) {
  constexpr double kTop = 20, kPlotHeight = 200;
  height =
      kTop + kPlotHeight + 40 + 16 * static_cast<double>(series.size() > 1 ? series.size() : 0);
  double x0 = ticks.front().first, x1 = x0, y0 = 0, y1 = 0;
  bool first = true;
  for (const auto& [x, label] : ticks) {
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
  }
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      y0 = first ? y : std::min(y0, y);
      y1 = first ? y : std::max(y1, y);
      first = false;
    }
  }
  log_x = log_x && x0 > 0;
  const auto fx = [&](double x) {
    const double t =
        x1 > x0 ? (log_x ? std::log(x / x0) / std::log(x1 / x0) : (x - x0) / (x1 - x0)) : 0.5;
    return kLabelWidth + 10 + t * (kPlotWidth - 20);
  };
  const double pad = std::max((y1 - y0) * 0.1, std::fabs(y1) * 0.01 + 1e-12);
  y0 = y0 >= 0 ? std::max(0.0, y0 - pad) : y0 - pad;  // counts and rates stay above zero
  y1 += pad;
  const auto fy = [&](double y) { return kTop + kPlotHeight * (1 - (y - y0) / (y1 - y0)); };
  std::string out = axes(kTop, kPlotHeight);
  out += text(kLabelWidth - 8, kTop + 10, y_text(y1), "end");
  out += text(kLabelWidth - 8, kTop + kPlotHeight, y_text(y0), "end");
  size_t most = 0;
  for (const auto& x : series) most = std::max(most, x.points.size());
  const double radius = most > 30 ? 1.5 : 3;
  for (const auto& [x, label] : ticks) out += text(fx(x), kTop + kPlotHeight + 16, label, "middle");
  for (size_t k = 0; k < series.size(); ++k) {
    const char* colour = kPalette[k % std::size(kPalette)];
    std::string path;
    for (const auto& [x, y] : series[k].points) {
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", fx(x), fy(y));
      out += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>{}{}</title></circle>\n",
          fx(x), fy(y), radius, colour, esc(series[k].name.empty() ? "" : series[k].name + ": "),
          esc(y_text(y)));
    }
    out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", path,
                       colour);
    if (series.size() > 1) {
      const double y = kTop + kPlotHeight + 36 + 16 * static_cast<double>(k);
      out += rect(kLabelWidth, y - 9, 12, 10, colour, series[k].name);
      out += text(kLabelWidth + 18, y, series[k].name);
    }
  }
  if (mark_x > 0) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" class=\"mark\"/>\n",
        fx(mark_x), kTop, kTop + kPlotHeight);
  }
  return out;
}

// One line through (x, y) points, its ends labelled; x on a log scale when asked.
std::string line(const std::vector<std::pair<double, double>>& points,
                 const std::function<std::string(double)>& x_text,
                 const std::function<std::string(double)>& y_text, double mark_x, bool log_x,
                 double& height) {
  if (points.empty()) {
    height = 0;
    return "";
  }
  double x0 = points.front().first, x1 = x0;
  for (const auto& [x, y] : points) {
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
  }
  return series_chart({{"", points}}, {{x0, x_text(x0)}, {x1, x_text(x1)}}, log_x, y_text, height,
                      mark_x);
}

std::string page(const std::string& title, const std::string& body, const std::string& text_block) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}</title>\n{}"
      "</head><body>\n<h1>{}</h1>\n{}<pre>{}</pre>\n</body></html>\n",
      esc(title), kStyle, esc(title), body, esc(text_block));
}

}  // namespace

std::string design_html(const app::Design& design) {
  const DesignSearch& d = design.search;
  double h = 0;
  const std::string chart = frontier_chart(d, h);
  const std::string body = figure(
      "frontier", "Finish against total cost", h, chart,
      "Every feasible design: when it has trained the token budget and what it costs (capital, "
      "and the run's electricity and maintenance). Blue: the frontier, no design trains sooner "
      "for less; red ring: the best by the goal.");
  return page("colossim design: " + design.scenario.name, body, design_text(design));
}

std::string sweep_html(const std::vector<std::string>& lines) {
  if (lines.empty()) return page("colossim sweep", "", "");
  const std::vector<std::string> head = csv_fields(lines.front());
  const auto status =
      static_cast<size_t>(std::find(head.begin(), head.end(), "status") - head.begin());
  std::vector<std::vector<std::string>> rows;
  size_t refused = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto f = csv_fields(lines[i]);
    f.resize(head.size());
    if (status < f.size() && f[status] == "ok") {
      rows.push_back(std::move(f));
    } else {
      ++refused;
    }
  }
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(head.begin(), head.end(), name) - head.begin());
  };
  // x: the first axis, numeric where every value is a number; one series per combination of
  // the other axes.
  std::vector<std::string> xs;
  bool numeric = true;
  for (const auto& r : rows) {
    if (std::find(xs.begin(), xs.end(), r[0]) == xs.end()) xs.push_back(r[0]);
    numeric = numeric && number_of(r[0]).has_value();
  }
  const auto x_of = [&](const std::string& v) {
    return numeric ? *number_of(v)
                   : static_cast<double>(std::find(xs.begin(), xs.end(), v) - xs.begin());
  };
  std::vector<std::pair<double, std::string>> ticks;
  ticks.reserve(xs.size());
  for (const auto& v : xs) ticks.emplace_back(x_of(v), v);
  double lo = 0, hi = 0;
  for (size_t i = 0; i < ticks.size(); ++i) {
    lo = i == 0 ? ticks[i].first : std::min(lo, ticks[i].first);
    hi = i == 0 ? ticks[i].first : std::max(hi, ticks[i].first);
  }
  const bool log_x = numeric && lo > 0 && hi / lo >= 8;
  const auto series_name = [&](const std::vector<std::string>& r) {
    std::string name;
    for (size_t a = 1; a < status; ++a) name += (name.empty() ? "" : ", ") + head[a] + "=" + r[a];
    return name;
  };
  struct Metric {
    const char* column;
    const char* title;
    std::function<std::string(double)> show;
  };
  const auto fixed = [](const char* format) {
    return [format](double v) { return fmt::format(fmt::runtime(format), v); };
  };
  const std::vector<Metric> metrics = {
      {"tokens_per_s", "Tokens per second",
       [](double v) {
         return v >= 1e6   ? fmt::format("{:.3g}M", v / 1e6)
                : v >= 1e3 ? fmt::format("{:.3g}k", v / 1e3)
                           : fmt::format("{:.3g}", v);
       }},
      {"mfu", "MFU", percent},
      {"step_time_s", "Step time", human_seconds},
      {"memory_gib_per_gpu", "Memory per GPU", fixed("{:.1f} GiB")},
      {"time_to_train_days", "Days to train, with failures", fixed("{:.1f} days")},
      {"time_to_train_days_no_failures", "Days to train, without failures", fixed("{:.1f} days")},
      {"goodput", "Goodput", percent},
      {"facility_mw", "Facility power", fixed("{:.2f} MW")},
      {"capital_usd", "Capital", human_dollars},
      {"run_cost_usd", "Run cost", human_dollars}};
  std::string body;
  for (const auto& m : metrics) {
    const size_t c = column(m.column);
    if (c >= head.size()) continue;
    std::vector<Series> series;
    for (const auto& r : rows) {
      const auto v = number_of(r[c]);
      if (!v) continue;
      const std::string name = series_name(r);
      auto it = std::find_if(series.begin(), series.end(),
                             [&](const Series& x) { return x.name == name; });
      if (it == series.end()) it = series.insert(series.end(), Series{name, {}});
      it->points.emplace_back(x_of(r[0]), *v);
    }
    if (series.empty()) continue;
    for (auto& x : series) std::sort(x.points.begin(), x.points.end());
    double h = 0;
    const std::string svg = series_chart(series, ticks, log_x, m.show, h);
    body += figure(m.column, fmt::format("{} against {}", m.title, head[0]), h, svg,
                   fmt::format("{} point(s) predicted{}.", rows.size(),
                               refused > 0 ? fmt::format(", {} refused (see the table)", refused)
                                           : std::string()));
  }
  std::string csv;
  for (const auto& l : lines) csv += l;
  return page("colossim sweep", body, csv);
}

std::string plan_html(const app::PlanRanking& r) {
  const size_t n = std::min<size_t>(r.predictions.size(), 20);
  std::vector<std::pair<std::string, double>> steps, mfu, memory;
  for (size_t i = 0; i < n; ++i) {
    const Prediction& p = r.predictions[i];
    const Plan& b = p.plan;
    const std::string label = fmt::format("#{} TP{} PP{} CP{} EP{} DP{} MB{}", i + 1, b.tp, b.pp,
                                          b.cp, b.ep, b.dp, b.micro_batch);
    steps.emplace_back(label, p.step.step_time.value());
    mfu.emplace_back(label, p.mfu);
    memory.emplace_back(label, to_gib(p.memory.total()));
  }
  std::string body;
  double h = 0;
  if (n > 0) {
    std::string svg = bars(steps, human_seconds, "#4c78a8", h);
    body += figure("plans-step", "Step time of the best plans", h, svg,
                   fmt::format("The {} best of {} fitting plans ({} candidates), best first.", n,
                               r.search.fitting, r.search.candidates));
    svg = bars(mfu, percent, "#59a14f", h);
    body += figure("plans-mfu", "MFU of the best plans", h, svg,
                   "Model FLOPs over the GPUs' peak at the plan's precision.");
    svg = bars(
        memory, [](double g) { return fmt::format("{:.1f} GiB", g); }, "#f28e2b", h);
    body += figure("plans-memory", "Memory per GPU of the best plans", h, svg,
                   fmt::format("The fullest pipeline stage; the GPU holds {:.1f} GiB.",
                               to_gib(r.scenario.cluster.gpu.hbm)));
  }
  return page("colossim plan: " + r.scenario.name, body,
              plan_text(r.scenario, r.search, r.predictions));
}

std::string bringup_html(const app::BringupResult& r, const std::string& text_block) {
  const BringupReport& b = r.report;
  std::vector<Series> gpus = {{"powered", {}}, {"accepted", {}}, {"training", {}}};
  std::vector<Series> tokens = {{"", {}}}, power = {{"", {}}};
  for (const auto& d : b.days) {
    const auto day = static_cast<double>(d.day);
    gpus[0].points.emplace_back(day, static_cast<double>(d.gpus_powered));
    gpus[1].points.emplace_back(day, static_cast<double>(d.gpus_accepted));
    gpus[2].points.emplace_back(day, static_cast<double>(d.gpus_training));
    tokens[0].points.emplace_back(day, d.tokens / 1e12);
    power[0].points.emplace_back(day, d.power_mw);
  }
  std::string body;
  if (!b.days.empty()) {
    std::vector<std::pair<double, std::string>> ticks;
    const size_t every = std::max<size_t>(1, b.days.size() / 10);
    for (size_t i = 0; i < b.days.size(); i += every) {
      ticks.emplace_back(static_cast<double>(b.days[i].day), fmt::format("day {}", b.days[i].day));
    }
    double h = 0;
    std::string svg = series_chart(
        gpus, ticks, false, [](double g) { return fmt::format("{:.0f}", g); }, h);
    body += figure("bringup-gpus", "GPUs powered, accepted and training, day by day", h, svg,
                   fmt::format("First training on day {:.1f}; the full job from day {:.1f}.",
                               b.first_training_day, b.full_job_day));
    svg = series_chart(
        tokens, ticks, false, [](double t) { return fmt::format("{:.2f}T", t); }, h);
    body += figure("bringup-tokens", "Tokens trained", h, svg,
                   b.finishes ? fmt::format("The budget is trained on day {:.1f}, against day "
                                            "{:.1f} waiting for the whole cluster.",
                                            b.finish_day, b.finish_day_waiting)
                              : std::string("The budget is not trained within the horizon."));
    svg = series_chart(
        power, ticks, false, [](double mw) { return fmt::format("{:.1f} MW", mw); }, h);
    body += figure("bringup-power", "Facility power drawn", h, svg,
                   "Powered racks at the full job's average facility power per GPU.");
  }
  return page("colossim bringup: " + r.scenario.name, body, text_block);
}

std::string html_report(const app::Report& report) {
  const Scenario& s = report.simulation.scenario;
  const Prediction& p = report.simulation.prediction;
  const auto& run = report.simulation.run;
  std::string body;
  double h = 0;

  if (!p.step.timeline.empty()) {
    const std::string svg = timeline(p, h);
    body += figure("timeline", "One step, stage by stage", h, svg,
                   "Every simulated task of the step on each pipeline stage's streams; hover "
                   "for names. Gaps on the compute rows are the pipeline bubble and exposed "
                   "communication.");
  }

  std::vector<std::pair<std::string, double>> parts;
  for (const auto& b : p.step.breakdown) {
    if (b.time.value() > 0) parts.emplace_back(b.name, b.time.value());
  }
  std::string svg = bars(parts, human_seconds, "#4c78a8", h);
  body += figure("breakdown", "Where the step goes", h, svg,
                 fmt::format("Pipeline stage {}, the busiest; the parts sum to the step time, {}.",
                             p.step.critical_stage, human_seconds(p.step.step_time.value())));

  const MemoryBreakdown& m = p.memory;
  const std::vector<std::pair<std::string, double>> memory = {
      {"weights", to_gib(m.weights)},           {"gradients", to_gib(m.gradients)},
      {"optimizer", to_gib(m.optimizer)},       {"activations", to_gib(m.activations)},
      {"NCCL buffers", to_gib(m.comm_buffers)}, {"CUDA runtime", to_gib(m.runtime_reserve)},
      {"HBM", to_gib(s.cluster.gpu.hbm)}};
  svg = bars(
      memory, [](double g) { return fmt::format("{:.1f} GiB", g); }, "#59a14f", h);
  body += figure("memory", "Memory per GPU", h, svg,
                 fmt::format("The fullest pipeline stage ({}): {:.1f} GiB of {:.1f}.", m.stage,
                             to_gib(m.total()), to_gib(s.cluster.gpu.hbm)));

  std::vector<std::pair<double, double>> power;
  const double step = p.step.step_time.value();
  const auto& slices = report.power.gpu_step;
  for (size_t i = 0; i < slices.size(); ++i) {
    power.emplace_back(step * (static_cast<double>(i) + 0.5) / static_cast<double>(slices.size()),
                       slices[i].value() / 1e6);
  }
  svg = line(
      power, human_seconds, [](double mw) { return fmt::format("{:.2f} MW", mw); }, 0, false, h);
  body += figure("power", "The GPUs' power over the step", h, svg,
                 fmt::format("From the share of GPUs computing in each of {} slices of the step "
                             "(data/facility.yaml busy and waiting draws); IT average {:.1f} MW, "
                             "facility {:.1f} MW at PUE {:.2f}.",
                             slices.size(), report.power.it_avg.value() / 1e6,
                             report.power.facility_avg.value() / 1e6, report.power.pue));

  if (!report.goodput_curve.empty() && run) {
    std::vector<std::pair<double, double>> curve;
    for (const auto& g : report.goodput_curve) curve.emplace_back(g.interval_s, g.goodput);
    svg = line(curve, human_seconds, percent, run->interval.chosen.value(), true, h);
    body += figure("goodput", "Goodput against the checkpoint interval", h, svg,
                   fmt::format("The run's Monte Carlo at each interval; the line marks the one "
                               "chosen ({}).",
                               human_seconds(run->interval.chosen.value())));
  }

  if (run && !run->result.interruptions_by_cause.empty()) {
    std::vector<std::pair<std::string, double>> causes(run->result.interruptions_by_cause.begin(),
                                                       run->result.interruptions_by_cause.end());
    std::sort(causes.begin(), causes.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    svg = bars(
        causes, [](double n) { return fmt::format("{:.1f}", n); }, "#e15759", h);
    body += figure("interruptions", "Interruptions by cause", h, svg,
                   fmt::format("Mean per run over the Monte Carlo trials, {} profile "
                               "(data/reliability.yaml).",
                               s.reliability.profile));
  }

  if (!p.fabric.empty()) {
    static const char* const tier_names[] = {"nvlink", "gpu-leaf", "leaf-spine", "spine-core"};
    std::vector<std::pair<std::string, double>> tiers;
    for (const auto& r : p.fabric) {
      for (size_t t = 0; t < 4; ++t) {
        if (r.tier_utilisation[t] <= 0) continue;
        tiers.emplace_back(fmt::format("{} {:.0f} MiB, {}", to_string(r.kind),
                                       r.bytes.value() / (1024.0 * 1024.0), tier_names[t]),
                           r.tier_utilisation[t]);
      }
    }
    svg = bars(tiers, percent, "#f28e2b", h);
    body += figure("fabric", "The fabric under each collective", h, svg,
                   "Mean utilisation of the links each collective of the step uses, per tier, "
                   "with every group of it running at once.");
  }

  const std::string title = "colossim: " + s.name;
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>{}</title>\n{}"
      "</head><body>\n<h1>{}</h1>\n<pre>{}</pre>\n{}</body></html>\n",
      esc(title), kStyle, esc(title), esc(prediction_text(s, p, run)), body);
}

}  // namespace colossim
