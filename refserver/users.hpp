// The accounts that may write (HTTP Basic and FTP USER/PASS share them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamcheck {

struct Account {
  std::string name;
  std::string password;
};

class Users {
 public:
  // "NAME:PASSWORD" (the password may contain ':'); nullopt when the name is empty or
  // has characters that cannot travel in a URL userinfo or an FTP USER line.
  static std::optional<Account> parse(std::string_view spec);
  // A fresh account "streamcheck" with 20 random URL-safe characters of password.
  static Account generate();

  void add(Account account) { accounts_.push_back(std::move(account)); }
  bool empty() const { return accounts_.empty(); }
  // The first account: the one the ready line advertises.
  const Account& first() const { return accounts_.front(); }
  // Constant-time in the password, so a timing probe learns nothing of it.
  bool check(std::string_view name, std::string_view password) const;
  bool has_user(std::string_view name) const;

 private:
  std::vector<Account> accounts_;
};

}  // namespace streamcheck
