# A negative control: runs the conformance binary against `refserver --legacy PROFILE`
# with a filter and passes only if every test named in MUST_FAIL failed with a measured
# figure that shows the defect, read from the "actual:" line of its failure and held to
# the bound of its property (the table below). So a detector that stopped catching its
# defect, or a test that failed for another reason (its setup, a timeout: no such
# figure), turns this red. -DEXTRA_ARGS=--large passes suite flags before the rest.
#
#   cmake -DCONFORMANCE=path -DPROFILE=spool-upload -DFILTER='P2*'
#         -DMUST_FAIL='P2NoCopies.HttpPut;...' -DOUT=file.json -P negative_control.cmake
#
# The bounds hold for the suite's default sizes (--sizes 16MiB,64MiB,256MiB):
#   P1FlatMemory     peak memory "rises by N KiB" from 16 to 64 MiB: N >= 24576 (half the
#                    48 MiB the object grew: the body was held whole); under load (slow,
#                    stalled or concurrent transfers), the growth "per connection: N% of
#                    the object": N >= 50 (each connection held most of its object)
#   P2NoCopies       "copies = C": C >= 1.9 (a whole second copy); a MOVE that "grew N B"
#                    of reads and writes: N >= 134217728 (half the 256 MiB object: copied)
#   P3FirstByte      "had read N B" at the first byte: N >= 134217728 (half the 256 MiB
#                    object read before sending)
#   P4FdLeaks        "N on deleted files": N >= 1 (a descriptor kept on a deleted file)
#   P5Coherency      the SHA-256 read back differs from the one sent ("expected:" line)
#                    and the byte count is the same: the bytes changed, not their number
#   P6AtomicCommit   the SHA-256 read back differs from the previous version's; a COPY seen
#                    as "N views neither old nor new" or leaving a destination "N bytes
#                    short of the source": N >= 1; or, after
#                    concurrent uploads some of which were aborted, "N new files under the
#                    root" besides the finished ones: N >= 1
#   P7UnknownLength  "answered S" with S in 400..599: the upload was refused
#   Security         "read back the N bytes planted beside the root": N >= 1
#   Large            (--large, wrap32) a size or byte count read back below 2^32 for an
#                    object of 2^32 + 4097 bytes: "N bytes, SHA-256", "Content-Length: N",
#                    "213 N", ".../N" of a Content-Range: N <= 4294967295; or bytes that
#                    first differ at an offset past 2^32: N >= 4294967296; a REST past
#                    2^32 that got "N of 4096 bytes": N <= 4095; an FTP SIZE after a
#                    REST+STOR or APPE across 2^32 that read "size N": N <= 4294967295;
#                    a Content-Length past 2^63 "accepted: status N": N in 200..299; a
#                    REST past the end after which "N bytes sent": N >= 1
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/gtest_report.cmake")
foreach(var CONFORMANCE PROFILE FILTER MUST_FAIL OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "negative_control.cmake: -D${var}=... is required")
  endif()
endforeach()

# The bounds: suite | the figure in the "actual:" line (one capture) | least value | most
set(bounds
  "P1FlatMemory|rises by ([0-9]+) KiB|24576|"
  "P1FlatMemory|per connection: ([0-9]+)% of the object|50|"
  "P2NoCopies|copies = ([0-9.]+)|1.9|"
  "P3FirstByte|had read ([0-9]+) B|134217728|"
  "P4FdLeaks|([0-9]+) on deleted files|1|"
  "P6AtomicCommit|([0-9]+) new files under the root|1|"
  "P6AtomicCommit|([0-9]+) views neither old nor new|1|"
  "P6AtomicCommit|([0-9]+) bytes short of the source|1|"
  "P2NoCopies|grew ([0-9]+) B \\(rchar|134217728|"
  "P7UnknownLength|answered ([0-9]+)|400|599"
  "Security|read back the ([0-9]+) bytes planted beside the root|1|"
  "Large|([0-9]+) bytes, SHA-256|0|4294967295"
  "Large|Content-Length: ([0-9]+)|0|4294967295"
  "Large|\"213 ([0-9]+)\"|0|4294967295"
  "Large|Content-Range: bytes [^/]*/([0-9]+)|0|4294967295"
  "Large|first differs at ([0-9]+)|4294967296|"
  "Large|([0-9]+) of 4096 bytes|0|4095"
  "Large|size ([0-9]+)|0|4294967295"
  "Large|accepted: status ([0-9]+)|200|299"
  "Large|([0-9]+) bytes sent|1|")

# The figure of a failure message and whether it shows the defect: sets `figure` (what
# was read, for the log) and `shown` (TRUE/FALSE).
function(judge_figure test message)
  string(REGEX REPLACE "\\..*" "" suite "${test}")
  string(REGEX MATCH "\n  actual: +[^\n]*" actual "${message}")
  string(REGEX MATCH "\n  expected: +[^\n]*" expected "${message}")
  set(shown FALSE)
  set(figure "no \"actual:\" line")
  if(actual)
    set(figure "${actual}")
  endif()
  foreach(bound IN LISTS bounds)
    string(REPLACE "|" ";" parts "${bound}")
    list(GET parts 0 bound_suite)
    list(GET parts 1 regex)
    list(GET parts 2 least)
    list(LENGTH parts n)
    set(most "")
    if(n GREATER 3)
      list(GET parts 3 most)
    endif()
    if(suite STREQUAL bound_suite AND actual MATCHES "${regex}")
      set(figure "\"${CMAKE_MATCH_0}\" (bound >= ${least}")
      if(most)
        string(APPEND figure ", <= ${most}")
      endif()
      string(APPEND figure ")")
      if(CMAKE_MATCH_1 GREATER_EQUAL least AND (NOT most OR CMAKE_MATCH_1 LESS_EQUAL most))
        set(shown TRUE)
      endif()
    endif()
  endforeach()
  # P5 and P6: the bytes read back are not the ones that must be there (P5: the same
  # number of them, so the bytes changed, not their count).
  if(suite MATCHES "^P[56]" AND actual MATCHES "([0-9]+) bytes, SHA-256 ([0-9a-f]+)")
    set(got_bytes "${CMAKE_MATCH_1}")
    set(got_sha "${CMAKE_MATCH_2}")
    if(expected MATCHES "([0-9]+) bytes, SHA-256 ([0-9a-f]+)")
      string(CONCAT figure "${got_bytes} bytes, SHA-256 ${got_sha}, expected "
                           "${CMAKE_MATCH_1} bytes, SHA-256 ${CMAKE_MATCH_2}")
      if(NOT got_sha STREQUAL CMAKE_MATCH_2 AND (suite STREQUAL "P6AtomicCommit" OR
                                                 got_bytes EQUAL CMAKE_MATCH_1))
        set(shown TRUE)
      endif()
    endif()
  endif()
  set(figure "${figure}" PARENT_SCOPE)
  set(shown ${shown} PARENT_SCOPE)
endfunction()

# -DSPAWN='command' runs the suite against that launcher (a server of the suite's own with
# a planted defect, conformance/testing/) instead of the refserver; PROFILE then names it.
if(DEFINED SPAWN)
  set(target_args --spawn "${SPAWN}")
  set(who "${PROFILE}")
else()
  set(target_args --refserver-arg=--legacy "--refserver-arg=${PROFILE}")
  set(who "legacy ${PROFILE}")
endif()
file(REMOVE "${OUT}")
execute_process(
  COMMAND "${CONFORMANCE}" ${EXTRA_ARGS} ${target_args}
          "--gtest_filter=${FILTER}" "--gtest_output=json:${OUT}" --gtest_brief=1
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT EXISTS "${OUT}")
  message(FATAL_ERROR "${who}: the suite wrote no report (exit ${rc}):\n${out}\n${err}")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "${who}: every test of ${FILTER} passed; the defect went unseen")
endif()

# Each failed test, and whether one of its failures shows the defect within its bound
# (one is enough; the others may be its echoes).
read_gtest_report("${OUT}")
set(failed "")
foreach(test IN LISTS gtest_tests)
  if(NOT gtest_nfail_${test} GREATER 0)
    continue()
  endif()
  list(APPEND failed "${test}")
  set("caught_${test}" FALSE)
  set("figures_${test}" "")
  math(EXPR last_fail "${gtest_nfail_${test}} - 1")
  foreach(k RANGE ${last_fail})
    judge_figure("${test}" "${gtest_failure_${test}_${k}}")
    string(APPEND "figures_${test}" "\n      ${figure}")
    if(shown AND NOT caught_${test})
      set("caught_${test}" TRUE)
      set("figure_${test}" "${figure}")
    endif()
  endforeach()
endforeach()

set(problems "")
foreach(test IN LISTS MUST_FAIL)
  if(NOT test IN_LIST failed)
    string(APPEND problems "  ${test} did not fail against ${who}\n")
  elseif(NOT caught_${test})
    string(APPEND problems "  ${test} failed, but no failure shows the defect's figure within "
                           "its bound:${figures_${test}}\n")
  else()
    message(STATUS "caught: ${test}: ${figure_${test}}")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "${who}: the suite did not catch the defect as it must:\n${problems}\n"
                      "failed tests: ${failed}\n--- output ---\n${out}")
endif()
list(LENGTH MUST_FAIL n)
message(STATUS "${who}: all ${n} expected tests failed, each with its figure in bound")
