#pragma once
// Throwaway keys and certificates for the tests' TLS servers (OpenSSL), and the RAII
// owners of their handles.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sillok::test::tls {

struct EvpPkeyDeleter {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Deleter {
    void operator()(X509* p) const { X509_free(p); }
};
struct X509ExtensionDeleter {
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BioDeleter {
    void operator()(BIO* p) const { BIO_free_all(p); }
};
struct BignumDeleter {
    void operator()(BIGNUM* p) const { BN_free(p); }
};

using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Cert = std::unique_ptr<X509, X509Deleter>;
using X509Extension = std::unique_ptr<X509_EXTENSION, X509ExtensionDeleter>;
using Bio = std::unique_ptr<BIO, BioDeleter>;
using Bignum = std::unique_ptr<BIGNUM, BignumDeleter>;

// Throws std::runtime_error with what, and OpenSSL's last error, unless ok.
void check(bool ok, const std::string& what);

// A fresh EC P-256 key.
EvpPkey make_key();

struct Extension {
    int nid;
    std::string value;
};

// A certificate for key named common_name, signed by issuer (self-signed when null).
X509Cert make_certificate(const std::string& common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                          const std::vector<Extension>& extensions);

void write_pem(const std::filesystem::path& path, X509* cert);

} // namespace sillok::test::tls
