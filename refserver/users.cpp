#include "refserver/users.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace streamcheck {

std::optional<Account> Users::parse(std::string_view spec) {
  auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  Account a{std::string(spec.substr(0, colon)), std::string(spec.substr(colon + 1))};
  auto bad = [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '@' || c == '/' || c == ' ';
  };
  if (std::any_of(a.name.begin(), a.name.end(), bad) ||
      std::any_of(a.password.begin(), a.password.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return std::nullopt;
  return a;
}

Account Users::generate() {
  static constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  unsigned char random[20];
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string password;
  for (unsigned char r : random) password.push_back(kAlphabet[r % (sizeof kAlphabet - 1)]);
  return {"streamcheck", password};
}

bool Users::check(std::string_view name, std::string_view password) const {
  bool ok = false;
  for (const auto& a : accounts_) {
    if (a.name != name) continue;
    ok |= a.password.size() == password.size() &&
          CRYPTO_memcmp(a.password.data(), password.data(), password.size()) == 0;
  }
  return ok;
}

bool Users::has_user(std::string_view name) const {
  return std::any_of(accounts_.begin(), accounts_.end(),
                     [&](const Account& a) { return a.name == name; });
}

}  // namespace streamcheck
