// recur token add | list | remove as scripts use them: the token printed once, a token file of mode
// 0600 holding no token, names and roles listed without hashes, duplicates and unknown names
// refused with one line, and removal revoking.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "server/auth.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

struct CliRun {
  int status = -1;
  std::string out, err;
};

// Runs `recur ARGS`, capturing stdout and stderr.
CliRun recur(const std::string& args) {
  recur::testing::TempDir dir;
  const std::string cmd = std::string(RECUR_CLI) + " " + args + " >" + (dir / "out").string() +
                          " 2>" + (dir / "err").string();
  CliRun r;
  const int raw = std::system(cmd.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = recur::testing::read_file(dir / "out");
  r.err = recur::testing::read_file(dir / "err");
  return r;
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class TokenCommand : public ::testing::Test {
 protected:
  // `recur token add --json`, the token it printed.
  std::string add(const std::string& name, const std::string& role) {
    const CliRun r =
        recur("token add --name " + name + " --role " + role + " --auth " + file_ + " --json");
    EXPECT_EQ(r.status, 0) << r.err;
    if (r.status != 0) return {};
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("name"), name);
    EXPECT_EQ(j.at("role"), role);
    return j.at("token").get<std::string>();
  }

  recur::testing::TempDir dir_;
  std::string file_ = (dir_ / "tokens.json").string();
};

TEST_F(TokenCommand, AddPrintsATokenThatAuthenticatesWithItsRole) {
  const std::string token = add("ci", "submit");
  ASSERT_EQ(token.size(), 49u);
  EXPECT_TRUE(token.starts_with("recur_"));
  auto auth = server::Authenticator::load(file_);
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  auto who = auth->authenticate("Bearer " + token);
  ASSERT_TRUE(who.ok()) << who.error().message;
  EXPECT_EQ(who->name, "ci");
  EXPECT_EQ(who->role, server::Role::submit);
}

TEST_F(TokenCommand, AddWithoutJsonPrintsOnlyTheTokenOnStdout) {
  const CliRun r = recur("token add --name ops --role admin --auth " + file_);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(lines(r.out), 1u);
  const std::string token = r.out.substr(0, r.out.size() - 1);
  EXPECT_TRUE(token.starts_with("recur_"));
  EXPECT_NE(r.err.find("ops"), std::string::npos);
  EXPECT_EQ(r.err.find(token), std::string::npos);
  auto auth = server::Authenticator::load(file_);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->authenticate("Bearer " + token)->role, server::Role::admin);
}

TEST_F(TokenCommand, TheFileHasMode0600AndHoldsNoToken) {
  const std::string first = add("ci", "submit");
  const std::string second = add("viewer", "read");
  struct stat st {};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const std::string text = recur::testing::read_file(file_);
  EXPECT_EQ(text.find(first.substr(6)), std::string::npos);
  EXPECT_EQ(text.find(second.substr(6)), std::string::npos);
}

TEST_F(TokenCommand, ListShowsNamesRolesAndTimesButNoHashes) {
  add("ci", "submit");
  add("viewer", "read");
  const CliRun r = recur("token list --auth " + file_ + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("tokens").size(), 2u);
  EXPECT_EQ(j["tokens"][0].at("name"), "ci");
  EXPECT_EQ(j["tokens"][0].at("role"), "submit");
  EXPECT_EQ(j["tokens"][1].at("name"), "viewer");
  EXPECT_EQ(j["tokens"][1].at("role"), "read");
  for (const auto& t : j["tokens"]) {
    EXPECT_GT(t.at("created_ms").get<std::uint64_t>(), 1600000000000u);
    EXPECT_EQ(t.size(), 3u) << t.dump();  // name, role, created_ms: no salt, hash or prefix
  }
  const CliRun human = recur("token list --auth " + file_);
  ASSERT_EQ(human.status, 0) << human.err;
  EXPECT_EQ(lines(human.out), 3u);
  EXPECT_NE(human.out.find("viewer"), std::string::npos);
  const auto file = nlohmann::json::parse(recur::testing::read_file(file_));
  EXPECT_EQ(human.out.find(file["tokens"][0]["hash"].get<std::string>()), std::string::npos);
}

TEST_F(TokenCommand, DuplicateNameIsRefusedWithOneLine) {
  const std::string token = add("ci", "submit");
  const CliRun r = recur("token add --name ci --role admin --auth " + file_ + " --json");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(lines(r.err), 1u);
  EXPECT_NE(r.err.find("'ci'"), std::string::npos) << r.err;
  auto auth = server::Authenticator::load(file_);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->size(), 1u);
  EXPECT_EQ(auth->authenticate("Bearer " + token)->role, server::Role::submit);
}

TEST_F(TokenCommand, RemoveRevokesAndUnknownNamesAreRefused) {
  const std::string ci = add("ci", "submit");
  const std::string viewer = add("viewer", "read");
  const CliRun r = recur("token remove --name ci --auth " + file_ + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), (nlohmann::json{{"name", "ci"}, {"removed", true}}));
  auto auth = server::Authenticator::load(file_);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->authenticate("Bearer " + ci).error().code, ErrorCode::unauthenticated);
  EXPECT_TRUE(auth->authenticate("Bearer " + viewer).ok());
  const CliRun again = recur("token remove --name ci --auth " + file_);
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(lines(again.err), 1u);
  EXPECT_NE(again.err.find("'ci'"), std::string::npos) << again.err;
}

TEST_F(TokenCommand, BadInputIsOneLineNamingIt) {
  const CliRun role = recur("token add --name ci --role root --auth " + file_);
  EXPECT_EQ(role.status, 1);
  EXPECT_EQ(lines(role.err), 1u);
  EXPECT_NE(role.err.find("--role"), std::string::npos) << role.err;
  EXPECT_NE(role.err.find("root"), std::string::npos) << role.err;
  const CliRun name = recur("token add --name 'c i' --role read --auth " + file_);
  EXPECT_EQ(name.status, 1);
  EXPECT_NE(name.err.find("--name"), std::string::npos) << name.err;
  EXPECT_FALSE(std::filesystem::exists(file_));
  const CliRun missing = recur("token list --auth " + file_);
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(lines(missing.err), 1u);
  EXPECT_NE(missing.err.find(file_), std::string::npos) << missing.err;
  const CliRun usage = recur("token add --name ci --auth " + file_);
  EXPECT_EQ(usage.status, 2);
  dir_.write("tokens.json", "{\"tokens\": [");
  ::chmod(file_.c_str(), 0600);
  const CliRun malformed = recur("token add --name ci --role read --auth " + file_);
  EXPECT_EQ(malformed.status, 1);
  EXPECT_NE(malformed.err.find(file_), std::string::npos) << malformed.err;
  EXPECT_EQ(recur::testing::read_file(file_), "{\"tokens\": [");
}

}  // namespace
}  // namespace recur
