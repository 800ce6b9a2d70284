#include "server/http_router.hpp"

#include "server/http_route.hpp"

namespace recur::server {

void Router::Get(const std::string& pattern, Handler handler) {
  add("GET", pattern, std::move(handler));
}
void Router::Post(const std::string& pattern, Handler handler) {
  add("POST", pattern, std::move(handler));
}
void Router::Put(const std::string& pattern, Handler handler) {
  add("PUT", pattern, std::move(handler));
}
void Router::Delete(const std::string& pattern, Handler handler) {
  add("DELETE", pattern, std::move(handler));
}

namespace {

// The pattern as a metrics label: each group "{}", escapes dropped ("/v1/jobs/{}/report.csv").
std::string label_of(const std::string& pattern) {
  std::string label;
  int depth = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '(') {
      if (depth++ == 0) label += "{}";
    } else if (c == ')') {
      --depth;
    } else if (depth == 0) {
      if (c == '\\' && i + 1 < pattern.size()) {
        label += pattern[++i];
      } else if (c == '.' && i + 1 < pattern.size() && pattern[i + 1] == '+') {
        label += '*';
        ++i;
      } else {
        label += c;
      }
    }
  }
  return label;
}

}  // namespace

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back(
      Route{std::move(method), label_of(pattern), std::regex(pattern), std::move(handler)});
}

std::string Router::dispatch(Request& req, Response& res) const {
  // HEAD is GET without the body (the listener leaves it out).
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::string allowed;
  for (const Route& route : routes_) {
    std::smatch m;
    if (!std::regex_match(req.path, m, route.regex)) continue;
    if (route.method != method) {
      if (allowed.find(route.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    req.matches.assign(m.begin(), m.end());
    req.route = route.label;
    route.handler(req, res);
    return route.label;
  }
  if (allowed.empty()) {
    send_error(res, fail(ErrorCode::not_found, "no route " + req.method + " " + req.path));
  } else {
    send_error(res,
               fail(ErrorCode::invalid_argument, "method " + req.method + " is not allowed on " +
                                                     req.path + " (allowed: " + allowed + ")"));
    res.status = 405;
    res.set_header("Allow", allowed);
  }
  return {};
}

}  // namespace recur::server
