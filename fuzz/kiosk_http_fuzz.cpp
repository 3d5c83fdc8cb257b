// libFuzzer target: what reaches the merchant kiosk (terminal/kiosk_server.cpp) from outside.
// The kiosk reads no query parameters and no path beyond its fixed routes; what it takes from
// a request is cpp-httplib's parse of it and the POST /api/pin body (parsePinRequest). Its
// handlers are lambdas inside runKiosk() behind a PC/SC connection, so the route table here is
// a stand-in with the same routes, and the PIN body goes through the kiosk's own parsePinRequest.
// The first byte selects:
//   0  an HTTP request, through cpp-httplib's own request parser (Server::process_request,
//      no socket) into a server with the kiosk's routes, methods and headers. The POST
//      /api/pin body goes through parsePinRequest, up to where the kiosk would open the card.
//      Checked: every answer is one the kiosk gives (never a 500 from a handler that threw),
//      API answers are JSON, and a PIN never comes back in any answer.
//   1  the card view the kiosk publishes (kioskCardView) for what a card can carry:
//      entitlement codes and preferred language that pass CardAttributes::validate, any
//      serial, any expiry the clock can hold, any reason. Checked: the state is JSON that
//      parses back the same, holds no raw line break (it goes out as one Server-Sent Event
//      "data:" line), lists each entitlement once in order with an English name, a status
//      the page knows, and a renewal reminder only for a valid card.
//   2  language selection (LocalizedText::text) with any tag, on the catalog's texts and on
//      texts built from the input. Checked: the answer is the exact tag's text when the tag
//      is present (any case), one of the texts otherwise, and empty only without "en".
// (The page renders every text with textContent, never innerHTML, so no HTML is built on
// either side from card or request data; kiosk.html is checked for that in the report.)
#include "catalog/localized_text.hpp"
#include "catalog/services_catalog.hpp"
#include "crypto/bytes.hpp"
#include "crypto/pki/card_attributes.hpp"
#include "crypto/pki/pki_errors.hpp"
#include "terminal/kiosk_view.hpp"
#include "terminal/tap_decision.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

void require(bool condition) {
    if (!condition) std::abort();  // libFuzzer reports the input that got here
}

const fmc::catalog::ServicesCatalog& servicesCatalog() {
    static const auto catalog = fmc::catalog::ServicesCatalog::load(fmc::catalog::defaultServicesCatalogPath());
    return catalog;
}

// ---- 0: HTTP requests ----

// A connection whose bytes are the input; what the server writes is kept.
class InputStream final : public httplib::Stream {
public:
    explicit InputStream(std::string_view input) : input_(input) {}
    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* buffer, size_t size) override {
        const std::size_t count = std::min(size, input_.size() - position_);
        std::copy_n(input_.data() + position_, count, buffer);
        position_ += count;
        return static_cast<ssize_t>(count);
    }
    ssize_t write(const char* buffer, size_t size) override {
        output_.append(buffer, size);
        return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        ip = "127.0.0.1";
        port = 40000;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        ip = "127.0.0.1";
        port = 8080;
    }
    socket_t socket() const override { return INVALID_SOCKET; }
    [[nodiscard]] const std::string& output() const { return output_; }

private:
    std::string_view input_;
    std::size_t position_ = 0;
    std::string output_;
};

void replyJson(httplib::Response& response, int status, const json& body) {
    response.status = status;
    response.set_header("Cache-Control", "no-store");
    response.set_content(body.dump(), "application/json; charset=utf-8");
}

// The kiosk's route table (runKiosk), with a card present in a contact reader, so that the
// PIN endpoint reads its body: the same parse and shape check as showPersonalData, which
// then opens the card; here the answer stops at 409 "no-card" instead.
class KioskRoutes final : public httplib::Server {
public:
    KioskRoutes() {
        Get("/", [](const httplib::Request&, httplib::Response& response) {
            response.set_header("Cache-Control", "no-store");
            response.set_content("<!doctype html><title>kiosk</title>", "text/html; charset=utf-8");
        });
        Get("/api/texts", [](const httplib::Request&, httplib::Response& response) {
            response.set_content(R"({"version":"1"})", "application/json; charset=utf-8");
        });
        Get("/api/state", [](const httplib::Request&, httplib::Response& response) {
            response.set_header("Cache-Control", "no-store");
            response.set_content(R"({"present":false,"idle_seconds":60,"event":1})", "application/json; charset=utf-8");
        });
        Get("/events", [](const httplib::Request&, httplib::Response& response) {
            response.set_chunked_content_provider("text/event-stream", [](std::size_t, httplib::DataSink& sink) {
                const std::string message = "event: state\ndata: {\"present\":false}\n\n";
                sink.write(message.data(), message.size());
                sink.done();
                return true;
            });
        });
        Post("/api/pin", [](const httplib::Request& request, httplib::Response& response) {
            // The kiosk's own parse of the body (showPersonalData), up to where it opens the card.
            const std::optional<fmc::terminal::PinRequest> pin = fmc::terminal::parsePinRequest(request.body);
            if (!pin) return replyJson(response, 400, {{"error", "bad-request"}});
            if (!pin->wellFormed) return replyJson(response, 403, {{"error", "wrong-pin"}, {"tries_left", nullptr}});
            require(pin->pin.size() >= 6 && pin->pin.size() <= 8);
            replyJson(response, 409, {{"error", "no-card"}});
        });
    }
    std::string serve(std::string_view request) {
        InputStream stream(request);
        bool closed = false;
        static_cast<void>(process_request(stream, true, closed, nullptr));
        return stream.output();
    }
};

void fuzzHttp(std::string_view request) {
    static KioskRoutes server;
    const std::string answer = server.serve(request);
    if (answer.empty()) return;  // nothing parsed far enough to answer
    require(answer.starts_with("HTTP/1.1 "));
    // No 500: that is httplib's answer to a handler that threw.
    static const std::set<std::string> statuses{"200", "206", "400", "403", "404", "405", "409", "413", "414", "416", "417", "431"};
    const std::string status = answer.substr(9, 3);
    require(statuses.contains(status));
    // A PIN the request carried never comes back (a six-digit run of the answer's own
    // bytes, such as a date header, is not the PIN unless the request had it in a pin field).
    const std::size_t body = answer.find("\r\n\r\n");
    require(body != std::string::npos);
    const std::string content = answer.substr(body + 4);
    const std::size_t pinField = request.find("\"pin\"");
    if (pinField != std::string_view::npos) {
        for (std::size_t start = request.find_first_of("0123456789", pinField); start != std::string_view::npos;
             start = request.find_first_of("0123456789", start + 6)) {
            const std::string_view digits = request.substr(start, 6);
            if (digits.size() == 6 && digits.find_first_not_of("0123456789") == std::string_view::npos)
                require(content.find(digits) == std::string::npos);
        }
    }
    if (status != "200" && content.starts_with("{")) require(json::accept(content));
}

// ---- 1: the card view ----

const char* const kReasons[] = {"granted", "suspended", "revoked", "expired", "not-yet-valid", "untrusted-ca",
                                "tampered", "no-crl", "stale-crl", "cloned", "unreadable", "wrong-interface"};

void fuzzCardView(FuzzedDataProvider& input) {
    fmc::terminal::Decision decision;
    decision.granted = input.ConsumeBool();
    decision.reason = input.PickValueInArray(kReasons);
    decision.cardInterface = input.ConsumeBool() ? "contact" : "contactless";
    decision.serial = fmc::toHex(fmc::ByteView(input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange<std::size_t>(0, 20))));
    const auto& catalog = servicesCatalog();
    const std::size_t count = input.ConsumeIntegralInRange<std::size_t>(0, 12);
    for (std::size_t i = 0; i < count; ++i) {
        if (input.ConsumeBool() && !catalog.entitlements().empty()) {
            const auto& known = catalog.entitlements();
            decision.entitlements.push_back(known[input.ConsumeIntegralInRange<std::size_t>(0, known.size() - 1)].code);
        } else {
            decision.entitlements.push_back(input.ConsumeRandomLengthString(70));
        }
    }
    static const char* const kTags[] = {"en", "vi-VN", "zh-Hans-CN", "ar", "ru", "fr", "sr-Latn-RS", "x-private"};
    decision.preferredLanguage = input.ConsumeBool() ? std::string(input.PickValueInArray(kTags)) : input.ConsumeRandomLengthString(40);
    if (input.ConsumeBool()) {
        // notAfter as fromAsn1Time can return it: within system_clock's range (1677-2262).
        const auto seconds = input.ConsumeIntegralInRange<std::int64_t>(-9223372036LL, 9223372036LL);
        decision.expires = std::chrono::sys_seconds(std::chrono::seconds(seconds));
    }
    const Clock::time_point now = Clock::time_point(std::chrono::seconds(1767225600));
    // Only what a verified card can carry: its attributes pass the profile check.
    fmc::crypto::pki::CardAttributes attributes{decision.entitlements, decision.preferredLanguage, fmc::Bytes(32, 0)};
    try {
        attributes.validate();
    } catch (const fmc::crypto::pki::CertificateProfileError&) {
        return;
    }

    const json view = fmc::terminal::kioskCardView(decision, catalog, now, input.ConsumeBool());
    const std::string text = view.dump();  // throws on text that is not UTF-8: a finding
    require(text.find('\n') == std::string::npos && text.find('\r') == std::string::npos);
    require(json::parse(text) == view);
    const std::string status = view.at("status").get<std::string>();
    static const std::set<std::string> statuses{"valid", "suspended", "revoked", "expired", "not-yet-valid", "invalid"};
    require(statuses.contains(status));
    require(!decision.granted || status == "valid");
    if (view.at("renewal_due").get<bool>()) require(status == "valid");
    const json& entitlements = view.at("entitlements");
    require(entitlements.size() == decision.entitlements.size());
    for (std::size_t i = 0; i < entitlements.size(); ++i) {
        require(entitlements[i].at("code") == decision.entitlements[i]);
        require(entitlements[i].at("names").contains("en"));
    }
}

// ---- 2: language selection ----

void checkSelection(const fmc::catalog::LocalizedText& text, std::string_view language) {
    const std::string& chosen = text.text(language);
    const auto lower = [](std::string_view value) {
        std::string out(value);
        for (char& c : out)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return out;
    };
    bool hasEnglish = false;
    bool isOneOfThem = false;
    bool tagPresent = false;
    bool isTagsText = false;
    for (const auto& [tag, value] : text.byLanguage) {
        if (lower(tag) == "en") hasEnglish = true;
        if (&value == &chosen) isOneOfThem = true;
        if (!language.empty() && lower(tag) == lower(language)) {
            tagPresent = true;
            if (&value == &chosen) isTagsText = true;
        }
    }
    require(isOneOfThem || chosen.empty());
    if (tagPresent) require(isTagsText);  // the exact tag (any case) wins
    if (hasEnglish) require(isOneOfThem);
}

void fuzzLanguage(FuzzedDataProvider& input) {
    const std::string language = input.ConsumeRandomLengthString(40);
    for (const auto& service : servicesCatalog().services()) {
        checkSelection(service.names, language);
        checkSelection(service.where, language);
    }
    fmc::catalog::LocalizedText built;
    const std::size_t count = input.ConsumeIntegralInRange<std::size_t>(0, 8);
    for (std::size_t i = 0; i < count; ++i) built.byLanguage.emplace(input.ConsumeRandomLengthString(16), input.ConsumeRandomLengthString(8));
    checkSelection(built, language);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    switch (data[0] % 3) {
    case 0: fuzzHttp(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)); break;
    case 1: {
        FuzzedDataProvider input(data + 1, size - 1);
        fuzzCardView(input);
        break;
    }
    default: {
        FuzzedDataProvider input(data + 1, size - 1);
        fuzzLanguage(input);
        break;
    }
    }
    return 0;
}
