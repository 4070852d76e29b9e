// ObjectPath: normalization and rejection of client paths; Status and its codes.
#include "refserver/store/object_path.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

#include "refserver/store/status.hpp"

namespace streamcheck::store {
namespace {

std::string rel(std::string_view client_path) {
  auto path = ObjectPath::parse(client_path);
  EXPECT_TRUE(path.ok()) << client_path << ": " << path.status().to_string();
  return path ? path->relative() : "<error>";
}

Errc code_of(std::string_view client_path) {
  return ObjectPath::parse(client_path).status().code();
}

TEST(ObjectPathTest, RootForms) {
  EXPECT_EQ(rel(""), "");
  EXPECT_EQ(rel("/"), "");
  EXPECT_EQ(rel("//"), "");
  EXPECT_EQ(rel("/./."), "");
  EXPECT_EQ(rel("a/.."), "");
  EXPECT_TRUE(ObjectPath::parse("/")->is_root());
  EXPECT_EQ(ObjectPath::root().absolute(), "/");
  EXPECT_EQ(ObjectPath::parse("/")->absolute(), "/");
}

TEST(ObjectPathTest, FoldsEmptyAndDotSegments) {
  EXPECT_EQ(rel("a//b/./c"), "a/b/c");
  EXPECT_EQ(rel("/a//b/./c/"), "a/b/c");
  EXPECT_EQ(rel("./a/./"), "a");
  EXPECT_EQ(rel("a/b/c"), "a/b/c");
  EXPECT_EQ(ObjectPath::parse("a//b/./c")->absolute(), "/a/b/c");
}

TEST(ObjectPathTest, DotDotPopsWithinTheRoot) {
  EXPECT_EQ(rel("a/../b"), "b");
  EXPECT_EQ(rel("a/b/../../c"), "c");
  EXPECT_EQ(rel("a/b/.."), "a");
  // "..." and "..x" are ordinary names.
  EXPECT_EQ(rel("..."), "...");
  EXPECT_EQ(rel("..x/x.."), "..x/x..");
}

TEST(ObjectPathTest, RejectsTraversalAboveTheRoot) {
  EXPECT_EQ(code_of(".."), Errc::invalid_path);
  EXPECT_EQ(code_of("../x"), Errc::invalid_path);
  EXPECT_EQ(code_of("/../x"), Errc::invalid_path);
  EXPECT_EQ(code_of("a/../../b"), Errc::invalid_path);
  EXPECT_EQ(code_of("a/./../.."), Errc::invalid_path);
  EXPECT_EQ(code_of("a/b/../../../etc/passwd"), Errc::invalid_path);
}

TEST(ObjectPathTest, AbsolutePathsMapUnderTheRoot) {
  EXPECT_EQ(rel("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(ObjectPath::parse("/etc/passwd")->absolute(), "/etc/passwd");
  EXPECT_EQ(rel("///etc//passwd"), "etc/passwd");
}

TEST(ObjectPathTest, RejectsNulAndControlCharacters) {
  using namespace std::string_literals;
  EXPECT_EQ(code_of("a\0b"s), Errc::invalid_path);
  EXPECT_EQ(code_of("\0"s), Errc::invalid_path);
  EXPECT_EQ(code_of("a/b\0/../c"s), Errc::invalid_path);
  for (int c = 1; c < 0x20; ++c) {
    std::string path = "dir/x";
    path.push_back(static_cast<char>(c));
    EXPECT_EQ(code_of(path), Errc::invalid_path) << "byte " << c;
  }
  EXPECT_EQ(code_of("a\x7f"), Errc::invalid_path);
  EXPECT_EQ(code_of("a\r\nDELE x"), Errc::invalid_path);
  // The message shows the bytes escaped, never raw.
  const Status st = ObjectPath::parse("a\nb").status();
  EXPECT_EQ(st.message().find('\n'), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("\\x0a"), std::string::npos) << st.message();
}

TEST(ObjectPathTest, AcceptsValidUtf8) {
  EXPECT_EQ(rel("caf\xc3\xa9/\xe2\x82\xac.txt"), "caf\xc3\xa9/\xe2\x82\xac.txt");  // é €
  EXPECT_EQ(rel("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");                          // U+1F600
  EXPECT_EQ(rel("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");                          // U+10FFFF
  EXPECT_EQ(rel("\xc2\x80"), "\xc2\x80");  // U+0080: only C0 and DEL are control here
}

TEST(ObjectPathTest, RejectsInvalidUtf8) {
  for (const char* bad : {
           "\x80",              // lone continuation byte
           "a\xbf",             // lone continuation byte
           "\xc3",              // truncated 2-byte sequence
           "\xc3/x",            // lead byte followed by '/'
           "\xe2\x82",          // truncated 3-byte sequence
           "\xc0\xaf",          // overlong '/'
           "\xc1\xbf",          // overlong
           "\xe0\x80\xaf",      // overlong '/'
           "\xf0\x80\x80\xaf",  // overlong '/'
           "\xed\xa0\x80",      // UTF-16 surrogate U+D800
           "\xf4\x90\x80\x80",  // above U+10FFFF
           "\xf5\x80\x80\x80",  // invalid lead byte
           "\xff",              // invalid byte
       }) {
    EXPECT_EQ(code_of(bad), Errc::invalid_path)
        << "input of " << std::string(bad).size() << " bytes";
  }
}

TEST(ObjectPathTest, RejectsOverLongComponentAndPath) {
  EXPECT_EQ(rel(std::string(255, 'x')), std::string(255, 'x'));
  EXPECT_EQ(code_of(std::string(256, 'x')), Errc::name_too_long);
  EXPECT_EQ(code_of("a/" + std::string(256, 'x') + "/b"), Errc::name_too_long);
  // A too-long component is refused even when a later ".." would pop it.
  EXPECT_EQ(code_of(std::string(256, 'x') + "/.."), Errc::name_too_long);

  // 17 components of 240 bytes and 16 slashes: exactly 4096 bytes, the limit.
  std::string path;
  for (int i = 0; i < 17; ++i) {
    if (i > 0) path.push_back('/');
    path.append(240, static_cast<char>('a' + i));
  }
  ASSERT_EQ(path.size(), 4096u);
  EXPECT_EQ(rel(path).size(), 4096u);
  EXPECT_EQ(rel("/" + path + "/").size(), 4096u);
  EXPECT_EQ(rel(path + "/q/..").size(), 4096u);
  EXPECT_EQ(code_of(path + "x"), Errc::name_too_long);
  EXPECT_EQ(code_of(path + "/q"), Errc::name_too_long);
  // Input longer than 4096 bytes that folds to something short is fine.
  EXPECT_EQ(rel(std::string(10000, '/') + "a"), "a");
}

TEST(ObjectPathTest, StagingAreaIsNotAddressable) {
  EXPECT_EQ(code_of(".staging"), Errc::not_found);
  EXPECT_EQ(code_of("/.staging"), Errc::not_found);
  EXPECT_EQ(code_of("/.staging/x.part"), Errc::not_found);
  EXPECT_EQ(code_of("./.staging/"), Errc::not_found);
  EXPECT_EQ(code_of("a/../.staging/x"), Errc::not_found);
  EXPECT_EQ(ObjectPath::root().child(".staging").status().code(), Errc::not_found);
  // Only as the first component: deeper it is an ordinary name.
  EXPECT_EQ(rel("a/.staging"), "a/.staging");
  EXPECT_EQ(rel(".staging2"), ".staging2");
}

TEST(ObjectPathTest, NameParentChild) {
  const ObjectPath p = *ObjectPath::parse("a/b/c.bin");
  EXPECT_EQ(p.name(), "c.bin");
  EXPECT_EQ(p.parent().relative(), "a/b");
  EXPECT_EQ(p.parent().parent().relative(), "a");
  EXPECT_TRUE(p.parent().parent().parent().is_root());
  EXPECT_TRUE(ObjectPath::root().parent().is_root());
  EXPECT_EQ(ObjectPath::root().name(), "");
  EXPECT_EQ(ObjectPath::parse("top")->name(), "top");
  EXPECT_TRUE(ObjectPath::parse("top")->parent().is_root());

  EXPECT_EQ(p.parent().child("d")->relative(), "a/b/d");
  EXPECT_EQ(ObjectPath::root().child("x")->relative(), "x");
  EXPECT_EQ(*p.parent().child("c.bin"), p);
  // A child is exactly one more component.
  EXPECT_EQ(p.child("").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child(".").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child("..").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child("x/y").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child("../../../etc").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child("x\ny").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child("\xff").status().code(), Errc::invalid_path);
  EXPECT_EQ(p.child(std::string(256, 'n')).status().code(), Errc::name_too_long);
}

TEST(StatusTest, OkAndErrors) {
  const Status ok;
  EXPECT_TRUE(ok.is_ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(ok.to_string(), "ok");
  const Status err(Errc::not_found, "open(a/b): No such file or directory");
  EXPECT_FALSE(err.is_ok());
  EXPECT_EQ(err.to_string(), "not_found: open(a/b): No such file or directory");

  Result<int> value(7);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  EXPECT_TRUE(value.status().is_ok());
  Result<int> failed(err);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Errc::not_found);
}

TEST(StatusTest, FromErrnoNamesCallAndPath) {
  const Status st = Status::from_errno(ENOSPC, "renameat", ".staging/3f2a.part -> a/b.bin");
  EXPECT_EQ(st.code(), Errc::no_space);
  EXPECT_EQ(st.message(), "renameat(.staging/3f2a.part -> a/b.bin): No space left on device");
  EXPECT_EQ(st.to_string(),
            "no_space: renameat(.staging/3f2a.part -> a/b.bin): No space left on device");
}

TEST(StatusTest, FromErrnoCodes) {
  struct Case {
    int err;
    const char* call;
    Errc code;
  };
  for (const Case& c : {
           Case{ENOENT, "openat2", Errc::not_found},
           Case{EEXIST, "mkdirat", Errc::already_exists},
           Case{ENOTDIR, "openat2", Errc::not_a_directory},
           Case{EISDIR, "renameat", Errc::is_a_directory},
           Case{ENOTEMPTY, "unlinkat", Errc::directory_not_empty},
           Case{EXDEV, "openat2", Errc::escapes_root},
           Case{EXDEV, "renameat", Errc::io_error},
           Case{EACCES, "openat2", Errc::permission_denied},
           Case{EPERM, "unlinkat", Errc::permission_denied},
           Case{EROFS, "openat2", Errc::permission_denied},
           Case{ENOSPC, "write", Errc::no_space},
           Case{EDQUOT, "write", Errc::no_space},
           Case{ENAMETOOLONG, "openat2", Errc::name_too_long},
           Case{EINVAL, "renameat", Errc::invalid_argument},
           Case{EOPNOTSUPP, "fsetxattr", Errc::not_supported},
           Case{EIO, "fsync", Errc::io_error},
           Case{0, "write", Errc::io_error},
       }) {
    EXPECT_EQ(Status::from_errno(c.err, c.call, "p").code(), c.code) << c.err << " " << c.call;
  }
}

TEST(StatusTest, ErrcNames) {
  EXPECT_EQ(errc_name(Errc::ok), "ok");
  EXPECT_EQ(errc_name(Errc::not_found), "not_found");
  EXPECT_EQ(errc_name(Errc::escapes_root), "escapes_root");
  EXPECT_EQ(errc_name(Errc::directory_not_empty), "directory_not_empty");
  EXPECT_EQ(errc_name(Errc::io_error), "io_error");
  // Every code has its own name.
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(Errc::io_error); ++c) {
    names.insert(errc_name(static_cast<Errc>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Errc::io_error) + 1);
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace streamcheck::store
