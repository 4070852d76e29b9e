#include "bench/streambench/cohort.hpp"

#include <exception>

namespace streamcheck::streambench {

std::string Cohort::step(std::string_view step, const std::function<std::string()>& work) {
  std::string failure;
  try {
    failure = work();
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "failed (an exception with no message)";
  }
  return agree(step, failure);
}

}  // namespace streamcheck::streambench
