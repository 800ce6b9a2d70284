#include "server/cluster_certificates.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

namespace recur::server {
namespace {

namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

constexpr long kValidSeconds = 10L * 365 * 24 * 3600;

// OpenSSL's queued errors as one line (empty when none).
std::string ssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Error ssl_fail(const std::string& what) {
  const std::string why = ssl_errors();
  return fail(ErrorCode::internal, what + (why.empty() ? "" : ": " + why));
}

Result<KeyPtr> new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return ssl_fail("cannot make an ECDSA P-256 key");
  return key;
}

Status add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return ssl_fail(std::string("certificate extension ") + OBJ_nid2sn(nid));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return ssl_fail(std::string("certificate extension ") + OBJ_nid2sn(nid));
  return {};
}

// A certificate named `name` for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
Result<CertPtr> new_certificate(const std::string& name, EVP_PKEY* key, X509* issuer,
                                EVP_PKEY* issuer_key, bool ca) {
  CertPtr cert(X509_new());
  if (!cert) return ssl_fail("cannot make a certificate");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return ssl_fail("no random serial number");
  serial[0] &= 0x7f;  // a positive number
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  if (!serial_ok) return ssl_fail("certificate serial number");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_set_version(cert.get(), 2) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidSeconds) ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("recur cluster"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1)
    return ssl_fail("certificate of " + name);
  X509* signer = issuer ? issuer : cert.get();
  const std::string san = "DNS:" + name;
  for (auto [nid, value] : std::initializer_list<std::pair<int, const char*>>{
           {NID_basic_constraints, ca ? "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE"},
           {NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature"},
           {NID_subject_key_identifier, "hash"},
           {NID_authority_key_identifier, "keyid:always"}})
    if (auto s = add_extension(cert.get(), signer, nid, value); !s) return s.error();
  if (!ca) {
    if (auto s = add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth"); !s)
      return s.error();
    if (auto s = add_extension(cert.get(), signer, NID_subject_alt_name, san.c_str()); !s)
      return s.error();
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    return ssl_fail("signing the certificate of " + name);
  return cert;
}

// Writes `text` to a new file `path` with `mode`; an existing file is an error.
Status write_new(const fs::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return fail(ErrorCode::already_exists, path.string() +
                                               ": cannot create (it exists, or the "
                                               "directory is not writable)");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return fail(ErrorCode::internal, path.string() + ": write failed");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return fail(ErrorCode::internal, path.string() + ": write failed");
  return {};
}

Result<std::string> pem_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return ssl_fail("PEM of a certificate");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> pem_of(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return ssl_fail("PEM of a key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// Writes `name`.pem and `name`.key into `out`.
Status write_member(const fs::path& out, const std::string& name, X509* cert, EVP_PKEY* key,
                    std::vector<fs::path>& written) {
  auto cert_pem = pem_of(cert);
  if (!cert_pem) return cert_pem.error();
  auto key_pem = pem_of(key);
  if (!key_pem) return key_pem.error();
  const fs::path cert_file = out / (name + ".pem"), key_file = out / (name + ".key");
  if (auto s = write_new(key_file, *key_pem, 0600); !s) return s;
  written.push_back(key_file);
  if (auto s = write_new(cert_file, *cert_pem, 0644); !s) return s;
  written.push_back(cert_file);
  return {};
}

Result<CertPtr> read_certificate(const fs::path& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return fail(ErrorCode::not_found, path.string() + ": cannot read the certificate");
  }
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return fail(ErrorCode::invalid_argument, path.string() + ": not a PEM certificate");
  }
  return cert;
}

// The passphrase callback of a key read: records that the key asked for one, and gives none.
int no_passphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

}  // namespace

Result<std::vector<fs::path>> init_cluster(const fs::path& out, std::size_t nodes) {
  if (nodes == 0 || nodes > 10000)
    return fail(ErrorCode::invalid_argument, "--nodes: give a number from 1 to 10000");
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return fail(ErrorCode::invalid_argument, out.string() + ": " + ec.message());
  if (fs::exists(out / "ca.pem", ec))
    return fail(
        ErrorCode::already_exists,
        (out / "ca.pem").string() + " exists: a cluster is there already (use another --out)");
  std::vector<fs::path> written;
  auto ca_key = new_key();
  if (!ca_key) return ca_key.error();
  auto ca = new_certificate("recur cluster CA", ca_key->get(), nullptr, ca_key->get(), true);
  if (!ca) return ca.error();
  auto ca_key_pem = pem_of(ca_key->get());
  if (!ca_key_pem) return ca_key_pem.error();
  if (auto s = write_new(out / "ca.key", *ca_key_pem, 0600); !s) return s.error();
  written.push_back(out / "ca.key");
  std::vector<std::string> names{"coordinator"};
  for (std::size_t k = 1; k <= nodes; ++k) names.push_back("node-" + std::to_string(k));
  for (const auto& name : names) {
    auto key = new_key();
    if (!key) return key.error();
    auto cert = new_certificate(name, key->get(), ca->get(), ca_key->get(), false);
    if (!cert) return cert.error();
    if (auto s = write_member(out, name, cert->get(), key->get(), written); !s) return s.error();
  }
  // The CA certificate last: its presence marks a whole cluster directory.
  auto ca_pem = pem_of(ca->get());
  if (!ca_pem) return ca_pem.error();
  if (auto s = write_new(out / "ca.pem", *ca_pem, 0644); !s) return s.error();
  written.push_back(out / "ca.pem");
  return written;
}

MemberFiles member_files(const fs::path& dir, const std::string& name) {
  return {dir / "ca.pem", dir / (name + ".pem"), dir / (name + ".key")};
}

Result<MemberFiles> check_member_identity(const fs::path& dir, const std::string& name) {
  MemberFiles files = member_files(dir, name);
  auto ca = read_certificate(files.ca);
  if (!ca) return ca.error();
  auto cert = read_certificate(files.certificate);
  if (!cert) return cert.error();
  BioPtr bio(BIO_new_file(files.key.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return fail(ErrorCode::not_found, files.key.string() + ": cannot read the key");
  }
  bool asked = false;
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, &asked));
  ERR_clear_error();
  if (!key && asked)
    return fail(
        ErrorCode::invalid_argument,
        files.key.string() + ": the key is encrypted; give the member an unencrypted key (0600)");
  if (!key) return fail(ErrorCode::invalid_argument, files.key.string() + ": not a PEM key");
  if (X509_check_private_key(cert->get(), key.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::invalid_argument,
                files.key.string() + ": the key does not belong to " + files.certificate.string());
  }
  std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>> ctx(
      X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1)
    return ssl_fail("checking " + files.certificate.string());
  if (X509_verify_cert(ctx.get()) != 1) {
    const std::string why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return fail(ErrorCode::permission_denied, files.certificate.string() +
                                                  ": not a certificate of the cluster CA " +
                                                  files.ca.string() + " (" + why + ")");
  }
  return files;
}

}  // namespace recur::server
