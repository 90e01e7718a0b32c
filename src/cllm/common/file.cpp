#include "cllm/common/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cllm {

namespace {
Error io_error(const std::string& what, const std::string& path) {
  return make_error(ErrorCode::kIo, what + " " + path + ": " + std::strerror(errno));
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

Result<Bytes> read_file(const std::string& path, std::size_t max_size) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return io_error("cannot open", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return io_error("cannot stat", path);
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_size) {
    return make_error(ErrorCode::kLimit,
                      "file " + path + " is larger than " + std::to_string(max_size) + " bytes");
  }
  Bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_size) {
      return make_error(ErrorCode::kLimit,
                        "file " + path + " is larger than " + std::to_string(max_size) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

Result<std::string> read_text_file(const std::string& path, std::size_t max_size) {
  CLLM_ASSIGN_OR_RETURN(Bytes b, read_file(path, max_size));
  return std::string(b.begin(), b.end());
}

Status write_file_atomic(const std::string& path, ByteView data, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
  if (f.fd < 0) return io_error("cannot create", tmp);
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(f.fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = io_error("cannot write", tmp);
      ::unlink(tmp.c_str());
      return e;
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0) {
    Error e = io_error("cannot sync", tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = io_error("cannot rename to", path);
    ::unlink(tmp.c_str());
    return e;
  }
  return ok_status();
}

Status ensure_private_directory(const std::string& dir) {
  if (dir.empty()) return make_error(ErrorCode::kInvalidArgument, "no directory given");
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    const std::string partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error(ErrorCode::kIo,
                        "cannot create directory " + partial + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::kIo, dir + " is not a directory");
  }
  return ok_status();
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace cllm
