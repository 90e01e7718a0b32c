#include "cllm/gpu/sim_rim.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/gpu/xml_signature.hpp"

namespace cllm::gpu {

namespace {

bool covered(const std::vector<std::size_t>& indices, std::size_t index) {
  return std::find(indices.begin(), indices.end(), index) != indices.end();
}

}  // namespace

std::string sim_rim_unsigned_xml(SimRimKind kind, const SimGpuFirmware& firmware) {
  const bool driver = kind == SimRimKind::kDriver;
  const std::string& version = driver ? firmware.driver_version : firmware.vbios_version;
  const std::vector<std::size_t>& active =
      driver ? sim_driver_rim_indices() : sim_vbios_rim_indices();

  std::string payload;
  for (std::size_t i = 0; i < kSimMeasurementBlocks; ++i) {
    const bool is_active = covered(active, i);
    // Inactive entries carry zeros, as NVIDIA's do; the verifier ignores them.
    std::string hash(96, '0');
    if (is_active) {
      auto value = sim_measurement_value(firmware, i);
      if (value) hash = to_hex(*value);
    }
    payload += "    <ns0:Resource type=\"Measurement\" index=\"" + std::to_string(i) +
               "\" active=\"" + (is_active ? "True" : "False") +
               "\" alternatives=\"1\" ns2:Hash0=\"" + hash + "\" name=\"Measurement_" +
               std::to_string(i) + "\" size=\"48\"/>\n";
  }
  // tagId: NVIDIA uses a SHA-384 hex; ours hashes what the document describes.
  auto tag = crypto::sha384(as_bytes(std::string(driver ? "driver " : "vbios ") + version));
  const std::string tag_id = tag ? to_hex(*tag) : std::string(96, '0');
  return "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
         "xmlns:ns0=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
         "xmlns:ns2=\"http://www.w3.org/2001/04/xmlenc#sha384\" corpus=\"false\" name=\"GH100\" "
         "patch=\"false\" supplemental=\"false\" tagId=\"" +
         tag_id +
         "\" version=\"1.0\" tagVersion=\"0\">\n"
         "    <ns0:Entity name=\"cllm Simulated NVIDIA Corporation\" role=\"softwareCreator "
         "tagCreator\"/>\n"
         "    <ns0:Meta xmlns:ns1=\"https://trustedcomputinggroup.org/resource/"
         "tcg-reference-integrity-manifest-rim-information-model/\" colloquialVersion=\"" +
         version + "\" edition=\"" + (driver ? "GPU Driver" : "GPU") +
         "\" product=\"GH100 (cllm Simulated)\" revision=\"r1\" PayloadType=\"direct\" "
         "ns1:BindingSpec=\"RIMIM\" ns1:BindingSpecVersion=\"1.01\" "
         "ns1:PlatformManufacturerId=\"5703\" "
         "ns1:PlatformManufacturerStr=\"cllm Simulated NVIDIA Corporation\" "
         "ns1:PlatformModel=\"GH100\" ns1:FirmwareManufacturer=\"cllm Simulated NVIDIA "
         "Corporation\" ns1:FirmwareManufacturerId=\"5703\"/>\n"
         "    <ns0:Payload xmlns:SHA384=\"http://www.w3.org/2001/04/xmlenc#sha384\">\n" +
         payload +
         "    </ns0:Payload>\n"
         "</SoftwareIdentity>\n";
}

Result<std::string> build_sim_rim(SimRimKind kind, const SimGpuFirmware& firmware,
                                  const SimGpuPki& pki) {
  const std::string xml = sim_rim_unsigned_xml(kind, firmware);
  auto signed_xml = sign_enveloped(as_bytes(xml), pki.rim_signing_key(), pki.rim_signer_chain());
  if (!signed_xml) return std::move(signed_xml).error().context("gpu simulator: signing RIM");
  return signed_xml;
}

Result<SimRimFiles> write_sim_rims(const std::string& dir, const SimGpuFirmware& firmware,
                                   const SimGpuPki& pki) {
  if (dir.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "gpu simulator: no RIM directory given");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(ErrorCode::kIo,
                      "gpu simulator: cannot create " + dir + ": " + std::strerror(errno));
  }
  SimRimFiles files;
  files.driver_id = sim_driver_rim_id(firmware);
  files.vbios_id = sim_vbios_rim_id(firmware);
  files.driver_path = dir + "/" + files.driver_id + ".xml";
  files.vbios_path = dir + "/" + files.vbios_id + ".xml";
  CLLM_ASSIGN_OR_RETURN(std::string driver, build_sim_rim(SimRimKind::kDriver, firmware, pki));
  CLLM_ASSIGN_OR_RETURN(std::string vbios, build_sim_rim(SimRimKind::kVbios, firmware, pki));
  CLLM_TRY(write_file_atomic(files.driver_path, as_bytes(driver), 0644));
  CLLM_TRY(write_file_atomic(files.vbios_path, as_bytes(vbios), 0644));
  return files;
}

}  // namespace cllm::gpu
