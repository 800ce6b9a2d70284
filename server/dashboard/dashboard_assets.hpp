// The dashboard's files, compiled into the server so that `recur serve` reads nothing from disk to
// show it. The source that defines find_dashboard_asset() is generated at build time from
// server/dashboard/ and the charting library's package by server/dashboard/embed_assets.cmake.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace recur::server {

// One embedded file: its bytes, the Content-Type to serve them with, and an entity tag (quoted,
// from a hash of the bytes) for conditional requests.
struct DashboardAsset {
  std::string_view bytes;
  std::string_view content_type;
  std::string_view etag;
};

// The file served at `path` ("/", "/dashboard/app.js", ...); nullopt for every other path.
std::optional<DashboardAsset> find_dashboard_asset(std::string_view path);

// The path of every embedded file, "/" first.
std::vector<std::string_view> dashboard_asset_paths();

}  // namespace recur::server
