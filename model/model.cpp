#include "model/model.hpp"

namespace recur {

Result<std::shared_ptr<const Model>> Model::load(const std::filesystem::path& dir,
                                                 WeightFormat format) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail(
        std::filesystem::exists(dir, ec) ? ErrorCode::invalid_argument : ErrorCode::not_found,
        dir.string() + ": not a model directory");
  auto config = load_config(dir / "config.json");
  if (!config) return config.error();
  auto file = SafetensorsFile::open(dir / "model.safetensors");
  if (!file) return file.error();
  auto weights =
      load_weights(std::make_shared<const SafetensorsFile>(std::move(*file)), *config, format);
  if (!weights) return weights.error();
  return from_parts(std::move(*config), std::move(*weights), dir);
}

std::shared_ptr<const Model> Model::from_parts(MambaConfig config, MambaWeights weights,
                                               std::filesystem::path dir) {
  return std::shared_ptr<const Model>(
      new Model(std::move(config), std::move(weights), std::move(dir)));
}

}  // namespace recur
