#pragma once
#include <string>
#include <string_view>

namespace sillok::daemon {

// SHA-256 of bytes, as 64 lowercase hex digits (OpenSSL EVP).
std::string sha256_hex(std::string_view bytes);

} // namespace sillok::daemon
