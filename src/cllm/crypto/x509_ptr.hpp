// RAII owners for the OpenSSL X.509, BIO, BIGNUM and EC objects used by the ECDSA and X.509
// wrappers. Kept apart from evp_ptr.hpp (EVP objects only) so each header stays one concept.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {

using X509Ptr = OpensslPtr<X509, X509_free>;
using X509CrlPtr = OpensslPtr<X509_CRL, X509_CRL_free>;
using X509StorePtr = OpensslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using BioPtr = OpensslPtr<BIO, BIO_free_all>;
// BN_clear_free wipes the limbs first: a BIGNUM we own may hold a private scalar.
using BignumPtr = OpensslPtr<BIGNUM, BN_clear_free>;
using BnCtxPtr = OpensslPtr<BN_CTX, BN_CTX_free>;
using EcGroupPtr = OpensslPtr<EC_GROUP, EC_GROUP_free>;
using EcPointPtr = OpensslPtr<EC_POINT, EC_POINT_free>;
using Asn1IntegerPtr = OpensslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1ObjectPtr = OpensslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using OsslParamBldPtr = OpensslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using OsslParamPtr = OpensslPtr<OSSL_PARAM, OSSL_PARAM_free>;

// STACK_OF(X509) helpers. OpenSSL's sk_X509_* macros expand to C-style casts, which our
// -Wold-style-cast build rejects, so these call the typed inline checkers directly.
namespace detail {
// Frees the stack only: the certificates in it are borrowed, not owned.
inline void x509_stack_free(STACK_OF(X509) * sk) {
  OPENSSL_sk_free(ossl_check_X509_sk_type(sk));
}
}  // namespace detail

using X509StackPtr = OpensslPtr<STACK_OF(X509), detail::x509_stack_free>;

inline X509StackPtr new_x509_stack() {
  return X509StackPtr(reinterpret_cast<STACK_OF(X509)*>(OPENSSL_sk_new_null()));
}
inline int x509_stack_size(const STACK_OF(X509) * sk) {
  return OPENSSL_sk_num(ossl_check_const_X509_sk_type(sk));
}
inline X509* x509_stack_at(const STACK_OF(X509) * sk, int i) {
  return static_cast<X509*>(OPENSSL_sk_value(ossl_check_const_X509_sk_type(sk), i));
}
// Appends without taking a reference; returns false on allocation failure.
inline bool x509_stack_push(STACK_OF(X509) * sk, X509* cert) {
  return OPENSSL_sk_push(ossl_check_X509_sk_type(sk), ossl_check_X509_type(cert)) > 0;
}

}  // namespace cllm::crypto
