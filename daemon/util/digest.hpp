#pragma once
#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace sillok::daemon {

// SHA-256 of bytes, as 64 lowercase hex digits (OpenSSL EVP).
std::string sha256_hex(std::string_view bytes);

// SHA-256 fed piece by piece (OpenSSL EVP).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(std::string_view bytes);
    std::array<unsigned char, 32> finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace sillok::daemon
