// A parsed NVIDIA RIM (Reference Integrity Manifest): a TCG RIM in ISO/IEC 19770-2:2015 SWID
// XML carrying the golden SHA-384 measurements of a driver or VBIOS (spec §4.2).
//
// Parsing is for hostile input: at most kMaxRimSize bytes, no network, no DTD (a DOCTYPE is
// rejected before its internal subset is read, so no entity is ever declared or expanded),
// a bound on element depth, and every field the appraisal uses is checked with an error that
// names the element or attribute. The signature is not checked here (see xml_signature.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

struct _xmlDoc;  // libxml2's document; kept out of this header's users' includes

namespace cllm::gpu {

inline constexpr std::size_t kMaxRimSize = 1024 * 1024;
inline constexpr std::size_t kMaxRimDepth = 32;
// SPDM reports carry at most 64 blocks, so RIM indices are 0..63.
inline constexpr std::uint32_t kMaxRimMeasurementIndex = 63;
// Real RIMs list up to 4 alternatives per index; the bound only stops absurd counts.
inline constexpr std::uint32_t kMaxRimAlternatives = 16;

inline constexpr const char* kSwidNamespace =
    "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
inline constexpr const char* kTcgRimNamespace =
    "https://trustedcomputinggroup.org/resource/"
    "tcg-reference-integrity-manifest-rim-information-model/";
inline constexpr const char* kSha384Namespace = "http://www.w3.org/2001/04/xmlenc#sha384";

// One Payload/Resource type="Measurement".
struct RimMeasurement {
  std::uint32_t index = 0;  // 0-based; the SPDM block index is index + 1
  bool active = false;
  std::string name;
  std::uint32_t size = 0;           // bytes in each alternative (48)
  std::vector<Bytes> alternatives;  // Hash0..HashN-1, each `size` bytes
};

struct RimDocument {
  // SoftwareIdentity attributes. tagId is a content hash in NVIDIA's RIMs, not the RIM id
  // ("NV_GPU_DRIVER_GH100_550.144.03"): the id is bound by whoever fetched the document.
  std::string tag_id;
  std::string name;
  std::string version;
  // Meta attributes.
  std::string colloquial_version;  // the driver or VBIOS version the RIM describes
  std::string product;
  std::optional<std::string> firmware_manufacturer_id;  // TCG RIM attribute, "5703"
  // Sorted by index, unique.
  std::vector<RimMeasurement> measurements;

  // The measurement with this index, or nullptr.
  const RimMeasurement* find(std::uint32_t index) const;
};

// Parses and checks the structure of a RIM (at most kMaxRimSize bytes).
Result<RimDocument> parse_rim_document(ByteView xml);

namespace detail {

struct XmlDocDeleter {
  void operator()(_xmlDoc* doc) const;
};
using XmlDocPtr = std::unique_ptr<_xmlDoc, XmlDocDeleter>;

// The one place outside XML becomes a libxml2 tree, with the limits above (size, no DOCTYPE,
// no network, depth). The signature verifier parses with it too, so the tree whose signature
// is checked is built exactly like the tree whose values are read.
Result<XmlDocPtr> parse_xml_bounded(ByteView xml, std::size_t max_size = kMaxRimSize);

// Extracts the RIM fields from a tree made by parse_xml_bounded.
Result<RimDocument> extract_rim_document(const _xmlDoc& doc);

}  // namespace detail

}  // namespace cllm::gpu
