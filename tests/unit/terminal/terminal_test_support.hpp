#pragma once
// Shared by the terminal's unit tests: the pki tests' CA pair (unit/pki_test_support.hpp) with
// card certificates whose entitlements are real catalog codes, and the catalog services the
// tests decide for, written out by hand so that a change to the shipped catalog does not
// change what these tests mean.
#include "catalog/services_catalog.hpp"
#include "crypto/digest.hpp"
#include "crypto/uuid.hpp"
#include "unit/pki_test_support.hpp"

#include <string>
#include <vector>

namespace fmc::terminal::testing {

namespace pki = crypto::pki;
using pki::testing::jan2026;
using pki::testing::year;

inline catalog::Service service(const std::string& code, std::vector<catalog::CardInterface> interfaces) {
    catalog::Service service;
    service.code = code;
    service.entitlement = code;
    service.interfaces = std::move(interfaces);
    return service;
}

// The shipped catalog's shape: library over both interfaces, trade.licensing contact only.
inline const catalog::Service library =
    service("library", {catalog::CardInterface::contact, catalog::CardInterface::contactless});
inline const catalog::Service tradeLicensing = service("trade.licensing", {catalog::CardInterface::contact});
inline const catalog::Service mediation =
    service("mediation", {catalog::CardInterface::contact, catalog::CardInterface::contactless});

inline const std::vector<std::string> cardEntitlements{"trade.licensing", "library"};

// A 9E certificate as the station issues it: valid 2026-01-01 .. 2031-01-01, for `cardKey`
// and `cardUuid`, carrying `cardEntitlements`, preferred language French.
inline pki::Certificate issueCardCertificate(const pki::testing::TestPki& authority, const Uuid& cardUuid,
                                             const crypto::EcPublicKey& cardKey) {
    return authority.issuing.issueCardCertificate(pki::CardCertificateRequest{
        "00000000000000B7", cardUuid, cardKey,
        pki::CardAttributes{cardEntitlements, "fr", crypto::sha256(ByteView(Bytes{0x01, 0x02}))}, jan2026,
        jan2026 + 5 * year, {}});
}

} // namespace fmc::terminal::testing
