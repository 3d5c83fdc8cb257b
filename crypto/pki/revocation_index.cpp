#include "crypto/pki/revocation_index.hpp"

#include "crypto/pki/openssl_handles.hpp"
#include "crypto/pki/pki_errors.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>

namespace fmc::crypto::pki {

namespace {

// RFC 5280 §5.2: a CRL with a critical extension we do not process must not be used. We
// process the CRL number, the AKI and, when merging a delta (withDelta), the delta CRL
// indicator; an issuing distribution point (always critical) makes the CRL unusable here,
// and so does a delta CRL offered as a complete one.
void refuseUnprocessedCriticalExtensions(X509_CRL* crl, bool deltaIndicatorProcessed = false) {
    const int count = X509_CRL_get_ext_count(crl);
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION* extension = X509_CRL_get_ext(crl, i);
        const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
        if (nid == NID_delta_crl && deltaIndicatorProcessed) continue;
        if (X509_EXTENSION_get_critical(extension) == 1 && nid != NID_crl_number && nid != NID_authority_key_identifier)
            throw MalformedCrlError("CRL has a critical extension this verifier does not process");
    }
}

// RFC 5280 §6.3.3 (f), (g): the list names `issuer` and its key signed it.
void requireIssuedBy(const RevocationList& crl, const Certificate& issuer, const std::string& kind) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.native()), X509_get_subject_name(issuer.native())) != 0)
        throw UntrustedCrlError(kind + " issuer is not " + issuer.subject());
    EVP_PKEY* key = X509_get0_pubkey(issuer.native());
    if (key == nullptr || X509_CRL_verify(crl.native(), key) != 1) {
        ERR_clear_error();
        throw UntrustedCrlError(kind + " signature does not verify with " + issuer.subject());
    }
}

// §5.3: the same rule for entry extensions (certificateIssuer marks an indirect CRL).
void refuseUnprocessedCriticalEntryExtensions(const X509_REVOKED* entry) {
    const int count = X509_REVOKED_get_ext_count(entry);
    for (int i = 0; i < count; ++i) {
        X509_EXTENSION* extension = X509_REVOKED_get_ext(entry, i);
        if (X509_EXTENSION_get_critical(extension) == 1 &&
            OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != NID_crl_reason)
            throw MalformedCrlError("CRL entry has a critical extension this verifier does not process");
    }
}

RevocationReason reasonOf(const X509_REVOKED* entry) {
    int critical = 0;
    Asn1EnumeratedHandle reason(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr)));
    if (!reason) {
        ERR_clear_error();
        if (critical == -1) return RevocationReason::unspecified;
        throw MalformedCrlError("CRL entry with an unreadable reason code");
    }
    const auto known = revocationReasonFromCode(ASN1_ENUMERATED_get(reason.get()));
    if (!known) throw MalformedCrlError("CRL entry with an undefined reason code");
    return *known;
}

// Every entry of `crl` as an index entry (unsorted). removeFromCrl is accepted only when
// `delta`: in a complete CRL it would list a card as revoked for being unlisted.
template <typename Entry>
std::vector<Entry> decodeEntries(X509_CRL* crl, bool delta) {
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
    const int count = sk_X509_REVOKED_num(revoked);
    std::vector<Entry> entries;
    entries.reserve(static_cast<std::size_t>(std::max(count, 0)));
    for (int i = 0; i < count; ++i) {
        const X509_REVOKED* revokedEntry = sk_X509_REVOKED_value(revoked, i);
        refuseUnprocessedCriticalEntryExtensions(revokedEntry);
        const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(revokedEntry);
        if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) throw MalformedCrlError("CRL entry with a negative serial");
        const unsigned char* data = ASN1_STRING_get0_data(serial);
        std::size_t length = static_cast<std::size_t>(ASN1_STRING_length(serial));
        while (length > 0 && *data == 0) {
            ++data;
            --length;
        }
        if (length > 20) throw MalformedCrlError("CRL entry serial longer than 20 octets (RFC 5280 §4.1.2.2)");
        Entry entry;
        std::memcpy(entry.serial.data(), data, length);
        entry.length = static_cast<std::uint8_t>(length);
        entry.reason = reasonOf(revokedEntry);
        if (entry.reason == RevocationReason::removeFromCrl && !delta)
            throw MalformedCrlError("complete CRL with a removeFromCRL entry (delta CRLs only, RFC 5280 §5.3.1)");
        entries.push_back(entry);
    }
    return entries;
}

} // namespace

bool RevocationIndex::less(const Entry& left, const Entry& right) {
    if (left.length != right.length) return left.length < right.length;
    return std::memcmp(left.serial.data(), right.serial.data(), left.length) < 0;
}

RevocationIndex RevocationIndex::build(const RevocationList& crl, const Certificate& issuer) {
    X509_CRL* native = crl.native();
    requireIssuedBy(crl, issuer, "CRL");
    if (crl.isDelta()) throw MalformedCrlError("a delta CRL is applied to a complete one (withDelta), not indexed alone");
    refuseUnprocessedCriticalExtensions(native);
    std::vector<Entry> entries = decodeEntries<Entry>(native, false);
    std::sort(entries.begin(), entries.end(), less);
    return RevocationIndex(issuer, crl.crlNumber(), crl.thisUpdate(), crl.nextUpdate(), std::move(entries));
}

RevocationIndex RevocationIndex::withDelta(const RevocationList& delta) const {
    if (!delta.isDelta()) throw MalformedCrlError("a complete CRL is not a delta: import it instead");
    X509_CRL* native = delta.native();
    requireIssuedBy(delta, issuer_, "delta CRL");
    refuseUnprocessedCriticalExtensions(native, true);
    // §5.2.4: a delta applies to any complete CRL numbered at or above its base; the lists
    // merged so far are the complete CRL numbered crlNumber_.
    if (*delta.baseCrlNumber() > crlNumber_)
        throw DeltaCrlBaseError("delta CRL " + std::to_string(delta.crlNumber()) + " from " + delta.issuer() +
                                " is based on CRL " + std::to_string(*delta.baseCrlNumber()) +
                                ", newer than the held " + std::to_string(crlNumber_) + ": the complete CRL is needed");
    if (delta.crlNumber() <= crlNumber_)
        throw CrlNotNewerError("delta CRL number " + std::to_string(delta.crlNumber()) + " from " + delta.issuer() +
                               " is not newer than the held " + std::to_string(crlNumber_));

    std::vector<Entry> changes = decodeEntries<Entry>(native, true);
    std::sort(changes.begin(), changes.end(), less);
    const auto same = [](const Entry& left, const Entry& right) { return !less(left, right) && !less(right, left); };
    if (std::adjacent_find(changes.begin(), changes.end(), same) != changes.end())
        throw MalformedCrlError("delta CRL lists a serial twice");

    // One merge pass over two sorted arrays: a change replaces or removes the held entry.
    std::vector<Entry> merged;
    merged.reserve(entries_.size() + changes.size());
    auto held = entries_.begin();
    for (const Entry& change : changes) {
        while (held != entries_.end() && less(*held, change)) merged.push_back(*held++);
        if (held != entries_.end() && same(*held, change)) ++held;
        if (change.reason != RevocationReason::removeFromCrl) merged.push_back(change);
    }
    merged.insert(merged.end(), held, entries_.end());

    RevocationIndex result(issuer_, delta.crlNumber(), delta.thisUpdate(), delta.nextUpdate(), std::move(merged));
    result.completeCrlNumber_ = completeCrlNumber_;
    return result;
}

std::optional<RevocationReason> RevocationIndex::find(ByteView serialNumber) const {
    std::size_t skip = 0;
    while (skip < serialNumber.size() && serialNumber[skip] == 0) ++skip;
    const ByteView magnitude = serialNumber.subspan(skip);
    if (magnitude.size() > 20) return std::nullopt;  // cannot be listed: §4.1.2.2 caps at 20
    Entry probe;
    std::copy(magnitude.begin(), magnitude.end(), probe.serial.begin());
    probe.length = static_cast<std::uint8_t>(magnitude.size());
    const auto found = std::lower_bound(entries_.begin(), entries_.end(), probe, less);
    if (found == entries_.end() || less(probe, *found)) return std::nullopt;
    return found->reason;
}

namespace {
// Differences in seconds: a list may date from 1678 (the clock's first year), and now minus
// that in the clock's nanoseconds would overflow.
std::chrono::seconds secondsBetween(std::chrono::system_clock::time_point from, std::chrono::system_clock::time_point to) {
    return std::chrono::floor<std::chrono::seconds>(to) - std::chrono::floor<std::chrono::seconds>(from);
}
} // namespace

double RevocationIndex::ageHours(std::chrono::system_clock::time_point at) const {
    return std::chrono::duration<double, std::ratio<3600>>(secondsBetween(thisUpdate_, at)).count();
}

bool RevocationIndex::isStale(std::chrono::system_clock::time_point at, std::chrono::seconds maxAge) const {
    return at > nextUpdate_ || secondsBetween(thisUpdate_, at) > maxAge;
}

} // namespace fmc::crypto::pki

// ---- The fast path from DER (buildFromDer) ----

namespace fmc::crypto::pki {

namespace {

// One DER TLV with a one-octet tag and a minimally encoded definite length (X.690 §10.1).
struct Tlv {
    std::uint8_t tag = 0;
    ByteView content;
    ByteView whole;
};

std::optional<Tlv> readTlv(ByteView& input) {
    if (input.size() < 2 || (input[0] & 0x1F) == 0x1F) return std::nullopt;
    std::size_t length = input[1];
    std::size_t header = 2;
    if (length & 0x80) {
        const std::size_t octets = length & 0x7F;
        if (octets == 0 || octets > 4 || input.size() < 2 + octets || input[2] == 0) return std::nullopt;
        length = 0;
        for (std::size_t i = 0; i < octets; ++i) length = length << 8 | input[2 + i];
        if (length < 0x80) return std::nullopt;
        header += octets;
    }
    if (input.size() - header < length) return std::nullopt;
    Tlv tlv{input[0], input.subspan(header, length), input.subspan(0, header + length)};
    input = input.subspan(header + length);
    return tlv;
}

std::optional<Tlv> readTlv(ByteView& input, std::uint8_t tag) {
    if (input.empty() || input[0] != tag) return std::nullopt;
    return readTlv(input);
}

std::optional<Tlv> readTime(ByteView& input) {
    if (input.empty() || (input[0] != 0x17 && input[0] != 0x18)) return std::nullopt;
    return readTlv(input);
}

void appendLength(Bytes& out, std::size_t length) {
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    std::uint8_t octets[4];
    std::size_t count = 0;
    for (std::size_t value = length; value > 0; value >>= 8) octets[count++] = static_cast<std::uint8_t>(value);
    out.push_back(static_cast<std::uint8_t>(0x80 | count));
    while (count > 0) out.push_back(octets[--count]);
}

void appendSequence(Bytes& out, const std::vector<ByteView>& parts) {
    std::size_t length = 0;
    for (ByteView part : parts) length += part.size();
    out.push_back(0x30);
    appendLength(out, length);
    for (ByteView part : parts) out.insert(out.end(), part.begin(), part.end());
}

// reasonCode (2.5.29.21) as its OID content octets.
constexpr std::uint8_t reasonCodeOid[] = {0x55, 0x1D, 0x15};

// One revokedCertificates entry; false for anything the d2i path should judge instead.
template <typename Entry>
bool readEntry(Tlv entryTlv, Entry& entry) {
    ByteView body = entryTlv.content;
    const auto serial = readTlv(body, 0x02);
    const auto date = readTime(body);
    if (!serial || !date || serial->content.empty() || date->content.empty()) return false;
    ByteView magnitude = serial->content;
    if (magnitude[0] & 0x80) return false;  // negative
    if (magnitude.size() > 1 && magnitude[0] == 0) {
        if (!(magnitude[1] & 0x80)) return false;  // not minimal: OpenSSL refuses the padding
        magnitude = magnitude.subspan(1);
    }
    if (magnitude.size() == 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
    if (magnitude.size() > entry.serial.size()) return false;
    std::memcpy(entry.serial.data(), magnitude.data(), magnitude.size());
    entry.length = static_cast<std::uint8_t>(magnitude.size());
    entry.reason = RevocationReason::unspecified;
    if (body.empty()) return true;
    const auto extensions = readTlv(body, 0x30);
    if (!extensions || !body.empty() || extensions->content.empty()) return false;
    ByteView list = extensions->content;
    bool sawReason = false;
    while (!list.empty()) {
        const auto extension = readTlv(list, 0x30);
        if (!extension) return false;
        ByteView fields = extension->content;
        const auto oid = readTlv(fields, 0x06);
        if (!oid) return false;
        bool critical = false;
        if (!fields.empty() && fields[0] == 0x01) {
            const auto flag = readTlv(fields, 0x01);
            if (!flag || flag->content.size() != 1 || flag->content[0] != 0xFF) return false;  // DER: TRUE only
            critical = true;
        }
        const auto value = readTlv(fields, 0x04);
        if (!value || !fields.empty()) return false;
        if (std::equal(oid->content.begin(), oid->content.end(), std::begin(reasonCodeOid), std::end(reasonCodeOid))) {
            const ByteView code = value->content;
            if (sawReason || code.size() != 3 || code[0] != 0x0A || code[1] != 0x01 || (code[2] & 0x80)) return false;
            const auto known = revocationReasonFromCode(code[2]);
            if (!known || *known == RevocationReason::removeFromCrl) return false;
            entry.reason = *known;
            sawReason = true;
        } else if (critical) {
            return false;  // the d2i path refuses it with its own message
        }
    }
    return true;
}

} // namespace

std::optional<std::pair<RevocationIndex, RevocationList>> RevocationIndex::buildFromDer(ByteView der,
                                                                                        const TrustStore& trust) {
    try {
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }
        ByteView input = der;
        const auto outer = readTlv(input, 0x30);
        if (!outer || !input.empty()) return std::nullopt;
        ByteView fields = outer->content;
        const auto tbs = readTlv(fields, 0x30);
        const auto algorithm = readTlv(fields, 0x30);
        const auto signature = readTlv(fields, 0x03);
        if (!tbs || !algorithm || !signature || !fields.empty()) return std::nullopt;
        if (signature->content.size() < 2 || signature->content[0] != 0) return std::nullopt;

        // TBSCertList: version v2, signature, issuer, thisUpdate, nextUpdate,
        // revokedCertificates OPTIONAL, [0] crlExtensions OPTIONAL (RFC 5280 §5.1).
        ByteView body = tbs->content;
        const auto version = readTlv(body, 0x02);
        const auto innerAlgorithm = readTlv(body, 0x30);
        const auto issuer = readTlv(body, 0x30);
        const auto thisUpdate = readTime(body);
        const auto nextUpdate = readTime(body);
        if (!version || !innerAlgorithm || !issuer || !thisUpdate || !nextUpdate) return std::nullopt;
        if (version->content.size() != 1 || version->content[0] != 1) return std::nullopt;
        if (!std::equal(innerAlgorithm->whole.begin(), innerAlgorithm->whole.end(), algorithm->whole.begin(),
                        algorithm->whole.end()))
            return std::nullopt;
        std::optional<Tlv> revoked;
        if (!body.empty() && body[0] == 0x30) revoked = readTlv(body, 0x30);
        std::optional<Tlv> extensions;
        if (!body.empty()) extensions = readTlv(body, 0xA0);
        if (!body.empty() || (revoked && revoked->content.empty())) return std::nullopt;

        // The header as a CRL without entries (same signature, which no longer matches it):
        // OpenSSL parses and checks everything but the entries.
        Bytes headerTbs;
        std::vector<ByteView> headerParts{version->whole, innerAlgorithm->whole, issuer->whole, thisUpdate->whole,
                                          nextUpdate->whole};
        if (extensions) headerParts.push_back(extensions->whole);
        appendSequence(headerTbs, headerParts);
        Bytes headerDer;
        appendSequence(headerDer, {headerTbs, algorithm->whole, signature->whole});
        RevocationList header = RevocationList::fromDer(headerDer);
        if (header.isDelta()) return std::nullopt;  // withDelta's business: the d2i path says so
        refuseUnprocessedCriticalExtensions(header.native());

        // The signature over the raw tbsCertList, as X509_CRL_verify would check it: ECDSA only.
        const unsigned char* cursor = algorithm->whole.data();
        OpenSslHandle<X509_ALGOR, X509_ALGOR_free> parsedAlgorithm(
            d2i_X509_ALGOR(nullptr, &cursor, static_cast<long>(algorithm->whole.size())));
        int digestNid = NID_undef;
        int keyNid = NID_undef;
        if (!parsedAlgorithm || parsedAlgorithm->parameter != nullptr ||
            OBJ_find_sigid_algs(OBJ_obj2nid(parsedAlgorithm->algorithm), &digestNid, &keyNid) != 1 ||
            keyNid != NID_X9_62_id_ecPublicKey || EVP_get_digestbynid(digestNid) == nullptr) {
            ERR_clear_error();
            return std::nullopt;
        }
        const EVP_MD* digest = EVP_get_digestbynid(digestNid);
        const ByteView signatureValue = signature->content.subspan(1);
        const ByteView signedBytes = tbs->whole;
        const Certificate* signer = trust.findCrlSigner(header, [&](EVP_PKEY* key) {
            OpenSslHandle<EVP_MD_CTX, EVP_MD_CTX_free> context(EVP_MD_CTX_new());
            return context && EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) == 1 &&
                   EVP_DigestVerify(context.get(), signatureValue.data(), signatureValue.size(), signedBytes.data(),
                                    signedBytes.size()) == 1;
        });
        ERR_clear_error();
        if (signer == nullptr) return std::nullopt;

        std::vector<Entry> entries;
        if (revoked) {
            // Count first: reserving exactly keeps 1M entries at 22 MB with no regrowth.
            std::size_t count = 0;
            for (ByteView scan = revoked->content; !scan.empty(); ++count)
                if (!readTlv(scan, 0x30)) return std::nullopt;
            entries.reserve(count);
            ByteView list = revoked->content;
            while (!list.empty()) {
                const auto entryTlv = readTlv(list, 0x30);
                Entry entry;
                if (!entryTlv || !readEntry(*entryTlv, entry)) return std::nullopt;
                entries.push_back(entry);
            }
        }
        std::sort(entries.begin(), entries.end(), less);
        RevocationIndex index(*signer, header.crlNumber(), header.thisUpdate(), header.nextUpdate(), std::move(entries));
        return std::make_pair(std::move(index), std::move(header));
    } catch (const std::exception&) {
        ERR_clear_error();
        return std::nullopt;
    }
}

} // namespace fmc::crypto::pki
