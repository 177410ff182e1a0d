// The generated domain XML against libvirt's real schema (virt-xml-validate), and the whole
// `kagami-setup libvirt` flow on a file (no daemon needed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../shm/temp_dir.h"
#include "setup/libvirt_setup.h"
#include "setup/libvirt_xml.h"

namespace kagami::setup {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kDomain = R"(<domain type='qemu'>
  <name>kagami-validate</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <graphics type='spice' port='5900' listen='0.0.0.0'><listen type='address' address='0.0.0.0'/></graphics>
    <video><model type='qxl'/></video>
  </devices>
</domain>
)";

TEST(LibvirtValidate, GeneratedXmlIsAValidDomain) {
  for (std::uint64_t mib : {16u, 32u, 128u}) {
    auto edit = edit_domain_xml(kDomain, {"kagami-validate", mib << 20, ""});
    ASSERT_TRUE(edit) << edit.error().message;
    auto valid = validate_domain_xml(edit->edited);
    EXPECT_TRUE(valid) << (valid ? "" : valid.error().message);
  }
  auto from_nothing = edit_domain_xml(
      "<domain type='qemu'><name>n</name><memory>65536</memory>"
      "<os><type>hvm</type></os></domain>",
      {});
  ASSERT_TRUE(from_nothing);
  auto valid = validate_domain_xml(from_nothing->edited);
  EXPECT_TRUE(valid) << (valid ? "" : valid.error().message);
}

TEST(LibvirtValidate, KvmfrCommandlineIsAValidDomain) {
  auto edit = edit_domain_xml(kDomain, {"", 32 << 20, "/dev/kvmfr0"});
  ASSERT_TRUE(edit) << edit.error().message;
  auto valid = validate_domain_xml(edit->edited);
  EXPECT_TRUE(valid) << (valid ? "" : valid.error().message);
}

constexpr const char* kPassthroughDomain = R"(<domain type='kvm'>
  <name>kagami-gpu</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <input type='tablet' bus='usb'/>
    <graphics type='spice' autoport='yes'><listen type='address' address='127.0.0.1'/></graphics>
    <video><model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/></video>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>
    </hostdev>
  </devices>
</domain>
)";

// Looking Glass's way: no tablet, the emulated display becomes <model type='none'/>, and the
// result is a valid domain that a second pass leaves alone.
TEST(LibvirtValidate, GpuOnlyIsAValidDomainWithoutTabletOrEmulatedDisplay) {
  DomainWants wants{"kagami-gpu", 32 << 20, ""};
  wants.gpu_only = true;
  auto edit = edit_domain_xml(kPassthroughDomain, wants);
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_THAT(edit->edited, Not(HasSubstr("tablet")));
  EXPECT_THAT(edit->edited, HasSubstr("<video>\n      <model type=\"none\"/>\n    </video>"));
  EXPECT_THAT(edit->changes, Contains(HasSubstr("remove the USB tablet")));
  EXPECT_THAT(edit->changes,
              Contains(HasSubstr("change the emulated display (qxl) to <model type='none'/>")));
  EXPECT_TRUE(edit->warnings.empty());
  auto valid = validate_domain_xml(edit->edited);
  EXPECT_TRUE(valid) << (valid ? "" : valid.error().message);
  auto again = edit_domain_xml(edit->edited, wants);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->changes.empty());

  // Without a <video>, one with model none is added (libvirt would add an emulated one for SPICE).
  auto bare = edit_domain_xml(kDomain, wants);
  ASSERT_TRUE(bare);
  auto bare_valid = validate_domain_xml(bare->edited);
  EXPECT_TRUE(bare_valid) << (bare_valid ? "" : bare_valid.error().message);
}

// kagami's way keeps the emulated display, and says that it may become the guest's primary.
TEST(LibvirtValidate, EmulatedDisplayBesidePassthroughIsWarnedAbout) {
  auto edit = edit_domain_xml(kPassthroughDomain, {"kagami-gpu", 32 << 20, ""});
  ASSERT_TRUE(edit);
  ASSERT_EQ(edit->warnings.size(), 1u);
  EXPECT_THAT(edit->warnings[0], HasSubstr("emulated display too (qxl)"));
  EXPECT_THAT(edit->warnings[0], HasSubstr("--gpu-only"));
  // No passed-through device: the emulated display is the one to capture, nothing to warn about.
  auto plain = edit_domain_xml(kDomain, {"kagami-validate", 32 << 20, ""});
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->warnings.empty());
  // The tablet line says why.
  EXPECT_THAT(plain->changes, Contains(HasSubstr("exact absolute pointer")));
}

TEST(LibvirtValidate, InvalidXmlIsCaughtWithTheValidatorsWords) {
  auto valid = validate_domain_xml("<domain type='bogus'><name>x</name></domain>");
  ASSERT_FALSE(valid);
  EXPECT_THAT(valid.error().message, HasSubstr("does not validate"));
  EXPECT_THAT(valid.error().message, HasSubstr("Relax-NG"));
}

TEST(LibvirtSetup, ShowsChangesDiffAndValidationWithoutApplying) {
  test::TempDir dir;
  std::string input = dir.write("in.xml", kDomain);
  LibvirtRequest request;
  request.domain = "kagami-validate";
  request.input = input;
  request.output = dir / "out.xml";
  request.wants = {"looking-glass", 64 << 20, ""};
  std::ostringstream out;
  auto changed = setup_libvirt(request, out);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_TRUE(*changed);
  std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("  - add <shmem name='looking-glass'> ivshmem-plain, 64 MiB"));
  EXPECT_THAT(text, HasSubstr("--- kagami-validate (now)\n+++ kagami-validate (kagami)\n"));
  EXPECT_THAT(text, HasSubstr("\n-    <graphics type=\"spice\" port=\"5900\" listen=\"0.0.0.0\">"));
  EXPECT_THAT(text, HasSubstr("\n+      <size unit=\"M\">64</size>"));
  EXPECT_THAT(text, HasSubstr("the new XML is a valid libvirt domain"));
  EXPECT_THAT(
      text,
      HasSubstr("Nothing was changed. Apply it with: kagami-setup libvirt kagami-validate --size 64M --xml " +
                input + " --apply\n"));

  std::ifstream written(dir / "out.xml");
  std::stringstream xml;
  xml << written.rdbuf();
  EXPECT_THAT(xml.str(), HasSubstr("<shmem name=\"looking-glass\">"));

  // Fed its own output, it has nothing left to do.
  request.input = dir / "out.xml";
  request.output.reset();
  std::ostringstream again;
  auto second = setup_libvirt(request, again);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_THAT(again.str(), HasSubstr("already has everything kagami needs"));
}

TEST(LibvirtSetup, UnknownDomainReportsVirshError) {
  LibvirtRequest request;
  request.domain = "kagami-no-such-domain";
  request.connect_uri = "test:///default";  // libvirt's built-in test driver: no daemon
  std::ostringstream out;
  auto changed = setup_libvirt(request, out);
  ASSERT_FALSE(changed);
  EXPECT_THAT(changed.error().message,
              HasSubstr("virsh -c test:///default dumpxml --inactive kagami-no-such-domain"));
}

}  // namespace
}  // namespace kagami::setup
