// The same collective phases through colossim's flow engine and through SimGrid (CM02 network
// model, cross-traffic off), side by side, for as far as SimGrid goes:
//
//   build/bench/bench/colossim_simgrid_side_by_side [max_gpus] [simgrid_budget_s]
//
// Cases: one step of the NCCL ring all-reduce over all GPUs (every one of its 2(n-1) steps is the
// same), and the across-node phase of the double-binary-tree all-reduce, each of 1 GiB per GPU,
// on the Memphis preset's kind of cluster grown to each size, ECMP routing (collisions make the
// sharing non-trivial). The comparison is of bandwidth sharing and its dynamics, so link latency
// is set to zero in both: with latency, SimGrid's CM02 weights shares by route latency (TCP's RTT
// unfairness) where colossim shares plainly as RDMA fabrics do, and even with every route given
// the same total latency its answers on the tree phases move by up to a third per flow (we have
// not found why; the small oracle cases in tests/simgrid_oracle.cpp agree with latency). Each
// case runs in its own process (SimGrid's engine is a singleton); sizes stop growing once SimGrid
// needs more than the budget.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/collectives.hpp"
#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "simgrid_support.hpp"

using namespace colossim;

namespace {

struct Flows {
  std::vector<colossim::testing::SimGridLink> links;
  std::vector<colossim::testing::SimGridFlow> flows;
};

// A phase's flows on their links, latency removed (see the header).
Flows sharing_only(const FabricNetwork::Routed& r) {
  Flows f;
  const FlowNetwork& net = r.net;
  for (size_t l = 0; l < net.links(); ++l) f.links.push_back({net.capacity(l), 0.0});
  for (size_t i = 0; i < net.flows(); ++i)
    f.flows.push_back({{net.path(i).begin(), net.path(i).end()}, net.size(i), 0.0});
  return f;
}

std::vector<double> with_colossim(const Flows& k) {
  FlowNetwork net;
  for (const auto& l : k.links) net.add_link(BytesPerSecond(l.bandwidth), Seconds(l.latency));
  for (const auto& f : k.flows) net.add_flow(f.links, Bytes(f.bytes));
  std::vector<double> out;
  for (const auto& t : net.run()) out.push_back(t.value());
  return out;
}

std::vector<double> with_simgrid(const Flows& k) {
  int argc = 2;
  char name[] = "side_by_side";
  char quiet[] = "--log=xbt_cfg.thres:critical";
  char* argv[] = {name, quiet, nullptr};
  return colossim::testing::simgrid_finish_times(k.links, k.flows, &argc, argv);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Runs one case; prints its row; exits 3 if SimGrid ran past the budget.
int run_case(long long gpus, const std::string& algorithm, double budget) {
  const Catalog catalog = Catalog::builtin();
  Cluster c = read_scenario_text("cluster: {preset: memphis-100k, gpus: " + std::to_string(gpus) +
                                     "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: 8}\n",
                                 "bench", catalog)
                  .cluster;
  c.routing = "ecmp";
  const Calibration calibration = Calibration::builtin();
  const FabricNetwork net(c, calibration.for_architecture(c.gpu.architecture).network());
  RankGroups all(1);
  for (long long g = 0; g < gpus; ++g) all[0].push_back(g);
  const auto steps = find_collective_algorithm(algorithm)->steps(net, Collective::all_reduce,
                                                                 1024.0 * 1024 * 1024, all);
  const Phase& phase = steps.front().back();  // ring: its step; tree: the across-node trees
  const Flows flows = sharing_only(net.route(phase));
  auto start = std::chrono::steady_clock::now();
  const auto ours = with_colossim(flows);
  const double our_wall = seconds_since(start);
  start = std::chrono::steady_clock::now();
  alarm(static_cast<unsigned>(std::ceil(budget)));  // SimGrid past the budget: stop here
  const auto theirs = with_simgrid(flows);
  const double their_wall = seconds_since(start);
  double worst = 0, end_ours = 0, end_theirs = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    worst = std::max(worst, std::fabs(ours[i] - theirs[i]) / theirs[i]);
    end_ours = std::max(end_ours, ours[i]);
    end_theirs = std::max(end_theirs, theirs[i]);
  }
  std::printf("%8lld %-22s %9zu %12.3f %12.3f %10.4f%% %10.3f %10.2f %8.0fx\n", gpus,
              (algorithm == "ring" ? "ring step" : "tree, across nodes"), ours.size(),
              end_ours * 1e3, end_theirs * 1e3, 100 * worst, our_wall, their_wall,
              their_wall / std::max(our_wall, 1e-6));
  std::fflush(stdout);
  return their_wall > budget ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const long long max_gpus = argc > 1 ? std::atoll(argv[1]) : 131072;
  const double budget = argc > 2 ? std::atof(argv[2]) : 60;
  std::printf(
      "# one phase of a 1 GiB all-reduce, colossim's flow engine vs SimGrid CM02 (one core)\n");
  std::printf("%8s %-22s %9s %12s %12s %11s %10s %10s %9s\n", "gpus", "phase", "flows", "ours (ms)",
              "SimGrid (ms)", "worst diff", "ours (s)", "SimGrid (s)", "speedup");
  for (const char* algorithm : {"ring", "tree"}) {
    for (long long gpus = 64; gpus <= max_gpus; gpus *= 4) {
      std::fflush(stdout);
      const pid_t pid = fork();
      if (pid == 0) std::_Exit(run_case(gpus, algorithm, budget));
      int status = 0;
      waitpid(pid, &status, 0);
      if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        std::printf("%8lld %-22s SimGrid did not finish within %.0f s\n", gpus,
                    std::string(algorithm) == "ring" ? "ring step" : "tree, across nodes", budget);
        break;
      }
      if (!WIFEXITED(status)) return 1;
      if (WEXITSTATUS(status) == 3) break;  // SimGrid past the budget: stop growing
      if (WEXITSTATUS(status) != 0) return 1;
    }
  }
  return 0;
}
