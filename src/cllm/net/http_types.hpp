// HTTP request and response values shared by the server and the client. Plain data with no
// Beast types, so that modules including this header compile fast.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cllm::net {

// ASCII case-insensitive equality, as HTTP field names compare (RFC 9110 §5.1).
bool iequals(std::string_view a, std::string_view b);

// An ordered list of header fields. Lookup ignores the case of names; order and repeated
// fields are kept as received (or as added), since some fields (Set-Cookie) repeat.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // The value of the first field with this name, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of fields with this name, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Appends a field (keeps existing ones of the same name).
  void add(std::string name, std::string value);
  // Replaces every field of this name with one field.
  void set(std::string name, std::string value);
  // Removes every field of this name.
  void remove(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

// A request as the server hands it to a handler (and as the client sends it).
struct Request {
  std::string method;  // "GET", "POST", ... as received (upper case by convention)
  std::string target;  // origin-form: path plus optional "?query", exactly as received
  Headers headers;
  std::string body;
  // The peer's address for logs and rate limits: "ip:port", or "unix" for a unix socket.
  std::string remote_address;

  // The target up to '?' (not percent-decoded).
  std::string_view path() const;
  // The text after '?', or empty (not percent-decoded; see parse_query in url.hpp).
  std::string_view query() const;
};

// A complete (non-streamed) response.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // A response with Content-Type: application/json.
  static Response json(int status, std::string body);
  // A response with Content-Type: text/plain; charset=utf-8.
  static Response text(int status, std::string body);
};

// The standard reason phrase of a status code ("Not Found"), or "" when unknown.
std::string_view reason_phrase(int status);

}  // namespace cllm::net
