#include "daemon/util/digest.hpp"

#include "daemon/util/c_handles.hpp"

#include <array>
#include <stdexcept>

namespace sillok::daemon {

std::string sha256_hex(std::string_view bytes)
{
    EvpMdCtx ctx{EVP_MD_CTX_new()};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1
        || EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1
        || EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex.push_back(k_hex[digest[i] >> 4]);
        hex.push_back(k_hex[digest[i] & 0x0f]);
    }
    return hex;
}

struct Sha256::State {
    EvpMdCtx ctx{EVP_MD_CTX_new()};
};

Sha256::Sha256() : m_state(std::make_unique<State>())
{
    if (!m_state->ctx || EVP_DigestInit_ex(m_state->ctx.get(), EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes)
{
    if (EVP_DigestUpdate(m_state->ctx.get(), bytes.data(), bytes.size()) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
}

std::array<unsigned char, 32> Sha256::finish()
{
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(m_state->ctx.get(), digest.data(), &length) != 1 || length != digest.size()) {
        throw std::runtime_error("OpenSSL SHA-256 failed");
    }
    return digest;
}

} // namespace sillok::daemon
