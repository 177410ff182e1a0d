#include "client/options.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kagami::client {
namespace {

class OptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kagami-options-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ / "kagami");
    setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write_config(const std::string& text) { std::ofstream(dir_ / "kagami" / "client.toml") << text; }
  ParsedCommandLine parse(std::vector<std::string> args) {
    args.insert(args.begin(), "kagami-client");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
  }
  std::filesystem::path dir_;
};

TEST_F(OptionsTest, DefaultsWithoutAConfigFile) {
  const auto p = parse({});
  ASSERT_FALSE(p.exit);
  EXPECT_EQ(p.options.shm, "/dev/shm/looking-glass");
  EXPECT_EQ(p.options.escape_key, "ScrollLock");
  EXPECT_EQ(p.options.scale, ScaleMode::fit);
  EXPECT_EQ(p.options.present, PresentMode::on_frame);
  EXPECT_EQ(p.options.config, "");
}

TEST_F(OptionsTest, ConfigFileIsReadAndTheCommandLineWins) {
  write_config("shm = \"/dev/shm/from-file\"\nscale = \"integer\"\nvsync = true\nwidth = 800\n");
  const auto p = parse({"--shm", "/dev/shm/from-cli", "--no-vsync"});
  ASSERT_FALSE(p.exit);
  EXPECT_EQ(p.options.shm, "/dev/shm/from-cli");
  EXPECT_EQ(p.options.scale, ScaleMode::integer);
  EXPECT_FALSE(p.options.vsync);
  EXPECT_EQ(p.options.width, 800u);
  EXPECT_EQ(p.options.config, (dir_ / "kagami" / "client.toml").string());
}

TEST_F(OptionsTest, UnknownConfigKeyIsAnErrorNamingTheKey) {
  write_config("shmm = \"x\"\n");
  Options o;
  auto r = load_config_file((dir_ / "kagami" / "client.toml").string(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("\"shmm\" is not an option"), std::string::npos) << r.error().message;
  EXPECT_TRUE(parse({}).exit);
}

TEST_F(OptionsTest, WrongTypesAndValuesAreErrors) {
  Options o;
  write_config("vsync = \"yes\"\n");
  EXPECT_FALSE(load_config_file((dir_ / "kagami" / "client.toml").string(), o).ok());
  write_config("filter = \"bicubic\"\n");
  auto r = load_config_file((dir_ / "kagami" / "client.toml").string(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("allowed"), std::string::npos);
}

TEST_F(OptionsTest, BadCommandLineValueExitsWithAnError) {
  const auto p = parse({"--filter", "bicubic"});
  EXPECT_TRUE(p.exit);
  EXPECT_NE(p.exit_code, 0);
}

TEST_F(OptionsTest, ConfigThatIsAFifoIsRefusedWithoutBlocking) {
  // Opening a FIFO for reading blocks until a writer comes: the type is checked first.
  const std::string fifo = (dir_ / "fifo.toml").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const auto parsed = parse({"--config", fifo});
  EXPECT_TRUE(parsed.exit);
  EXPECT_NE(parsed.exit_code, 0);
  Options o;
  const auto loaded = load_config_file(fifo, o);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("not a regular file"), std::string::npos) << loaded.error().message;
}

TEST_F(OptionsTest, ConfigThatIsADirectoryIsRefused) {
  Options o;
  const auto loaded = load_config_file(dir_.string(), o);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("is a directory"), std::string::npos) << loaded.error().message;
  EXPECT_TRUE(parse({"--config", dir_.string()}).exit);
}

TEST_F(OptionsTest, RendererAndRequestActivationOptions) {
  auto parsed = parse({});
  EXPECT_EQ(parsed.options.renderer, "auto");
  EXPECT_TRUE(parsed.options.request_activation);
  parsed = parse({"--renderer", "gles", "--no-request-activation"});
  EXPECT_EQ(parsed.options.renderer, "gles");
  EXPECT_FALSE(parsed.options.request_activation);
  EXPECT_TRUE(parse({"--renderer", "metal"}).exit);
  write_config("renderer = \"vulkan\"\nrequest-activation = false\n");
  parsed = parse({});
  EXPECT_EQ(parsed.options.renderer, "vulkan");
  EXPECT_FALSE(parsed.options.request_activation);
}

}  // namespace
}  // namespace kagami::client
