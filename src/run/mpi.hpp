// Plan search across machines with MPI (`mpirun -np N colossim plan FILE`). Every rank runs the
// same deterministic search; each batch of candidates is split across ranks (rank r takes
// candidates r, r + N, ...) and the step times are combined with an all-reduce, so every rank
// holds the whole batch's results and all ranks -- and a single process -- rank the same plans.
// Rank 0 prints. Built only where MPI is found (COLOSSIM_HAVE_MPI).
#pragma once

#include <string>
#include <vector>

#include "run/plan_search.hpp"

namespace colossim {

class MpiSession {
 public:
  // Initialises MPI only when launched by an MPI launcher (OMPI_COMM_WORLD_SIZE / PMI_SIZE set).
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  [[nodiscard]] bool active() const { return active_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }

 private:
  bool active_ = false;
  int rank_ = 0;
  int size_ = 1;
};

// Every rank's `mine`, in rank order, on every rank (all ranks call it together).
[[nodiscard]] std::vector<std::string> all_gather(const MpiSession& session,
                                                  const std::string& mine);

class MpiEvaluator final : public BatchEvaluator {
 public:
  MpiEvaluator(const MpiSession& session, int threads) : session_(session), local_(threads) {}
  void evaluate(const Scenario& s, const Calibration& cal, const std::vector<PlanCandidate>& batch,
                std::vector<double>& step_s) override;

 private:
  const MpiSession& session_;
  ThreadEvaluator local_;
};

}  // namespace colossim
