#include "run/mpi.hpp"

#include <mpi.h>

#include <cstdlib>

namespace colossim {

MpiSession::MpiSession(int* argc, char*** argv) {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr && std::getenv("PMI_SIZE") == nullptr) return;
  MPI_Init(argc, argv);
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (active_) MPI_Finalize();
}

std::vector<std::string> all_gather(const MpiSession& session, const std::string& mine) {
  const int size = session.size();
  const int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<size_t>(size), 0);
  MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> offsets(static_cast<size_t>(size), 0);
  for (size_t r = 1; r < offsets.size(); ++r) offsets[r] = offsets[r - 1] + lengths[r - 1];
  std::vector<char> all(static_cast<size_t>(offsets.back() + lengths.back()) + 1);
  MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                 MPI_CHAR, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (size_t r = 0; r < lengths.size(); ++r)
    out.emplace_back(all.data() + offsets[r], static_cast<size_t>(lengths[r]));
  return out;
}

void MpiEvaluator::evaluate(const Scenario& s, const Calibration& cal,
                            const std::vector<PlanCandidate>& batch, std::vector<double>& step_s) {
  std::vector<PlanCandidate> mine;
  for (size_t i = static_cast<size_t>(session_.rank()); i < batch.size();
       i += static_cast<size_t>(session_.size())) {
    mine.push_back(batch[i]);
  }
  std::vector<double> my_steps;
  local_.evaluate(s, cal, mine, my_steps);
  // Each slot is written by exactly one rank and zero elsewhere: the sum is exact.
  std::vector<double> partial(batch.size(), 0.0);
  for (size_t k = 0; k < mine.size(); ++k) {
    partial[static_cast<size_t>(session_.rank()) + k * static_cast<size_t>(session_.size())] =
        my_steps[k];
  }
  step_s.assign(batch.size(), 0.0);
  MPI_Allreduce(partial.data(), step_s.data(), static_cast<int>(batch.size()), MPI_DOUBLE, MPI_SUM,
                MPI_COMM_WORLD);
}

}  // namespace colossim
