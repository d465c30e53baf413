// The colossim command: the only place that exits. Bad input (InputError) ends here with exit
// status 2 and one line on stderr; anything else unexpected is an internal error (exit 1).
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#ifdef COLOSSIM_HAVE_MPI
#include "run/mpi.hpp"
#endif

int main(int argc, char** argv) {
  const colossim::MpiSession* mpi = nullptr;
#ifdef COLOSSIM_HAVE_MPI
  colossim::MpiSession session(&argc, &argv);
  mpi = &session;
#endif
  // Under mpirun every rank meets the same error: rank 0 reports it.
  const bool reports = mpi == nullptr || mpi->rank() == 0;
  try {
    return colossim::run_commands(argc, argv, mpi);
  } catch (const colossim::InputError& e) {
    if (reports) std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    if (reports) std::cerr << "colossim: internal error: " << e.what() << "\n";
    return 1;
  }
}
