# Sanitizer builds (issue 18): -DSTREAMCHECK_SANITIZE=address,undefined or =thread builds
# everything (the refserver, the harness, the tests) instrumented, so that the whole ctest
# suite runs under the sanitizer. scripts/test --sanitize LIST configures such a build in
# a directory of its own and sets the runtime options (log files it checks afterwards).
#
# Undefined behaviour stops the process (no recovery): a report nobody reads is no finding,
# and a stopped server or tool fails its test. GCC's sanitizers are used, so the build
# needs nothing beyond gcc's own libasan, libubsan and libtsan.

set(STREAMCHECK_SANITIZE "" CACHE STRING
    "Sanitizers for the whole build: address,undefined or thread (empty: none)")

if(STREAMCHECK_SANITIZE)
  if(STREAMCHECK_FUZZ)
    message(FATAL_ERROR "STREAMCHECK_SANITIZE and STREAMCHECK_FUZZ each choose the sanitizers; "
                        "set one of them")
  endif()
  # STREAMCHECK_SANITIZER_LIST: the list, for tests that must know (conformance/CMakeLists.txt).
  string(REPLACE "," ";" STREAMCHECK_SANITIZER_LIST "${STREAMCHECK_SANITIZE}")
  foreach(s IN LISTS STREAMCHECK_SANITIZER_LIST)
    if(NOT s MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "STREAMCHECK_SANITIZE: unknown sanitizer '${s}' "
                          "(address, undefined, thread)")
    endif()
  endforeach()
  if("thread" IN_LIST STREAMCHECK_SANITIZER_LIST AND "address" IN_LIST STREAMCHECK_SANITIZER_LIST)
    message(FATAL_ERROR "STREAMCHECK_SANITIZE: thread and address cannot be combined")
  endif()
  set(_flags -fsanitize=${STREAMCHECK_SANITIZE} -fno-omit-frame-pointer)
  if("undefined" IN_LIST STREAMCHECK_SANITIZER_LIST)
    list(APPEND _flags -fno-sanitize-recover=undefined)
    # GCC predefines __SANITIZE_ADDRESS__ and __SANITIZE_THREAD__, nothing for UBSan: the
    # few tests that cannot run under it say so by this.
    add_compile_definitions(STREAMCHECK_UBSAN=1)
  endif()
  add_compile_options(${_flags})
  add_link_options(${_flags})
  # Instrumented code makes GCC warn falsely (its manual says -fsanitize gives spurious
  # -Wmaybe-uninitialized, e.g. in <regex>); the normal build keeps -Werror for real ones.
  target_compile_options(sc_warnings INTERFACE -Wno-error)
  message(STATUS "streamcheck: sanitizers ${STREAMCHECK_SANITIZE}")
endif()

# STREAMCHECK_MEMORY_TEST_PROPERTIES: test properties for the tests that judge memory from
# /proc (peak RSS growth, memory given back, PSS). Under ASan those would judge ASan's
# allocator, not the code: it keeps freed blocks in a 256 MiB quarantine and does not hand
# freed pages back, so "memory given back after 64 uploads" read 34 MiB more and a
# streamed 33 MB PROPFIND 431 MiB. A 1 MiB quarantine and an immediate release keep the
# figures the code's own, with use-after-free still caught for the blocks freed last;
# every other test keeps ASan's defaults.
# ThreadSanitizer's per-thread history of memory accesses grows with the work done (a
# 64 MiB multipart POST read 10 MiB more than a 16 MiB one): its shortest history keeps
# the figures the code's, with races still found (a report may lack the older stack).
#
# STREAMCHECK_LOAD_MEMORY_TEST_PROPERTIES: the same for tests that judge memory under
# many concurrent transfers. There TSan's shadow of freed memory also stays resident (64
# concurrent uploads on the buffered path left 24 MiB "not given back", 256 client
# uploads 171 MiB of peak), so it is flushed every 100 ms: races whose two accesses are
# further apart go unseen in those tests. Not for the others, as a flush in the middle of
# one transfer turns a peak reading into noise.
set(STREAMCHECK_MEMORY_TEST_PROPERTIES "")
set(STREAMCHECK_LOAD_MEMORY_TEST_PROPERTIES "")
if("address" IN_LIST STREAMCHECK_SANITIZER_LIST)
  set(STREAMCHECK_MEMORY_TEST_PROPERTIES ENVIRONMENT_MODIFICATION
      "ASAN_OPTIONS=string_append::quarantine_size_mb=1:thread_local_quarantine_size_kb=64:allocator_release_to_os_interval_ms=0")
  set(STREAMCHECK_LOAD_MEMORY_TEST_PROPERTIES ${STREAMCHECK_MEMORY_TEST_PROPERTIES})
elseif("thread" IN_LIST STREAMCHECK_SANITIZER_LIST)
  set(STREAMCHECK_MEMORY_TEST_PROPERTIES ENVIRONMENT_MODIFICATION
      "TSAN_OPTIONS=string_append::history_size=0")
  set(STREAMCHECK_LOAD_MEMORY_TEST_PROPERTIES ENVIRONMENT_MODIFICATION
      "TSAN_OPTIONS=string_append::history_size=0:flush_memory_ms=100")
endif()
