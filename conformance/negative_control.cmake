# A negative control: runs the conformance binary against `refserver --legacy PROFILE`
# with a property filter and passes only if every test named in MUST_FAIL failed, each
# with FIGURE in its failure message (the figure that shows the defect), so a detector
# that stopped catching its defect, or fails for another reason, turns this red.
#
#   cmake -DCONFORMANCE=path -DPROFILE=spool-upload -DFILTER='P2*'
#         -DMUST_FAIL='P2NoCopies.HttpPut;...' -DFIGURE=copies -DOUT=file.json
#         -P negative_control.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var CONFORMANCE PROFILE FILTER MUST_FAIL FIGURE OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "negative_control.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE "${OUT}")
execute_process(
  COMMAND "${CONFORMANCE}" --refserver-arg=--legacy "--refserver-arg=${PROFILE}"
          "--gtest_filter=${FILTER}" "--gtest_output=json:${OUT}" --gtest_brief=1
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT EXISTS "${OUT}")
  message(FATAL_ERROR "legacy ${PROFILE}: the suite wrote no report (exit ${rc}):\n${out}\n${err}")
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "legacy ${PROFILE}: every test of ${FILTER} passed; the defect went unseen")
endif()

file(READ "${OUT}" json)
# Each test's failure messages, by full name.
set(failed "")
string(JSON nsuites LENGTH "${json}" testsuites)
math(EXPR last_suite "${nsuites} - 1")
foreach(i RANGE ${last_suite})
  string(JSON suite_name GET "${json}" testsuites ${i} name)
  string(JSON ntests LENGTH "${json}" testsuites ${i} testsuite)
  if(ntests EQUAL 0)
    continue()
  endif()
  math(EXPR last_test "${ntests} - 1")
  foreach(j RANGE ${last_test})
    string(JSON test_name GET "${json}" testsuites ${i} testsuite ${j} name)
    string(JSON nfail ERROR_VARIABLE no_failures LENGTH "${json}" testsuites ${i} testsuite ${j} failures)
    set(messages "")
    if(NOT no_failures AND nfail GREATER 0)
      math(EXPR last_fail "${nfail} - 1")
      foreach(k RANGE ${last_fail})
        string(JSON m GET "${json}" testsuites ${i} testsuite ${j} failures ${k} failure)
        string(APPEND messages "${m}\n")
      endforeach()
      list(APPEND failed "${suite_name}.${test_name}")
      set("msg_${suite_name}.${test_name}" "${messages}")
    endif()
  endforeach()
endforeach()

set(problems "")
foreach(test IN LISTS MUST_FAIL)
  if(NOT test IN_LIST failed)
    string(APPEND problems "  ${test} did not fail against --legacy ${PROFILE}\n")
  elseif(NOT "${msg_${test}}" MATCHES "${FIGURE}")
    string(APPEND problems "  ${test} failed, but its message does not show the figure (${FIGURE}):\n${msg_${test}}\n")
  else()
    string(REGEX REPLACE "\n.*" "" first_line "${msg_${test}}")
    message(STATUS "caught: ${test}")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "legacy ${PROFILE}: the suite did not catch the defect as it must:\n${problems}\n"
                      "failed tests: ${failed}\n--- output ---\n${out}")
endif()
list(LENGTH MUST_FAIL n)
message(STATUS "legacy ${PROFILE}: all ${n} expected tests failed, each showing ${FIGURE}; "
               "failed: ${failed}")
