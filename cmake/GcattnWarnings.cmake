# Project-wide warning flags, applied per target with gcattn_warnings(<target>).
function(gcattn_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(GCATTN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
