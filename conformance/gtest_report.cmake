# Reads a GoogleTest JSON report (--gtest_output=json:FILE) into the caller's scope, for
# the ctest scripts that judge a conformance run (negative_control.cmake,
# precision_check.cmake):
#   gtest_tests                  its tests, "Suite.Name", in report order
#   gtest_result_<test>          "COMPLETED", "SKIPPED", ..., or "FAILED" when it failed
#   gtest_nfail_<test>           how many failures it has
#   gtest_failure_<test>_<k>     failure k's message, k from 0: a variable of its own,
#                                never a list element, as a message may hold ';' and '['
function(read_gtest_report file)
  file(READ "${file}" json)
  set(tests "")
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
      set(test "${suite_name}.${test_name}")
      list(APPEND tests "${test}")
      string(JSON result GET "${json}" testsuites ${i} testsuite ${j} result)
      string(JSON nfail ERROR_VARIABLE no_failures LENGTH "${json}" testsuites ${i} testsuite
             ${j} failures)
      if(no_failures)
        set(nfail 0)
      endif()
      if(nfail GREATER 0)
        set(result FAILED)
        math(EXPR last_fail "${nfail} - 1")
        foreach(k RANGE ${last_fail})
          string(JSON m GET "${json}" testsuites ${i} testsuite ${j} failures ${k} failure)
          set("gtest_failure_${test}_${k}" "${m}" PARENT_SCOPE)
        endforeach()
      endif()
      set("gtest_result_${test}" "${result}" PARENT_SCOPE)
      set("gtest_nfail_${test}" "${nfail}" PARENT_SCOPE)
    endforeach()
  endforeach()
  set(gtest_tests "${tests}" PARENT_SCOPE)
endfunction()
