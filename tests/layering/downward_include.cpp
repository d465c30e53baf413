// Must compile: the control for upward_include.cpp -- the same target shape including a lower
// layer's header, so the probe fails for the layering and nothing else.
#include "net/network.hpp"
#include "plan/plan.hpp"

int probe_downward() { return 0; }
