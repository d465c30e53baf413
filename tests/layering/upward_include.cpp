// Must NOT compile: net/ sits below run/, so run/'s headers are not on its include path
// (CMakeLists.txt, colossim_layer). tests/CMakeLists.txt expects this build to fail.
#include "net/network.hpp"
#include "run/prediction.hpp"

int probe_upward() { return 0; }
