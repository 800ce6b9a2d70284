#include "model/tokenizer/tokenizer.hpp"

#include <exception>
#include <fstream>
#include <iterator>

#include "model/tokenizer/added_vocabulary.hpp"
#include "model/tokenizer/bpe.hpp"
#include "model/tokenizer/byte_level.hpp"
#include "model/tokenizer/normalizer.hpp"
#include "model/tokenizer/pre_tokenizer.hpp"
#include "model/tokenizer/tokenizer_json.hpp"
#include "model/tokenizer/unicode.hpp"
#include "model/tokenizer/word_level.hpp"

namespace recur {
namespace {

// How ids turn back into text: Hugging Face joins the tokens with spaces when there is no decoder.
enum class Decoder { join_with_spaces, byte_level };

}  // namespace

struct Tokenizer::Impl {
  std::unique_ptr<TokenizerModel> model;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  AddedVocabulary added;
  Decoder decoder = Decoder::join_with_spaces;
};

namespace {

using tokenizer_json::Field;

Result<std::unique_ptr<TokenizerModel>> parse_model(const Field& model) {
  auto type = model.type();
  if (!type) return type.error();
  if (*type == "BPE") {
    auto bpe = Bpe::parse(model);
    if (!bpe) return bpe.error();
    return std::unique_ptr<TokenizerModel>(std::move(*bpe));
  }
  if (*type == "WordLevel") {
    auto word_level = WordLevel::parse(model);
    if (!word_level) return word_level.error();
    return std::unique_ptr<TokenizerModel>(std::move(*word_level));
  }
  return model["type"].unsupported("WordLevel, BPE");
}

// Post-processors only matter when they add tokens; ByteLevel's changes offsets alone.
Status check_post_processor(const Field& field) {
  if (field.missing()) return Status::success();
  auto type = field.type();
  if (!type) return type.error();
  if (*type == "ByteLevel") return Status::success();
  if (*type == "Sequence") {
    const auto list = field["processors"];
    if (list.missing() || !list.json().is_array()) return list.error("must be a list");
    for (std::size_t i = 0; i < list.json().size(); ++i) {
      auto item_type = list[i].type();
      if (!item_type) return item_type.error();
      if (*item_type != "ByteLevel") return list[i]["type"].unsupported("ByteLevel");
    }
    return Status::success();
  }
  return field["type"].unsupported("ByteLevel (post-processors that add tokens are not)");
}

Result<Decoder> parse_decoder(const Field& field) {
  if (field.missing()) return Decoder::join_with_spaces;
  auto type = field.type();
  if (!type) return type.error();
  if (*type == "ByteLevel") return Decoder::byte_level;
  return field["type"].unsupported("ByteLevel");
}

Result<Tokenizer::Impl> parse_impl(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) return fail(ErrorCode::invalid_argument, source + ": not a JSON object");
  const Field root(json, source);
  if (const auto version = root["version"]; !version.missing()) {
    if (!version.json().is_string() || version.json().get<std::string>() != "1.0") {
      return version.unsupported("\"1.0\"");
    }
  }
  for (const char* setting : {"truncation", "padding"}) {
    if (const auto field = root[setting]; !field.missing()) {
      return field.error("is set; recur encodes without " + std::string(setting) + " (use null)");
    }
  }
  Tokenizer::Impl impl;
  auto model = parse_model(root["model"]);
  if (!model) return model.error();
  impl.model = std::move(*model);
  auto normalizer = Normalizer::parse(root["normalizer"]);
  if (!normalizer) return normalizer.error();
  impl.normalizer = *normalizer;
  auto pre_tokenizer = PreTokenizer::parse(root["pre_tokenizer"]);
  if (!pre_tokenizer) return pre_tokenizer.error();
  impl.pre_tokenizer = std::move(*pre_tokenizer);
  if (Status s = check_post_processor(root["post_processor"]); !s) return s.error();
  auto decoder = parse_decoder(root["decoder"]);
  if (!decoder) return decoder.error();
  impl.decoder = *decoder;
  auto added = AddedVocabulary::parse(root["added_tokens"], impl.model->vocab(), impl.normalizer);
  if (!added) return added.error();
  impl.added = std::move(*added);
  return impl;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Result<Tokenizer> Tokenizer::load(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    return fail(ErrorCode::invalid_argument, source + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(std::filesystem::exists(path, error) ? ErrorCode::io : ErrorCode::not_found,
                source + ": cannot open");
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    return fail(ErrorCode::io, source + ": cannot read: " + e.what());
  }
  if (in.bad()) return fail(ErrorCode::io, source + ": cannot read");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return fail(ErrorCode::invalid_argument, source + ": not valid JSON: " + e.what());
  }
  return parse(json, source);
}

Result<Tokenizer> Tokenizer::parse(const nlohmann::json& json, const std::string& source) {
  try {
    auto impl = parse_impl(json, source);
    if (!impl) return impl.error();
    return Tokenizer(std::make_unique<Impl>(std::move(*impl)));
  } catch (const std::exception& e) {
    return fail(ErrorCode::invalid_argument, source + ": " + e.what());
  }
}

Result<std::vector<TokenId>> Tokenizer::encode(std::string_view text) const {
  if (auto offset = unicode::find_invalid_utf8(text)) {
    return fail(ErrorCode::invalid_argument,
                "encode: text is not valid UTF-8 at byte offset " + std::to_string(*offset));
  }
  try {
    std::vector<TokenId> ids;
    for (const auto& piece : impl_->added.split(text, impl_->normalizer)) {
      if (piece.id) {
        ids.push_back(*piece.id);
        continue;
      }
      for (const std::string& word : impl_->pre_tokenizer.split(piece.text)) {
        if (Status s = impl_->model->tokenize(word, ids); !s) return s.error().context("encode");
      }
    }
    return ids;
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, std::string("encode: ") + e.what());
  }
}

Result<std::string> Tokenizer::decode(std::span<const TokenId> ids,
                                      bool skip_special_tokens) const {
  try {
    std::vector<std::string_view> tokens;
    tokens.reserve(ids.size());
    for (TokenId id : ids) {
      const std::string* token = impl_->added.content(id);
      if (token == nullptr) token = impl_->model->vocab().token(id);
      if (token == nullptr) {
        return fail(ErrorCode::invalid_argument, "decode: id " + std::to_string(id) +
                                                     " is not in the vocabulary (" +
                                                     std::to_string(vocab_size()) + " tokens)");
      }
      if (skip_special_tokens && impl_->added.is_special(*token)) continue;
      tokens.push_back(*token);
    }
    if (impl_->decoder == Decoder::byte_level) return decode_byte_level(tokens);
    std::string text;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) text += ' ';
      text += tokens[i];
    }
    return text;
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, std::string("decode: ") + e.what());
  }
}

std::size_t Tokenizer::vocab_size() const {
  const Vocab& vocab = impl_->model->vocab();
  return vocab.size() + impl_->added.count_outside(vocab);
}

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = impl_->added.id(token)) return id;
  return impl_->model->vocab().id(token);
}

std::optional<std::string> Tokenizer::id_to_token(TokenId id) const {
  const std::string* token = impl_->added.content(id);
  if (token == nullptr) token = impl_->model->vocab().token(id);
  if (token == nullptr) return std::nullopt;
  return *token;
}

bool Tokenizer::is_special(TokenId id) const {
  const auto token = id_to_token(id);
  return token && impl_->added.is_special(*token);
}

}  // namespace recur
