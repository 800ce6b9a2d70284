// Bearer tokens: roles, the token file (salted hashes, never tokens; mode 0600; errors naming the
// file and entry), authentication of Authorization headers, and revocation.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "server/auth.hpp"
#include "server/live_authenticator.hpp"
#include "server/role.hpp"
#include "server/token_file.hpp"
#include "server/token_secret.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

using recur::testing::read_file;
using recur::testing::TempDir;

std::string bearer(const std::string& token) {
  return "Bearer " + token;
}

// Writes `text` as a token file of mode 0600.
std::filesystem::path write_token_file(const TempDir& dir, const std::string& text) {
  dir.write("tokens.json", text);
  ::chmod((dir / "tokens.json").c_str(), 0600);
  return dir / "tokens.json";
}

mode_t mode_of(const std::filesystem::path& file) {
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0);
  return st.st_mode & 07777;
}

// `token` with the case of its last letter flipped; the prefix is left alone.
std::string flip_case_of_last_letter(std::string token) {
  for (std::size_t i = token.size(); i-- > kTokenScheme.size() + kTokenPrefixLength;)
    if (std::isalpha(static_cast<unsigned char>(token[i]))) {
      token[i] = static_cast<char>(std::islower(static_cast<unsigned char>(token[i]))
                                       ? std::toupper(token[i])
                                       : std::tolower(token[i]));
      return token;
    }
  ADD_FAILURE() << "no letter after the prefix";
  return token;
}

TEST(Role, NamesParseBackAndUnknownNamesAreInvalid) {
  for (Role role : {Role::read, Role::submit, Role::admin}) {
    auto parsed = parse_role(role_name(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
  auto unknown = parse_role("superuser");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(unknown.error().message.find("superuser"), std::string::npos);
  EXPECT_FALSE(parse_role("Admin").ok());
}

TEST(Role, ReadBelowSubmitBelowAdmin) {
  EXPECT_TRUE(allows(Role::read, Role::read));
  EXPECT_FALSE(allows(Role::read, Role::submit));
  EXPECT_FALSE(allows(Role::read, Role::admin));
  EXPECT_TRUE(allows(Role::submit, Role::read));
  EXPECT_TRUE(allows(Role::submit, Role::submit));
  EXPECT_FALSE(allows(Role::submit, Role::admin));
  EXPECT_TRUE(allows(Role::admin, Role::read));
  EXPECT_TRUE(allows(Role::admin, Role::submit));
  EXPECT_TRUE(allows(Role::admin, Role::admin));
}

TEST(TokenSecret, TokensAreRecurPrefixedBase64urlOf32RandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    auto token = new_token();
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->size(), 49u);
    EXPECT_TRUE(token->starts_with("recur_"));
    auto prefix = token_prefix(*token);
    ASSERT_TRUE(prefix.has_value());
    EXPECT_EQ(*prefix, token->substr(6, 8));
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(TokenSecret, PrefixOnlyForTokenShapedText) {
  const std::string token = "recur_" + std::string(43, 'A');
  EXPECT_TRUE(token_prefix(token).has_value());
  EXPECT_FALSE(token_prefix(token.substr(0, 48)).has_value());
  EXPECT_FALSE(token_prefix(token + "A").has_value());
  EXPECT_FALSE(token_prefix("recor_" + std::string(43, 'A')).has_value());
  EXPECT_FALSE(token_prefix("recur_" + std::string(42, 'A') + "+").has_value());
}

TEST(TokenSecret, DigestIsSha256OfSaltThenToken) {
  Salt salt{};
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(i);
  auto digest = token_digest(salt, "recur_abc");
  ASSERT_TRUE(digest.ok());
  // python3: hashlib.sha256(bytes(range(16)) + b"recur_abc").hexdigest()
  EXPECT_EQ(to_hex(*digest), "5914e46de6baf1d18dbb293b1efd2b1aa78f72bff13a51692b8f8abf1efb7d73");
  TokenDigest parsed{};
  ASSERT_TRUE(parse_hex(to_hex(*digest), parsed));
  EXPECT_TRUE(same_digest(parsed, *digest));
  parsed[31] ^= 1;
  EXPECT_FALSE(same_digest(parsed, *digest));
  EXPECT_FALSE(parse_hex("zz", std::span<std::uint8_t>(parsed.data(), 1)));
  EXPECT_FALSE(parse_hex("abc", std::span<std::uint8_t>(parsed.data(), 1)));
}

TEST(TokenFile, AddedTokenAuthenticatesWithItsRole) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  for (Role role : {Role::read, Role::submit, Role::admin}) {
    const std::string name = std::string("t-") + role_name(role);
    auto issued = add_token(file, name, role, 1718000000000);
    ASSERT_TRUE(issued.ok()) << issued.error().message;
    auto auth = Authenticator::load(file);
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    auto who = auth->authenticate(bearer(issued->token));
    ASSERT_TRUE(who.ok()) << who.error().message;
    EXPECT_EQ(who->name, name);
    EXPECT_EQ(who->role, role);
  }
  auto auth = Authenticator::load(file);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->size(), 3u);
}

TEST(TokenFile, HoldsSaltedHashesButNoToken) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  auto issued = add_token(file, "ci", Role::submit, 1718000000000);
  ASSERT_TRUE(issued.ok());
  const std::string text = read_file(file);
  EXPECT_EQ(text.find(issued->token), std::string::npos);
  EXPECT_EQ(text.find(issued->token.substr(6)), std::string::npos);  // nor its secret part
  const auto j = nlohmann::json::parse(text);
  ASSERT_EQ(j.at("tokens").size(), 1u);
  const auto& entry = j["tokens"][0];
  EXPECT_EQ(entry.at("name"), "ci");
  EXPECT_EQ(entry.at("role"), "submit");
  EXPECT_EQ(entry.at("created_ms"), 1718000000000u);
  EXPECT_EQ(entry.at("prefix"), issued->token.substr(6, 8));
  Salt salt{};
  ASSERT_TRUE(parse_hex(entry.at("salt").get<std::string>(), salt));
  auto digest = token_digest(salt, issued->token);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(entry.at("hash"), to_hex(*digest));
}

TEST(TokenFile, SameNameTwiceIsRefused) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  ASSERT_TRUE(add_token(file, "ci", Role::read, 1).ok());
  auto again = add_token(file, "ci", Role::admin, 2);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
  EXPECT_NE(again.error().message.find("'ci'"), std::string::npos);
  auto tokens = load_token_file(file);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].role, Role::read);
}

TEST(TokenFile, NamesMustBeShortPlainWords) {
  TempDir dir;
  for (const std::string& name : {std::string(), std::string("a b"), std::string("x\n"),
                                  std::string("ü"), std::string(65, 'a')}) {
    auto added = add_token(dir / "tokens.json", name, Role::read, 1);
    ASSERT_FALSE(added.ok()) << name;
    EXPECT_EQ(added.error().code, ErrorCode::invalid_argument);
  }
  EXPECT_TRUE(add_token(dir / "tokens.json", std::string(64, 'a'), Role::read, 1).ok());
  EXPECT_TRUE(add_token(dir / "tokens.json", "ci-bot_2.east", Role::read, 1).ok());
}

TEST(TokenFile, WrittenWithMode0600AndNoTemporaryLeftBehind) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  const mode_t old_mask = ::umask(0);  // the mode must not depend on the umask
  auto issued = add_token(file, "ci", Role::read, 1);
  ::umask(old_mask);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(mode_of(file), 0600u);
  ASSERT_TRUE(add_token(file, "ops", Role::admin, 2).ok());
  ASSERT_TRUE(remove_token(file, "ci").ok());
  EXPECT_EQ(mode_of(file), 0600u);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"tokens.json"});
}

TEST(TokenFile, FileThatGroupOrOthersMayOpenIsRefused) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  ASSERT_TRUE(add_token(file, "ci", Role::read, 1).ok());
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602}) {
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    auto loaded = load_token_file(file);
    ASSERT_FALSE(loaded.ok()) << mode;
    EXPECT_EQ(loaded.error().code, ErrorCode::failed_precondition);
    EXPECT_NE(loaded.error().message.find(file.string()), std::string::npos);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(loaded.error().message.find(octal), std::string::npos) << loaded.error().message;
    EXPECT_FALSE(add_token(file, "other", Role::read, 1).ok());
  }
  ASSERT_EQ(::chmod(file.c_str(), 0400), 0);
  EXPECT_TRUE(load_token_file(file).ok());
}

TEST(TokenFile, MissingFileIsNotFoundNamingIt) {
  TempDir dir;
  auto loaded = load_token_file(dir / "absent.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::not_found);
  EXPECT_NE(loaded.error().message.find((dir / "absent.json").string()), std::string::npos);
  auto removed = remove_token(dir / "absent.json", "ci");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, ErrorCode::not_found);
}

struct MalformedCase {
  const char* what;
  std::string text;
  std::vector<std::string> message_names;  // besides the file
};

TEST(TokenFile, MalformedFilesAreRefusedNamingFileAndEntry) {
  const std::string salt(32, '0'), hash(64, 'a');
  auto entry = [&](const std::string& name, const std::string& role) {
    return R"({"name": ")" + name + R"(", "role": ")" + role +
           R"(", "prefix": "AAAAAAAA", "salt": ")" + salt + R"(", "hash": ")" + hash +
           R"(", "created_ms": 5})";
  };
  const std::vector<MalformedCase> cases = {
      {"not JSON", "{\"tokens\": [", {"JSON"}},
      {"no tokens array", R"({"keys": []})", {"'tokens'"}},
      {"entry not an object", R"({"tokens": [7]})", {"tokens[0]"}},
      {"unknown role",
       "{\"tokens\": [" + entry("ci", "superuser") + "]}",
       {"tokens[0]", "'ci'", "superuser"}},
      {"duplicate name",
       "{\"tokens\": [" + entry("ci", "read") + "," + entry("ops", "admin") + "," +
           entry("ci", "admin") + "]}",
       {"tokens[2]", "'ci'", "tokens[0]"}},
      {"short salt",
       R"({"tokens": [{"name": "ci", "role": "read", "prefix": "AAAAAAAA", "salt": "00", "hash": ")" +
           hash + R"(", "created_ms": 5}]})",
       {"tokens[0]", "'salt'"}},
      {"hash not hex",
       R"({"tokens": [{"name": "ci", "role": "read", "prefix": "AAAAAAAA", "salt": ")" + salt +
           R"(", "hash": ")" + std::string(64, 'g') + R"(", "created_ms": 5}]})",
       {"tokens[0]", "'hash'"}},
      {"no created_ms",
       R"({"tokens": [{"name": "ci", "role": "read", "prefix": "AAAAAAAA", "salt": ")" + salt +
           R"(", "hash": ")" + hash + R"("}]})",
       {"tokens[0]", "'created_ms'"}},
      {"bad prefix",
       R"({"tokens": [{"name": "ci", "role": "read", "prefix": "A+", "salt": ")" + salt +
           R"(", "hash": ")" + hash + R"(", "created_ms": 5}]})",
       {"tokens[0]", "'prefix'"}},
      {"bad name", "{\"tokens\": [" + entry("c i", "read") + "]}", {"tokens[0]", "'c i'"}},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const auto file = write_token_file(dir, c.text);
    auto loaded = load_token_file(file);
    ASSERT_FALSE(loaded.ok()) << c.what;
    EXPECT_EQ(loaded.error().code, ErrorCode::invalid_argument) << c.what;
    EXPECT_NE(loaded.error().message.find(file.string()), std::string::npos) << c.what;
    for (const auto& name : c.message_names)
      EXPECT_NE(loaded.error().message.find(name), std::string::npos)
          << c.what << ": " << loaded.error().message;
    EXPECT_FALSE(add_token(file, "new", Role::read, 1).ok()) << c.what;
    EXPECT_EQ(read_file(file), c.text) << c.what;  // a malformed file is never overwritten
  }
  TempDir dir;
  EXPECT_TRUE(
      load_token_file(write_token_file(dir, "{\"tokens\": [" + entry("ci", "read") + "]}")).ok());
}

class Authentication : public ::testing::Test {
 protected:
  void SetUp() override {
    auto issued = add_token(file_, "ci", Role::submit, 1);
    ASSERT_TRUE(issued.ok());
    token_ = issued->token;
    ASSERT_TRUE(add_token(file_, "viewer", Role::read, 2).ok());
    auto auth = Authenticator::load(file_);
    ASSERT_TRUE(auth.ok());
    auth_ = std::make_unique<Authenticator>(std::move(*auth));
  }

  // Expects `header` to be refused as unauthenticated, with a message that repeats no token.
  void expect_unauthenticated(const std::string& header, const std::string& what) {
    auto who = auth_->authenticate(header);
    ASSERT_FALSE(who.ok()) << what;
    EXPECT_EQ(who.error().code, ErrorCode::unauthenticated) << what;
    EXPECT_EQ(who.error().message.find(token_.substr(6, 8)), std::string::npos) << what;
  }

  TempDir dir_;
  std::filesystem::path file_ = dir_ / "tokens.json";
  std::string token_;
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(Authentication, TheTokenAuthenticatesWhateverTheSchemeCaseAndSpacing) {
  for (const std::string& header : {"Bearer " + token_, "bearer " + token_, "BEARER " + token_,
                                    "Bearer   " + token_ + " ", " Bearer\t" + token_}) {
    auto who = auth_->authenticate(header);
    ASSERT_TRUE(who.ok()) << header << ": " << who.error().message;
    EXPECT_EQ(who->name, "ci");
    EXPECT_EQ(who->role, Role::submit);
  }
}

TEST_F(Authentication, WrongTruncatedRecasedOrUnprefixedTokensAreUnauthenticated) {
  auto other = new_token();
  ASSERT_TRUE(other.ok());
  expect_unauthenticated(bearer(*other), "a token of no file");
  expect_unauthenticated(bearer(token_.substr(0, token_.size() - 1)), "truncated by one");
  expect_unauthenticated(bearer(token_.substr(0, 14)), "only its prefix");
  expect_unauthenticated(bearer(token_ + "A"), "one character longer");
  expect_unauthenticated(bearer(flip_case_of_last_letter(token_)), "one letter recased");
  std::string upper = token_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  expect_unauthenticated(bearer(upper), "upper case");
  std::string changed = token_;
  changed.back() = changed.back() == 'A' ? 'B' : 'A';
  expect_unauthenticated(bearer(changed), "last character changed");
  expect_unauthenticated(token_, "no Bearer scheme");
  expect_unauthenticated("Basic " + token_, "Basic scheme");
  expect_unauthenticated("Bearer" + token_, "no space after Bearer");
  expect_unauthenticated("Bearer ", "no token");
  expect_unauthenticated("", "empty header");
}

TEST_F(Authentication, MessagesNeverRepeatTheToken) {
  auto unknown = new_token();  // a prefix no entry has
  ASSERT_TRUE(unknown.ok());
  std::string wrong = token_;  // the prefix of an entry, the rest wrong
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  for (const std::string& presented : {*unknown, wrong}) {
    for (const std::string& header : {bearer(presented), presented, "Basic " + presented,
                                      bearer(presented + "x"), bearer(presented.substr(0, 30))}) {
      auto who = auth_->authenticate(header);
      ASSERT_FALSE(who.ok());
      EXPECT_EQ(who.error().message.find(presented.substr(6, 8)), std::string::npos)
          << who.error().message;
    }
  }
}

TEST_F(Authentication, RemovingATokenRevokesIt) {
  ASSERT_TRUE(remove_token(file_, "ci").ok());
  auto reloaded = Authenticator::load(file_);
  ASSERT_TRUE(reloaded.ok());
  auto who = reloaded->authenticate(bearer(token_));
  ASSERT_FALSE(who.ok());
  EXPECT_EQ(who.error().code, ErrorCode::unauthenticated);
  auto tokens = load_token_file(file_);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].name, "viewer");
  auto again = remove_token(file_, "ci");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::not_found);
  EXPECT_NE(again.error().message.find("'ci'"), std::string::npos);
}

TEST_F(Authentication, TokensSharingAPrefixAreToldApart) {
  // Two tokens whose prefixes collide: each still authenticates as itself.
  const std::string twin = token_.substr(0, 14) + std::string(35, 'Z');
  auto salt = new_salt();
  ASSERT_TRUE(salt.ok());
  auto digest = token_digest(*salt, twin);
  ASSERT_TRUE(digest.ok());
  auto tokens = load_token_file(file_);
  ASSERT_TRUE(tokens.ok());
  tokens->push_back(TokenRecord{"twin", Role::admin, token_.substr(6, 8), *salt, *digest, 3});
  const Authenticator auth(std::move(*tokens));
  auto first = auth.authenticate(bearer(token_));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->name, "ci");
  auto second = auth.authenticate(bearer(twin));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->name, "twin");
  EXPECT_EQ(second->role, Role::admin);
}

TEST(Authorize, RoleTooLowIsPermissionDeniedNamingTokenAndRoles) {
  EXPECT_TRUE(authorize({"ops", Role::admin}, Role::submit).ok());
  EXPECT_TRUE(authorize({"ci", Role::submit}, Role::submit).ok());
  EXPECT_TRUE(authorize({"viewer", Role::read}, Role::read).ok());
  auto denied = authorize({"viewer", Role::read}, Role::submit);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::permission_denied);
  EXPECT_NE(denied.error().message.find("'viewer'"), std::string::npos);
  EXPECT_NE(denied.error().message.find("read"), std::string::npos);
  EXPECT_NE(denied.error().message.find("submit"), std::string::npos);
  EXPECT_EQ(authorize({"ci", Role::submit}, Role::admin).error().code,
            ErrorCode::permission_denied);
}

TEST(LiveAuthenticator, RemovalAndAdditionTakeEffectAtTheNextReload) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  auto ci = add_token(file, "ci", Role::submit, 1);
  ASSERT_TRUE(ci.ok());
  auto live = LiveAuthenticator::open(file);
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_TRUE((*live)->authenticate(bearer(ci->token)).ok());
  EXPECT_TRUE((*live)->reload_if_changed().ok());  // unchanged: nothing to do
  auto ops = add_token(file, "ops", Role::admin, 2);
  ASSERT_TRUE(ops.ok());
  ASSERT_TRUE(remove_token(file, "ci").ok());
  EXPECT_TRUE((*live)->authenticate(bearer(ci->token)).ok());  // not reloaded yet
  ASSERT_TRUE((*live)->reload_if_changed().ok());
  auto revoked = (*live)->authenticate(bearer(ci->token));
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code, ErrorCode::unauthenticated);
  auto admin = (*live)->authenticate(bearer(ops->token));
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, Role::admin);
}

TEST(LiveAuthenticator, ABrokenFileKeepsTheTokensLastLoaded) {
  TempDir dir;
  const auto file = dir / "tokens.json";
  auto ci = add_token(file, "ci", Role::submit, 1);
  ASSERT_TRUE(ci.ok());
  auto live = LiveAuthenticator::open(file);
  ASSERT_TRUE(live.ok());
  write_token_file(dir, "{\"tokens\": 5, \"padding\": \"changes the size\"}");
  auto reload = (*live)->reload_if_changed();
  ASSERT_FALSE(reload.ok());
  EXPECT_EQ(reload.error().code, ErrorCode::invalid_argument);
  EXPECT_TRUE((*live)->authenticate(bearer(ci->token)).ok());
  std::filesystem::remove(file);
  EXPECT_EQ((*live)->reload_if_changed().error().code, ErrorCode::not_found);
  EXPECT_TRUE((*live)->authenticate(bearer(ci->token)).ok());
}

}  // namespace
}  // namespace recur::server
