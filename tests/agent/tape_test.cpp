// The tape (pointer memory): pointers start at the first input token, move one token at a time,
// read boundary values outside the tape, and the whole tape persists incrementally in a Store.
#include <gtest/gtest.h>

#include "agent/tape.hpp"
#include "support/temp_dir.hpp"

namespace recur::agent {
namespace {

using recur::testing::TempDir;

Tape tape_of(std::vector<TokenId> input) {
  auto tape = Tape::with_input(input);
  EXPECT_TRUE(tape);
  return std::move(tape).value();
}

TEST(Tape, ANewPointerReadsTheFirstInputToken) {
  Tape tape = tape_of({10, 11, 12});
  auto p = tape.create_pointer("p1");
  EXPECT_EQ(tape.position(p), 0);
  EXPECT_EQ(tape.read(p), 10);
  EXPECT_EQ(tape.input_size(), 3u);
}

TEST(Tape, PointersMoveOneTokenAtATime) {
  Tape tape = tape_of({10, 11, 12});
  auto p = tape.create_pointer("p1");
  tape.move_right(p);
  EXPECT_EQ(tape.read(p), 11);
  tape.move_right(p);
  EXPECT_EQ(tape.read(p), 12);
  tape.move_left(p);
  EXPECT_EQ(tape.read(p), 11);
}

TEST(Tape, ReadingBeforeTheStartGivesTheStartBoundary) {
  Tape tape = tape_of({10, 11});
  auto p = tape.create_pointer("p1");
  tape.move_left(p);
  EXPECT_EQ(tape.read(p), kBeforeStart);
  tape.move_left(p);  // never further left than one before the start
  tape.move_left(p);
  EXPECT_EQ(tape.position(p), -1);
  EXPECT_EQ(tape.read(p), kBeforeStart);
  tape.move_right(p);
  EXPECT_EQ(tape.read(p), 10);
}

TEST(Tape, ReadingPastTheEndGivesTheEndBoundaryUntilTheTapeGrows) {
  Tape tape = tape_of({10});
  auto p = tape.create_pointer("p1");
  tape.move_right(p);
  EXPECT_EQ(tape.read(p), kPastEnd);
  tape.move_right(p);
  EXPECT_EQ(tape.read(p), kPastEnd);
  ASSERT_TRUE(tape.append(std::vector<TokenId>{20, 21}));
  EXPECT_EQ(tape.read(p), 21);
  tape.move_left(p);
  EXPECT_EQ(tape.read(p), 20);
}

TEST(Tape, AnEmptyTapeReadsPastTheEnd) {
  Tape tape;
  auto p = tape.create_pointer("p");
  EXPECT_EQ(tape.read(p), kPastEnd);
  EXPECT_EQ(tape.at(-5), kBeforeStart);
}

TEST(Tape, PointersAreIndependentAndFoundByName) {
  Tape tape = tape_of({1, 2, 3});
  auto a = tape.create_pointer("a");
  auto b = tape.create_pointer("b");
  tape.move_right(b);
  tape.move_right(b);
  EXPECT_EQ(tape.read(a), 1);
  EXPECT_EQ(tape.read(b), 3);
  EXPECT_EQ(tape.find_pointer("b"), b);
  EXPECT_EQ(tape.find_pointer("c"), std::nullopt);
}

TEST(Tape, CreatingAnExistingPointerMovesItBackToTheStart) {
  Tape tape = tape_of({1, 2, 3});
  auto a = tape.create_pointer("a");
  tape.move_right(a);
  EXPECT_EQ(tape.create_pointer("a"), a);
  EXPECT_EQ(tape.read(a), 1);
  EXPECT_EQ(tape.pointer_count(), 1u);
}

TEST(Tape, NegativeIdsAreRefusedAndNothingIsAppended) {
  Tape tape = tape_of({1});
  Status s = tape.append(std::vector<TokenId>{2, -7, 3});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "tape: token 1 has the negative id -7");
  EXPECT_EQ(tape.size(), 1u);
  EXPECT_FALSE(Tape::with_input(std::vector<TokenId>{kPastEnd}));
}

struct StoredTape : ::testing::Test {
  TempDir dir;
  Store store = Store::open(dir / "db").value();
};

void expect_same(const Tape& a, const Tape& b) {
  EXPECT_EQ(std::vector<TokenId>(a.tokens().begin(), a.tokens().end()),
            std::vector<TokenId>(b.tokens().begin(), b.tokens().end()));
  EXPECT_EQ(a.input_size(), b.input_size());
  ASSERT_EQ(a.pointer_count(), b.pointer_count());
  for (Tape::Pointer p = 0; p < a.pointer_count(); ++p) {
    EXPECT_EQ(a.pointer_name(p), b.pointer_name(p));
    EXPECT_EQ(a.position(p), b.position(p));
  }
}

TEST_F(StoredTape, SaveThenLoadRestoresTokensInputAndPointers) {
  Tape tape = tape_of({5, 6, 7});
  ASSERT_TRUE(tape.append(std::vector<TokenId>{8, 2147483647}));
  auto p1 = tape.create_pointer("p1");
  auto p2 = tape.create_pointer("p2");
  tape.move_left(p1);
  for (int i = 0; i < 4; ++i) tape.move_right(p2);
  ASSERT_TRUE(save_tape(store, "session-1", tape));
  auto loaded = load_tape(store, "session-1");
  ASSERT_TRUE(loaded) << loaded.error().message;
  expect_same(tape, *loaded);
  EXPECT_EQ(loaded->read(0), kBeforeStart);
  EXPECT_EQ(loaded->read(1), 2147483647);
}

TEST_F(StoredTape, LaterSavesWriteOnlyTheNewTokens) {
  Tape tape = tape_of({1, 2, 3});
  ASSERT_TRUE(save_tape(store, "s", tape));
  ASSERT_TRUE(tape.append(std::vector<TokenId>{4, 5}));
  ASSERT_TRUE(save_tape(store, "s", tape));
  ASSERT_TRUE(save_tape(store, "s", tape));  // nothing new: no new chunk
  ASSERT_TRUE(tape.append(6));
  ASSERT_TRUE(save_tape(store, "s", tape));

  std::vector<std::size_t> chunk_sizes;
  std::string chunks = key_prefix({"tape", "s", "tokens"});
  ASSERT_TRUE(store.for_each(chunks, [&](std::string_view, std::string_view bytes) {
    chunk_sizes.push_back(bytes.size() / 4);
    return true;
  }));
  EXPECT_EQ(chunk_sizes, (std::vector<std::size_t>{3, 2, 1}));
  auto loaded = load_tape(store, "s");
  ASSERT_TRUE(loaded);
  expect_same(tape, *loaded);
}

TEST_F(StoredTape, PointerMovesAloneAreSaved) {
  Tape tape = tape_of({1, 2, 3});
  auto p = tape.create_pointer("p");
  ASSERT_TRUE(save_tape(store, "s", tape));
  tape.move_right(p);
  ASSERT_TRUE(save_tape(store, "s", tape));
  auto loaded = load_tape(store, "s");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->read(0), 2);
}

TEST_F(StoredTape, ALoadedTapeContinuesIncrementally) {
  Tape tape = tape_of({1});
  ASSERT_TRUE(save_tape(store, "s", tape));
  auto loaded = load_tape(store, "s");
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(loaded->append(2));
  ASSERT_TRUE(save_tape(store, "s", *loaded));
  EXPECT_EQ(load_tape(store, "s")->size(), 2u);
}

TEST_F(StoredTape, ADivergedTapeIsRefusedAndTheStoredOneKept) {
  Tape tape = tape_of({1, 2, 3, 4});
  ASSERT_TRUE(save_tape(store, "s", tape));
  Tape shorter = tape_of({1, 2});
  Status s = save_tape(store, "s", shorter);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("is not a prefix of this one"), std::string::npos);
  Tape other_input = tape_of({1, 2, 3, 4, 5});
  EXPECT_FALSE(save_tape(store, "s", other_input));
  EXPECT_EQ(load_tape(store, "s")->size(), 4u);
}

TEST_F(StoredTape, SessionsAreKeptApart) {
  ASSERT_TRUE(save_tape(store, "a", tape_of({1})));
  ASSERT_TRUE(save_tape(store, "ab", tape_of({2, 2})));
  EXPECT_EQ(load_tape(store, "a")->size(), 1u);
  EXPECT_EQ(load_tape(store, "ab")->size(), 2u);
  auto missing = load_tape(store, "b");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no tape saved for session 'b'"), std::string::npos);
}

TEST_F(StoredTape, ChangesJoinACheckpointBatch) {
  Tape tape = tape_of({1, 2});
  WriteBatch batch;
  batch.put("checkpoint", "state bytes");
  ASSERT_TRUE(add_tape_changes(store, "s", tape, batch));
  EXPECT_FALSE(load_tape(store, "s"));  // nothing written until the batch is
  ASSERT_TRUE(store.write(batch));
  EXPECT_EQ(load_tape(store, "s")->size(), 2u);
  EXPECT_EQ(store.get("checkpoint")->value(), "state bytes");
}

TEST_F(StoredTape, SurvivesReopeningTheStore) {
  Tape tape = tape_of({3, 1, 4, 1, 5});
  tape.create_pointer("p");
  ASSERT_TRUE(save_tape(store, "s", tape));
  store = Store::open(dir / "other").value();  // closes the first database
  auto reopened = Store::open(dir / "db");
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto loaded = load_tape(*reopened, "s");
  ASSERT_TRUE(loaded);
  expect_same(tape, *loaded);
}

}  // namespace
}  // namespace recur::agent
