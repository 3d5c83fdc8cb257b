#include "crypto/pki/verdict.hpp"

namespace fmc::crypto::pki {

std::string_view reasonCodeName(ReasonCode code) {
    switch (code) {
    case ReasonCode::ok: return "ok";
    case ReasonCode::untrusted: return "untrusted";
    case ReasonCode::badSignature: return "bad-signature";
    case ReasonCode::expired: return "expired";
    case ReasonCode::notYetValid: return "not-yet-valid";
    case ReasonCode::revoked: return "revoked";
    case ReasonCode::suspended: return "suspended";
    case ReasonCode::crlMissing: return "crl-missing";
    case ReasonCode::crlStale: return "crl-stale";
    case ReasonCode::malformed: return "malformed";
    case ReasonCode::cardAuthFailed: return "card-auth-failed";
    }
    return "unknown";
}

std::string_view checkName(Check check) {
    switch (check) {
    case Check::certificate: return "certificate";
    case Check::path: return "path";
    case Check::issuerRevocation: return "issuer-revocation";
    case Check::cardRevocation: return "card-revocation";
    case Check::cardAuthentication: return "card-authentication";
    }
    return "unknown";
}

bool Verdict::accepted() const {
    constexpr std::size_t allChecks = 5;
    if (checks.size() != allChecks) return false;
    for (const CheckResult& result : checks)
        if (result.code != ReasonCode::ok) return false;
    return true;
}

ReasonCode Verdict::decisiveReason() const {
    for (const CheckResult& result : checks)
        if (result.code != ReasonCode::ok) return result.code;
    return accepted() ? ReasonCode::ok : ReasonCode::malformed;
}

std::optional<ReasonCode> Verdict::codeOf(Check check) const {
    for (const CheckResult& result : checks)
        if (result.check == check) return result.code;
    return std::nullopt;
}

std::string Verdict::summary() const {
    std::string out;
    for (const CheckResult& result : checks) {
        if (!out.empty()) out += ' ';
        out += checkName(result.check);
        out += '=';
        out += reasonCodeName(result.code);
    }
    return out;
}

void Verdict::add(Check check, ReasonCode code, std::string detail) {
    checks.push_back({check, code, std::move(detail)});
}

} // namespace fmc::crypto::pki
