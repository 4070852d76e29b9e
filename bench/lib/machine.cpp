#include "bench/lib/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <vector>

namespace streamcheck::bench {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

// The first value of any of `keys` in /proc/cpuinfo ("model name" on x86, others elsewhere).
std::string cpuinfo_value(const std::vector<std::string>& keys) {
  std::ifstream in("/proc/cpuinfo");
  std::map<std::string, std::string> seen;
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto key = trim(line.substr(0, colon));
    if (!seen.count(key)) seen[key] = trim(line.substr(colon + 1));
  }
  for (const auto& k : keys)
    if (auto it = seen.find(k); it != seen.end() && !it->second.empty()) return it->second;
  return "unknown";
}

std::string memory_gib() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  while (in >> key >> kib) {
    if (key == "MemTotal:")
      return std::to_string(static_cast<long>(std::lround(kib / (1024.0 * 1024.0)))) + " GiB";
    in.ignore(1 << 10, '\n');
  }
  return "unknown";
}

std::string virtualization() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid(1, a, b, c, d);
  if (c & (1u << 31)) {  // the hypervisor-present bit
    __cpuid(0x40000000, a, b, c, d);
    char vendor[13] = {};
    std::memcpy(vendor, &b, 4);
    std::memcpy(vendor + 4, &c, 4);
    std::memcpy(vendor + 8, &d, 4);
    return hypervisor_name(std::string(vendor, 12));
  }
#endif
  std::ifstream xen("/sys/hypervisor/type");
  if (std::string type; std::getline(xen, type) && !trim(type).empty()) return trim(type);
#if defined(__x86_64__) || defined(__i386__)
  return "none";
#else
  return "unknown";
#endif
}

}  // namespace

std::string hypervisor_name(const std::string& cpuid_vendor) {
  static const std::map<std::string, std::string> names = {
      {"KVMKVMKVM", "kvm"},       {"bhyve bhyve", "bhyve"},  {"Microsoft Hv", "microsoft"},
      {"VMwareVMware", "vmware"}, {"XenVMMXenVMM", "xen"},   {"TCGTCGTCGTCG", "qemu"},
      {"ACRNACRNACRN", "acrn"},   {"QNXQVMBSQG", "qnx"},     {"lrpepyh  vr", "parallels"},
      {"SRESRESRESRE", "sre"},    {"VBoxVBoxVBox", "oracle"}};
  std::string key(cpuid_vendor.c_str());  // up to the first NUL
  key = trim(key);
  if (const auto it = names.find(key); it != names.end()) return it->second;
  return key.empty() ? "unknown" : "hypervisor \"" + key + "\"";
}

std::vector<std::pair<std::string, std::string>> Machine::fields() const {
  return {{"machine_cpu", cpu},
          {"machine_cores", cores},
          {"machine_memory", memory},
          {"machine_kernel", kernel},
          {"machine_virtualization", virtualization}};
}

Machine this_machine() {
  Machine m;
  m.cpu = cpuinfo_value({"model name", "Model", "Hardware", "cpu model", "uarch"});
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  m.cores = online > 0 ? std::to_string(online) : "unknown";
  m.memory = memory_gib();
  utsname u{};
  m.kernel = ::uname(&u) == 0 ? std::string(u.release) + " " + u.machine : "unknown";
  m.virtualization = virtualization();
  return m;
}

}  // namespace streamcheck::bench
