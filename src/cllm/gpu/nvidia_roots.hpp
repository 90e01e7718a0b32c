// NVIDIA's two pinned roots (public certificates, kept as data): the Device Identity CA,
// which every GPU and NVSwitch device chain ends in, and the CoRIM signing Root CA, which
// signs the chains of the reference integrity manifests. The copies a device or a RIM carries
// are never trusted; these are. Sources: nvtrust local GPU verifier
// verifier/certs/verifier_device_root.pem and verifier_RIM_root.pem (research note §3, §4.2).
#pragma once

#include <string_view>

#include "cllm/crypto/x509.hpp"

namespace cllm::gpu {

// SHA-256 of each root's DER (also recorded in shared/testdata/nvidia/PROVENANCE.md).
inline constexpr std::string_view kNvidiaDeviceIdentityCaSha256 =
    "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48";
inline constexpr std::string_view kNvidiaCorimSigningRootCaSha256 =
    "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1";

// The PEM text of each root.
std::string_view nvidia_device_identity_ca_pem();
std::string_view nvidia_corim_signing_root_ca_pem();

// Parsed once, on first use (thread-safe).
// CN=NVIDIA Device Identity CA, O=NVIDIA; P-384; 2021-11-05 .. 9999-12-31.
const crypto::Certificate& nvidia_device_identity_ca();
// CN=NVIDIA CoRIM signing Root CA, O=NVIDIA, C=US; P-384; 2023-03-16 .. 2053-03-08.
const crypto::Certificate& nvidia_corim_signing_root_ca();

}  // namespace cllm::gpu
