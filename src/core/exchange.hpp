// Several processes sharing one job's work (MPI ranks; run/mpi.hpp builds one): each does its
// share, and `all_gather` hands every rank's text to every rank, so that all of them hold the
// whole result and one of them prints what a single process would.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace colossim {

struct Exchange {
  int rank = 0;
  int size = 1;
  // Every rank's text, in rank order; all ranks call it together.
  std::function<std::vector<std::string>(const std::string& mine)> all_gather;
};

}  // namespace colossim
