// Several windows: repeated --shm and the config file's [[display]] tables (issue 13 part 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "client/options.h"

namespace kagami::client {
namespace {

class DisplayOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kagami-display-options-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    config_ = (dir_ / "client.toml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write_config(const std::string& text) { std::ofstream(config_) << text; }
  ParsedCommandLine parse(std::vector<std::string> args) {
    args.insert(args.begin(), {"kagami-client", "--config", config_});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
  }
  std::filesystem::path dir_;
  std::string config_;
};

TEST_F(DisplayOptionsTest, OneRegionIsOneCentredWindowAsBefore) {
  write_config("");
  const auto p = parse({"--shm", "/dev/shm/a"});
  ASSERT_FALSE(p.exit);
  const auto w = windows(p.options);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].shm, "/dev/shm/a");
  EXPECT_EQ(w[0].x, -1);
  EXPECT_EQ(w[0].y, -1);
  EXPECT_EQ(w[0].width, 1280u);
}

TEST_F(DisplayOptionsTest, EveryShmOpensAWindowInARow) {
  write_config("");
  const auto p = parse({"--shm", "/dev/shm/a", "--width", "640", "--height", "360", "--shm", "/dev/shm/b",
                        "--shm=/dev/shm/c", "-y", "20"});
  ASSERT_FALSE(p.exit);
  EXPECT_EQ(p.options.shm, "/dev/shm/a");  // the first window's region, as with one
  const auto w = windows(p.options);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1].shm, "/dev/shm/b");
  EXPECT_EQ(w[2].shm, "/dev/shm/c");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(w[i].x, static_cast<int>(640 * i)) << i;  // side by side, not on top of each other
    EXPECT_EQ(w[i].y, 20);
    EXPECT_EQ(w[i].width, 640u);
  }
}

TEST_F(DisplayOptionsTest, DisplayTablesGiveEachWindowItsRegionAndPlace) {
  write_config(
      "width = 800\nheight = 600\n"
      "[[display]]\nshm = \"/dev/shm/left\"\nx = 0\ny = 0\n"
      "[[display]]\nshm = \"/dev/shm/right\"\nx = 1920\nwidth = 1024\nheight = 768\nfullscreen = true\n");
  const auto p = parse({});
  ASSERT_FALSE(p.exit);
  const auto w = windows(p.options);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].shm, "/dev/shm/left");
  EXPECT_EQ(w[0].width, 800u);  // the top-level size where the table names none
  EXPECT_FALSE(w[0].fullscreen);
  EXPECT_EQ(w[1].shm, "/dev/shm/right");
  EXPECT_EQ(w[1].x, 1920);
  EXPECT_EQ(w[1].y, 0);  // no y of its own: the row's
  EXPECT_EQ(w[1].width, 1024u);
  EXPECT_EQ(w[1].height, 768u);
  EXPECT_TRUE(w[1].fullscreen);
}

TEST_F(DisplayOptionsTest, TheCommandLinesShmReplacesTheTables) {
  write_config("[[display]]\nshm = \"/dev/shm/left\"\n[[display]]\nshm = \"/dev/shm/right\"\n");
  const auto p = parse({"--shm", "/dev/shm/only"});
  ASSERT_FALSE(p.exit);
  const auto w = windows(p.options);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].shm, "/dev/shm/only");
  // Other options leave the tables alone.
  EXPECT_EQ(windows(parse({"--width", "640"}).options).size(), 2u);
}

TEST_F(DisplayOptionsTest, ShmMayBeAnArrayInTheFile) {
  write_config("shm = [\"/dev/shm/a\", \"/dev/shm/b\"]\n");
  const auto p = parse({});
  ASSERT_FALSE(p.exit);
  const auto w = windows(p.options);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].shm, "/dev/shm/a");
  EXPECT_EQ(w[1].shm, "/dev/shm/b");
}

TEST_F(DisplayOptionsTest, BadTablesAreErrorsNamingTheTableAndKey) {
  Options o;
  const auto error = [&](const std::string& text) {
    write_config(text);
    auto r = load_config_file(config_, o);
    return r.ok() ? std::string() : r.error().message;
  };
  // Keys go through the same option checks as the command line.
  EXPECT_NE(error("[[display]]\nshm = \"/dev/shm/a\"\nwidth = 5\n").find("[[display]] 1: \"width\""),
            std::string::npos);
  EXPECT_NE(error("[[display]]\nshm = \"/dev/shm/a\"\nvsync = true\n").find("not a [[display]] key"),
            std::string::npos);
  EXPECT_NE(error("[[display]]\nshm = \"/dev/shm/a\"\n[[display]]\nx = 3\n").find("[[display]] 2 has no shm"),
            std::string::npos);
  EXPECT_NE(error("display = 3\n").find("[[display]] tables"), std::string::npos);
  EXPECT_NE(error("[[display]]\nshm = [\"/dev/shm/a\", \"/dev/shm/b\"]\n").find("one region"),
            std::string::npos);
  EXPECT_NE(error("[[display]]\nshm = \"/dev/shm/a\"\nfullscreen = \"yes\"\n").find("true or false"),
            std::string::npos);
  // An array for a key that is not repeatable is still an error.
  EXPECT_NE(error("width = [1, 2]\n").find("\"width\" must be"), std::string::npos);
}

}  // namespace
}  // namespace kagami::client
