#include "server/http_route.hpp"

namespace recur::server {

// MCP over Streamable HTTP (`POST /mcp`, `DELETE /mcp`): recur's tools for MCP clients. A request
// whose Origin is not the server it came to is refused, so a web page cannot reach the tools
// through a browser on this machine.
void add_mcp_routes(HttpServer::Impl& impl, Router& http) {
  impl.mcp = std::make_unique<McpServer>(impl.service.runtime().tools());
  impl.mcp_http = std::make_unique<McpHttpEndpoint>(*impl.mcp);
  auto handler = route(impl, Role::submit, [&impl](const Request& req, Response& res) -> Status {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) {
      const std::string host = req.get_header_value("Host");
      if (origin != "http://" + host && origin != "https://" + host)
        return fail(ErrorCode::permission_denied,
                    "MCP: requests from the origin '" + origin + "' are refused");
    }
    McpHttpRequest in{req.method,
                      req.get_header_value("Accept"),
                      req.get_header_value("Content-Type"),
                      req.get_header_value("Mcp-Session-Id"),
                      req.get_header_value("MCP-Protocol-Version"),
                      req.body};
    McpHttpResponse out = impl.mcp_http->handle(in);
    res.status = out.status;
    std::string type;
    for (const auto& [name, value] : out.headers) {
      if (name == "Content-Type")
        type = value;
      else
        res.set_header(name, value);
    }
    if (!out.body.empty() || !type.empty())
      res.set_content(out.body, type.empty() ? "text/plain" : type);
    return {};
  });
  http.Post("/mcp", handler);
  http.Delete("/mcp", handler);
  http.Get("/mcp", handler);
}

}  // namespace recur::server
