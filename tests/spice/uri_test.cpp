#include "spice/uri.h"

#include <gtest/gtest.h>

namespace kagami::spice {
namespace {

TEST(SpiceUri, HostAndPort) {
  auto a = parse_spice_uri("spice://10.0.0.2:5930");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->host, "10.0.0.2");
  EXPECT_EQ(a->port, 5930);
  EXPECT_TRUE(a->unix_path.empty());
}

TEST(SpiceUri, DefaultPortAndBareHost) {
  auto a = parse_spice_uri("spice://localhost");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, kDefaultSpicePort);
  auto b = parse_spice_uri("127.0.0.1:5901");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, 5901);
}

TEST(SpiceUri, Ipv6) {
  auto a = parse_spice_uri("spice://[::1]:5900");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 5900);
}

TEST(SpiceUri, UnixSocket) {
  auto a = parse_spice_uri("spice+unix:///run/vm/spice.sock");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->unix_path, "/run/vm/spice.sock");
}

TEST(SpiceUri, Rejects) {
  EXPECT_FALSE(parse_spice_uri("spice://").ok());
  EXPECT_FALSE(parse_spice_uri("spice://host:0").ok());
  EXPECT_FALSE(parse_spice_uri("spice://host:70000").ok());
  EXPECT_FALSE(parse_spice_uri("spice://host:12ab").ok());
  EXPECT_FALSE(parse_spice_uri("spice+unix://relative/path").ok());
  auto bad = parse_spice_uri("spice://[::1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("spice://HOST:PORT"), std::string::npos);  // says what to do
}

}  // namespace
}  // namespace kagami::spice
