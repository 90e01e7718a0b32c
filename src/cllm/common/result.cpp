#include "cllm/common/result.hpp"

namespace cllm {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kParse:
      return "parse";
    case ErrorCode::kCrypto:
      return "crypto";
    case ErrorCode::kVerification:
      return "verification";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kLimit:
      return "limit";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::context(std::string_view what) const& {
  return Error(code_, std::string(what) + ": " + message_);
}

Error Error::context(std::string_view what) && {
  message_.insert(0, std::string(what) + ": ");
  return std::move(*this);
}

}  // namespace cllm
