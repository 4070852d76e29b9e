// The machine a run records: every field read, and hypervisors named as
// systemd-detect-virt names them.
#include "bench/lib/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace streamcheck::bench {
namespace {

TEST(Machine, EveryFieldIsReadOnThisMachine) {
  const auto m = this_machine();
  EXPECT_NE(m.cpu, "unknown");
  EXPECT_EQ(m.cores, std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_TRUE(m.memory.ends_with(" GiB")) << m.memory;
  EXPECT_GT(std::stol(m.memory), 0) << m.memory;
  utsname u{};
  ASSERT_EQ(::uname(&u), 0);
  EXPECT_EQ(m.kernel, std::string(u.release) + " " + u.machine);
  EXPECT_FALSE(m.virtualization.empty());
  EXPECT_NE(m.virtualization, "unknown");
  // Read twice, the same: a fingerprint that moved between runs would compare nothing.
  EXPECT_EQ(this_machine().fields(), m.fields());
  EXPECT_EQ(m.fields().size(), 5u);
  EXPECT_EQ(m.fields().front().first, "machine_cpu");
}

TEST(Machine, HypervisorsAreNamedAsSystemdDetectVirtNamesThem) {
  EXPECT_EQ(hypervisor_name(std::string("KVMKVMKVM\0\0\0", 12)), "kvm");
  EXPECT_EQ(hypervisor_name("bhyve bhyve "), "bhyve");
  EXPECT_EQ(hypervisor_name("Microsoft Hv"), "microsoft");
  EXPECT_EQ(hypervisor_name("VMwareVMware"), "vmware");
  EXPECT_EQ(hypervisor_name("XenVMMXenVMM"), "xen");
  EXPECT_EQ(hypervisor_name("NewVisor    "), "hypervisor \"NewVisor\"");
  EXPECT_EQ(hypervisor_name(std::string(12, '\0')), "unknown");
}

}  // namespace
}  // namespace streamcheck::bench
