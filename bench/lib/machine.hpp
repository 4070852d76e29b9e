// The machine a run was made on, as far as it decides throughput: figures taken on one
// machine say nothing about another's, so a baseline records its machine and the gate
// compares speed only against a baseline of the same one.
//
//   const auto m = this_machine();
//   m.fields()  // {{"machine_cpu", "AMD EPYC"}, {"machine_cores", "2"}, ...}
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace streamcheck::bench {

struct Machine {
  std::string cpu;             // /proc/cpuinfo's model name (or what the architecture calls it)
  std::string cores;           // CPUs online
  std::string memory;          // MemTotal, to the GiB: "23 GiB"
  std::string kernel;          // uname: "6.18.44-fc-v669 x86_64"
  std::string virtualization;  // the hypervisor, named as systemd-detect-virt --vm names it
                               // ("kvm", "bhyve", "microsoft", ...), or "none"

  // The fields as a results file's context keeps them, in a fixed order.
  std::vector<std::pair<std::string, std::string>> fields() const;
};

// Reads this machine. Never throws: what cannot be read is "unknown".
Machine this_machine();

// The hypervisor named by a CPUID hypervisor vendor signature ("KVMKVMKVM\0\0\0",
// "bhyve bhyve ", ...), as systemd-detect-virt names it; unknown ones as their signature.
std::string hypervisor_name(const std::string& cpuid_vendor);

}  // namespace streamcheck::bench
