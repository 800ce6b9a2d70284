// The dashboard's routes: GET / and the page's files under /dashboard/, all compiled into the
// server (server/dashboard/), never read from disk. They need no token: the page holds no data, and
// the API calls it makes carry the token its user gives.
#include <string>

#include "server/dashboard/dashboard_assets.hpp"
#include "server/http_route.hpp"

namespace recur::server {
namespace {

// Scripts, styles and requests go to this server only; images too, and blob: URLs, which the page
// makes of the plots it fetched with its token. No inline scripts or styles, no frames, no forms
// that leave the page.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// True when the If-None-Match header `header` names `etag` (or is "*").
bool matches_etag(const std::string& header, std::string_view etag) {
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(',', at);
    if (end == std::string::npos) end = header.size();
    std::string_view tag(header.data() + at, end - at);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag || tag == "*") return true;
    at = end + 1;
  }
  return false;
}

void serve_asset(const Request& req, Response& res) {
  const auto asset = find_dashboard_asset(req.path);
  if (!asset) return send_error(res, fail(ErrorCode::not_found, "no dashboard file " + req.path));
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", std::string(asset->etag));
  if (matches_etag(req.get_header_value("If-None-Match"), asset->etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(asset->bytes.data(), asset->bytes.size(), std::string(asset->content_type));
}

}  // namespace

// One route per embedded file, by its exact path: no pattern reaches past them.
void add_dashboard_routes(HttpServer::Impl&, Router& http) {
  for (std::string_view path : dashboard_asset_paths()) http.Get(std::string(path), serve_asset);
}

}  // namespace recur::server
