#include "tests/support/test_tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <stdexcept>

namespace sillok::test::tls {

void check(bool ok, const std::string& what)
{
    if (ok) {
        return;
    }
    std::string detail;
    if (unsigned long code = ERR_get_error(); code != 0) {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        detail = std::string(": ") + text.data();
    }
    ERR_clear_error();
    throw std::runtime_error("test TLS: " + what + detail);
}

EvpPkey make_key()
{
    EvpPkey key(EVP_EC_gen("P-256"));
    check(key != nullptr, "cannot generate an EC key");
    return key;
}

X509Cert make_certificate(const std::string& common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                          const std::vector<Extension>& extensions)
{
    X509Cert cert(X509_new());
    check(cert != nullptr, "X509_new failed");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "cannot set the certificate version");

    // A random serial keeps certificates of successive servers distinct for any client cache.
    Bignum serial(BN_new());
    check(serial != nullptr && BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
          "cannot draw a serial number");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
          "cannot set the serial number");

    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "cannot set notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) != nullptr, "cannot set notAfter");
    check(X509_set_pubkey(cert.get(), key) == 1, "cannot set the public key");

    X509_NAME* subject = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0)
              == 1,
          "cannot set the subject name");
    check(X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject) == 1,
          "cannot set the issuer name");

    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& extension : extensions) {
        X509Extension made(X509V3_EXT_conf_nid(nullptr, &context, extension.nid, extension.value.c_str()));
        check(made != nullptr, "cannot build extension " + extension.value);
        check(X509_add_ext(cert.get(), made.get(), -1) == 1, "cannot add extension " + extension.value);
    }

    check(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0,
          "cannot sign the certificate");
    return cert;
}

void write_pem(const std::filesystem::path& path, X509* cert)
{
    Bio out(BIO_new_file(path.c_str(), "w"));
    check(out != nullptr, "cannot create " + path.string());
    check(PEM_write_bio_X509(out.get(), cert) == 1, "cannot write " + path.string());
}

} // namespace sillok::test::tls
