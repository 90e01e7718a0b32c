#include "cllm/ratls/client_verifier.hpp"

#include "cllm/crypto/x509.hpp"
#include "cllm/ratls/certificate.hpp"

namespace cllm::ratls {

namespace {

using Outcome = attest::Factor::Outcome;

// The factors attest::appraise_evidence would report, marked unchecked when the
// certificate itself already failed (fail closed: the output still lists every check).
void add_unchecked_rest(attest::Verdict& v, std::string_view why) {
  v.add("evidence_format", Outcome::kFail, "not checked: " + std::string(why));
}

}  // namespace

attest::Verdict appraise_ratls_certificate(ByteView certificate_der,
                                           const attest::AppraisalOptions& options,
                                           std::int64_t max_lifetime_seconds) {
  attest::Verdict v;
  auto certificate = crypto::Certificate::from_der(certificate_der);
  if (!certificate.ok()) {
    v.add("certificate_parses", Outcome::kFail, certificate.error().message());
    add_unchecked_rest(v, "the certificate does not parse");
    v.finish();
    return v;
  }
  v.add("certificate_parses", Outcome::kPass,
        std::to_string(certificate_der.size()) + " bytes, serial " + certificate->serial_hex());

  // The signature proves possession of the private key whose SPKI the claims bind: the
  // evidence is then about the party at the other end of this handshake (TLS also proves
  // possession, this makes the certificate self-consistent on its own).
  if (!certificate->is_signed_by(*certificate)) {
    v.add("certificate_self_signed", Outcome::kFail,
          "the certificate is not signed by its own key");
  } else {
    v.add("certificate_self_signed", Outcome::kPass, "signed by its own key");
  }
  const std::int64_t lifetime = certificate->not_after() - certificate->not_before();
  if (options.now < certificate->not_before() || options.now > certificate->not_after()) {
    v.add("certificate_validity", Outcome::kFail,
          "now (" + std::to_string(options.now) + ") is outside notBefore " +
              std::to_string(certificate->not_before()) + " .. notAfter " +
              std::to_string(certificate->not_after()));
  } else if (lifetime > max_lifetime_seconds) {
    v.add("certificate_validity", Outcome::kFail,
          "lifetime of " + std::to_string(lifetime) + " s exceeds " +
              std::to_string(max_lifetime_seconds) + " s");
  } else {
    v.add("certificate_validity", Outcome::kPass,
          "valid now; expires in " + std::to_string(certificate->not_after() - options.now) + " s");
  }

  auto evidence = parse_ratls_evidence(*certificate);
  if (!evidence.ok()) {
    v.add("evidence_format", Outcome::kFail, evidence.error().message());
    v.finish();
    return v;
  }
  v.add("evidence_format", Outcome::kPass,
        "one id-pe-cmw extension: quote, event log, canonical claims");
  auto spki = certificate_spki_sha256(*certificate);

  attest::Evidence input;
  input.expected_purpose = std::string(attest::kPurposeRatls);
  input.quote = std::move(evidence->quote);
  input.event_log = std::move(evidence->event_log);
  input.claims = std::move(evidence->claims);
  attest::Binding binding;
  // A failure to hash (never expected) leaves an impossible value, so the binding fails.
  binding.tls_spki_sha256 = spki.ok() ? *spki : std::string("unavailable");
  attest::Verdict rest = attest::appraise_evidence(input, binding, options);
  for (auto& f : rest.factors)
    v.factors.push_back(std::move(f));
  v.claims = std::move(rest.claims);
  v.finish();
  return v;
}

std::optional<RatlsVerifierState::Snapshot> RatlsVerifierState::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

void RatlsVerifierState::record(Snapshot snapshot) {
  std::lock_guard lock(mutex_);
  last_ = std::move(snapshot);
}

RatlsVerifier make_ratls_verifier(RatlsVerifierOptions options) {
  auto state = std::make_shared<RatlsVerifierState>();
  auto shared_options = std::make_shared<const RatlsVerifierOptions>(std::move(options));
  RatlsVerifier out;
  out.state = state;
  out.verify = [state, shared_options](std::span<const Bytes> chain) -> Status {
    if (chain.empty()) {
      return make_error(ErrorCode::kVerification, "ratls: the server sent no certificate");
    }
    // Only the leaf matters: trust comes from its evidence, and anything sent after it is
    // ignored rather than trusted.
    attest::AppraisalOptions appraisal = shared_options->appraisal;
    const Clock& clock =
        shared_options->clock != nullptr ? *shared_options->clock : SystemClock::instance();
    appraisal.now = clock.now_unix();
    RatlsVerifierState::Snapshot snapshot;
    snapshot.verdict = appraise_ratls_certificate(chain.front(), appraisal,
                                                  shared_options->max_certificate_lifetime_seconds);
    snapshot.leaf_der = chain.front();
    if (auto spki = certificate_spki_sha256(ByteView(chain.front())); spki.ok()) {
      snapshot.spki_sha256 = *spki;
    }
    const attest::Factor* failed = snapshot.verdict.first_failure();
    std::string message =
        failed == nullptr
            ? std::string()
            : "ratls: " + failed->name + ": " +
                  (failed->detail.empty() ? std::string(attest::to_string(failed->outcome))
                                          : failed->detail);
    const bool accepted = snapshot.verdict.accepted;
    state->record(std::move(snapshot));
    if (!accepted) return make_error(ErrorCode::kVerification, std::move(message));
    return ok_status();
  };
  return out;
}

}  // namespace cllm::ratls
