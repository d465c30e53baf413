// What a job puts on the fabric, as loads other collectives are priced beside
// (Cluster::cross_traffic; net/fabric_model.cpp weighs each load by its duty): its own
// collectives of other kinds (its gradient reduction beside its pipeline sends), and, on a
// cluster several jobs share (a scenario's `jobs:`), the other jobs' collectives.
//
// A job's loads, from its step alone (sim/step.hpp), each one stream per GPU:
//  - data-parallel: its gradient reductions and parameter gathers, on for the critical stage's
//    dp_comm_busy share of the step; NCCL's ring over each data-parallel (and expert
//    data-parallel) group, each member to the next.
//  - pipeline: the sends between neighbouring stages, both ways, on for pp_send_busy.
//  - expert all-to-all: on for ep_alltoall's share; each member of an EP group to the member
//    half the group away (the farthest, standing for the n - 1 it sends to).
// Streams that stay inside an NVLink domain are left out: a GPU's NVLink ports are its own, so
// they never meet another job's traffic.
//
// Limits: a job's tensor- and context-parallel traffic that leaves its NVLink domain is not
// carried; each load's duty is the job's alone (being slowed by the others does not thin its
// own traffic); jobs do not run in step, so which of their phases meet is left to chance.
#pragma once

#include <vector>

#include "run/prediction.hpp"
#include "scenario/scenario.hpp"

namespace colossim {

// The loads `job` puts on the fabric, given its prediction (on its own GPUs; those of a
// scenario's jobs, or the whole job). Loads with no stream leaving an NVLink domain are left out.
// `own`: marked as the job's own, each naming the groups it stands for (CrossTraffic::groups),
// for its other collectives to be priced beside.
[[nodiscard]] std::vector<CrossTraffic> job_traffic(const Scenario& job, const Prediction& alone,
                                                    bool own = false);

}  // namespace colossim
