# The Slurm backend on a real single-node cluster: the fixture starts munged, slurmctld and slurmd
# (as root, ports on the loopback, everything under the build tree) and stops them afterwards.
# Included by tests/CMakeLists.txt; the other sweep tests are Catch2 cases in gcattn_tests.
set(GCATTN_SLURM_CLUSTER_DIR ${CMAKE_BINARY_DIR}/sweep-slurm-cluster)
add_test(NAME sweep.slurm_cluster_start
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/slurm_cluster.sh start ${GCATTN_SLURM_CLUSTER_DIR})
add_test(NAME sweep.slurm_cluster_stop
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/slurm_cluster.sh stop ${GCATTN_SLURM_CLUSTER_DIR})
add_test(NAME sweep.slurm_backend_matches_local
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/slurm_sweep_test.sh $<TARGET_FILE:gcattn> ${PROJECT_SOURCE_DIR}
          ${CMAKE_BINARY_DIR}/sweep-slurm-test ${GCATTN_SLURM_CLUSTER_DIR})
set_tests_properties(sweep.slurm_cluster_start PROPERTIES FIXTURES_SETUP gcattn_slurm TIMEOUT 60)
set_tests_properties(sweep.slurm_cluster_stop PROPERTIES FIXTURES_CLEANUP gcattn_slurm TIMEOUT 60)
set_tests_properties(sweep.slurm_backend_matches_local PROPERTIES FIXTURES_REQUIRED gcattn_slurm
  TIMEOUT 300 LABELS "sweep;slurm")
