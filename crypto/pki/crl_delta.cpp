#include "crypto/pki/crl_delta.hpp"

#include <algorithm>
#include <map>

namespace fmc::crypto::pki {

namespace {

// Serials compare as numbers: shorter magnitudes first, then byte by byte. Leading zeros
// are dropped so "00 81" and "81" are the same card.
Bytes canonicalSerial(const Bytes& serial) {
    const auto first = std::find_if(serial.begin(), serial.end(), [](std::uint8_t byte) { return byte != 0; });
    return Bytes(first, serial.end());
}

struct SerialLess {
    bool operator()(const Bytes& left, const Bytes& right) const {
        if (left.size() != right.size()) return left.size() < right.size();
        return left < right;
    }
};

using BySerial = std::map<Bytes, const RevokedCertificate*, SerialLess>;

BySerial bySerial(const std::vector<RevokedCertificate>& entries) {
    BySerial out;
    for (const RevokedCertificate& entry : entries) out[canonicalSerial(entry.serialNumber)] = &entry;
    return out;
}

} // namespace

std::vector<RevokedCertificate> deltaEntries(const std::vector<RevokedCertificate>& base,
                                             const std::vector<RevokedCertificate>& current,
                                             std::chrono::system_clock::time_point removedAt,
                                             const std::vector<std::vector<RevokedCertificate>>& listsBetween) {
    const BySerial before = bySerial(base);
    const BySerial after = bySerial(current);
    std::vector<BySerial> between;
    for (const auto& list : listsBetween) between.push_back(bySerial(list));
    std::vector<RevokedCertificate> out;
    // Listed in between but in neither end: removed for the terminals that hold such a list.
    // (A serial in `base` or `current` is handled by the walk below.)
    BySerial removedSince;
    for (const BySerial& list : between)
        for (const auto& [serial, entry] : list)
            if (!before.contains(serial) && !after.contains(serial)) removedSince.emplace(serial, entry);
    for (const auto& [serial, entry] : removedSince)
        out.push_back({entry->serialNumber, removedAt, RevocationReason::removeFromCrl});
    const std::size_t betweenCount = out.size();
    // The same entry at both ends, but not in some list in between (a hold released and placed
    // again within one second): news for a terminal that holds that list.
    auto differsBetween = [&](const Bytes& serial, const RevokedCertificate& entry) {
        return std::any_of(between.begin(), between.end(), [&](const BySerial& list) {
            const auto found = list.find(serial);
            return found == list.end() || found->second->reason != entry.reason ||
                   found->second->revocationDate != entry.revocationDate;
        });
    };
    // Both maps are sorted by serial: one merge walk emits the changes in serial order.
    auto old = before.begin();
    auto now = after.begin();
    const SerialLess less;
    while (old != before.end() || now != after.end()) {
        if (now == after.end() || (old != before.end() && less(old->first, now->first))) {
            out.push_back({old->second->serialNumber, removedAt, RevocationReason::removeFromCrl});
            ++old;
        } else if (old == before.end() || less(now->first, old->first)) {
            out.push_back(*now->second);
            ++now;
        } else {
            // Listed in both: a changed reason (a hold made permanent) or date (a new hold) is news.
            if (old->second->reason != now->second->reason || old->second->revocationDate != now->second->revocationDate ||
                differsBetween(now->first, *now->second))
                out.push_back(*now->second);
            ++old;
            ++now;
        }
    }
    if (betweenCount > 0) {
        std::sort(out.begin(), out.end(), [&](const RevokedCertificate& left, const RevokedCertificate& right) {
            return less(canonicalSerial(left.serialNumber), canonicalSerial(right.serialNumber));
        });
    }
    return out;
}

} // namespace fmc::crypto::pki
