#pragma once
// Internal to the reader survey: is the card in the reader one of ours, and who issued it?
// Reads only public objects (the 9E certificate, a tag's NDEF message), never personal data.
#include "card/reader_survey.hpp"
#include "card/transport.hpp"
#include "crypto/pki/certificate.hpp"

#include <optional>
#include <vector>

namespace fmc::card {

namespace piv {
class PivCard;
}

using TrustedIssuingCas = std::optional<std::vector<crypto::pki::Certificate>>;

// A selected PIV card: reads the 9E certificate and, when it follows the card certificate
// profile, fills report.fmc and report.issuerTrust; else report.notOursReason.
void identifyPivCard(piv::PivCard& piv, ReaderReport& report, const TrustedIssuingCas& trusted);

// An NTAG21x: reads the UID and the NDEF message; an "application/cwt" record that parses as
// our tag credential fills report.fmc (with the UID check) and report.issuerTrust.
void identifyTag(CardChannel& channel, ReaderReport& report, const TrustedIssuingCas& trusted);

} // namespace fmc::card
