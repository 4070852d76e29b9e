# Fuzz targets (issue 18). Each target is one source defining LLVMFuzzerTestOneInput and
# is built two ways:
#   - always: NAME_replay, the target with fuzz/replay_main.cpp, which runs it once on
#     every committed input; ctest runs it as fuzz.replay.NAME (label fuzz-replay), so a
#     GCC-only CI keeps every seed and reproducer passing;
#   - with -DSTREAMCHECK_FUZZ=ON under clang: NAME_fuzz, linked with libFuzzer. Then the
#     whole build carries ASan and UBSan, as a fuzz target's libraries must be
#     instrumented too (fuzzer-no-link gives them coverage without a second main).
# scripts/fuzz configures build-fuzz/ that way and runs the NAME_fuzz binaries.

option(STREAMCHECK_FUZZ "Build libFuzzer targets (clang only) with ASan and UBSan" OFF)

if(STREAMCHECK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STREAMCHECK_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-14), "
                        "not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  # Recovery off: undefined behaviour must stop the run, so libFuzzer keeps the input.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fsanitize=fuzzer-no-link -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
  # clang warns where GCC does not: the GCC build keeps -Werror, and this one must not
  # stop on a warning CI's compiler never gives (it comes after sc_warnings' -Werror).
  target_compile_options(sc_warnings INTERFACE -Wno-error)
endif()

add_library(sc_fuzz_replay_main OBJECT ${CMAKE_CURRENT_LIST_DIR}/../fuzz/replay_main.cpp)
target_include_directories(sc_fuzz_replay_main PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(sc_fuzz_replay_main PRIVATE sc_warnings)
add_custom_target(fuzz_targets)
add_custom_target(fuzz_replays)  # every NAME_replay, for a build of them alone

# streamcheck_fuzz_target(NAME n LIBS lib...), called from a module's CMakeLists.txt:
# the target is fuzz/n_fuzz.cpp there, its seed corpus fuzz/corpus/n/, the layout
# scripts/fuzz finds targets by. Reproducers of past findings live in
# fuzz/reproducers/n/; the replay test reads them too once the directory exists.
function(streamcheck_fuzz_target)
  cmake_parse_arguments(ARG "" "NAME" "LIBS" ${ARGN})
  if(NOT ARG_NAME)
    message(FATAL_ERROR "streamcheck_fuzz_target: NAME is required")
  endif()
  set(fuzz_dir "${CMAKE_CURRENT_SOURCE_DIR}/fuzz")
  set(source "${fuzz_dir}/${ARG_NAME}_fuzz.cpp")
  set(corpus "${fuzz_dir}/corpus/${ARG_NAME}")
  if(NOT EXISTS "${source}" OR NOT IS_DIRECTORY "${corpus}")
    message(FATAL_ERROR "streamcheck_fuzz_target(${ARG_NAME}): needs ${source} and ${corpus}/")
  endif()
  set(reproducers "${fuzz_dir}/reproducers/${ARG_NAME}")

  add_executable(${ARG_NAME}_replay ${source})
  target_link_libraries(${ARG_NAME}_replay PRIVATE sc_fuzz_replay_main ${ARG_LIBS} sc_warnings)
  add_dependencies(fuzz_replays ${ARG_NAME}_replay)
  # --if-exists: the reproducers directory appears with the first finding, and the test
  # must pick it up without a new cmake run.
  add_test(NAME fuzz.replay.${ARG_NAME}
           COMMAND ${ARG_NAME}_replay "${corpus}" --if-exists "${reproducers}")
  set_tests_properties(fuzz.replay.${ARG_NAME} PROPERTIES LABELS fuzz-replay TIMEOUT 60)

  if(STREAMCHECK_FUZZ)
    add_executable(${ARG_NAME}_fuzz ${source})
    target_include_directories(${ARG_NAME}_fuzz PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${ARG_NAME}_fuzz PRIVATE ${ARG_LIBS} sc_warnings)
    target_link_options(${ARG_NAME}_fuzz PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzz_targets ${ARG_NAME}_fuzz)
  endif()
endfunction()
