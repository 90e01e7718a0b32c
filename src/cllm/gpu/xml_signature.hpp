// The enveloped XML signature of an NVIDIA RIM (spec §4.2), through xmlsec1's OpenSSL backend.
//
// Only the one shape NVIDIA signs is accepted: exactly one ds:Signature, a child of the root;
// C14N 1.1; ecdsa-sha384; exactly one Reference URI="" with the enveloped-signature and C14N
// 1.1 transforms and a SHA-384 digest; KeyInfo/X509Data carrying the signer's certificate
// chain. Any other algorithm, reference or transform is rejected before xmlsec runs, and
// xmlsec is also told to enable nothing else (belt and braces).
//
// The signature is verified with the key of the leaf certificate in X509Data. xmlsec's own
// certificate handling is off: the caller verifies that chain against its pinned root
// (rim_verifier.hpp), so "the signature verifies" and "the signer is trusted" stay separate
// checks. xmlsec and libxml2 messages never reach stderr; they end up in our Error.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/x509.hpp"

struct _xmlDoc;

namespace cllm::gpu {

inline constexpr const char* kXmlDsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr const char* kC14n11Algorithm = "http://www.w3.org/2006/12/xml-c14n11";
inline constexpr const char* kEcdsaSha384Algorithm =
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
inline constexpr const char* kSha384DigestAlgorithm =
    "http://www.w3.org/2001/04/xmldsig-more#sha384";
inline constexpr const char* kEnvelopedAlgorithm =
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

// What the Signature element says about its signer.
struct XmlSignatureParts {
  // The X509Data certificates in document order.
  std::vector<crypto::Certificate> certificates;
  // The index in `certificates` of the signer: the one certificate that issued none of the
  // others (the chain's leaf; NVIDIA lists it first).
  std::size_t signer_index = 0;

  const crypto::Certificate& signer() const { return certificates[signer_index]; }
};

// Checks the Signature element's shape (see above) and reads its certificates. kVerification
// for a signature of another shape, kParse for unreadable certificates.
Result<XmlSignatureParts> inspect_enveloped_signature(const _xmlDoc& doc);

// Verifies the signature of doc with signer's public key (P-384). kVerification when the
// digest or the signature does not match, with xmlsec's reason.
Status verify_enveloped_signature(_xmlDoc& doc, const crypto::Certificate& signer);

// Parses xml (rim_document.hpp's bounded parser), inspects and verifies: the signature is
// valid for the leaf's key. Says nothing about whether the leaf is trusted.
Result<XmlSignatureParts> verify_xml_signature(ByteView xml);

// Signs an unsigned XML document (no ds:Signature yet) the way NVIDIA signs RIMs: appends a
// ds:Signature as the last child of the root, ecdsa-sha384 over C14N 1.1 of the enveloping
// document, with X509Data listing `chain` (leaf first; chain[0] must hold key's public key).
// Returns the serialized signed document. For the GPU simulator and tests.
Result<std::string> sign_enveloped(ByteView unsigned_xml, const crypto::EcdsaPrivateKey& key,
                                   std::span<const crypto::Certificate> chain);

}  // namespace cllm::gpu
