#pragma once
// Named builders for the PIV card commands (NIST SP 800-73-4 Part 2 §3) and the YubiKey
// extensions that yubico-piv-tool sends. Each returns a CommandApdu value; none sends anything.
//
// Commands that expect data back carry Le = 00 ("up to 256"), as SP 800-73-4 Part 2 §3
// shows them; CardChannel collects longer answers through 61xx. Builders taking a PIN or a key
// copy it into the APDU: the caller (PivCard) wipes that APDU after sending it.
#include "card/apdu.hpp"
#include "card/piv/piv_constants.hpp"
#include "card/tlv.hpp"
#include "crypto/bytes.hpp"

#include <cstdint>

namespace fmc::card::piv::commands {

// §3.1.1 SELECT: `00 A4 04 00 Lc <AID> 00`. Cards match right-truncated AIDs, so OpenSC's
// 9-byte and yubico-piv-tool's 5-byte forms select the same application.
[[nodiscard]] CommandApdu select(ByteView aid = kAid);

// §3.1.2 GET DATA: `00 CB 3F FF Lc 5C <len> <tag> 00`; Discovery is `5C 01 7E`.
[[nodiscard]] CommandApdu getData(TlvTag objectTag);

// §3.3.1 PUT DATA: `00 DB 3F FF Lc 5C 03 <tag> 53 L <value>`. Discovery (7E) is sent as the
// bare `7E L <value>` the spec gives for it (cards also accept yubico-piv-tool's 5C/53 form).
[[nodiscard]] CommandApdu putData(TlvTag objectTag, ByteView value);

// §3.3.2 GENERATE ASYMMETRIC KEY PAIR: `00 47 00 <slot> 05 AC 03 80 01 <alg> 00`.
[[nodiscard]] CommandApdu generateKeyPair(std::uint8_t slot, std::uint8_t algorithm);

// §3.2.4 GENERAL AUTHENTICATE: `00 87 <alg> <key> Lc 7C L <template> 00`.
[[nodiscard]] CommandApdu generalAuthenticate(std::uint8_t algorithm, std::uint8_t keyReference,
                                              ByteView dynamicAuthenticationTemplate);
// Signature over a precomputed digest (Part 2 Appendix A, "signature generation"):
// `7C L { 82 00, 81 L <digest> }`; the card answers `7C L { 82 L <signature> }`.
[[nodiscard]] CommandApdu signDigest(std::uint8_t slot, std::uint8_t algorithm, ByteView digest);
// Management-key mutual authentication, step 1: `7C 02 80 00` asks the card for a witness.
[[nodiscard]] CommandApdu managementKeyWitnessRequest(std::uint8_t algorithm);
// Step 2: the decrypted witness and the host's own challenge, `7C L { 80 L <R>, 81 L <C> }`.
[[nodiscard]] CommandApdu managementKeyWitnessResponse(std::uint8_t algorithm, const SecretBytes& decryptedWitness,
                                                       ByteView hostChallenge);
// A random challenge from the card: `7C 02 81 00` to key 9B.
[[nodiscard]] CommandApdu cardChallenge(std::uint8_t algorithm);

// §3.2.1 VERIFY: `00 20 00 <ref> 08 <PIN padded with FF>`. PINs are 1 to 8 bytes (Part 2 §2.4).
[[nodiscard]] CommandApdu verifyPin(const SecretBytes& pin, std::uint8_t reference = key::kApplicationPin);
// VERIFY with P1=FF: the card forgets that the PIN was verified (SP 800-73-4 Part 2 §3.2.1).
[[nodiscard]] CommandApdu pinStatusReset(std::uint8_t reference = key::kApplicationPin);
// §3.2.1 VERIFY without data (case 1, `00 20 00 80`): 9000 verified, 63Cx x tries left, 6983 blocked.
[[nodiscard]] CommandApdu pinStatusQuery(std::uint8_t reference = key::kApplicationPin);
// §3.2.2 CHANGE REFERENCE DATA: `00 24 00 <ref> 10 <old8> <new8>` (PIN 80 or PUK 81).
[[nodiscard]] CommandApdu changeReferenceData(std::uint8_t reference, const SecretBytes& current,
                                              const SecretBytes& replacement);
// §3.2.3 RESET RETRY COUNTER: `00 2C 00 80 10 <PUK8> <newPIN8>`.
[[nodiscard]] CommandApdu resetRetryCounter(const SecretBytes& puk, const SecretBytes& newPin);

// (vendor) YubiKey extensions, byte for byte as yubico-piv-tool's lib/ykpiv.c sends them: the
// header followed by a single 00 (Le = 256).
[[nodiscard]] CommandApdu getVersion();                  // 00 FD 00 00 00 -> major minor patch
[[nodiscard]] CommandApdu getSerial();                   // 00 F8 00 00 00 -> 4 bytes big-endian
[[nodiscard]] CommandApdu getMetadata(std::uint8_t slot);  // 00 F7 00 <slot> 00 -> TLVs
// (vendor) SET MANAGEMENT KEY: `00 FF FF FF|FE Lc <alg> 9B <len> <key>`; P2 FE asks for touch.
[[nodiscard]] CommandApdu setManagementKey(std::uint8_t algorithm, const SecretBytes& key,
                                           bool requireTouch = false);

// The 8-byte FF-padded form of a PIN or PUK; throws std::invalid_argument unless 1..8 bytes.
[[nodiscard]] SecretBytes padPin(const SecretBytes& pin);

} // namespace fmc::card::piv::commands
