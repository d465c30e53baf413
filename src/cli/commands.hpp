// The colossim command line: parses the arguments, calls the facade, prints the result in the
// format asked for. Returns the exit status (0; 2 for bad input, a refusal or a parse error).
// Throws InputError for bad input found past parsing (main prints it on one line).
#pragma once

namespace colossim {

class MpiSession;  // cli/mpi.hpp, where MPI is built in

// `mpi`: the MPI session when launched under mpirun (plan searches spread across ranks), or null.
int run_commands(int argc, char** argv, const MpiSession* mpi);

}  // namespace colossim
