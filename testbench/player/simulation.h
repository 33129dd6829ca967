#pragma once
// Runs the elaborated SystemC model to its end (sc_start until a process calls sc_stop or nothing
// is left to do), as every front end of the testbench does it: the kernel's info notes ("Simulation
// stopped by user.") are silenced so that they do not land in a summary, and a SystemC error
// report becomes a SimulationError. The caller rethrows its initiator thread's own exception.
namespace gcattn::player {

void run_simulation();

}  // namespace gcattn::player
