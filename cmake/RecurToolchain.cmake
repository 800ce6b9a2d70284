# Compiler settings shared by every project target.

find_program(RECUR_CCACHE ccache)
if(RECUR_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${RECUR_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${RECUR_CCACHE})
endif()

find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)

if(RECUR_SANITIZE)
  # CAF's headers bind references to null inside their own templates; that check is off.
  set(recur_sanitize_flags -fsanitize=address,undefined -fno-sanitize=null
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:${recur_sanitize_flags}>")
  add_link_options(-fsanitize=address,undefined)
  # GCC's flow analysis under AddressSanitizer reports values as maybe-uninitialized that the
  # release build proves initialized (CAF's config_value variant among them); the release build
  # keeps the warning as an error.
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>")
endif()

# recur_target_defaults(TARGET): warnings as errors and the project's include root.
function(recur_target_defaults target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Werror>)
endfunction()
