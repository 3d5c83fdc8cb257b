#include "terminal/kiosk_server.hpp"

#include "card/pcsc/pcsc_card.hpp"
#include "card/pcsc/pcsc_context.hpp"
#include "card/pcsc/pcsc_transaction.hpp"
#include "card/piv/merchant_card.hpp"
#include "card/piv/piv_card.hpp"
#include "card/status_words.hpp"
#include "catalog/country_codes.hpp"
#include "catalog/kiosk_texts.hpp"
#include "crypto/digest.hpp"
#include "crypto/file_io.hpp"
#include "terminal/card_presentation.hpp"
#include "terminal/kiosk_view.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

namespace fmc::terminal {

using nlohmann::json;

namespace {

// The card now in the reader, as far as the PIN endpoint needs it.
struct PresentedCard {
    std::string readerName;
    bool contact = false;
    std::string cardUuid;
    Bytes personalDataDigest;
};

class KioskState {
public:
    explicit KioskState(int idleSeconds) : idleSeconds_(idleSeconds) { publish(json{{"present", false}}, std::nullopt); }

    void publish(json state, std::optional<PresentedCard> card) {
        const std::lock_guard lock(mutex_);
        state["idle_seconds"] = idleSeconds_;
        state["event"] = ++event_;
        state_ = state.dump();
        card_ = std::move(card);
        changed_.notify_all();
    }
    [[nodiscard]] std::pair<std::uint64_t, std::string> current() const {
        const std::lock_guard lock(mutex_);
        return {event_, state_};
    }
    [[nodiscard]] std::optional<PresentedCard> card() const {
        const std::lock_guard lock(mutex_);
        return card_;
    }
    // Waits up to `timeout` for an event newer than `seen`; returns the newest state.
    std::pair<std::uint64_t, std::string> waitAfter(std::uint64_t seen, std::chrono::seconds timeout) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return event_ > seen || closing_; });
        return {event_, state_};
    }
    void close() {
        const std::lock_guard lock(mutex_);
        closing_ = true;
        changed_.notify_all();
    }
    [[nodiscard]] bool closing() const {
        const std::lock_guard lock(mutex_);
        return closing_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    int idleSeconds_;
    std::uint64_t event_ = 0;
    std::string state_;
    std::optional<PresentedCard> card_;
    bool closing_ = false;
};

void replyJson(httplib::Response& response, int status, const json& body) {
    response.status = status;
    response.set_header("Cache-Control", "no-store");
    response.set_content(body.dump(), "application/json; charset=utf-8");
}

struct KioskReply {
    int status = 500;
    json body;
};

// The card side of POST /api/pin, on a thread of its own (runWithCardDeadline): it owns its
// copies of the card's facts and the PIN.
KioskReply readPersonalData(const PresentedCard& card, const SecretBytes& pin) {
    try {
        card::pcsc::PcscContext context;
        card::pcsc::PcscCard connection(context, card.readerName);
        card::pcsc::PcscTransaction transaction(connection);
        card::CardChannel channel(connection);
        card::piv::PivCard piv(channel);
        piv.select();
        const std::optional<card::piv::Chuid> chuid = piv.readChuid();
        if (!chuid || uuidToString(chuid->guid) != card.cardUuid) return {409, {{"error", "no-card"}}};
        try {
            piv.verifyPin(pin);
        } catch (const card::CardStatusError& error) {
            if (error.kind() == card::StatusKind::authenticationBlocked) return {423, {{"error", "pin-blocked"}}};
            if (error.kind() == card::StatusKind::wrongPin) {
                const std::optional<int> left = error.triesLeft();
                if (left && *left == 0) return {423, {{"error", "pin-blocked"}}};
                return {403, {{"error", "wrong-pin"}, {"tries_left", left ? json(*left) : json()}}};
            }
            throw;
        }
        const std::optional<Bytes> object = piv.readObject(card::piv::kMerchantPersonalDataObject);
        piv.resetPinStatus();  // nothing after us reads the personal data with our PIN
        if (!object || crypto::sha256(*object) != card.personalDataDigest) {
            // Logged for staff, without the object's content (it is personal data).
            std::cerr << "fmc-terminal kiosk: personal data refused: the card's object "
                      << (object ? "does not match its certificate" : "is missing") << '\n';
            return {422, {{"error", "tampered"}}};
        }
        const card::piv::MerchantPersonalData data = card::piv::MerchantPersonalData::decode(*object);
        return {200,
                {{"name", data.name},
                 {"native_name", data.nativeName},
                 {"nationality", data.nationality},
                 {"nationality_name", std::string(catalog::countryName(data.nationality))}}};
    } catch (const std::exception& error) {
        std::cerr << "fmc-terminal kiosk: personal data not read: " << error.what() << "\n";
        return {500, {{"error", "unreadable"}}};
    }
}

// POST /api/pin: the PIN goes to the card, never to a log; the personal data comes back
// only when its SHA-256 is the one the verified certificate carries.
void showPersonalData(const KioskState& state, const httplib::Request& request, httplib::Response& response) {
    const std::optional<PresentedCard> card = state.card();
    if (!card) return replyJson(response, 409, {{"error", "no-card"}});
    if (!card->contact) return replyJson(response, 409, {{"error", "contactless"}});
    std::optional<PinRequest> pinRequest = parsePinRequest(request.body);
    if (!pinRequest) return replyJson(response, 400, {{"error", "bad-request"}});
    if (!pinRequest->wellFormed) return replyJson(response, 403, {{"error", "wrong-pin"}, {"tries_left", nullptr}});
    std::optional<KioskReply> reply;
    try {
        reply = runWithCardDeadline<KioskReply>(
            [presented = *card, pin = std::move(pinRequest->pin)] { return readPersonalData(presented, pin); });
    } catch (const std::system_error& error) {
        std::cerr << "fmc-terminal kiosk: personal data not read: " << error.what() << "\n";
        reply = KioskReply{500, {{"error", "unreadable"}}};
    }
    if (!reply) {
        std::cerr << "fmc-terminal kiosk: personal data not read: the card did not answer within "
                  << kCardDeadline.count() << " s\n";
        return replyJson(response, 500, {{"error", "unreadable"}});
    }
    replyJson(response, reply->status, reply->body);
}

void watchCards(const TerminalHome& home, const KioskOptions& options, KioskState& state,
                const std::atomic<bool>& stop) {
    const catalog::ServicesCatalog catalog = home.loadCatalog();
    // The strictest service age a kiosk could be asked about: the default 24 h.
    const OfflineVerifier verifier(home, std::chrono::hours(24));
    for (const std::string& problem : verifier.problems()) std::cerr << "fmc-terminal kiosk: warning: " << problem << "\n";
    watchPresentations(
        options.reader, stop,
        [&](card::pcsc::PcscContext& context, const std::string& readerName) {
            const Presentation presentation = readPresentedCard(context, readerName);
            const auto now = std::chrono::system_clock::now();
            if (presentation.tagReading) {
                // A tag shows its entitlements and status like a card, marked low assurance;
                // it holds no personal data, so there is no PIN to offer.
                const Decision assessed =
                    assessTag(*presentation.tagReading, verifier.verify(*presentation.tagReading, now));
                state.publish(json{{"present", true}, {"card", kioskCardView(assessed, catalog, now, false)}},
                              std::nullopt);
                std::cerr << "fmc-terminal kiosk: NFC tag presented (" << kioskStatus(assessed) << ")\n";
                return;
            }
            if (!presentation.reading) {
                const json card{{"status", "invalid"},
                                {"reason", refuseUnread(*presentation.failure, {}, catalog::CardInterface::contact).reason},
                                {"entitlements", json::array()}, {"pin_possible", false}, {"language", "en"}};
                state.publish(json{{"present", true}, {"card", card}}, std::nullopt);
                std::cerr << "fmc-terminal kiosk: card presented, not readable\n";
                return;
            }
            const crypto::pki::Verdict verdict = verifier.verify(*presentation.reading, now);
            const catalog::CardInterface cardInterface =
                presentation.cardInterface.value_or(catalog::CardInterface::contact);
            const Decision assessed = assessCard(*presentation.reading, verdict, cardInterface);
            const bool contact = cardInterface == catalog::CardInterface::contact;
            std::optional<PresentedCard> presented;
            if (assessed.granted)
                presented = PresentedCard{readerName, contact, assessed.cardUuid, verdict.card->attributes.personalDataDigest};
            state.publish(json{{"present", true},
                               {"card", kioskCardView(assessed, catalog, now, contact && assessed.granted)}},
                          presented);
            std::cerr << "fmc-terminal kiosk: card presented (" << kioskStatus(assessed) << ")\n";
        },
        [&](const std::string&) {
            state.publish(json{{"present", false}}, std::nullopt);
            std::cerr << "fmc-terminal kiosk: card removed\n";
        },
        [](const std::string& notice) { std::cerr << "fmc-terminal kiosk: " << notice << "\n"; });
}

} // namespace

void runKiosk(const TerminalHome& home, const KioskOptions& options, const std::atomic<bool>& stop) {
    const std::string page = readFileText(catalog::defaultKioskPagePath());
    const std::string texts = catalog::KioskTexts::load(catalog::defaultKioskTextsPath()).json();
    KioskState state(options.idleSeconds);

    httplib::Server server;
    // Each open event stream holds a pool thread; a kiosk has one page, plus reloads.
    server.new_task_queue = [] { return new httplib::ThreadPool(8); };
    server.Get("/", [&](const httplib::Request&, httplib::Response& response) {
        // Everything is inline: nothing may load from anywhere else.
        response.set_header("Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                            "connect-src 'self'; img-src data:");
        response.set_header("Cache-Control", "no-store");
        response.set_content(page, "text/html; charset=utf-8");
    });
    server.Get("/api/texts", [&](const httplib::Request&, httplib::Response& response) {
        response.set_content(texts, "application/json; charset=utf-8");
    });
    server.Get("/api/state", [&](const httplib::Request&, httplib::Response& response) {
        response.set_header("Cache-Control", "no-store");
        response.set_content(state.current().second, "application/json; charset=utf-8");
    });
    server.Get("/events", [&](const httplib::Request&, httplib::Response& response) {
        response.set_header("Cache-Control", "no-store");
        response.set_chunked_content_provider(
            "text/event-stream", [&, seen = std::uint64_t{0}](std::size_t, httplib::DataSink& sink) mutable {
                const auto [event, body] = seen == 0 ? state.current() : state.waitAfter(seen, std::chrono::seconds(15));
                if (state.closing()) return false;
                const std::string message =
                    event == seen ? std::string(": keep-alive\n\n") : "event: state\ndata: " + body + "\n\n";
                seen = event;
                return sink.write(message.data(), message.size());
            });
    });
    server.Post("/api/pin", [&](const httplib::Request& request, httplib::Response& response) {
        showPersonalData(state, request, response);
    });

    if (!server.bind_to_port(options.host, options.port))
        throw TerminalError("cannot listen on " + options.host + ":" + std::to_string(options.port));
    // Ends everything when the caller asks, or when the server stops by itself.
    std::atomic<bool> finished{false};
    std::thread watcher([&] { watchCards(home, options, state, finished); });
    std::thread stopper([&] {
        while (!stop && !finished) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        finished = true;
        state.close();
        server.stop();
    });
    std::cerr << "fmc-terminal kiosk: serving http://" << options.host << ":" << options.port << "/\n";
    server.listen_after_bind();
    finished = true;
    stopper.join();
    watcher.join();
}

} // namespace fmc::terminal
