// Fabric scale benchmark: whole-cluster collectives with contention, from 1k to 131k GPUs, each
// case in its own process so its peak memory is its own. Prints one row per case:
//
//   build/bench/bench/colossim_fabric_scale [max_gpus]
//
// The cluster: the Memphis preset's kind (HGX H100, 400 GbE per GPU, rail-optimised Clos of
// 128-port switches: two tiers up to 65,536 GPUs, three beyond), grown to each size. Cases: an
// all-reduce of 1 GiB per GPU over every GPU (NCCL-like algorithm choice) under ECMP, adaptive
// routing and spraying; a direct all-to-all of 1 GiB per GPU within every 64-GPU expert group at
// once.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "net/collectives.hpp"
#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"

using namespace colossim;

namespace {

void run_case(long long gpus, const std::string& routing, Collective op, long long group,
              const std::string& algorithm) {
  const Catalog catalog = Catalog::builtin();
  Cluster c = read_scenario_text("cluster: {preset: memphis-100k, gpus: " + std::to_string(gpus) +
                                     "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: 8}\n",
                                 "bench", catalog)
                  .cluster;
  c.routing = routing;
  const Calibration calibration = Calibration::builtin();
  const auto start = std::chrono::steady_clock::now();
  const FabricNetwork net(c, calibration.for_architecture(c.gpu.architecture).network());
  RankGroups groups;
  for (long long g = 0; g < gpus; g += group) {
    groups.emplace_back();
    for (long long i = 0; i < group; ++i) groups.back().push_back(g + i);
  }
  const Bytes size(1024.0 * 1024 * 1024);
  const CollectiveResult r = run_collective(net, op, size, groups, algorithm);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double n = static_cast<double>(group);
  const double factor = op == Collective::all_reduce ? 2 * (n - 1) / n : (n - 1) / n;
  std::printf(
      "%s\n",
      fmt::format("{:>8} {:>10} {:>9} {:>13} {:>11.2f} {:>9.1f} {:>10} {:>8.3f} {:>8.0f}", gpus,
                  op == Collective::all_reduce ? "all-reduce" : "all-to-all", routing, r.algorithm,
                  r.time.value() * 1e3, size.value() / r.time.value() / 1e9 * factor, r.flows, wall,
                  static_cast<double>(usage.ru_maxrss) / 1024)
          .c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const long long max_gpus = argc > 1 ? std::atoll(argv[1]) : 131072;
  std::printf("# whole-cluster collectives of 1 GiB per GPU on the flow engine (one core each)\n");
  std::printf("%8s %10s %9s %13s %11s %9s %10s %8s %8s\n", "gpus", "op", "routing", "algorithm",
              "sim (ms)", "busbw", "flows", "wall (s)", "peak MiB");
  for (long long gpus = 1024; gpus <= max_gpus; gpus *= 2) {
    struct Case {
      const char* routing;
      Collective op;
      long long group;
      const char* algorithm;
    };
    const Case cases[] = {{"ecmp", Collective::all_reduce, gpus, "auto"},
                          {"adaptive", Collective::all_reduce, gpus, "auto"},
                          {"spray", Collective::all_reduce, gpus, "auto"},
                          {"ecmp", Collective::all_to_all, 64, "direct"}};
    for (const Case& k : cases) {
      std::fflush(stdout);  // or the child repeats what is buffered
      const pid_t pid = fork();
      if (pid == 0) {
        run_case(gpus, k.routing, k.op, k.group, k.algorithm);
        std::_Exit(0);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "case failed at %lld GPUs\n", gpus);
        return 1;
      }
    }
  }
  return 0;
}
