// kagami's output record (type 0x80) in the KVMFR user data: written after B7's records so that
// a B7 client walks past it, round-tripped by the viewer, and refused when the guest lies.
#include "protocol/kvmfr_output.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "protocol/kvmfr_layout.h"
#include "protocol/kvmfr_udata.h"

namespace kagami::protocol {
namespace {

GuestInfo guest_with_output() {
  GuestInfo info;
  info.host_version = "kagami";
  info.vm = VmInfo{};
  info.vm->capture = "x11";
  info.vm->model = "CPU";
  info.os = OsInfo{static_cast<std::uint8_t>(KvmfrOs::linux), "Debian"};
  OutputInfo o;
  o.name = "HDMI-2";
  o.rect = {1920, 0, 1280, 1024};
  o.desktop = {0, 0, 3200, 1080};
  o.index = 1;
  o.count = 2;
  info.output = o;
  return info;
}

// The B7 client's loop over the records (kvmfr-v20.md §1), written from the reference's text:
// known types are handled, unknown ones skipped, a size past the end stops the walk.
struct B7Walk {
  std::vector<std::uint8_t> types;
  bool stopped_early = false;
  std::size_t remaining = 0;
};
B7Walk walk_like_b7(const std::vector<std::byte>& udata) {
  B7Walk w;
  std::size_t remaining = udata.size() - sizeof(KvmfrHeader);
  const std::byte* p = udata.data() + sizeof(KvmfrHeader);
  while (remaining >= sizeof(KvmfrRecordHeader)) {
    KvmfrRecordHeader h;
    std::memcpy(&h, p, sizeof h);
    p += sizeof h;
    remaining -= sizeof h;
    if (h.size > remaining) {
      w.stopped_early = true;
      break;
    }
    w.types.push_back(h.type);
    p += h.size;
    remaining -= h.size;
  }
  w.remaining = remaining;
  return w;
}

// The payload of the output record inside a udata built from guest_with_output().
std::size_t output_payload_at(const std::vector<std::byte>& udata) {
  std::size_t pos = sizeof(KvmfrHeader);
  for (;;) {
    KvmfrRecordHeader h;
    std::memcpy(&h, udata.data() + pos, sizeof h);
    if (h.type == static_cast<std::uint8_t>(KvmfrRecordType::kagami_output)) return pos + sizeof h;
    pos += sizeof h + h.size;
  }
}

Result<GuestInfo> reparse_with(const std::function<void(KvmfrKagamiOutput&)>& change) {
  auto bytes = build_udata(guest_with_output());
  const std::size_t at = output_payload_at(bytes);
  KvmfrKagamiOutput wire;
  std::memcpy(&wire, bytes.data() + at, sizeof wire);
  change(wire);
  std::memcpy(bytes.data() + at, &wire, sizeof wire);
  return parse_udata(bytes);
}

TEST(KvmfrOutput, RoundTripsAfterB7Records) {
  const GuestInfo in = guest_with_output();
  const auto bytes = build_udata(in);
  const Result<GuestInfo> out = parse_udata(bytes);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_TRUE(out->output.has_value());
  EXPECT_EQ(*out->output, *in.output);
  EXPECT_TRUE(out->warnings.empty());
  // B7's records come first and are byte for byte what they are without the output record.
  GuestInfo plain = in;
  plain.output.reset();
  const auto b7 = build_udata(plain);
  ASSERT_GT(bytes.size(), b7.size());
  EXPECT_EQ(std::memcmp(bytes.data(), b7.data(), b7.size()), 0);
  EXPECT_EQ(bytes.size() - b7.size(), sizeof(KvmfrRecordHeader) + sizeof(KvmfrKagamiOutput) + 7);
}

TEST(KvmfrOutput, AB7ClientWalksPastIt) {
  const B7Walk w = walk_like_b7(build_udata(guest_with_output()));
  EXPECT_FALSE(w.stopped_early);  // no "record too large" warning in B7
  EXPECT_EQ(w.remaining, 0u);     // the walk ends exactly at the end of the user data
  EXPECT_EQ(w.types, (std::vector<std::uint8_t>{1, 2, 0x80}));
}

TEST(KvmfrOutput, LongNamesAreCutAndOddBytesReplaced) {
  GuestInfo in = guest_with_output();
  in.output->name = std::string(100, 'n');
  Result<GuestInfo> out = parse_udata(build_udata(in));
  ASSERT_TRUE(out.ok() && out->output);
  EXPECT_EQ(out->output->name, std::string(kMaxOutputName, 'n'));

  in.output->name = "A\x1b[31m\x7f\xff";
  out = parse_udata(build_udata(in));
  ASSERT_TRUE(out.ok() && out->output);
  EXPECT_EQ(out->output->name, "A?[31m??");
}

// Every lie is refused with a warning; the rest of the user data stays usable.
TEST(KvmfrOutput, HostileValuesAreRefused) {
  const std::pair<const char*, std::function<void(KvmfrKagamiOutput&)>> cases[] = {
      {"wrong tag", [](KvmfrKagamiOutput& w) { w.tag[0] = 'X'; }},
      {"count 0", [](KvmfrKagamiOutput& w) { w.count = 0, w.index = 0; }},
      {"index >= count", [](KvmfrKagamiOutput& w) { w.index = 2; }},
      {"too many outputs", [](KvmfrKagamiOutput& w) { w.count = kMaxOutputs + 1; }},
      {"empty output", [](KvmfrKagamiOutput& w) { w.width = 0; }},
      {"huge output", [](KvmfrKagamiOutput& w) { w.height = 16385, w.desktop_height = 20000; }},
      {"x + width overflows",
       [](KvmfrKagamiOutput& w) {
         w.x = std::numeric_limits<std::int32_t>::max();
         w.desktop_width = std::numeric_limits<std::uint32_t>::max();
       }},
      {"far away", [](KvmfrKagamiOutput& w) { w.y = std::numeric_limits<std::int32_t>::min(); }},
      {"outside the desktop", [](KvmfrKagamiOutput& w) { w.x = 2000; }},
      {"empty desktop", [](KvmfrKagamiOutput& w) { w.desktop_width = 0; }},
  };
  for (const auto& [what, change] : cases) {
    const Result<GuestInfo> out = reparse_with(change);
    ASSERT_TRUE(out.ok()) << what;
    EXPECT_FALSE(out->output.has_value()) << what;
    ASSERT_EQ(out->warnings.size(), 1u) << what;
    EXPECT_TRUE(out->vm && out->os) << what;
  }
}

TEST(KvmfrOutput, MalformedPayloadsAreRefused) {
  const auto good = encode_output(*guest_with_output().output);
  EXPECT_TRUE(parse_output(good).ok());
  // Too short for the fixed fields plus a NUL.
  EXPECT_FALSE(parse_output(std::span(good).first(sizeof(KvmfrKagamiOutput))).ok());
  // No NUL in the name.
  auto unterminated = good;
  unterminated.back() = std::byte{'x'};
  EXPECT_FALSE(parse_output(unterminated).ok());
  // A name longer than kMaxOutputName (a hostile agent need not cut it).
  std::vector<std::byte> long_name(good.begin(), good.begin() + sizeof(KvmfrKagamiOutput));
  long_name.resize(long_name.size() + kMaxOutputName + 2, std::byte{'n'});
  long_name.back() = std::byte{0};
  EXPECT_FALSE(parse_output(long_name).ok());
}

TEST(KvmfrOutput, ASecondRecordIsIgnored) {
  GuestInfo in = guest_with_output();
  auto bytes = build_udata(in);
  OutputInfo other = *in.output;
  other.index = 0;
  const auto payload = encode_output(other);
  KvmfrRecordHeader h{};
  h.type = static_cast<std::uint8_t>(KvmfrRecordType::kagami_output);
  h.size = static_cast<std::uint32_t>(payload.size());
  const auto* hb = reinterpret_cast<const std::byte*>(&h);
  bytes.insert(bytes.end(), hb, hb + sizeof h);
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  const Result<GuestInfo> out = parse_udata(bytes);
  ASSERT_TRUE(out.ok() && out->output);
  EXPECT_EQ(out->output->index, 1u);
  EXPECT_EQ(out->warnings.size(), 1u);
}

}  // namespace
}  // namespace kagami::protocol
