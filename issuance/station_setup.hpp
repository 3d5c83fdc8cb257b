#pragma once
// Creating a station (root and issuing CA, station secret, registry) and what is done with
// its trust material afterwards: the trust bundle for terminals and the root key's offline
// custody.
#include "db/records.hpp"
#include "issuance/station.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace fmc::issuance {

struct InitRequest {
    std::string authority;    // the root's organization, e.g. "Yiwu Public Security Bureau"
    std::string stationName;  // the issuing CA's common name; default "<authority> issuing CA"
    // Where the issuing CA key and the station secret live: "file" (encrypted files in the
    // station folder) or a pkcs11: URI naming the token (objects are added to it).
    std::string keyStore = "file";
    int rootYears = 20;
    int issuingYears = 10;
};

struct InitResult {
    std::string rootSubject;
    std::string issuingSubject;
    std::string issuerId;
    std::string rootFingerprint;  // SHA-256 of the root certificate's DER, hex
};

// Refuses a folder that already holds a station. On failure nothing is left that would make
// the folder look initialized (station.json is written last).
InitResult initStation(const std::filesystem::path& home, const InitRequest& request, const db::Operator& by,
                       const std::function<void(const std::string&)>& progress);

// The root's ARL (RFC 5280 §5: a CRL of CA certificates) that terminals import next to the
// card CRL. The root signs it, so the root key must be on the station; it is valid for
// `days` (default a year), since the root key comes out of custody rarely. `init` publishes
// the first one to <home>/arl.der.
struct PublishedArl {
    std::int64_t crlNumber = 0;
    db::Timestamp nextUpdate{};
};
PublishedArl publishArl(Station& station, const std::filesystem::path& target, int days, const db::Operator& by);

// The PEM bundle terminals trust: the root, then the issuing CA.
std::string trustBundle(const Station& station);

// Copies the encrypted root key file to `target` (it opens with `openssl pkey -passin`), and
// with `remove` deletes it from the station; both recorded in the audit log.
void exportRootKey(Station& station, const std::filesystem::path& target, bool remove, const db::Operator& by);
// Brings an exported root key back (checked against the root certificate first).
void importRootKey(Station& station, const std::filesystem::path& source, const db::Operator& by);

} // namespace fmc::issuance
