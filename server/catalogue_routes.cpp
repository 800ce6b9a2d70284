// The routes of what the service offers: health and readiness, models, pipelines, tools and tool
// calls.
#include "server/http_route.hpp"

namespace recur::server {

void add_catalogue_routes(HttpServer::Impl& impl, Router& http) {
  Service& service = impl.service;
  http.Get("/healthz", [](const Request&, Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  http.Get("/readyz", [&service](const Request&, Response& res) {
    if (service.draining())
      return send_error(res, fail(ErrorCode::unavailable, "the service is stopping"));
    send_json(res, 200, {{"status", "ready"}});
  });
  http.Get("/v1/models", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             Json data = Json::array();
             for (const auto& name : service.models())
               data.push_back({{"id", name}, {"object", "model"}, {"owned_by", "recur"}});
             send_json(res, 200, {{"object", "list"}, {"data", data}});
             return {};
           }));
  http.Get("/v1/pipelines", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             send_json(res, 200, {{"pipelines", service.pipelines()}});
             return {};
           }));
  http.Get("/v1/tools", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             Json tools = Json::array();
             for (const auto& d : service.runtime().tools().list()) tools.push_back(d.to_json());
             send_json(res, 200, {{"tools", tools}});
             return {};
           }));
  http.Post(R"(/v1/tools/([^/]+)/call)",
            route(impl, Role::submit, [&](const Request& req, Response& res) -> Status {
              auto body = parse_body(req);
              if (!body) return body.error();
              if (!body->is_object())
                return fail(ErrorCode::invalid_argument, "the body must be the tool's arguments");
              tools::CallContext context;
              context.scope = "http";
              context.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
              auto result = service.runtime().tools().call(
                  tools::ToolCall{"http", req.matches[1], *body}, context);
              if (!result) return result.error();
              send_json(res, 200, result->to_json());
              return {};
            }));
}

}  // namespace recur::server
