#pragma once
// gcattn: SystemC/TLM-2.0 model of the gain-cell analog in-memory attention accelerator
// (Leroux et al. 2025). Umbrella header of the installed package (find_package(gcattn), target
// gcattn::model): everything a virtual platform needs to instantiate, bind, drive and observe
// the accelerator. How to integrate it: docs/integration.md.
//
//   gcattn::Config cfg = gcattn::Config::paper();            // or Config::load("file.json")
//   gcattn::sc::Accelerator accel("gcattn", cfg);
//   bus.initiator_socket.bind(accel.socket());               // registers and data windows
//   accel.dma_socket().bind(bus.target_socket);              // optional: COMMAND.DMA
//   accel.irq(irq_signal);                                   // level interrupt
//
// Register offsets, bits and codes for driver code: gcattn/gcattn_regs.h (plain C, included
// here too).

#include "gcattn/gcattn_regs.h"

#include "gcattn/area/area_model.h"
#include "gcattn/config/config.h"
#include "gcattn/config/hardware_params.h"
#include "gcattn/power/energy_model.h"
#include "gcattn/timing/phase_schedule.h"

#include "gcattn/systemc/accelerator.h"
#include "gcattn/systemc/accelerator_params.h"
#include "gcattn/systemc/dma_engine.h"
#include "gcattn/systemc/host_driver.h"
#include "gcattn/systemc/register_map.h"
#include "gcattn/systemc/socket_width_adapter.h"
#include "gcattn/systemc/statistics.h"
#include "gcattn/systemc/timeline_observer.h"
#include "gcattn/systemc/vcd_tracer.h"
