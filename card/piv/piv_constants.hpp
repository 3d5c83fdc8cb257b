#pragma once
// PIV card edge constants (NIST SP 800-73-4 Parts 1 and 2, SP 800-78-4), shared by the
// client profile (piv_card) and the virtual card (vcard/). "(vendor)" marks YubiKey extensions
// that yubico-piv-tool needs.
#include "card/tlv.hpp"

#include <array>
#include <cstdint>

namespace fmc::card::piv {

// SP 800-73-4 Part 1 §2.2: the full AID; cards match SELECT by prefix (OpenSC sends 9 bytes,
// yubico-piv-tool the 5-byte RID).
inline constexpr std::array<std::uint8_t, 11> kAid{0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                                   0x00, 0x10, 0x00, 0x01, 0x00};
inline constexpr std::array<std::uint8_t, 5> kRid{0xA0, 0x00, 0x00, 0x03, 0x08};

namespace ins {
inline constexpr std::uint8_t kVerify = 0x20;
inline constexpr std::uint8_t kChangeReferenceData = 0x24;
inline constexpr std::uint8_t kResetRetryCounter = 0x2C;
inline constexpr std::uint8_t kGenerateAsymmetricKeyPair = 0x47;
inline constexpr std::uint8_t kGeneralAuthenticate = 0x87;
inline constexpr std::uint8_t kSelect = 0xA4;
inline constexpr std::uint8_t kGetResponse = 0xC0;
inline constexpr std::uint8_t kGetData = 0xCB;
inline constexpr std::uint8_t kPutData = 0xDB;
inline constexpr std::uint8_t kSetManagementKey = 0xFF;  // (vendor)
inline constexpr std::uint8_t kGetMetadata = 0xF7;       // (vendor)
inline constexpr std::uint8_t kGetSerial = 0xF8;         // (vendor)
inline constexpr std::uint8_t kGetVersion = 0xFD;        // (vendor)
} // namespace ins

// Data object tags (the value of the 5C tag list in GET DATA / PUT DATA).
namespace object {
inline constexpr TlvTag kCardCapabilityContainer = 0x5FC107;
inline constexpr TlvTag kChuid = 0x5FC102;
inline constexpr TlvTag kPivAuthenticationCert = 0x5FC105;   // slot 9A
inline constexpr TlvTag kCardAuthenticationCert = 0x5FC101;  // slot 9E
inline constexpr TlvTag kDigitalSignatureCert = 0x5FC10A;    // slot 9C
inline constexpr TlvTag kKeyManagementCert = 0x5FC10B;       // slot 9D
inline constexpr TlvTag kPrintedInformation = 0x5FC109;      // behind the PIN
inline constexpr TlvTag kKeyHistory = 0x5FC10C;
inline constexpr TlvTag kDiscovery = 0x7E;
} // namespace object

// Template tags.
namespace tag {
inline constexpr TlvTag kTagList = 0x5C;
inline constexpr TlvTag kDataObject = 0x53;
inline constexpr TlvTag kApplicationPropertyTemplate = 0x61;
inline constexpr TlvTag kApplicationIdentifier = 0x4F;
inline constexpr TlvTag kCoexistentTagAllocationAuthority = 0x79;
inline constexpr TlvTag kApplicationLabel = 0x50;
inline constexpr TlvTag kCryptographicAlgorithms = 0xAC;
inline constexpr TlvTag kAlgorithmIdentifier = 0x80;
inline constexpr TlvTag kDynamicAuthenticationTemplate = 0x7C;
inline constexpr TlvTag kWitness = 0x80;
inline constexpr TlvTag kChallenge = 0x81;
inline constexpr TlvTag kResponse = 0x82;
inline constexpr TlvTag kExponentiation = 0x85;
inline constexpr TlvTag kPublicKeyTemplate = 0x7F49;
inline constexpr TlvTag kEcPoint = 0x86;
inline constexpr TlvTag kCertificate = 0x70;
inline constexpr TlvTag kCertInfo = 0x71;
inline constexpr TlvTag kErrorDetectionCode = 0xFE;
// CHUID fields (SP 800-73-4 Part 1 Table 9).
inline constexpr TlvTag kFascN = 0x30;
inline constexpr TlvTag kGuid = 0x34;
inline constexpr TlvTag kExpirationDate = 0x35;
inline constexpr TlvTag kCardholderUuid = 0x36;
inline constexpr TlvTag kIssuerAsymmetricSignature = 0x3E;
} // namespace tag

// Key references (SP 800-73-4 Part 1 Table 4b).
namespace key {
inline constexpr std::uint8_t kPivAuthentication = 0x9A;
inline constexpr std::uint8_t kManagement = 0x9B;
inline constexpr std::uint8_t kDigitalSignature = 0x9C;
inline constexpr std::uint8_t kKeyManagement = 0x9D;
inline constexpr std::uint8_t kCardAuthentication = 0x9E;
inline constexpr std::uint8_t kApplicationPin = 0x80;
inline constexpr std::uint8_t kPuk = 0x81;
} // namespace key

// Cryptographic mechanism identifiers (SP 800-78-4 Table 6-2).
namespace algorithm {
inline constexpr std::uint8_t kTripleDes = 0x03;
inline constexpr std::uint8_t kRsa2048 = 0x07;
inline constexpr std::uint8_t kAes128 = 0x08;
inline constexpr std::uint8_t kAes192 = 0x0A;
inline constexpr std::uint8_t kAes256 = 0x0C;
inline constexpr std::uint8_t kEccP256 = 0x11;
inline constexpr std::uint8_t kEccP384 = 0x14;
} // namespace algorithm

// Factory defaults of a blank card (and of YubiKeys before firmware 5.7).
inline constexpr char kDefaultPin[] = "123456";
inline constexpr char kDefaultPuk[] = "12345678";
inline constexpr std::array<std::uint8_t, 24> kDefaultManagementKey{
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
inline constexpr int kPinRetries = 3;
inline constexpr int kPukRetries = 3;

// The certificate object that belongs to a key slot.
constexpr TlvTag certificateObjectFor(std::uint8_t keyReference) {
    switch (keyReference) {
        case key::kPivAuthentication: return object::kPivAuthenticationCert;
        case key::kDigitalSignature: return object::kDigitalSignatureCert;
        case key::kKeyManagement: return object::kKeyManagementCert;
        case key::kCardAuthentication: return object::kCardAuthenticationCert;
        default: return 0;
    }
}

} // namespace fmc::card::piv
