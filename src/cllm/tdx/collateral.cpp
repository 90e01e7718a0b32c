// dcap-qvl collateral JSON and the exact-substring split of PCS signed bodies.
#include "cllm/tdx/collateral.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/tcb_info.hpp"

namespace cllm::tdx {
namespace {

constexpr std::size_t kSignatureSize = 64;
constexpr int kMaxJsonDepth = 32;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (is_space(text.front()) || text.front() == '\0'))
    text.remove_prefix(1);
  while (!text.empty() && (is_space(text.back()) || text.back() == '\0'))
    text.remove_suffix(1);
  return text;
}

bool looks_like_pem(std::string_view text) {
  return trim(text).starts_with("-----BEGIN");
}

bool all_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

Result<Bytes> decode_signature(std::string_view hex, std::string_view what) {
  auto bytes = from_hex(trim(hex));
  if (!bytes.ok()) return std::move(bytes).error().context(what);
  if (bytes->size() != kSignatureSize) {
    return make_error(ErrorCode::kParse, std::string(what) + ": signature is " +
                                             std::to_string(bytes->size()) +
                                             " bytes, expected 64 (r||s)");
  }
  return bytes;
}

// The signed text must itself be a bounded JSON object: the verifier parses it after
// checking the signature, and a non-object here is never a real document.
Status check_signed_text(std::string_view text, std::string_view what) {
  if (text.size() > kMaxSignedJsonSize) {
    return make_error(ErrorCode::kLimit, std::string(what) + ": " + std::to_string(text.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxSignedJsonSize));
  }
  auto parsed = parse_json(text, kMaxJsonDepth);
  if (!parsed.ok())
    return std::move(parsed).error().context(std::string(what) + " is not valid JSON");
  if (!parsed->is_object()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": not a JSON object");
  }
  return ok_status();
}

Result<std::string> string_member(const Json& object, std::string_view key) {
  auto value = json_string(object, key);
  if (!value.ok()) return std::move(value).error().context("collateral");
  return value;
}

Status check_chain_size(const std::string& chain, std::string_view what) {
  if (chain.size() > crypto::kMaxPemChainSize) {
    return make_error(ErrorCode::kLimit, "collateral " + std::string(what) + ": PEM chain of " +
                                             std::to_string(chain.size()) + " bytes is too large");
  }
  return ok_status();
}

// ---- a bounded scanner over JSON text that only finds value boundaries ----

class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : text_(text) {}

  std::size_t pos() const { return pos_; }
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_]))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // A string token including its quotes.
  Result<std::string_view> string_token() {
    skip_space();
    const std::size_t start = pos_;
    if (pos_ >= text_.size() || text_[pos_] != '"') return error("expected a string");
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        ++pos_;  // the escaped character; \uXXXX digits are plain characters here
      } else if (c == '"') {
        return text_.substr(start, pos_ - start);
      }
    }
    return error("unterminated string");
  }

  // Any JSON value's extent (validity is checked separately by the real parser).
  Result<std::string_view> value_token() {
    skip_space();
    const std::size_t start = pos_;
    if (pos_ >= text_.size()) return error("expected a value");
    const char first = text_[pos_];
    if (first == '"') return string_token();
    if (first == '{' || first == '[') {
      int depth = 0;
      while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c == '"') {
          CLLM_TRY(string_token());
          continue;
        }
        ++pos_;
        if (c == '{' || c == '[') {
          if (++depth > kMaxJsonDepth) return error("nesting too deep");
        } else if (c == '}' || c == ']') {
          if (--depth == 0) return text_.substr(start, pos_ - start);
        }
      }
      return error("unterminated object or array");
    }
    while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != ',' &&
           text_[pos_] != '}' && text_[pos_] != ']') {
      ++pos_;
    }
    if (pos_ == start) return error("expected a value");
    return text_.substr(start, pos_ - start);
  }

  Error error(std::string_view what) const {
    return make_error(ErrorCode::kParse, "PCS signed JSON at offset " + std::to_string(pos_) +
                                             ": " + std::string(what));
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The decoded text of a JSON string token (quotes included).
Result<std::string> decode_string_token(std::string_view token) {
  if (token.find('\\') == std::string_view::npos)
    return std::string(token.substr(1, token.size() - 2));
  CLLM_ASSIGN_OR_RETURN(Json value, parse_json(token, 1));
  if (!value.is_string()) return make_error(ErrorCode::kParse, "PCS signed JSON: bad key");
  return value.get<std::string>();
}

}  // namespace

Result<Bytes> normalize_crl(ByteView data, std::string_view what) {
  const std::string where = std::string(what);
  if (data.size() > 2 * crypto::kMaxCrlSize + 64) {
    return make_error(ErrorCode::kLimit,
                      where + ": " + std::to_string(data.size()) + " bytes is too large");
  }
  Bytes current(data.begin(), data.end());
  // At most two rounds of hex decoding (hex of DER; hex of hex text).
  for (int round = 0; round < 3; ++round) {
    const std::string_view text(reinterpret_cast<const char*>(current.data()), current.size());
    if (looks_like_pem(text)) {
      auto crl = crypto::Crl::from_pem(text);
      if (!crl.ok()) return std::move(crl).error().context(where);
      return crl->der();
    }
    const std::string_view trimmed = trim(text);
    if (round < 2 && all_hex(trimmed)) {
      auto decoded = from_hex(trimmed);
      if (!decoded.ok()) return std::move(decoded).error().context(where);
      current = std::move(*decoded);
      continue;
    }
    auto crl = crypto::Crl::from_der(current);
    if (!crl.ok()) return std::move(crl).error().context(where);
    return crl->der();
  }
  return make_error(ErrorCode::kParse, where + ": not a CRL in DER, PEM or hex");
}

Result<Collateral> parse_collateral_json(std::string_view json) {
  if (json.size() > kMaxCollateralBundleSize) {
    return make_error(ErrorCode::kLimit, "collateral JSON of " + std::to_string(json.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxCollateralBundleSize));
  }
  auto parsed = parse_json(json, kMaxJsonDepth);
  if (!parsed.ok()) return std::move(parsed).error().context("collateral JSON");
  const Json& root = *parsed;
  if (!root.is_object()) return make_error(ErrorCode::kParse, "collateral JSON: not an object");

  Collateral out;
  CLLM_ASSIGN_OR_RETURN(out.pck_crl_issuer_chain, string_member(root, "pck_crl_issuer_chain"));
  CLLM_ASSIGN_OR_RETURN(out.tcb_info_issuer_chain, string_member(root, "tcb_info_issuer_chain"));
  CLLM_ASSIGN_OR_RETURN(out.qe_identity_issuer_chain,
                        string_member(root, "qe_identity_issuer_chain"));
  CLLM_TRY(check_chain_size(out.pck_crl_issuer_chain, "pck_crl_issuer_chain"));
  CLLM_TRY(check_chain_size(out.tcb_info_issuer_chain, "tcb_info_issuer_chain"));
  CLLM_TRY(check_chain_size(out.qe_identity_issuer_chain, "qe_identity_issuer_chain"));

  CLLM_ASSIGN_OR_RETURN(std::string root_ca_crl, string_member(root, "root_ca_crl"));
  CLLM_ASSIGN_OR_RETURN(out.root_ca_crl,
                        normalize_crl(as_bytes(root_ca_crl), "collateral root_ca_crl"));
  CLLM_ASSIGN_OR_RETURN(std::string pck_crl, string_member(root, "pck_crl"));
  CLLM_ASSIGN_OR_RETURN(out.pck_crl, normalize_crl(as_bytes(pck_crl), "collateral pck_crl"));

  CLLM_ASSIGN_OR_RETURN(out.tcb_info, string_member(root, "tcb_info"));
  CLLM_TRY(check_signed_text(out.tcb_info, "collateral tcb_info"));
  CLLM_ASSIGN_OR_RETURN(std::string tcb_sig, string_member(root, "tcb_info_signature"));
  CLLM_ASSIGN_OR_RETURN(out.tcb_info_signature,
                        decode_signature(tcb_sig, "collateral tcb_info_signature"));

  CLLM_ASSIGN_OR_RETURN(out.qe_identity, string_member(root, "qe_identity"));
  CLLM_TRY(check_signed_text(out.qe_identity, "collateral qe_identity"));
  CLLM_ASSIGN_OR_RETURN(std::string qe_sig, string_member(root, "qe_identity_signature"));
  CLLM_ASSIGN_OR_RETURN(out.qe_identity_signature,
                        decode_signature(qe_sig, "collateral qe_identity_signature"));

  // dcap-qvl writes null for an absent chain.
  if (auto it = root.find("pck_certificate_chain"); it != root.end() && !it->is_null()) {
    if (!it->is_string()) {
      return make_error(ErrorCode::kParse, "collateral pck_certificate_chain: expected a string");
    }
    out.pck_certificate_chain = it->get<std::string>();
    CLLM_TRY(check_chain_size(*out.pck_certificate_chain, "pck_certificate_chain"));
  }
  return out;
}

std::string collateral_to_json(const Collateral& collateral) {
  // Member order as dcap-qvl's QuoteCollateralV3 declares it, so files diff well.
  nlohmann::ordered_json out;
  out["pck_crl_issuer_chain"] = collateral.pck_crl_issuer_chain;
  out["root_ca_crl"] = to_hex(collateral.root_ca_crl);
  out["pck_crl"] = to_hex(collateral.pck_crl);
  out["tcb_info_issuer_chain"] = collateral.tcb_info_issuer_chain;
  out["tcb_info"] = collateral.tcb_info;
  out["tcb_info_signature"] = to_hex(collateral.tcb_info_signature);
  out["qe_identity_issuer_chain"] = collateral.qe_identity_issuer_chain;
  out["qe_identity"] = collateral.qe_identity;
  out["qe_identity_signature"] = to_hex(collateral.qe_identity_signature);
  if (collateral.pck_certificate_chain)
    out["pck_certificate_chain"] = *collateral.pck_certificate_chain;
  // Replace invalid UTF-8 rather than throw: the texts came from parse_collateral_json or
  // from PCS bodies that passed parse_json, so this only matters for hand-built values.
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<SignedJson> split_pcs_signed_json(std::string_view response, std::string_view key) {
  if (response.size() > kMaxSignedJsonSize) {
    return make_error(ErrorCode::kLimit, "PCS signed JSON of " + std::to_string(response.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxSignedJsonSize));
  }
  // The real parser first: the scanner below then only has to find boundaries in valid JSON.
  auto parsed = parse_json(response, kMaxJsonDepth);
  if (!parsed.ok()) return std::move(parsed).error().context("PCS signed JSON");
  if (!parsed->is_object()) return make_error(ErrorCode::kParse, "PCS signed JSON: not an object");

  JsonScanner scanner(response);
  if (!scanner.consume('{')) return scanner.error("expected '{'");
  std::optional<std::string_view> body;
  std::optional<std::string_view> signature;
  if (!scanner.peek('}')) {
    do {
      CLLM_ASSIGN_OR_RETURN(std::string_view key_token, scanner.string_token());
      if (!scanner.consume(':')) return scanner.error("expected ':'");
      CLLM_ASSIGN_OR_RETURN(std::string_view value, scanner.value_token());
      CLLM_ASSIGN_OR_RETURN(std::string name, decode_string_token(key_token));
      auto* slot = name == key ? &body : name == "signature" ? &signature : nullptr;
      if (slot != nullptr) {
        if (slot->has_value()) return scanner.error("duplicate member \"" + name + "\"");
        *slot = value;
      }
    } while (scanner.consume(','));
  }
  if (!scanner.consume('}')) return scanner.error("expected '}'");
  if (!body) {
    return make_error(ErrorCode::kParse,
                      "PCS signed JSON: member \"" + std::string(key) + "\" missing");
  }
  if (!signature)
    return make_error(ErrorCode::kParse, "PCS signed JSON: member \"signature\" missing");
  if (!body->starts_with('{')) {
    return make_error(ErrorCode::kParse,
                      "PCS signed JSON: \"" + std::string(key) + "\" is not an object");
  }
  if (!signature->starts_with('"')) {
    return make_error(ErrorCode::kParse, "PCS signed JSON: \"signature\" is not a string");
  }
  SignedJson out;
  out.body = std::string(*body);
  CLLM_ASSIGN_OR_RETURN(out.signature, decode_signature(signature->substr(1, signature->size() - 2),
                                                        "PCS signed JSON"));
  return out;
}

Result<std::int64_t> collateral_next_update(const Collateral& collateral) {
  std::int64_t earliest = INT64_MAX;
  const std::pair<const std::string*, const char*> documents[] = {
      {&collateral.tcb_info, "tcb_info"}, {&collateral.qe_identity, "qe_identity"}};
  for (const auto& [text, name] : documents) {
    auto parsed = parse_json(*text, kMaxJsonDepth);
    if (!parsed.ok()) return std::move(parsed).error().context(std::string("collateral ") + name);
    auto next = json_string(*parsed, "nextUpdate");
    if (!next.ok()) return std::move(next).error().context(std::string("collateral ") + name);
    auto when = parse_rfc3339(*next);
    if (!when.ok())
      return std::move(when).error().context(std::string("collateral ") + name + " nextUpdate");
    earliest = std::min(earliest, *when);
  }
  const std::pair<const Bytes*, const char*> crls[] = {{&collateral.root_ca_crl, "root_ca_crl"},
                                                       {&collateral.pck_crl, "pck_crl"}};
  for (const auto& [der, name] : crls) {
    auto crl = crypto::Crl::from_der(*der);
    if (!crl.ok()) return std::move(crl).error().context(std::string("collateral ") + name);
    if (!crl->next_update()) {
      return make_error(ErrorCode::kParse, std::string("collateral ") + name + ": no nextUpdate");
    }
    earliest = std::min(earliest, *crl->next_update());
  }
  return earliest;
}

}  // namespace cllm::tdx
