// Micro-benchmarks of the crypto wrappers on the paths verification depends on.
// The issue bars for quote and GPU-report verification are built on these figures
// (about two P-256 verifications per TDX quote, one P-384 per GPU report).
#include <benchmark/benchmark.h>

#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/ed25519.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/secp256k1.hpp"

namespace {

using namespace cllm;
using namespace cllm::crypto;

void BM_Sha256_1MiB(benchmark::State& state) {
  Bytes data(1u << 20, 0xab);
  for (auto _ : state)
    benchmark::DoNotOptimize(sha256(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_Sha256_1MiB);

void ecdsa_verify(benchmark::State& state, EcCurve curve) {
  auto key = EcdsaPrivateKey::generate(curve);
  Bytes msg(632, 0x5a);  // the size of a TDX quote's signed header + body
  auto sig = key->sign(msg);
  for (auto _ : state) {
    if (!key->public_key().verify(msg, *sig).ok()) state.SkipWithError("verify failed");
  }
}
void BM_EcdsaP256Verify(benchmark::State& state) {
  ecdsa_verify(state, EcCurve::kP256);
}
void BM_EcdsaP384Verify(benchmark::State& state) {
  ecdsa_verify(state, EcCurve::kP384);
}
BENCHMARK(BM_EcdsaP256Verify);
BENCHMARK(BM_EcdsaP384Verify);

void BM_PersonalSign(benchmark::State& state) {
  auto key = Secp256k1PrivateKey::generate();
  Bytes text(129, 'a');  // "<sha256 hex>:<sha256 hex>", a receipt
  for (auto _ : state)
    benchmark::DoNotOptimize(personal_sign(*key, text));
}
BENCHMARK(BM_PersonalSign);

void BM_PersonalSignRecover(benchmark::State& state) {
  auto key = Secp256k1PrivateKey::generate();
  Bytes text(129, 'a');
  auto sig = personal_sign(*key, text);
  for (auto _ : state)
    benchmark::DoNotOptimize(recover_personal_sign_address(text, *sig));
}
BENCHMARK(BM_PersonalSignRecover);

}  // namespace

BENCHMARK_MAIN();
