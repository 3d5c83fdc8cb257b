#include "issuance/crl_publication.hpp"

#include "crypto/digest.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pki/certificate_authority.hpp"
#include "crypto/pki/crl_delta.hpp"
#include "crypto/pki/crl_index.hpp"
#include "issuance/card_lifecycle.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <unistd.h>

namespace fmc::issuance {

namespace pki = crypto::pki;

namespace {

constexpr int kMaxHours = 24 * 31;


std::string listFileName(std::string_view kind, std::int64_t number) {
    return std::string(kind) + "-" + std::to_string(number) + ".crl";
}

// The inverse of listFileName for our three kinds; nullopt for any other name. (No
// std::regex: g++ 12 warns inside <regex> under the sanitizers.)
std::optional<std::pair<std::string, std::int64_t>> parseListFileName(std::string_view name) {
    for (const std::string_view kind : {"full", "delta", "arl"}) {
        if (!name.starts_with(kind) || name.size() <= kind.size() + 5 || name[kind.size()] != '-' || !name.ends_with(".crl"))
            continue;
        const std::string_view digits = name.substr(kind.size() + 1, name.size() - kind.size() - 5);
        if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        return std::pair{std::string(kind), std::stoll(std::string(digits))};
    }
    return std::nullopt;
}

// Creates the CA's folder and checks it up front, so that the usual mistakes (a read-only
// mount, a file where the folder should be) stop the publish before a number is recorded.
void prepareFolder(const std::filesystem::path& caFolder) {
    std::error_code error;
    std::filesystem::create_directories(caFolder, error);
    if (error)
        throw StationError("cannot create " + caFolder.string() + ": " + error.message() +
                           " (nothing was published or recorded)");
    requireWritableFolder(caFolder);
}

PublishedListFile writeListFile(const std::filesystem::path& caFolder, std::string_view kind, std::int64_t number,
                                const Bytes& der, std::size_t entries) {
    PublishedListFile file{listFileName(kind, number), der.size(), entries, number};
    writeFileAtomically(caFolder / file.file, ByteView(der), 0644);
    return file;
}

pki::CrlIndexEntry indexEntry(const PublishedListFile& file, const Bytes& der,
                              std::optional<std::int64_t> baseCrlNumber = std::nullopt) {
    pki::CrlIndexEntry entry;
    entry.file = file.file;
    entry.crlNumber = static_cast<std::uint64_t>(file.crlNumber);
    if (baseCrlNumber) entry.baseCrlNumber = static_cast<std::uint64_t>(*baseCrlNumber);
    entry.size = file.size;
    entry.sha256 = crypto::sha256(ByteView(der));
    return entry;
}

// Files other than index.cms are immutable and terminals cache them, but a terminal may
// have fetched one of the last indexes just before it was replaced: keep what the current
// index and the two before it name. Each publish writes one full-N (and delta-N) and names
// the newest ARL, so those are the three highest full numbers and the three highest ARL
// numbers in the folder. Only our own names are touched.
std::vector<std::string> pruneOldLists(const std::filesystem::path& caFolder) {
    std::map<std::string, std::set<std::int64_t>> numbers;  // kind -> numbers present
    std::vector<std::pair<std::string, std::int64_t>> files;
    for (const auto& item : std::filesystem::directory_iterator(caFolder)) {
        const std::string name = item.path().filename().string();
        const std::optional<std::pair<std::string, std::int64_t>> parsed = parseListFileName(name);
        if (!item.is_regular_file() || !parsed) continue;
        const auto& [kind, number] = *parsed;
        numbers[kind].insert(number);
        files.emplace_back(name, number);
    }
    auto newestThree = [](const std::set<std::int64_t>& present) {
        std::set<std::int64_t> kept;
        for (auto it = present.rbegin(); it != present.rend() && kept.size() < 3; ++it) kept.insert(*it);
        return kept;
    };
    const std::set<std::int64_t> keptLists = newestThree(numbers["full"]);
    const std::set<std::int64_t> keptArls = newestThree(numbers["arl"]);
    std::vector<std::string> removed;
    for (const auto& [name, number] : files) {
        const bool isArl = name.starts_with("arl-");
        if ((isArl ? keptArls : keptLists).contains(number)) continue;
        std::error_code ignored;  // a file already gone is as good as removed
        if (std::filesystem::remove(caFolder / name, ignored)) removed.push_back(name);
    }
    std::sort(removed.begin(), removed.end());
    return removed;
}

// An exclusive flock on the CA's folder itself (a directory descriptor: no lock file for the
// web server to serve). Waits up to 30 s for another publish, then reports the station busy.
class FolderLock {
public:
    explicit FolderLock(const std::filesystem::path& folder)
        : descriptor_(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (descriptor_ < 0) throw StationError("cannot open " + folder.string() + ": " + std::strerror(errno));
        for (int attempt = 0; ::flock(descriptor_, LOCK_EX | LOCK_NB) != 0; ++attempt) {
            if (errno != EWOULDBLOCK || attempt == 300) {
                ::close(descriptor_);
                throw StationBusyError("another process is publishing into " + folder.string());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    ~FolderLock() { ::close(descriptor_); }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

private:
    int descriptor_;
};

} // namespace

void requireWritableFolder(const std::filesystem::path& folder) {
    std::error_code error;
    if (!std::filesystem::is_directory(folder, error))
        throw StationError(folder.string() + " is not a folder (nothing was published or recorded)");
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        throw StationError("cannot write to " + folder.string() + ": " + std::generic_category().message(errno) +
                           " (nothing was published or recorded)");
}

CompleteCrl signCompleteCrl(Station& station, db::Timestamp now, int hours) {
    if (hours < 1 || hours > kMaxHours) throw InputError("--hours must be between 1 and 744");
    db::Registry& registry = station.registry();
    CompleteCrl crl;
    for (const db::Revocation& revocation : registry.listRevocations()) {
        crl.entries.push_back({fromHex(revocation.serial), revocation.revokedAt, publishedReason(revocation.reason)});
        ++crl.summary.revoked;
    }
    for (const db::Card& card : registry.listCards(db::CardFilter{{}, db::CardStatus::suspended, {}, {}})) {
        crl.entries.push_back({fromHex(card.serial()), card.updatedAt, pki::RevocationReason::certificateHold});
        ++crl.summary.suspended;
    }
    crl.summary.crlNumber = registry.nextCrlNumber(station.issuerId());
    crl.summary.thisUpdate = now;
    crl.summary.nextUpdate = now + std::chrono::hours(hours);
    pki::RevocationListRequest request;
    request.crlNumber = static_cast<std::uint64_t>(crl.summary.crlNumber);
    request.thisUpdate = crl.summary.thisUpdate;
    request.nextUpdate = crl.summary.nextUpdate;
    request.entries = crl.entries;
    crl.der = station.issuingCa().issueRevocationList(request).der();
    return crl;
}

void recordCompleteCrl(Station& station, const CompleteCrl& crl, db::CrlPublication publication,
                       const db::Operator& by) {
    station.registry().recordPublishedCrl(db::PublishedCrl{station.issuerId(), crl.summary.crlNumber,
                                                           crl.summary.thisUpdate, crl.summary.nextUpdate, crl.der,
                                                           std::move(publication)},
                                          by);
}

std::optional<std::int64_t> chooseDeltaBase(const std::vector<db::PublishedCrlHeader>& published, db::Timestamp now,
                                            std::chrono::hours window) {
    std::optional<db::PublishedCrlHeader> newestBeforeWindow;
    std::optional<db::PublishedCrlHeader> oldest;
    for (const db::PublishedCrlHeader& crl : published) {
        if (crl.thisUpdate <= now - window && (!newestBeforeWindow || crl.crlNumber > newestBeforeWindow->crlNumber))
            newestBeforeWindow = crl;
        if (!oldest || crl.crlNumber < oldest->crlNumber) oldest = crl;
    }
    if (newestBeforeWindow) return newestBeforeWindow->crlNumber;
    if (oldest) return oldest->crlNumber;
    return std::nullopt;
}

std::filesystem::path caFolderIn(Station& station, const std::filesystem::path& folder) {
    return folder / pki::crlFolderName(station.issuingCertificate());
}

FolderPublication publishCrlFolder(Station& station, const std::filesystem::path& folder, int hours,
                                   int deltaWindowHours, const db::Operator& by) {
    if (hours < 1 || hours > kMaxHours) throw InputError("--hours must be between 1 and 744");
    if (deltaWindowHours < 1 || deltaWindowHours > kMaxHours)
        throw InputError("--delta-window must be between 1 and 744 hours");
    db::Registry& registry = station.registry();
    const pki::CertificateAuthority& ca = station.issuingCa();
    const std::string issuerId = station.issuerId();

    FolderPublication result;
    result.caFolder = caFolderIn(station, folder);
    prepareFolder(result.caFolder);
    // Held from the CRL number's recording to the pruning: two publishes into one folder
    // would otherwise be able to leave index N on top of index N+1, or prune each other's files.
    const FolderLock lock(result.caFolder);

    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const CompleteCrl complete = signCompleteCrl(station, now, hours);
    result.complete = complete.summary;
    const std::vector<db::PublishedCrlHeader> published = registry.listPublishedCrls(issuerId);
    result.baseCrlNumber = chooseDeltaBase(published, now, std::chrono::hours(deltaWindowHours));

    Bytes deltaDer;
    std::size_t deltaSize = 0;
    if (result.baseCrlNumber) {
        const std::optional<db::PublishedCrl> base = registry.findPublishedCrl(issuerId, *result.baseCrlNumber);
        if (!base) throw StationError("CRL " + std::to_string(*result.baseCrlNumber) + " vanished from the registry");
        pki::RevocationListRequest request;
        request.crlNumber = static_cast<std::uint64_t>(complete.summary.crlNumber);
        request.thisUpdate = complete.summary.thisUpdate;
        request.nextUpdate = complete.summary.nextUpdate;
        request.baseCrlNumber = static_cast<std::uint64_t>(*result.baseCrlNumber);
        // Every complete CRL since the base: a terminal may hold any of them.
        std::vector<std::vector<pki::RevokedCertificate>> listsBetween;
        for (const db::PublishedCrlHeader& header : published) {
            if (header.crlNumber <= *result.baseCrlNumber) continue;
            const std::optional<db::PublishedCrl> between = registry.findPublishedCrl(issuerId, header.crlNumber);
            if (!between) continue;
            listsBetween.push_back(pki::RevocationList::fromDer(ByteView(between->der)).entries());
        }
        request.entries = pki::deltaEntries(pki::RevocationList::fromDer(ByteView(base->der)).entries(),
                                            complete.entries, now, listsBetween);
        deltaSize = request.entries.size();
        deltaDer = ca.issueRevocationList(request).der();
    }
    // The root's newest ARL, as `init` and `arl publish` recorded it under the root's key id.
    const std::optional<db::PublishedCrl> arl =
        registry.latestCrl(toHex(station.rootCertificate().subjectKeyIdentifier()));

    // Recorded before any file exists: should a write fail, number N stays used (a gap at
    // the terminals), never reused for a list with different content.
    recordCompleteCrl(station, complete, db::CrlPublication{folder.string(), result.baseCrlNumber}, by);

    const std::int64_t number = complete.summary.crlNumber;
    try {
        pki::CrlIndex index;
        index.issuer = ca.certificate().subject();
        index.issuerKeyId = ca.certificate().subjectKeyIdentifier();
        index.published = now;
        index.nextUpdate = complete.summary.nextUpdate;
        result.full = writeListFile(result.caFolder, "full", number, complete.der, complete.entries.size());
        index.full = indexEntry(result.full, complete.der);
        if (result.baseCrlNumber) {
            result.delta = writeListFile(result.caFolder, "delta", number, deltaDer, deltaSize);
            index.delta = indexEntry(*result.delta, deltaDer, result.baseCrlNumber);
        }
        if (arl) {
            const std::size_t arlEntries = pki::RevocationList::fromDer(ByteView(arl->der)).entries().size();
            result.arl = writeListFile(result.caFolder, "arl", arl->crlNumber, arl->der, arlEntries);
            index.arl = indexEntry(*result.arl, arl->der);
        }
        const Bytes signedIndex = pki::signCrlIndex(index, ca);
        result.indexSize = signedIndex.size();
        writeFileAtomically(result.caFolder / pki::kCrlIndexFileName, ByteView(signedIndex), 0644);
    } catch (const std::exception& error) {  // a file, or the token signing the index
        const std::string message = std::string(error.what()) + " (CRL " + std::to_string(number) +
                                    " is recorded, so its number is used up; terminals keep the previous index "
                                    "until the next publish succeeds)";
        // A file error stays one, so that a full disk keeps its own exit code.
        if (const auto* fileError = dynamic_cast<const FileError*>(&error))
            throw FileError(message, fileError->systemError());
        throw StationError(message);
    }
    try {
        result.removed = pruneOldLists(result.caFolder);
    } catch (const std::filesystem::filesystem_error&) {
        // Published and recorded: an old file that could not be listed or removed stays, and
        // the next publish tries again. That is no reason to report the publish as failed.
    }
    return result;
}

} // namespace fmc::issuance
