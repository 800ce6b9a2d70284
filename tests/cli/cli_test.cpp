// The recur executable as scripts use it: JSON out, exit status, and one line naming what is wrong.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/reference.hpp"
#include "support/scripted_bundle.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

// Runs `recur ARGS`, capturing stdout and stderr.
Run recur(const std::string& args) {
  recur::testing::TempDir dir;
  const std::string cmd = std::string(RECUR_CLI) + " " + args + " >" + (dir / "out").string() +
                          " 2>" + (dir / "err").string();
  Run r;
  const int raw = std::system(cmd.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = recur::testing::read_file(dir / "out");
  r.err = recur::testing::read_file(dir / "err");
  return r;
}

std::string bundle(const std::string& name) {
  return recur::testing::bundle_dir(name).string();
}

std::string join(const std::vector<std::int32_t>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) s.push_back(',');
    s.append(std::to_string(ids[i]));
  }
  return s;
}

TEST(CliLogits, EveryModePrintsTransformersLogitsWithinTolerance) {
  const auto ref = recur::testing::load_reference("bias-untied");
  const auto& seq = ref.sequences[2];
  for (const std::string mode : {"forward", "step", "split:1", "split:9"}) {
    const auto r = recur("logits --model " + bundle("bias-untied") + " --tokens " +
                         join(seq.tokens) + " --mode " + mode);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    std::vector<float> flat;
    ASSERT_EQ(j.at("logits").size(), seq.tokens.size());
    for (const auto& row : j.at("logits")) {
      ASSERT_EQ(row.size(), ref.vocab_size);
      for (const auto& v : row) flat.push_back(v.get<float>());
    }
    EXPECT_LE(recur::testing::max_relative_error(flat, seq.logits, ref.vocab_size), 1e-4) << mode;
  }
}

TEST(CliTokenize, IdsAndTextMatchTheTokenizerFixture) {
  const auto cases = nlohmann::json::parse(recur::testing::read_file(
      recur::testing::fixtures_dir() / "tokenizers" / "bpe" / "cases.json"));
  for (std::size_t i : {0u, 4u, 8u, 10u}) {
    const auto& c = cases[i];
    const std::string text = c["text"];
    // Pass the text through a file-free shell quote: single quotes, with embedded quotes escaped.
    std::string quoted = "'";
    for (char ch : text) {
      if (ch == '\'')
        quoted.append("'\\''");
      else
        quoted.push_back(ch);
    }
    quoted += "'";
    const auto r = recur("tokenize --model " + bundle("tiny") + " --json --text " + quoted);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("ids"), c["ids"]) << text;
    const auto d = recur("detokenize --model " + bundle("tiny") + " --json --ids " +
                         join(c["ids"].get<std::vector<std::int32_t>>()));
    ASSERT_EQ(d.status, 0) << d.err;
    EXPECT_EQ(nlohmann::json::parse(d.out).at("text"), c["decoded"]) << text;
  }
}

TEST(CliGenerate, GreedyOutputIsReproducibleAndReportsTimings) {
  const std::string args =
      "generate --model " + bundle("tiny") + " --prompt 'Tool use' --max-tokens 12 --json";
  const auto a = recur(args), b = recur(args);
  ASSERT_EQ(a.status, 0) << a.err;
  const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja.at("tokens"), jb.at("tokens"));
  EXPECT_LE(ja.at("tokens").size(), 12u);
  EXPECT_EQ(ja.at("device"), "cpu");
  EXPECT_GT(ja.at("decode_tokens_per_s").get<double>(), 0.0);
  // Sampling with a seed is reproducible too, and differs from greedy.
  const std::string sampled =
      "generate --model " + bundle("tiny") +
      " --prompt 'Tool use' --max-tokens 12 --temperature 1.5 --seed 3 --json";
  EXPECT_EQ(nlohmann::json::parse(recur(sampled).out).at("tokens"),
            nlohmann::json::parse(recur(sampled).out).at("tokens"));
}

TEST(CliErrors, BadInputExitsNonZeroWithOneLineNamingTheProblem) {
  recur::testing::TempDir dir;
  std::filesystem::copy(bundle("tiny"), dir.path() / "b");
  dir.write("b/config.json",
            R"({"model_type": "mamba", "hidden_size": "wide", "num_hidden_layers": 2})");
  struct Case {
    std::string args, needle;
  };
  const Case cases[] = {
      {"logits --model " + bundle("tiny") + " --tokens 1,2,99999", "outside the vocabulary"},
      {"logits --model " + bundle("tiny") + " --tokens 1,two", "'two'"},
      {"logits --model " + bundle("tiny") + " --tokens 1,2 --mode split:5", "split:5"},
      {"generate --model /no/such/dir --prompt hi", "/no/such/dir/tokenizer.json"},
      {"logits --model " + (dir.path() / "b").string() + " --tokens 1", "field 'hidden_size'"},
      {"detokenize --model " + bundle("tiny") + " --ids 5000", "5000"},
      {"generate --model " + bundle("tiny") + " --prompt hi --device tpu", "tpu"},
  };
  for (const auto& c : cases) {
    const auto r = recur(c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << " -> " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(CliErrors, ACorruptWeightsFileIsNamed) {
  recur::testing::TempDir dir;
  std::filesystem::copy(bundle("tiny"), dir.path() / "b");
  auto bytes = recur::testing::read_file(dir.path() / "b" / "model.safetensors");
  bytes.resize(bytes.size() / 2);
  dir.write("b/model.safetensors", bytes);
  const auto r = recur("logits --model " + (dir.path() / "b").string() + " --tokens 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("model.safetensors"), std::string::npos) << r.err;
}

TEST(CliEval, TheAdditionModelIsExactPastItsTrainingLengths) {
  recur::testing::TempDir dir;
  const std::string model = std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer";
  const auto r =
      recur("eval --model " + model + " --task addition --lengths 3,12 --n 6,4 --json --out " +
            (dir / "r.json").string() + " --plot " + (dir / "r.svg").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto report = nlohmann::json::parse(recur::testing::read_file(dir / "r.json"));
  ASSERT_EQ(report.at("rows").size(), 2u);
  for (const auto& row : report.at("rows")) {
    EXPECT_EQ(row.at("accuracy"), 1.0) << row.dump();
    EXPECT_EQ(row.at("trajectory_accuracy"), 1.0) << row.dump();
    EXPECT_LT(row.at("wilson_low").get<double>(), 1.0);
  }
  EXPECT_EQ(report.at("rows")[1].at("n"), 4);
  EXPECT_NE(recur::testing::read_file(dir / "r.svg").find("<svg"), std::string::npos);
  const auto bad = recur("eval --model " + model + " --task sorting --lengths 3");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("sorting"), std::string::npos);
  const auto too_long = recur("eval --model " + model + " --task logical_graph --lengths 10,20000");
  EXPECT_EQ(too_long.status, 1);
  EXPECT_NE(too_long.err.find("at most 10000"), std::string::npos) << too_long.err;
}

TEST(CliEval, EveryShippedModelIsExactOnShortProblemsOfItsTask) {
  std::size_t models = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(RECUR_SOURCE_DIR) + "/models")) {
    if (!std::filesystem::exists(entry.path() / "config.json")) continue;
    const auto config =
        nlohmann::json::parse(recur::testing::read_file(entry.path() / "config.json"));
    const std::string task = config.at("recur").at("task");
    recur::testing::TempDir dir;
    const auto r = recur("eval --model " + entry.path().string() + " --task " + task +
                         " --lengths 3,6 --n 4 --seed 2 --out " + (dir / "r.json").string());
    ASSERT_EQ(r.status, 0) << entry.path() << ": " << r.err;
    const auto report = nlohmann::json::parse(recur::testing::read_file(dir / "r.json"));
    for (const auto& row : report.at("rows"))
      EXPECT_EQ(row.at("trajectory_accuracy"), 1.0) << entry.path() << ": " << row.dump();
    ++models;
  }
  EXPECT_GE(models, 10u);
}

TEST(CliEval, RefusesAModelWhoseVocabularyLacksATokenOfTheTask) {
  recur::testing::TempDir dir;
  std::filesystem::copy(std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer", dir / "m");
  auto config = nlohmann::json::parse(recur::testing::read_file(dir / "m" / "config.json"));
  config["recur"]["task"] = "multiply1";
  dir.write("m/config.json", config.dump());
  const auto r = recur("eval --model " + (dir / "m").string() + " --task multiply1 --lengths 3");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("lacks '*'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliEval, NamesWhereAWrongTrajectoryLeavesTheReference) {
  // The addition model with "C0" and "C1" swapped in its vocabulary writes the wrong carry thought
  // at its first column, and only there can its trajectory first leave the reference.
  recur::testing::TempDir dir;
  std::filesystem::copy(std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer", dir / "m");
  auto tokenizer = nlohmann::json::parse(recur::testing::read_file(dir / "m" / "tokenizer.json"));
  auto& vocab = tokenizer["model"]["vocab"];
  std::swap(vocab["C0"], vocab["C1"]);
  dir.write("m/tokenizer.json", tokenizer.dump());
  const auto r =
      recur("eval --model " + (dir / "m").string() +
            " --task addition --lengths 4 --n 5 --failures 2 --out " + (dir / "r.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto row = nlohmann::json::parse(recur::testing::read_file(dir / "r.json"))["rows"][0];
  EXPECT_EQ(row.at("trajectory_accuracy"), 0.0);
  ASSERT_EQ(row.at("failures").size(), 3u) << row.dump();
  for (const auto& f : row.at("failures")) {
    const std::set<std::string> carries = {f.at("expected"), f.at("generated")};
    EXPECT_EQ(carries, (std::set<std::string>{"C0", "C1"})) << f.dump();
    // Before the first carry: the walks of pointers 1 and 2, L2, two reads and the sum digit.
    const auto before = f.at("before").get<std::vector<std::string>>();
    ASSERT_FALSE(before.empty());
    EXPECT_TRUE(before.back().size() == 1 && std::isdigit(before.back()[0])) << f.dump();
    EXPECT_GT(f.at("of").get<std::size_t>(), f.at("at").get<std::size_t>());
  }
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;  // header, row, 2 failures
  EXPECT_NE(r.out.find("the reference has 'C"), std::string::npos) << r.out;
}

TEST(CliPlot, DrawsEachReportAsALineOfItsOwnWithALegend) {
  recur::testing::TempDir dir;
  const std::string model = std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer";
  ASSERT_EQ(recur("eval --model " + model + " --task addition --lengths 3,6 --n 3 --out " +
                  (dir / "mamba.json").string())
                .status,
            0);
  ASSERT_EQ(recur("eval --model " + model + " --task addition --lengths 4 --n 2 --label " +
                  "'Mamba, pointer tool' --out " + (dir / "labelled.json").string())
                .status,
            0);
  // A baseline's rows as the training harness writes them: accuracy and n, no interval.
  dir.write("lstm.json",
            R"({"label": "LSTM <seed 0>", "rows": [{"length": 3, "accuracy": 0.0, "n": 200},)"
            R"( {"length": 6, "accuracy": 1.0, "n": 200}]})");
  const auto r =
      recur("plot " + (dir / "mamba.json").string() + " " + (dir / "lstm.json").string() + " " +
            (dir / "labelled.json").string() + " --out " + (dir / "p.svg").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto svg = recur::testing::read_file(dir / "p.svg");
  EXPECT_NE(svg.find(">addition-pointer (addition)</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">LSTM &lt;seed 0&gt;</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">Mamba, pointer tool</text>"), std::string::npos) << svg;
  std::size_t circles = 0;
  for (auto at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1))
    ++circles;
  EXPECT_EQ(circles, 5u);
  EXPECT_NE(svg.find("fill=\"#1f77b4\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#d62728\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#2ca02c\""), std::string::npos);

  // 0 of 200: the Wilson interval reaches 0.0188 (drawn as a bar), so a wrong n changes the plot.
  dir.write("one.json", R"({"label": "x", "rows": [{"length": 3, "accuracy": 0.0, "n": 200}]})");
  ASSERT_EQ(
      recur("plot " + (dir / "one.json").string() + " --out " + (dir / "one.svg").string()).status,
      0);
  EXPECT_NE(recur::testing::read_file(dir / "one.svg").find("stroke=\"#1f77b4\"/>"),
            std::string::npos);

  dir.write("bad.json", R"({"rows": [{"length": 3, "accuracy": 0.5}]})");
  const auto bad =
      recur("plot " + (dir / "bad.json").string() + " --out " + (dir / "bad.svg").string());
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("bad.json: rows[0]: needs a positive integer \"n\""), std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.svg"));
  dir.write("empty.json", R"({"rows": []})");
  const auto empty =
      recur("plot " + (dir / "empty.json").string() + " --out " + (dir / "e.svg").string());
  EXPECT_NE(empty.err.find("empty.json: needs a non-empty array \"rows\""), std::string::npos)
      << empty.err;
}

TEST(CliEval, ACalculatorModelCallsTheLuaBigintToolOncePerProblem) {
  // A scripted model that always calls 4 + 8 and answers with the two digits it reads back: each
  // session makes one real call of the Lua bigint tool and sees its result, "1 2".
  recur::testing::TempDir dir;
  std::vector<std::string> words = {"+",  "=",  "^",      "$",     "[ANS]",         "<eos>",
                                    "C0", "C1", "[CALL]", "[END]", "[OBSERVATION]", "[ERROR]"};
  for (int d = 0; d < 10; ++d) words.push_back(std::to_string(d));
  for (const char* c : {"R", "L", "D"})
    for (int k = 1; k <= 3; ++k) words.push_back(std::string(c).append(std::to_string(k)));
  const std::map<std::string, std::string> next = {
      {"=", "[CALL]"},    {"[CALL]", "4"}, {"4", "+"}, {"+", "8"},    {"8", "[END]"},
      {"[END]", "[ANS]"}, {"[ANS]", "1"},  {"1", "2"}, {"2", "<eos>"}};
  const nlohmann::json recur_section = {{"task", "addition_calculator"},
                                        {"protocol", recur::testing::calculator_protocol()}};
  ASSERT_TRUE(
      recur::testing::write_scripted_bundle(dir / "m", words, next, recur_section, "<eos>").ok());
  const auto r =
      recur("eval --model " + (dir / "m").string() +
            " --task addition_calculator --lengths 1 --n 12 --out " + (dir / "r.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto row = nlohmann::json::parse(recur::testing::read_file(dir / "r.json"))["rows"][0];
  EXPECT_EQ(row.at("tool_calls_per_problem"), 1.0) << row.dump();
  // Written: [CALL] 4 + 8 [END] [ANS] 1 2 <eos>; observed: [OBSERVATION] 1 2 [END].
  EXPECT_EQ(row.at("tokens_per_problem"), 13.0) << row.dump();
  EXPECT_LT(row.at("accuracy").get<double>(), 1.0) << row.dump();
}

}  // namespace
}  // namespace recur
