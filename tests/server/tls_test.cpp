// HTTPS: the server with a certificate and key answers a client that verifies it against that
// certificate; a plain-HTTP request to it gets no answer, and unusable TLS files are refused.
#include <gtest/gtest.h>
#include <httplib.h>

#include "server/http_server.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    // A self-signed certificate for 127.0.0.1, made by the openssl command.
    const auto made = recur::testing::run_program(
        "/usr/bin/openssl",
        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
        dir_.path());
    ASSERT_EQ(made.status, 0) << made.err;
    ServiceOptions options;
    options.store_dir = dir_ / "store";
    auto service = Service::open(options);
    ASSERT_TRUE(service.ok()) << service.error().message;
    service_ = std::move(*service);
  }
  void TearDown() override {
    server_.reset();
    service_.reset();
  }

  recur::testing::TempDir dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(Tls, AVerifyingClientIsServedOverHttps) {
  HttpOptions http;
  http.tls_cert = dir_ / "cert.pem";
  http.tls_key = dir_ / "key.pem";
  auto server = HttpServer::start(*service_, http);
  ASSERT_TRUE(server.ok()) << server.error().message;
  server_ = std::move(*server);

  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path((dir_ / "cert.pem").c_str());
  client.enable_server_certificate_verification(true);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(Json::parse(health->body)["status"], "ok");
  // A second request on the same connection, then a POST with a body.
  auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  auto bad = client.Post("/v1/jobs", "{", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);

  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(std::chrono::seconds(20));
  auto refused = plain.Get("/healthz");
  EXPECT_FALSE(refused && refused->status == 200) << "plain HTTP was served on the TLS port";
}

TEST_F(Tls, UnusableFilesAreRefusedNamingThem) {
  dir_.write("garbage.pem", "not a certificate");
  HttpOptions http;
  http.tls_cert = dir_ / "garbage.pem";
  http.tls_key = dir_ / "key.pem";
  auto server = HttpServer::start(*service_, http);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(server.error().message.find("garbage.pem"), std::string::npos)
      << server.error().message;
  http.tls_key.clear();
  server = HttpServer::start(*service_, http);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("both a certificate and a key"), std::string::npos);
}

}  // namespace
}  // namespace recur::server
