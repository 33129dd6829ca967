# GPT-2 inference engine (tokenizer, checkpoint loader, KV-cache model, trace recorder).
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(Threads REQUIRED)
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trace_recorder.cpp)
target_link_libraries(gcattn_testbench PUBLIC Eigen3::Eigen Threads::Threads)
