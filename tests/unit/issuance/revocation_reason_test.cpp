// The revocation reasons an operator may give (issuance/card_lifecycle.hpp) and the RFC 5280
// CRLReason each is published as in the CRL terminals read.
#include "issuance/card_lifecycle.hpp"

#include <catch2/catch.hpp>

using fmc::crypto::pki::RevocationReason;
using fmc::issuance::kRevocationReasons;
using fmc::issuance::publishedReason;
using fmc::issuance::StationError;

TEST_CASE("each station reason is published as its CRLReason", "[issuance][lifecycle]") {
    // A lost card: nobody knows its key was misused, so "unspecified".
    CHECK(publishedReason("lost") == RevocationReason::unspecified);
    // The 9E key signs without a PIN: a stolen card is a compromised key.
    CHECK(publishedReason("stolen") == RevocationReason::keyCompromise);
    CHECK(publishedReason("key-compromise") == RevocationReason::keyCompromise);
    CHECK(publishedReason("superseded") == RevocationReason::superseded);
    CHECK(publishedReason("ceased") == RevocationReason::cessationOfOperation);
}

TEST_CASE("every listed reason is accepted", "[issuance][lifecycle]") {
    CHECK(kRevocationReasons.size() == 5);
    for (const std::string_view reason : kRevocationReasons) CHECK_NOTHROW((void)publishedReason(reason));
}

TEST_CASE("a reason outside the list is refused", "[issuance][lifecycle]") {
    for (const std::string_view reason : {"", "Lost", "LOST", "keyCompromise", "certificateHold", "unspecified",
                                          " lost", "lost ", "superseded\n", "removeFromCRL"})
        CHECK_THROWS_AS((void)publishedReason(reason), StationError);
}
