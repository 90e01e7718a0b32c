#include "cllm/gpu/xml_signature.hpp"

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "cllm/common/base64.hpp"
#include "cllm/gpu/rim_document.hpp"

namespace cllm::gpu {
namespace {

std::string_view as_sv(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

const xmlChar* as_xml(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

Error sig_error(std::string message) {
  return make_error(ErrorCode::kVerification, "XML signature: " + std::move(message));
}

// ---- xmlsec global state ------------------------------------------------------------------

// xmlsec reports errors through one process-wide callback; each thread collects the messages
// of its own operation here and turns them into the Error of that operation.
thread_local std::string tls_xmlsec_messages;

void collect_xmlsec_error(const char* /*file*/, int /*line*/, const char* func,
                          const char* error_object, const char* error_subject, int /*reason*/,
                          const char* msg) {
  constexpr std::size_t kMaxCollected = 600;
  if (tls_xmlsec_messages.size() >= kMaxCollected) return;
  std::string entry;
  if (func != nullptr) entry += func;
  if (error_subject != nullptr && *error_subject != '\0') {
    entry += entry.empty() ? "" : " ";
    entry += "(" + std::string(error_subject) + ")";
  } else if (error_object != nullptr && *error_object != '\0') {
    entry += " (" + std::string(error_object) + ")";
  }
  if (msg != nullptr && *msg != '\0') entry += ": " + std::string(msg);
  for (char& c : entry) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  if (!tls_xmlsec_messages.empty()) tls_xmlsec_messages += "; ";
  tls_xmlsec_messages += entry;
  if (tls_xmlsec_messages.size() > kMaxCollected) tls_xmlsec_messages.resize(kMaxCollected);
}

Status init_xmlsec() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSecErrorsSetCallback(&collect_xmlsec_error);
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecOpenSSLAppInit(nullptr) < 0) return;
    if (xmlSecOpenSSLInit() < 0) return;
    // Again after init, in case an init step installed the default (stderr) callback.
    xmlSecErrorsSetCallback(&collect_xmlsec_error);
    ok = true;
  });
  if (!ok) {
    return make_error(ErrorCode::kInternal, "XML signature: xmlsec1 initialisation failed");
  }
  return ok_status();
}

// Clears this thread's collected xmlsec messages and hands them over at scope end.
class XmlsecMessages {
 public:
  XmlsecMessages() { tls_xmlsec_messages.clear(); }
  ~XmlsecMessages() { tls_xmlsec_messages.clear(); }
  XmlsecMessages(const XmlsecMessages&) = delete;
  XmlsecMessages& operator=(const XmlsecMessages&) = delete;
  std::string text() const {
    return tls_xmlsec_messages.empty() ? "no detail" : tls_xmlsec_messages;
  }
};

struct DSigCtxDeleter {
  void operator()(xmlSecDSigCtx* ctx) const { xmlSecDSigCtxDestroy(ctx); }
};
using DSigCtxPtr = std::unique_ptr<xmlSecDSigCtx, DSigCtxDeleter>;

struct KeyDeleter {
  void operator()(xmlSecKey* key) const { xmlSecKeyDestroy(key); }
};
using KeyPtr = std::unique_ptr<xmlSecKey, KeyDeleter>;

// An xmlsec key holding a reference to pkey (public or private).
Result<KeyPtr> make_key(EVP_PKEY* pkey) {
  if (EVP_PKEY_up_ref(pkey) != 1) return make_error(ErrorCode::kInternal, "EVP_PKEY_up_ref failed");
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey);
  if (data == nullptr) {
    EVP_PKEY_free(pkey);
    return sig_error("xmlsec rejected the key");
  }
  KeyPtr key(xmlSecKeyCreate());
  if (!key || xmlSecKeySetValue(key.get(), data) < 0) {
    xmlSecKeyDataDestroy(data);
    return make_error(ErrorCode::kInternal, "XML signature: xmlSecKeyCreate failed");
  }
  return key;
}

// Only the transforms of NVIDIA's shape exist for xmlsec during our operations.
Result<DSigCtxPtr> make_dsig_ctx(KeyPtr key) {
  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) return make_error(ErrorCode::kInternal, "XML signature: xmlSecDSigCtxCreate failed");
  if (xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecTransformInclC14N11Id) < 0 ||
      xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecTransformEcdsaSha384Id) < 0 ||
      xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformEnvelopedId) < 0 ||
      xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformInclC14N11Id) < 0 ||
      xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformSha384Id) < 0) {
    return make_error(ErrorCode::kInternal, "XML signature: enabling transforms failed");
  }
  ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;  // URI="" only: nothing is fetched
  ctx->signKey = key.release();                             // the context owns it from here
  return ctx;
}

// ---- shape checks -------------------------------------------------------------------------

bool is_ds(const xmlNode* node, std::string_view local) {
  return node->type == XML_ELEMENT_NODE && as_sv(node->name) == local && node->ns != nullptr &&
         as_sv(node->ns->href) == kXmlDsigNamespace;
}

std::vector<xmlNode*> element_children(const xmlNode* node) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

std::string algorithm_of(const xmlNode* node) {
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (a->ns == nullptr && as_sv(a->name) == "Algorithm") {
      xmlChar* text = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
      std::string value(as_sv(text));
      xmlFree(text);
      return value;
    }
  }
  return {};
}

std::string short_text(std::string_view s) {
  std::string out(s.substr(0, 100));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  return out;
}

Status expect_algorithm(const xmlNode* node, std::string_view element, const char* expected) {
  const std::string algorithm = algorithm_of(node);
  if (algorithm != expected) {
    return sig_error(std::string(element) + " Algorithm \"" + short_text(algorithm) + "\" is not " +
                     expected);
  }
  if (!element_children(node).empty()) {
    return sig_error(std::string(element) + " has unexpected child elements");
  }
  return ok_status();
}

// The single ds:Signature element, which must be a child of the root.
Result<xmlNode*> find_signature(const xmlDoc& doc) {
  xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(&doc));
  if (root == nullptr) return sig_error("document has no root element");
  xmlNode* found = nullptr;
  std::size_t count = 0;
  std::vector<xmlNode*> stack{root};
  while (!stack.empty()) {
    xmlNode* node = stack.back();
    stack.pop_back();
    if (is_ds(node, "Signature")) {
      ++count;
      found = node;
    }
    for (xmlNode* c = node->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) stack.push_back(c);
    }
  }
  if (count == 0) return sig_error("document has no ds:Signature");
  if (count > 1)
    return sig_error("document has " + std::to_string(count) + " ds:Signature elements");
  if (found->parent != root) return sig_error("ds:Signature is not a child of the root element");
  return found;
}

Status check_signed_info(const xmlNode* signed_info) {
  const auto children = element_children(signed_info);
  if (children.size() != 3 || !is_ds(children[0], "CanonicalizationMethod") ||
      !is_ds(children[1], "SignatureMethod") || !is_ds(children[2], "Reference")) {
    return sig_error(
        "SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly one Reference");
  }
  CLLM_TRY(expect_algorithm(children[0], "CanonicalizationMethod", kC14n11Algorithm));
  CLLM_TRY(expect_algorithm(children[1], "SignatureMethod", kEcdsaSha384Algorithm));
  const xmlNode* reference = children[2];
  bool has_uri = false;
  for (const xmlAttr* a = reference->properties; a != nullptr; a = a->next) {
    if (a->ns == nullptr && as_sv(a->name) == "URI") {
      xmlChar* text = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
      const bool empty = as_sv(text).empty();
      xmlFree(text);
      if (!empty)
        return sig_error("Reference URI is not \"\" (only the whole document may be signed)");
      has_uri = true;
    }
  }
  if (!has_uri) return sig_error("Reference has no URI attribute");
  const auto ref_children = element_children(reference);
  if (ref_children.size() != 3 || !is_ds(ref_children[0], "Transforms") ||
      !is_ds(ref_children[1], "DigestMethod") || !is_ds(ref_children[2], "DigestValue")) {
    return sig_error("Reference must hold Transforms, DigestMethod and DigestValue");
  }
  const auto transforms = element_children(ref_children[0]);
  if (transforms.size() != 2 || !is_ds(transforms[0], "Transform") ||
      !is_ds(transforms[1], "Transform")) {
    return sig_error("Reference must have exactly the enveloped-signature and C14N 1.1 transforms");
  }
  CLLM_TRY(expect_algorithm(transforms[0], "first Transform", kEnvelopedAlgorithm));
  CLLM_TRY(expect_algorithm(transforms[1], "second Transform", kC14n11Algorithm));
  CLLM_TRY(expect_algorithm(ref_children[1], "DigestMethod", kSha384DigestAlgorithm));
  return ok_status();
}

Result<std::vector<crypto::Certificate>> read_x509_data(const xmlNode* key_info) {
  const auto children = element_children(key_info);
  if (children.size() != 1 || !is_ds(children[0], "X509Data")) {
    return sig_error("KeyInfo must hold exactly one X509Data");
  }
  const auto entries = element_children(children[0]);
  if (entries.empty()) return sig_error("X509Data holds no X509Certificate");
  if (entries.size() > crypto::kMaxChainCertificates) {
    return make_error(ErrorCode::kLimit, "XML signature: X509Data holds more than " +
                                             std::to_string(crypto::kMaxChainCertificates) +
                                             " entries");
  }
  std::vector<crypto::Certificate> certs;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!is_ds(entries[i], "X509Certificate")) {
      return sig_error("X509Data may hold only X509Certificate elements");
    }
    xmlChar* text = xmlNodeGetContent(entries[i]);
    std::string b64;
    for (char c : as_sv(text)) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') b64 += c;
    }
    xmlFree(text);
    auto der = base64_decode(b64);
    if (!der.ok()) {
      return make_error(ErrorCode::kParse,
                        "XML signature: X509Certificate " + std::to_string(i) + " is not base64");
    }
    auto cert = crypto::Certificate::from_der(*der);
    if (!cert.ok()) {
      return std::move(cert).error().context("XML signature: X509Certificate " + std::to_string(i));
    }
    certs.push_back(std::move(cert).value());
  }
  return certs;
}

// The leaf: the one certificate that issued none of the others. A self-signed root counts
// only when nothing else is left: a chain with a gap (leaf and root without the intermediate
// between them) still names its leaf, and then fails chain validation.
Result<std::size_t> find_signer(const std::vector<crypto::Certificate>& certs) {
  std::vector<std::size_t> leaves;
  std::vector<std::size_t> self_signed_leaves;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    bool issued_another = false;
    for (std::size_t j = 0; j < certs.size() && !issued_another; ++j) {
      issued_another =
          j != i && certs[j].der() != certs[i].der() && certs[j].is_signed_by(certs[i]);
    }
    if (issued_another) continue;
    (certs[i].is_signed_by(certs[i]) ? self_signed_leaves : leaves).push_back(i);
  }
  if (leaves.empty()) leaves = self_signed_leaves;
  if (leaves.size() != 1) {
    return sig_error("X509Data has " + std::to_string(leaves.size()) +
                     " certificates that issued none of the others; the signer is ambiguous");
  }
  return leaves.front();
}

std::string base64_lines(ByteView der) {
  const std::string b64 = base64_encode(der);
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 64)
    out += b64.substr(i, 64) + "\n";
  return out;
}

}  // namespace

Result<XmlSignatureParts> inspect_enveloped_signature(const _xmlDoc& doc) {
  CLLM_ASSIGN_OR_RETURN(xmlNode * signature, find_signature(doc));
  const auto children = element_children(signature);
  if (children.size() != 3 || !is_ds(children[0], "SignedInfo") ||
      !is_ds(children[1], "SignatureValue") || !is_ds(children[2], "KeyInfo")) {
    return sig_error(
        "Signature must hold SignedInfo, SignatureValue and KeyInfo (and nothing else)");
  }
  CLLM_TRY(check_signed_info(children[0]));
  XmlSignatureParts parts;
  CLLM_ASSIGN_OR_RETURN(parts.certificates, read_x509_data(children[2]));
  CLLM_ASSIGN_OR_RETURN(parts.signer_index, find_signer(parts.certificates));
  return parts;
}

Status verify_enveloped_signature(_xmlDoc& doc, const crypto::Certificate& signer) {
  CLLM_TRY(init_xmlsec());
  auto curve = signer.ecdsa_curve();
  if (!curve.ok() || *curve != crypto::EcCurve::kP384) {
    return sig_error("signer " + signer.subject_common_name() + " has no P-384 key");
  }
  CLLM_ASSIGN_OR_RETURN(xmlNode * signature, find_signature(doc));
  XmlsecMessages messages;
  CLLM_ASSIGN_OR_RETURN(auto key, make_key(signer.public_key()));
  CLLM_ASSIGN_OR_RETURN(auto ctx, make_dsig_ctx(std::move(key)));
  if (xmlSecDSigCtxVerify(ctx.get(), signature) < 0) {
    return sig_error("xmlsec could not process the signature: " + messages.text());
  }
  if (ctx->status != xmlSecDSigStatusSucceeded) {
    // xmlsec reports a mismatch as a status, not an error: tell the two causes apart here.
    std::string reason = "SignatureValue does not match SignedInfo";
    for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); ++i) {
      auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(
          xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
      if (ref != nullptr && ref->status != xmlSecDSigStatusSucceeded) {
        reason =
            "the digest of the signed content does not match its DigestValue (edited after "
            "signing)";
      }
    }
    return sig_error("signature does not verify with the key of " + signer.subject_common_name() +
                     ": " + reason);
  }
  return ok_status();
}

Result<XmlSignatureParts> verify_xml_signature(ByteView xml) {
  CLLM_ASSIGN_OR_RETURN(auto doc, detail::parse_xml_bounded(xml));
  CLLM_ASSIGN_OR_RETURN(auto parts, inspect_enveloped_signature(*doc));
  CLLM_TRY(verify_enveloped_signature(*doc, parts.signer()));
  return parts;
}

Result<std::string> sign_enveloped(ByteView unsigned_xml, const crypto::EcdsaPrivateKey& key,
                                   std::span<const crypto::Certificate> chain) {
  CLLM_TRY(init_xmlsec());
  if (key.curve() != crypto::EcCurve::kP384) {
    return make_error(ErrorCode::kInvalidArgument, "sign_enveloped: the key is not P-384");
  }
  if (chain.empty()) return make_error(ErrorCode::kInvalidArgument, "sign_enveloped: empty chain");
  auto leaf_key = chain[0].ecdsa_public_key();
  if (!leaf_key.ok() || leaf_key->to_sec1() != key.public_key().to_sec1()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "sign_enveloped: chain[0] does not hold the signing key's public key");
  }
  CLLM_ASSIGN_OR_RETURN(auto doc, detail::parse_xml_bounded(unsigned_xml));
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (xmlSecFindNode(root, xmlSecNodeSignature, xmlSecDSigNs) != nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "sign_enveloped: document is already signed");
  }
  XmlsecMessages messages;
  auto fail = [&](const char* step) {
    return make_error(ErrorCode::kCrypto,
                      std::string("sign_enveloped: ") + step + ": " + messages.text());
  };
  xmlNode* signature = xmlSecTmplSignatureCreateNsPref(
      doc.get(), xmlSecTransformInclC14N11Id, xmlSecTransformEcdsaSha384Id, nullptr, as_xml("ds"));
  if (signature == nullptr) return fail("creating the Signature template");
  xmlAddChild(root, signature);
  xmlNode* reference = xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha384Id, nullptr,
                                                       as_xml(""), nullptr);
  if (reference == nullptr ||
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) == nullptr ||
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformInclC14N11Id) == nullptr) {
    return fail("creating the Reference");
  }
  CLLM_ASSIGN_OR_RETURN(auto xkey, make_key(key.pkey()));
  CLLM_ASSIGN_OR_RETURN(auto ctx, make_dsig_ctx(std::move(xkey)));
  if (xmlSecDSigCtxSign(ctx.get(), signature) < 0) return fail("xmlSecDSigCtxSign");
  // KeyInfo lies inside the Signature, which the enveloped transform removes from what is
  // signed, so the certificates can be added after signing.
  xmlNode* key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  xmlNode* x509_data = key_info == nullptr ? nullptr : xmlSecTmplKeyInfoAddX509Data(key_info);
  if (x509_data == nullptr) return fail("adding KeyInfo/X509Data");
  for (const auto& cert : chain) {
    // xmlSecTmplX509DataAddCertificate adds at most one; a chain needs one node per cert.
    const std::string b64 = base64_lines(cert.der());
    if (xmlNewTextChild(x509_data, x509_data->ns, as_xml("X509Certificate"), as_xml(b64.c_str())) ==
        nullptr) {
      return fail("adding X509Certificate");
    }
  }
  xmlChar* buffer = nullptr;
  int size = 0;
  xmlDocDumpMemory(doc.get(), &buffer, &size);
  if (buffer == nullptr || size <= 0) return fail("serializing the document");
  std::string out(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(size));
  xmlFree(buffer);
  return out;
}

}  // namespace cllm::gpu
