# Closed-loop language-model evaluation and generation (`gcattn eval`, `gcattn generate`).
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/model_card.cpp
  ${CMAKE_CURRENT_LIST_DIR}/text_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/host_attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/accelerator_attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/eval_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/cmd_eval.cpp)
