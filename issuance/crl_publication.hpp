#pragma once
// Signing the issuing CA's revocation lists and putting them where terminals fetch them:
// `crl publish --out FILE` writes one complete CRL, `crl publish --dir DIR` keeps the
// published folder that `fmc-terminal crl sync` reads:
//   DIR/<issuing CA SKI, lower-case hex>/full-N.crl, delta-N.crl, arl-M.crl, index.cms
// Every list is recorded in the registry before any file is written, so a CRL number never
// names two different lists: a publish that fails after recording uses its number up.
#include "crypto/bytes.hpp"
#include "crypto/pki/revocation_list.hpp"
#include "db/records.hpp"
#include "issuance/station.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fmc::issuance {

struct PublishedCrlSummary {
    std::int64_t crlNumber = 0;
    db::Timestamp thisUpdate{};
    db::Timestamp nextUpdate{};
    std::size_t revoked = 0;    // entries for revoked cards and never-used serials
    std::size_t suspended = 0;  // certificateHold entries
};

// A complete CRL over every revocation and suspension, signed but not yet recorded.
struct CompleteCrl {
    PublishedCrlSummary summary;
    std::vector<crypto::pki::RevokedCertificate> entries;
    Bytes der;
};

// Signs the complete CRL numbered after the last one recorded for the station's issuing CA,
// valid `hours` (1..744, else InputError) from `now`.
[[nodiscard]] CompleteCrl signCompleteCrl(Station& station, db::Timestamp now, int hours);
// Records it; throws db::CrlNumberError when another publish took the number meanwhile.
void recordCompleteCrl(Station& station, const CompleteCrl& crl, db::CrlPublication publication,
                       const db::Operator& by);

inline constexpr int kDefaultDeltaWindowHours = 24;

// The complete CRL a delta is computed against, so that a terminal that synced within the
// last `window` holds it or a newer one (RFC 5280 §5.2.4 lets a delta apply to any complete
// CRL numbered from its base on): the newest CRL with thisUpdate <= now - window (a terminal
// that synced since then holds it or a newer one), else the oldest; nullopt when `published`
// is empty (the CA never published).
[[nodiscard]] std::optional<std::int64_t> chooseDeltaBase(const std::vector<db::PublishedCrlHeader>& published,
                                                          db::Timestamp now, std::chrono::hours window);

// One file of the published folder.
struct PublishedListFile {
    std::string file;  // its name in the CA's folder
    std::uint64_t size = 0;
    std::size_t entries = 0;
    std::int64_t crlNumber = 0;
};

struct FolderPublication {
    PublishedCrlSummary complete;
    std::filesystem::path caFolder;  // DIR/<ski>
    PublishedListFile full;
    std::optional<std::int64_t> baseCrlNumber;
    std::optional<PublishedListFile> delta;
    std::optional<PublishedListFile> arl;
    std::uint64_t indexSize = 0;
    std::vector<std::string> removed;  // older files pruned from the CA's folder
};

// Throws StationError unless `folder` is a folder this process can create files in; the
// message says that nothing was published or recorded.
void requireWritableFolder(const std::filesystem::path& folder);

// The CA's folder inside the published folder: `folder`/<issuing CA SKI, lower-case hex>.
[[nodiscard]] std::filesystem::path caFolderIn(Station& station, const std::filesystem::path& folder);

// Signs complete CRL N and (unless the CA never published before) delta CRL N against
// chooseDeltaBase, records CRL N, writes full-N.crl, delta-N.crl and the root's newest ARL
// (arl-M.crl), then the signed index.cms, each atomically, and deletes the list files that
// neither this index nor the two before it name. Throws InputError for bad hours or window,
// StationError when the folder cannot be written (before anything is recorded when that shows
// up front; afterwards the message says the number is used up).
FolderPublication publishCrlFolder(Station& station, const std::filesystem::path& folder, int hours,
                                   int deltaWindowHours, const db::Operator& by);

} // namespace fmc::issuance
