#!/bin/sh
# Stands in for the conformance binary in the negative-control script's own tests: writes
# the report $REPORT where --gtest_output=json:FILE asks, and exits 1 (tests failed).
for arg in "$@"; do
  case "$arg" in
    --gtest_output=json:*) cp "$REPORT" "${arg#--gtest_output=json:}" ;;
  esac
done
exit 1
