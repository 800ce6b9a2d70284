// The work directory of a run: private, filled only at safe relative names, and removed with
// everything in it, even what its program made unreadable.
#include "tools/code/work_dir.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace recur::tools {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WorkDir, IsPrivateAndRemovedWithItsContents) {
  std::filesystem::path path;
  {
    auto dir = WorkDir::create(std::filesystem::temp_directory_path());
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    path = dir->path();
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    ASSERT_TRUE(dir->write("a/b/c.txt", "deep").ok());
    ASSERT_TRUE(dir->write("a/top.txt", "top").ok());
    EXPECT_EQ(read(path / "a/b/c.txt"), "deep");
    EXPECT_EQ(dir->entries(), (std::vector<std::string>{"a/", "a/b/", "a/b/c.txt", "a/top.txt"}));
    std::filesystem::create_directories(path / "locked/inner");
    ::chmod((path / "locked").c_str(), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(WorkDir, RefusesNamesThatLeaveTheDirectory) {
  EXPECT_EQ(check_work_file_name("ok/name.py"), "");
  EXPECT_EQ(check_work_file_name(""), "empty name");
  EXPECT_EQ(check_work_file_name("/etc/passwd"), "absolute path");
  EXPECT_EQ(check_work_file_name("a/../../x"), "'.' or '..' component");
  EXPECT_EQ(check_work_file_name("./x"), "'.' or '..' component");
  EXPECT_EQ(check_work_file_name("a//b"), "empty path component");
  EXPECT_EQ(check_work_file_name("a/"), "empty path component");
  EXPECT_EQ(check_work_file_name(std::string("a\0b", 3)), "NUL byte in name");
  EXPECT_EQ(check_work_file_name(std::string(256, 'x')), "path component longer than 255 bytes");
  EXPECT_EQ(check_work_file_name("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q"), "nested too deeply");
}

TEST(WorkDir, AFileAndADirectoryCannotShareAName) {
  auto dir = WorkDir::create(std::filesystem::temp_directory_path());
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(dir->write("x", "file").ok());
  EXPECT_FALSE(dir->write("x/y", "under a file").ok());
  ASSERT_TRUE(dir->write("d/y", "ok").ok());
  EXPECT_FALSE(dir->write("d", "over a directory").ok());
  EXPECT_FALSE(dir->write("x", "again").ok());
}

}  // namespace
}  // namespace recur::tools
