#include "cllm/crypto/ocsp.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <string>
#include <utility>

#include "cllm/crypto/evp_ptr.hpp"
#include "cllm/crypto/x509_ptr.hpp"

namespace cllm::crypto {

namespace {

using OcspRequestPtr = OpensslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponsePtr = OpensslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicPtr = OpensslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertIdPtr = OpensslPtr<OCSP_CERTID, OCSP_CERTID_free>;
using Asn1TimePtr = OpensslPtr<ASN1_TIME, ASN1_TIME_free>;
using Asn1OctetStringPtr = OpensslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

// A response names one certificate per single response; more than this is not a response
// for us (NVIDIA's carry one).
constexpr int kMaxSingleResponses = 64;

Error fail(ErrorCode code, std::string what) {
  ERR_clear_error();
  return make_error(code, "ocsp: " + std::move(what));
}

const EVP_MD* digest_of(OcspHash hash) {
  return hash == OcspHash::kSha1 ? EVP_sha1() : EVP_sha384();
}

// Unix seconds of an ASN1_TIME, by difference from the epoch (no timegm, no time zones).
Result<std::int64_t> to_unix(const ASN1_TIME* time, std::string_view what) {
  Asn1TimePtr epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (!epoch || time == nullptr || ASN1_TIME_diff(&days, &seconds, epoch.get(), time) != 1) {
    return fail(ErrorCode::kParse, std::string(what) + " is not a valid time");
  }
  return std::int64_t{days} * 86400 + seconds;
}

Result<OcspCertIdPtr> cert_id(const Certificate& cert, const Certificate& issuer,
                              const EVP_MD* md) {
  if (!cert.is_signed_by(issuer)) {
    return fail(ErrorCode::kInvalidArgument, "certificate " + cert.subject_common_name() +
                                                 " is not signed by " +
                                                 issuer.subject_common_name());
  }
  OcspCertIdPtr id(OCSP_cert_to_id(md, cert.get(), issuer.get()));
  if (!id) return openssl_error("ocsp: building the CertID");
  return id;
}

Bytes octets(const ASN1_OCTET_STRING* s) {
  const unsigned char* p = ASN1_STRING_get0_data(s);
  const int n = ASN1_STRING_length(s);
  if (p == nullptr || n <= 0) return {};
  return Bytes(p, p + n);
}

// The nonce of a basic response: the extnValue holds an OCTET STRING (RFC 8954); some
// responders put the raw bytes there, so those are read as they are.
Result<std::optional<Bytes>> response_nonce(OCSP_BASICRESP* bs) {
  const int idx = OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, -1);
  if (idx < 0) return std::optional<Bytes>();
  if (OCSP_BASICRESP_get_ext_by_NID(bs, NID_id_pkix_OCSP_Nonce, idx) >= 0) {
    return fail(ErrorCode::kVerification, "nonce-match: response carries two nonces");
  }
  X509_EXTENSION* ext = OCSP_BASICRESP_get_ext(bs, idx);
  const Bytes raw = octets(X509_EXTENSION_get_data(ext));
  const unsigned char* p = raw.data();
  Asn1OctetStringPtr inner(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(raw.size())));
  if (inner && p == raw.data() + raw.size()) return std::optional<Bytes>(octets(inner.get()));
  ERR_clear_error();
  return std::optional<Bytes>(raw);
}

Result<Certificate> certificate_of(X509* x) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  if (len <= 0 || der == nullptr) return openssl_error("ocsp: encoding the responder certificate");
  Bytes bytes(der, der + len);
  OPENSSL_free(der);
  return Certificate::from_der(bytes);
}

// RFC 6960 §4.2.2.2: the signer is the issuer itself, or a certificate the issuer issued for
// OCSP signing. Either way it must chain to the pinned anchor.
Status check_signer(const Certificate& signer, const Certificate& issuer,
                    const OcspVerifyOptions& options, bool& delegated) {
  const Certificate& anchor = *options.anchor;
  ChainVerifyOptions chain_options;
  chain_options.at_time = options.now;
  if (signer.der() == issuer.der()) {
    delegated = false;
    if (issuer.der() == anchor.der()) return ok_status();
    auto chain = verify_chain(issuer, options.intermediates, anchor, chain_options);
    if (!chain.ok()) return std::move(chain).error().context("ocsp: issuer chain");
    return ok_status();
  }
  delegated = true;
  const std::string who = "responder " + signer.subject_common_name();
  if (X509_check_issued(issuer.get(), signer.get()) != X509_V_OK || !signer.is_signed_by(issuer)) {
    return fail(ErrorCode::kVerification,
                who + " is neither the issuer nor issued by " + issuer.subject_common_name());
  }
  const std::uint32_t flags = X509_get_extension_flags(signer.get());
  if ((flags & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(signer.get()) & XKU_OCSP_SIGN) == 0) {
    return fail(ErrorCode::kVerification, who + " lacks the OCSPSigning extended key usage");
  }
  std::vector<Certificate> above{issuer};
  if (issuer.der() != anchor.der()) {
    above.insert(above.end(), options.intermediates.begin(), options.intermediates.end());
  }
  auto chain = verify_chain(signer, above, anchor, chain_options);
  if (!chain.ok()) return std::move(chain).error().context("ocsp: " + who + " chain");
  return ok_status();
}

// Finds the single response for cert under whatever hash the response used.
Result<OCSP_SINGLERESP*> find_single(OCSP_BASICRESP* bs, const Certificate& cert,
                                     const Certificate& issuer) {
  const int count = OCSP_resp_count(bs);
  if (count <= 0) return fail(ErrorCode::kParse, "response has no single responses");
  if (count > kMaxSingleResponses) {
    return fail(ErrorCode::kLimit, "response has " + std::to_string(count) + " single responses");
  }
  OCSP_SINGLERESP* found = nullptr;
  for (int i = 0; i < count; ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(bs, i);
    const OCSP_CERTID* id = single == nullptr ? nullptr : OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* md_oid = nullptr;
    if (id == nullptr ||
        OCSP_id_get0_info(nullptr, &md_oid, nullptr, nullptr, const_cast<OCSP_CERTID*>(id)) != 1) {
      return fail(ErrorCode::kParse, "single response without a CertID");
    }
    const EVP_MD* md = EVP_get_digestbynid(OBJ_obj2nid(md_oid));
    if (md == nullptr) continue;  // a hash we do not know cannot name our certificate
    CLLM_ASSIGN_OR_RETURN(OcspCertIdPtr ours, cert_id(cert, issuer, md));
    if (OCSP_id_cmp(ours.get(), id) != 0) continue;
    if (found != nullptr) {
      return fail(ErrorCode::kVerification,
                  "cert-id-match: two single responses for " + cert.subject_common_name());
    }
    found = single;
  }
  if (found == nullptr) {
    return fail(ErrorCode::kVerification, "cert-id-match: response is not for certificate " +
                                              cert.subject_common_name() + " (serial " +
                                              cert.serial_hex() + ")");
  }
  return found;
}

}  // namespace

std::string_view ocsp_cert_status_name(OcspCertStatus status) {
  switch (status) {
    case OcspCertStatus::kGood:
      return "good";
    case OcspCertStatus::kRevoked:
      return "revoked";
    case OcspCertStatus::kUnknown:
      break;
  }
  return "unknown";
}

std::vector<std::string> ocsp_uris(const Certificate& cert) {
  std::vector<std::string> out;
  STACK_OF(OPENSSL_STRING)* uris = X509_get1_ocsp(cert.get());
  if (uris == nullptr) {
    ERR_clear_error();
    return out;
  }
  const int n = OPENSSL_sk_num(ossl_check_const_OPENSSL_STRING_sk_type(uris));
  for (int i = 0; i < n; ++i) {
    const char* s = static_cast<const char*>(
        OPENSSL_sk_value(ossl_check_const_OPENSSL_STRING_sk_type(uris), i));
    if (s != nullptr) out.emplace_back(s);
  }
  X509_email_free(uris);  // frees an OPENSSL_STRING stack and its strings
  return out;
}

Result<Bytes> ocsp_cert_id_der(const Certificate& cert, const Certificate& issuer, OcspHash hash) {
  CLLM_ASSIGN_OR_RETURN(OcspCertIdPtr id, cert_id(cert, issuer, digest_of(hash)));
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_CERTID(id.get(), &der);
  if (len <= 0 || der == nullptr) return openssl_error("ocsp: encoding the CertID");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> build_ocsp_request(const Certificate& cert, const Certificate& issuer, OcspHash hash,
                                 std::optional<ByteView> nonce) {
  if (nonce && (nonce->empty() || nonce->size() > kMaxOcspNonceSize)) {
    return fail(ErrorCode::kInvalidArgument,
                "nonce must be 1.." + std::to_string(kMaxOcspNonceSize) + " bytes");
  }
  CLLM_ASSIGN_OR_RETURN(OcspCertIdPtr id, cert_id(cert, issuer, digest_of(hash)));
  OcspRequestPtr req(OCSP_REQUEST_new());
  if (!req || OCSP_request_add0_id(req.get(), id.get()) == nullptr) {
    return openssl_error("ocsp: building the request");
  }
  static_cast<void>(id.release());  // the request owns it now
  if (nonce) {
    // OpenSSL wraps the bytes in an OCTET STRING, as RFC 8954 asks.
    if (OCSP_request_add1_nonce(req.get(), const_cast<unsigned char*>(nonce->data()),
                                static_cast<int>(nonce->size())) != 1) {
      return openssl_error("ocsp: adding the nonce");
    }
  }
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_REQUEST(req.get(), &der);
  if (len <= 0 || der == nullptr) return openssl_error("ocsp: encoding the request");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<OcspResponse> parse_and_verify_ocsp_response(ByteView der, const Certificate& cert,
                                                    const Certificate& issuer,
                                                    const OcspVerifyOptions& options) {
  if (!options.anchor) return fail(ErrorCode::kInvalidArgument, "no trust anchor given");
  if (der.empty()) return fail(ErrorCode::kParse, "empty response");
  if (der.size() > kMaxOcspResponseSize) {
    return fail(ErrorCode::kLimit, "response of " + std::to_string(der.size()) + " bytes exceeds " +
                                       std::to_string(kMaxOcspResponseSize));
  }
  const unsigned char* p = der.data();
  OcspResponsePtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!resp) return fail(ErrorCode::kParse, "response is not a DER OCSPResponse");
  if (p != der.data() + der.size()) return fail(ErrorCode::kParse, "trailing bytes after response");

  const int rstatus = OCSP_response_status(resp.get());
  if (rstatus != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return fail(ErrorCode::kVerification,
                std::string("response-status: ") + OCSP_response_status_str(rstatus));
  }
  OcspBasicPtr bs(OCSP_response_get1_basic(resp.get()));
  if (!bs) return fail(ErrorCode::kParse, "response is not a basic OCSP response");

  // The signer, by the responder ID, among the certificates the response carries and the
  // issuer. Carried certificates only help find it; trust comes from check_signer.
  X509StackPtr extra = new_x509_stack();
  if (!extra || !x509_stack_push(extra.get(), issuer.get())) {
    return openssl_error("ocsp: building the signer candidates");
  }
  X509* signer_x509 = nullptr;
  if (OCSP_resp_get0_signer(bs.get(), &signer_x509, extra.get()) != 1 || signer_x509 == nullptr) {
    return fail(ErrorCode::kVerification,
                "signature-verified: responder certificate not found (neither the issuer nor "
                "carried in the response)");
  }
  CLLM_ASSIGN_OR_RETURN(Certificate signer, certificate_of(signer_x509));

  // The signature, with exactly that certificate's key (NOINTERN: nothing else is searched;
  // NOVERIFY: the chain and delegation are ours, below).
  X509StackPtr only = new_x509_stack();
  X509StorePtr empty_store(X509_STORE_new());
  if (!only || !empty_store || !x509_stack_push(only.get(), signer.get())) {
    return openssl_error("ocsp: preparing signature verification");
  }
  if (OCSP_basic_verify(bs.get(), only.get(), empty_store.get(), OCSP_NOINTERN | OCSP_NOVERIFY) <=
      0) {
    return fail(ErrorCode::kVerification,
                "signature-verified: response signature does not verify with " +
                    signer.subject_common_name());
  }
  OcspResponse out;
  CLLM_TRY(check_signer(signer, issuer, options, out.delegated_responder));

  CLLM_ASSIGN_OR_RETURN(OCSP_SINGLERESP * single, find_single(bs.get(), cert, issuer));
  int reason = -1;
  ASN1_GENERALIZEDTIME* revtime = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  const int status = OCSP_single_get0_status(single, &reason, &revtime, &this_update, &next_update);
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      out.status = OcspCertStatus::kGood;
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      out.status = OcspCertStatus::kRevoked;
      if (reason >= 0) out.revocation_reason = OCSP_crl_reason_str(reason);
      if (revtime != nullptr) {
        CLLM_ASSIGN_OR_RETURN(out.revocation_time, to_unix(revtime, "revocationTime"));
      }
      break;
    case V_OCSP_CERTSTATUS_UNKNOWN:
      out.status = OcspCertStatus::kUnknown;
      break;
    default:
      return fail(ErrorCode::kParse, "single response has no certificate status");
  }
  CLLM_ASSIGN_OR_RETURN(out.this_update, to_unix(this_update, "thisUpdate"));
  if (next_update != nullptr) {
    CLLM_ASSIGN_OR_RETURN(out.next_update, to_unix(next_update, "nextUpdate"));
  }
  CLLM_ASSIGN_OR_RETURN(out.produced_at,
                        to_unix(OCSP_resp_get0_produced_at(bs.get()), "producedAt"));
  const std::int64_t skew = std::max<std::int64_t>(options.max_clock_skew, 0);
  if (out.this_update > options.now + skew) {
    return fail(ErrorCode::kVerification,
                "validity: thisUpdate " + std::to_string(out.this_update) +
                    " is in the future (now " + std::to_string(options.now) + ")");
  }
  if (out.next_update && *out.next_update < options.now - skew) {
    return fail(ErrorCode::kVerification, "validity: response expired (nextUpdate " +
                                              std::to_string(*out.next_update) + ", now " +
                                              std::to_string(options.now) + ")");
  }
  // Without nextUpdate ("newer information is always available") a captured "good" would
  // otherwise stay usable forever, also after the certificate is revoked.
  if (!out.next_update && options.now - out.this_update > options.max_age_without_next_update) {
    return fail(ErrorCode::kVerification,
                "validity: response has no nextUpdate and its thisUpdate " +
                    std::to_string(out.this_update) + " is more than " +
                    std::to_string(options.max_age_without_next_update) + " s old");
  }

  if (options.expected_nonce) {
    CLLM_ASSIGN_OR_RETURN(std::optional<Bytes> nonce, response_nonce(bs.get()));
    if (!nonce) {
      if (options.require_nonce) {
        return fail(ErrorCode::kVerification, "nonce-match: response carries no nonce");
      }
    } else if (*nonce != *options.expected_nonce) {
      return fail(ErrorCode::kVerification, "nonce-match: response nonce differs from request");
    } else {
      out.nonce_echoed = true;
    }
  }
  out.der.assign(der.begin(), der.end());
  return out;
}

}  // namespace cllm::crypto
