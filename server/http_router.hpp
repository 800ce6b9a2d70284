// The service's routes: a method and a pattern over the request's path (a regular expression that
// must match all of it; its groups become Request::matches) to a handler. The first route whose
// pattern matches answers (HEAD is answered by the GET route); a path that some route matches with
// another method is refused with 405 and the methods it allows, any other with 404.
#pragma once

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "server/http_message.hpp"

namespace recur::server {

using Handler = std::function<void(const Request&, Response&)>;

class Router {
 public:
  void Get(const std::string& pattern, Handler handler);
  void Post(const std::string& pattern, Handler handler);
  void Put(const std::string& pattern, Handler handler);
  void Delete(const std::string& pattern, Handler handler);

  // Answers `req` (its matches set by the route). Returns the label of the route that answered,
  // its pattern with "{}" for each group ("/v1/jobs/{}"), so that ids in paths do not each make
  // one; "" when none did (404, 405).
  std::string dispatch(Request& req, Response& res) const;

 private:
  struct Route {
    std::string method;
    std::string label;
    std::regex regex;
    Handler handler;
  };
  void add(std::string method, const std::string& pattern, Handler handler);
  std::vector<Route> routes_;
};

}  // namespace recur::server
