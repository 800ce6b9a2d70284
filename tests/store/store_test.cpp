// The Store: key/value with atomic batches, paged prefix scans, prefix-scoped handles, append-only
// logs, and one shared database per directory within a process.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

using recur::testing::TempDir;

struct StoreTest : ::testing::Test {
  TempDir dir;
  Store store = Store::open(dir / "db").value();

  std::vector<std::string> keys(const ScanPage& page) {
    std::vector<std::string> out;
    for (const auto& [k, v] : page.entries) out.push_back(k);
    return out;
  }
};

TEST_F(StoreTest, PutGetErase) {
  ASSERT_TRUE(store.put("k", std::string("v\0w", 3)));
  EXPECT_EQ(store.get("k")->value(), std::string("v\0w", 3));
  ASSERT_TRUE(store.erase("k"));
  EXPECT_EQ(*store.get("k"), std::nullopt);
  EXPECT_TRUE(store.erase("never there"));
}

TEST_F(StoreTest, BatchesApplyInOrder) {
  WriteBatch batch;
  batch.put("a", "1");
  batch.put("b", "2");
  batch.erase("a");
  batch.put("c", "3");
  ASSERT_TRUE(store.write(batch));
  EXPECT_EQ(*store.get("a"), std::nullopt);
  EXPECT_EQ(store.get("b")->value(), "2");
  EXPECT_EQ(store.get("c")->value(), "3");
}

TEST_F(StoreTest, ScanPagesByPrefix) {
  for (const char* k : {"x", "p1", "p2", "p3", "p4", "p5", "q"}) ASSERT_TRUE(store.put(k, k));
  auto first = store.scan("p", "", 2);
  ASSERT_TRUE(first);
  EXPECT_EQ(keys(*first), (std::vector<std::string>{"p1", "p2"}));
  ASSERT_TRUE(first->next);
  EXPECT_EQ(*first->next, "p2");
  auto second = store.scan("p", *first->next, 2);
  EXPECT_EQ(keys(*second), (std::vector<std::string>{"p3", "p4"}));
  auto last = store.scan("p", *second->next, 2);
  EXPECT_EQ(keys(*last), (std::vector<std::string>{"p5"}));
  EXPECT_EQ(last->next, std::nullopt);
  auto exact = store.scan("p", "p3", 2);  // exactly one page left
  EXPECT_EQ(keys(*exact), (std::vector<std::string>{"p4", "p5"}));
  EXPECT_EQ(exact->next, std::nullopt);
}

TEST_F(StoreTest, ScanAfterACursorOutsideThePrefix) {
  for (const char* k : {"a", "p1", "p2", "z"}) ASSERT_TRUE(store.put(k, k));
  EXPECT_EQ(keys(*store.scan("p", "a", 10)), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_TRUE(store.scan("p", "q", 10)->entries.empty());
}

TEST_F(StoreTest, WithinSeesOnlyItsPrefixWithThePrefixStripped) {
  Store a = store.within(key_prefix({"scope", "a"}));
  Store ab = store.within(key_prefix({"scope", "ab"}));
  ASSERT_TRUE(a.put("k", "1"));
  ASSERT_TRUE(ab.put("k", "2"));
  EXPECT_EQ(a.get("k")->value(), "1");
  EXPECT_EQ(ab.get("k")->value(), "2");
  EXPECT_EQ(keys(*a.scan("", "", 10)), (std::vector<std::string>{"k"}));
  EXPECT_EQ(*store.get("k"), std::nullopt);
  ASSERT_TRUE(a.erase_prefix(""));
  EXPECT_EQ(*a.get("k"), std::nullopt);
  EXPECT_EQ(ab.get("k")->value(), "2");
}

// One path's prefix starts another's only when the other path extends it name by name.
TEST(KeyPrefix, OnlyExtendedPathsShareAPrefix) {
  using Path = std::vector<std::string>;
  std::vector<Path> paths = {
      {"a"}, {"ab"},   {"a", "b"},     {std::string("a\0", 2)}, {std::string("a\0b", 3)},
      {""},  {"", ""}, {"a", "b", "c"}};
  auto encode = [](const Path& p) {
    std::string out;
    for (const auto& name : p) out += key_prefix({name});
    return out;
  };
  EXPECT_EQ(key_prefix({"a", "b"}), encode({"a", "b"}));
  for (const auto& i : paths)
    for (const auto& j : paths) {
      bool extends = i.size() <= j.size() && std::equal(i.begin(), i.end(), j.begin());
      EXPECT_EQ(encode(j).rfind(encode(i), 0) == 0, extends)
          << ::testing::PrintToString(i) << " / " << ::testing::PrintToString(j);
    }
}

TEST(KeyPrefix, SortsNameByName) {
  EXPECT_LT(key_prefix({"a", "z"}), key_prefix({"ab"}));
  EXPECT_LT(key_prefix({"a"}), key_prefix({std::string_view("a\0", 2)}));
  EXPECT_LT(key_prefix({"a", "b"}), key_prefix({"a", "c"}));
}

TEST(OrderedKey, SortsNumerically) {
  EXPECT_LT(ordered_key(9), ordered_key(10));
  EXPECT_LT(ordered_key(255), ordered_key(256));
  EXPECT_LT(ordered_key(1ull << 40), ordered_key((1ull << 40) + 1));
  EXPECT_EQ(parse_ordered_key(ordered_key(123456789012ull)), 123456789012ull);
  EXPECT_EQ(parse_ordered_key("short"), std::nullopt);
}

TEST_F(StoreTest, AppendNumbersEntriesOfALog) {
  std::vector<std::string> first = {"a", "b"};
  std::vector<std::string> second = {"c"};
  EXPECT_EQ(*store.append("log/", first), 0u);
  EXPECT_EQ(*store.append("log/", second), 2u);
  EXPECT_EQ(*store.log_size("log/"), 3u);
  EXPECT_EQ(*store.log_size("other/"), 0u);
  EXPECT_EQ(store.get("log/" + ordered_key(2))->value(), "c");
}

TEST_F(StoreTest, ConcurrentAppendsNeverShareAnIndex) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::vector<std::string> v = {std::to_string(t)};
        ASSERT_TRUE(store.append("log", v));
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store.log_size("log"), 200u);
}

TEST_F(StoreTest, OpeningTheSameDirectoryTwiceSharesTheDatabase) {
  auto again = Store::open(dir / "db");
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE(store.put("k", "v"));
  EXPECT_EQ(again->get("k")->value(), "v");
  auto by_other_path = Store::open(dir / "db/../db");
  ASSERT_TRUE(by_other_path) << by_other_path.error().message;
  EXPECT_EQ(by_other_path->get("k")->value(), "v");
}

TEST_F(StoreTest, DataSurvivesClosingAndReopening) {
  ASSERT_TRUE(store.put("k", "v"));
  store = Store::open(dir / "elsewhere").value();
  auto reopened = Store::open(dir / "db");
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ(reopened->get("k")->value(), "v");
}

TEST(Store, OpenAndCloseFromManyThreadsAtOnce) {
  TempDir dir;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto s = Store::open(dir / "db");
        if (!s || !s->put("k", "v")) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
}

TEST(Store, MissingDirectoryWithoutCreateIsAClearError) {
  TempDir dir;
  StoreOptions options;
  options.create_if_missing = false;
  auto s = Store::open(dir / "absent", options);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::not_found);
  EXPECT_NE(s.error().message.find("absent"), std::string::npos) << s.error().message;
  // An existing directory without a database is just as absent, and so is either to a reader.
  std::filesystem::create_directories(dir / "empty");
  auto empty = Store::open(dir / "empty", options);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::not_found);
  StoreOptions reader;
  reader.read_only = true;
  auto read = Store::open(dir / "absent", reader);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::not_found);
}

// Holds the database lock of `dir` from a child process, as a second recur process holding the
// store would, until the returned descriptor is closed; then the child exits.
struct LockHolder {
  pid_t pid = -1;
  int release_fd = -1;

  explicit LockHolder(const std::filesystem::path& dir) {
    int ready[2], release[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(release), 0);
    const std::string lock_file = (dir / "LOCK").string();
    pid = ::fork();
    if (pid == 0) {
      ::close(ready[0]);
      ::close(release[1]);
      const int fd = ::open(lock_file.c_str(), O_RDWR);
      struct flock lock {};
      lock.l_type = F_WRLCK;
      lock.l_whence = SEEK_SET;
      const char ok = fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0 ? '1' : '0';
      if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
      char c;
      while (::read(release[0], &c, 1) > 0) {
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    release_fd = release[1];
    char ok = '0';
    EXPECT_EQ(::read(ready[0], &ok, 1), 1);
    EXPECT_EQ(ok, '1') << "the child could not lock " << lock_file;
    ::close(ready[0]);
  }
  ~LockHolder() {
    ::close(release_fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
};

TEST(Store, AStoreHeldByAnotherProcessIsUnavailableUntilItIsReleased) {
  TempDir dir;
  {
    auto created = Store::open(dir / "db");
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(created->put("k", "v"));
  }
  {
    LockHolder other(dir / "db");
    auto held = Store::open(dir / "db");
    ASSERT_FALSE(held);
    EXPECT_EQ(held.error().code, ErrorCode::unavailable) << held.error().message;
    EXPECT_NE(held.error().message.find((dir / "db").string()), std::string::npos)
        << held.error().message;
    // A reader takes no lock.
    StoreOptions reader;
    reader.read_only = true;
    auto read = Store::open(dir / "db", reader);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->get("k")->value(), "v");
  }
  auto released = Store::open(dir / "db");
  ASSERT_TRUE(released) << released.error().message;
  EXPECT_EQ(released->get("k")->value(), "v");
}

TEST(Store, ADamagedDatabaseIsDataLoss) {
  TempDir dir;
  {
    auto created = Store::open(dir / "db");
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(created->put("k", "v"));
  }
  dir.write("db/CURRENT", "not a manifest name");  // RocksDB wants one line ending in '\n'
  auto damaged = Store::open(dir / "db");
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, ErrorCode::data_loss) << damaged.error().message;
  EXPECT_NE(damaged.error().message.find((dir / "db").string()), std::string::npos)
      << damaged.error().message;
}

}  // namespace
}  // namespace recur
