// Several jobs on one cluster's fabric (a scenario's `jobs:`): the traffic each job puts on the
// fabric when it runs alone, as loads the other jobs' collectives are priced beside
// (Cluster::cross_traffic; net/fabric_model.cpp weighs each load by its duty).
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

// The loads `job` (one of a scenario's jobs, on its own GPUs) puts on the fabric, given its
// prediction alone. Loads with no stream leaving an NVLink domain are left out.
[[nodiscard]] std::vector<CrossTraffic> job_traffic(const Scenario& job, const Prediction& alone);

}  // namespace colossim
