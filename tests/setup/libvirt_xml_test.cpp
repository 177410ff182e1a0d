#include "setup/libvirt_xml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kagami::setup {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBareDomain = R"(<domain type='qemu'>
  <name>bare</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
</domain>
)";

TEST(LibvirtXml, AddsEverythingToABareDomain) {
  auto edit = edit_domain_xml(kBareDomain, {"kagami-test", 64 * 1024 * 1024, ""});
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->changes.size(), 6u);
  const std::string& xml = edit->edited;
  EXPECT_THAT(xml, HasSubstr("<shmem name=\"kagami-test\">\n      <model type=\"ivshmem-plain\"/>\n"
                             "      <size unit=\"M\">64</size>\n    </shmem>"));
  EXPECT_THAT(xml, HasSubstr("<graphics type=\"spice\" autoport=\"yes\">\n"
                             "      <listen type=\"address\" address=\"127.0.0.1\"/>"));
  EXPECT_THAT(xml, HasSubstr("<input type=\"tablet\" bus=\"usb\"/>"));
  EXPECT_THAT(xml, HasSubstr("<sound model=\"ich9\"/>"));
  EXPECT_THAT(xml, HasSubstr("<audio id=\"1\" type=\"spice\"/>"));
  EXPECT_THAT(
      xml,
      HasSubstr("<channel type=\"spicevmc\">\n      <target type=\"virtio\" name=\"com.redhat.spice.0\"/>"));
  EXPECT_THAT(edit->original, Not(HasSubstr("shmem")));
  EXPECT_THAT(edit->original, HasSubstr("<emulator>/usr/bin/qemu-system-x86_64</emulator>"));
}

TEST(LibvirtXml, SecondPassChangesNothing) {
  auto first = edit_domain_xml(kBareDomain, {});
  ASSERT_TRUE(first);
  auto second = edit_domain_xml(first->edited, {});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->changes.empty());
  EXPECT_EQ(second->edited, second->original);
  EXPECT_EQ(second->edited, first->edited);
}

TEST(LibvirtXml, FixesSizeAndModelOfAnExistingShmemWithUnits) {
  std::string xml = R"(<domain type='qemu'><name>d</name><devices>
    <shmem name='looking-glass'><model type='ivshmem-doorbell'/><size unit='KiB'>16384</size></shmem>
    <graphics type='spice'><listen type='socket'/></graphics>
    <input type='tablet' bus='virtio'/><sound model='ich6'/><audio id='1' type='none'/>
    <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
  </devices></domain>)";
  auto edit = edit_domain_xml(xml, {"looking-glass", 32 * 1024 * 1024, ""});
  ASSERT_TRUE(edit) << edit.error().message;
  ASSERT_EQ(edit->changes.size(), 2u);
  EXPECT_THAT(edit->changes[0], HasSubstr("model from ivshmem-doorbell to ivshmem-plain"));
  EXPECT_THAT(edit->changes[1], HasSubstr("size from 16384KiB to 32 MiB"));
  EXPECT_THAT(edit->edited, HasSubstr("<size unit=\"M\">32</size>"));
  EXPECT_THAT(edit->edited, HasSubstr("<listen type=\"socket\"/>"));  // a local socket is kept
}

TEST(LibvirtXml, SameSizeInOtherUnitsIsLeftAlone) {
  std::string xml = R"(<domain type='qemu'><name>d</name><devices>
    <shmem name='looking-glass'><model type='ivshmem-plain'/><size>33554432</size></shmem>
  </devices></domain>)";
  auto edit = edit_domain_xml(xml, {"looking-glass", 32 * 1024 * 1024, ""});
  ASSERT_TRUE(edit);
  for (const auto& change : edit->changes) EXPECT_THAT(change, Not(HasSubstr("shmem")));
}

TEST(LibvirtXml, MovesSpiceOffAPublicAddress) {
  std::string xml = R"(<domain type='qemu'><name>d</name><devices>
    <graphics type='spice' port='5900' listen='0.0.0.0'><listen type='address' address='0.0.0.0'/></graphics>
  </devices></domain>)";
  auto edit = edit_domain_xml(xml, {});
  ASSERT_TRUE(edit);
  EXPECT_THAT(edit->changes, testing::Contains(HasSubstr("listen on 127.0.0.1 instead of 0.0.0.0")));
  EXPECT_THAT(edit->edited, HasSubstr("listen=\"127.0.0.1\""));
  EXPECT_THAT(edit->edited, HasSubstr("<listen type=\"address\" address=\"127.0.0.1\"/>"));
  EXPECT_THAT(edit->edited, Not(HasSubstr("0.0.0.0")));
}

TEST(LibvirtXml, AddsDevicesElementWhenMissing) {
  auto edit = edit_domain_xml("<domain type='qemu'><name>d</name></domain>", {});
  ASSERT_TRUE(edit);
  EXPECT_THAT(edit->edited, HasSubstr("<devices>"));
  EXPECT_EQ(edit->changes.size(), 6u);
}

TEST(LibvirtXml, RejectsNonDomainsAndBrokenXml) {
  EXPECT_THAT(edit_domain_xml("<network/>", {}).error().message, HasSubstr("not a libvirt <domain>"));
  EXPECT_THAT(edit_domain_xml("<domain><devices>", {}).error().message, HasSubstr("does not parse"));
  EXPECT_THAT(edit_domain_xml("<domain/>", {"x", 1000, ""}).error().message,
              HasSubstr("whole number of MiB"));
}

TEST(LibvirtXml, KvmfrGoesThroughQemuCommandlineInsteadOfShmem) {
  auto edit = edit_domain_xml(kBareDomain, {"", 64 << 20, "/dev/kvmfr0"});
  ASSERT_TRUE(edit) << edit.error().message;
  const std::string& xml = edit->edited;
  EXPECT_THAT(xml, Not(HasSubstr("<shmem")));
  EXPECT_THAT(xml, HasSubstr("xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\""));
  EXPECT_THAT(
      xml,
      HasSubstr(
          "<qemu:commandline>\n    <qemu:arg value=\"-device\"/>\n"
          "    <qemu:arg value=\"{'driver':'ivshmem-plain','id':'kagami-ivshmem','memdev':'kagami-shm'}\"/>\n"
          "    <qemu:arg value=\"-object\"/>\n"
          "    <qemu:arg value=\"{'qom-type':'memory-backend-file','id':'kagami-shm',"
          "'mem-path':'/dev/kvmfr0','size':67108864,'share':true}\"/>\n"
          "  </qemu:commandline>"));
  EXPECT_THAT(edit->changes, testing::Contains(HasSubstr("ivshmem-plain on /dev/kvmfr0 (64 MiB)")));

  // Idempotent, and a new size replaces the backend argument instead of adding another.
  auto again = edit_domain_xml(xml, {"", 64 << 20, "/dev/kvmfr0"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->edited, xml);
  auto resized = edit_domain_xml(xml, {"", 128 << 20, "/dev/kvmfr0"});
  ASSERT_TRUE(resized);
  EXPECT_THAT(resized->changes, testing::ElementsAre(HasSubstr("to 128 MiB")));
  EXPECT_THAT(resized->edited, HasSubstr("'size':134217728"));
  EXPECT_THAT(resized->edited, Not(HasSubstr("'size':67108864")));
}

TEST(LibvirtScaledBytes, FollowsLibvirtUnits) {
  EXPECT_EQ(*libvirt_scaled_bytes("32", "M"), 32u << 20);
  EXPECT_EQ(*libvirt_scaled_bytes("32", "MB"), 32000000u);
  EXPECT_EQ(*libvirt_scaled_bytes("1", "GiB"), 1u << 30);
  EXPECT_EQ(*libvirt_scaled_bytes("4096", ""), 4096u);
  EXPECT_FALSE(libvirt_scaled_bytes("x", "M"));
  EXPECT_FALSE(libvirt_scaled_bytes("1", "parsecs"));
}

}  // namespace
}  // namespace kagami::setup
