// The readers command's hints (card/reader_hints): every rule on survey reports built by hand,
// the sysfs look at USB readers on a fake tree, and how the hints are printed.
#include "card/reader_hints.hpp"
#include "card/reader_survey.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

using namespace fmc;
using namespace fmc::card;

namespace {

std::vector<HintId> idsOf(const std::vector<Hint>& hints) {
    std::vector<HintId> ids;
    for (const Hint& hint : hints) ids.push_back(hint.id);
    return ids;
}

std::vector<HintId> hintIds(const ReaderReport& report) { return idsOf(hintsForReader(report)); }

ReaderReport cardIn(std::string reader, std::string interface, CardFamily family = CardFamily::unknown) {
    ReaderReport report;
    report.readerName = std::move(reader);
    report.cardPresent = true;
    report.cardInterface = std::move(interface);
    report.cardKind = report.cardInterface == "contact" ? "contact card" : "ISO 14443-4";
    report.cardFamily = family;
    return report;
}

ReaderReport tagIn(CardFamily family) {
    ReaderReport report = cardIn("Virtual PCD 00 01", "contactless", family);
    report.cardKind = "storage card";
    report.contactlessUid = fromHex("04A1B2C3D4E5F6");
    return report;
}

FmcCredential credential(FmcCredential::Kind kind) {
    FmcCredential fmc;
    fmc.kind = kind;
    fmc.serialNumber = fromHex("1A2B3C");
    fmc.cardUuid = "01234567-89ab-cdef-0123-456789abcdef";
    fmc.issuerName = "Yiwu station 1";
    fmc.issuerKeyId = fromHex("AABBCCDD");
    fmc.notAfter = std::chrono::system_clock::from_time_t(1830297600);  // 2028-01-01T00:00:00Z
    return fmc;
}

// A sysfs tree in a temporary folder: bus/usb/devices/<name>/{idVendor,idProduct,product}
// and interfaces <name>:1.0 with a `driver` symlink, as the kernel lays it out.
class FakeSysfs {
public:
    FakeSysfs() : root_(std::filesystem::temp_directory_path() / ("fmc-sysfs-" + toHex(randomTag()))) {
        std::filesystem::create_directories(devices());
    }
    ~FakeSysfs() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    FakeSysfs(const FakeSysfs&) = delete;
    FakeSysfs& operator=(const FakeSysfs&) = delete;

    void addDevice(const std::string& name, const std::string& vendor, const std::string& product,
                   const std::string& productName, const std::string& driver = "") {
        const auto device = devices() / name;
        std::filesystem::create_directories(device / (name + ":1.0"));
        write(device / "idVendor", vendor + "\n");
        write(device / "idProduct", product + "\n");
        if (!productName.empty()) write(device / "product", productName + "\n");
        if (!driver.empty())
            std::filesystem::create_directory_symlink("../../../../../bus/usb/drivers/" + driver,
                                                      device / (name + ":1.0") / "driver");
    }
    [[nodiscard]] const std::filesystem::path& root() const { return root_; }

private:
    static Bytes randomTag() {
        static unsigned counter = 0;
        const auto now = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
        return {static_cast<std::uint8_t>(now), static_cast<std::uint8_t>(now >> 8), static_cast<std::uint8_t>(now >> 16),
                static_cast<std::uint8_t>(++counter)};
    }
    static void write(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }
    [[nodiscard]] std::filesystem::path devices() const { return root_ / "bus" / "usb" / "devices"; }
    std::filesystem::path root_;
};

constexpr HintId kAllHints[] = {
    HintId::pcscdNotRunning, HintId::noReader,       HintId::readerHeldByPn533,     HintId::readerNotListed,
    HintId::acr122uLimits,   HintId::cardHeldElsewhere, HintId::muteCard,        HintId::contactCardWithoutPiv,
    HintId::contactlessCardWithoutPiv,
    HintId::pivDisabledOverNfc, HintId::pivCardNotOurs, HintId::untrustedIssuer, HintId::blankTag,
    HintId::copiedTag,       HintId::mifareClassic,  HintId::desfireUnsupported,
};

} // namespace

TEST_CASE("every hint has its own name and one line of text", "[hints]") {
    std::set<std::string_view> names;
    for (HintId id : kAllHints) {
        const Hint hint = makeHint(id, "ACS ACR122U (USB 072f:2200)");
        INFO(hintName(id));
        CHECK(names.insert(hintName(id)).second);
        CHECK_FALSE(hint.text.empty());
        CHECK(hint.text.find('\n') == std::string::npos);
        CHECK(hint.text.find("{device}") == std::string::npos);
    }
}

TEST_CASE("the hint texts say what to do", "[hints]") {
    CHECK_THAT(makeHint(HintId::pcscdNotRunning).text, Catch::Contains("systemctl start pcscd.socket"));
    CHECK_THAT(makeHint(HintId::pcscdNotRunning).text, Catch::Contains("run `pcscd`"));
    CHECK(makeHint(HintId::pivDisabledOverNfc).text ==
          "PIV does not answer over NFC: on a YubiKey enable it with `ykman config nfc --enable PIV`");
    CHECK(makeHint(HintId::blankTag).text == "a blank or foreign NFC tag: `fmc-issue tag issue` writes a credential");
    CHECK_THAT(makeHint(HintId::mifareClassic).text, Catch::Contains("Crypto1 is broken: not usable"));
    CHECK_THAT(makeHint(HintId::copiedTag).text, Catch::Contains("do not accept it, report it"));
    CHECK_THAT(makeHint(HintId::acr122uLimits).text, Catch::Contains("prefer an ACR1252U"));
    CHECK_THAT(makeHint(HintId::untrustedIssuer).text, Catch::Contains("trust.pem"));
    CHECK_THAT(makeHint(HintId::muteCard).text, Catch::Contains("reseat the card"));
}

TEST_CASE("reader rules: the reader itself and a card that does not answer", "[hints]") {
    ReaderReport acr122u;
    acr122u.readerName = "ACS ACR122U PICC Interface 00 00";
    CHECK(hintIds(acr122u) == std::vector{HintId::acr122uLimits});

    ReaderReport empty;
    empty.readerName = "Virtual PCD 00 00";
    CHECK(hintIds(empty).empty());

    ReaderReport mute = cardIn("Virtual PCD 00 00", "");
    mute.mute = true;
    CHECK(hintIds(mute) == std::vector{HintId::muteCard});

    ReaderReport busy = cardIn("Virtual PCD 00 00", "contact");
    busy.heldByAnotherProgram = true;
    CHECK(hintIds(busy) == std::vector{HintId::cardHeldElsewhere});
}

TEST_CASE("reader rules: PIV cards", "[hints]") {
    SECTION("contactless, SELECT PIV 6A82: PIV disabled over NFC") {
        ReaderReport report = cardIn("Virtual PCD 00 01", "contactless", CardFamily::yubiKey);
        report.pivPresent = false;
        report.pivSelectStatus = 0x6A82;
        CHECK(hintIds(report) == std::vector{HintId::pivDisabledOverNfc});
        report.pivSelectStatus = 0x6A81;  // another refusal: not the YubiKey advice
        CHECK(hintIds(report) == std::vector{HintId::contactlessCardWithoutPiv});
        report.pivSelectStatus = 0x6A82;
        report.cardFamily = CardFamily::unknown;  // a bank card, a JavaCard without the applet
        CHECK(hintIds(report) == std::vector{HintId::contactlessCardWithoutPiv});
    }
    SECTION("contact card without PIV") {
        ReaderReport report = cardIn("Virtual PCD 00 00", "contact");
        report.pivPresent = false;
        report.pivSelectStatus = 0x6A82;
        CHECK(hintIds(report) == std::vector{HintId::contactCardWithoutPiv});
    }
    SECTION("a PIV card that is not ours") {
        ReaderReport report = cardIn("Virtual PCD 00 00", "contact", CardFamily::yubiKey);
        report.pivPresent = true;
        report.notOursReason = "no 9E (card authentication) certificate";
        CHECK(hintIds(report) == std::vector{HintId::pivCardNotOurs});
    }
    SECTION("one of ours: a hint only when its issuer is not trusted here") {
        ReaderReport report = cardIn("Virtual PCD 00 00", "contact");
        report.pivPresent = true;
        report.fmc = credential(FmcCredential::Kind::card);
        report.issuerTrust = IssuerTrust::trusted;
        CHECK(hintIds(report).empty());
        report.issuerTrust = IssuerTrust::unknown;
        CHECK(hintIds(report).empty());
        report.issuerTrust = IssuerTrust::untrusted;
        CHECK(hintIds(report) == std::vector{HintId::untrustedIssuer});
    }
    SECTION("a card whose SELECT could not be sent gets no PIV advice") {
        ReaderReport report = cardIn("Virtual PCD 00 00", "contact");
        report.problems.push_back("card: the card was removed");
        CHECK(hintIds(report).empty());
    }
}

TEST_CASE("reader rules: storage cards and DESFire", "[hints]") {
    CHECK(hintIds(tagIn(CardFamily::mifareClassic)) == std::vector{HintId::mifareClassic});
    CHECK(hintIds(cardIn("Virtual PCD 00 01", "contactless", CardFamily::mifareDesfire)) ==
          std::vector{HintId::desfireUnsupported});

    ReaderReport blank = tagIn(CardFamily::ntag21x);
    blank.ndefMessagePresent = false;
    CHECK(hintIds(blank) == std::vector{HintId::blankTag});
    ReaderReport foreign = tagIn(CardFamily::ntag21x);
    foreign.ndefMessagePresent = true;
    foreign.notOursReason = "no single application/cwt record: a foreign tag";
    CHECK(hintIds(foreign) == std::vector{HintId::blankTag});
    ReaderReport unread = tagIn(CardFamily::ntag21x);  // the read failed: a problem line says so
    CHECK(hintIds(unread).empty());

    ReaderReport ours = tagIn(CardFamily::ntag21x);
    ours.ndefMessagePresent = true;
    ours.fmc = credential(FmcCredential::Kind::tag);
    ours.fmc->boundUid = fromHex("04A1B2C3D4E5F6");
    ours.fmc->uidMatches = true;
    ours.issuerTrust = IssuerTrust::trusted;
    CHECK(hintIds(ours).empty());
    ours.issuerTrust = IssuerTrust::untrusted;
    CHECK(hintIds(ours) == std::vector{HintId::untrustedIssuer});
    ours.fmc->uidMatches = false;  // a copy: that is what matters, whoever issued it
    CHECK(hintIds(ours) == std::vector{HintId::copiedTag});
}

TEST_CASE("sysfs: an ACR122U held by pn533_usb", "[hints][sysfs]") {
    FakeSysfs sysfs;
    sysfs.addDevice("1-2", "072f", "2200", "ACR122U PICC Interface", "pn533_usb");
    sysfs.addDevice("1-3", "046d", "c52b", "USB Receiver", "usbhid");  // not a reader vendor
    const std::vector<UsbReaderDevice> devices = findUsbReaders(sysfs.root());
    REQUIRE(devices.size() == 1);
    CHECK(devices[0].vendorId == "072f");
    CHECK(devices[0].productId == "2200");
    CHECK(devices[0].interfaceDrivers == std::vector<std::string>{"pn533_usb"});
    CHECK(devices[0].description == "ACS ACR122U PICC Interface (USB 072f:2200)");

    const std::vector<Hint> hints = hintsForUsbReaders(devices, {}, true);
    REQUIRE(idsOf(hints) == std::vector{HintId::readerHeldByPn533});
    CHECK(hints[0].text ==
          "ACS ACR122U PICC Interface (USB 072f:2200) is held by the kernel driver pn533_usb: blacklist "
          "pn533_usb, pn533 and nfc in /etc/modprobe.d/blacklist-pn533.conf, unplug and replug");
}

TEST_CASE("sysfs: a reader pcscd does not list, and readers it does", "[hints][sysfs]") {
    FakeSysfs sysfs;
    sysfs.addDevice("1-4", "076b", "5422", "OMNIKEY 5422 Smartcard Reader");
    sysfs.addDevice("2-1", "072f", "2200", "");  // no product string: named from the table
    const std::vector<UsbReaderDevice> devices = findUsbReaders(sysfs.root());
    REQUIRE(devices.size() == 2);
    CHECK(devices[1].description == "ACS ACR122U (USB 072f:2200)");

    SECTION("libccid missing: both are unlisted") {
        const std::vector<Hint> hints = hintsForUsbReaders(devices, {"Virtual PCD 00 00"}, false);
        REQUIRE(idsOf(hints) == std::vector{HintId::readerNotListed, HintId::readerNotListed});
        CHECK(hints[0].text == "HID Global OMNIKEY OMNIKEY 5422 Smartcard Reader (USB 076b:5422): a smart-card "
                               "reader is plugged in but pcscd does not list it: install libccid and restart pcscd");
    }
    SECTION("listed by pcscd under its product name: nothing to say") {
        const std::vector<std::string> listed{"HID Global OMNIKEY 5422 Smartcard Reader [OMNIKEY 5422 Smartcard "
                                              "Reader] 00 00"};
        CHECK(idsOf(hintsForUsbReaders({devices[0]}, listed, true)).empty());
    }
    SECTION("held by pcscd's CCID driver (usbfs) with libccid installed: nothing to say") {
        UsbReaderDevice held = devices[0];
        held.interfaceDrivers = {"usbfs"};
        CHECK(idsOf(hintsForUsbReaders({held}, {}, true)).empty());
        CHECK(idsOf(hintsForUsbReaders({held}, {}, false)) == std::vector{HintId::readerNotListed});
    }
}

TEST_CASE("host hints: the sysfs root and the CCID bundle come from the environment", "[hints][sysfs]") {
    FakeSysfs sysfs;
    sysfs.addDevice("1-2", "072F", "2200", "ACR122U PICC Interface", "pn533_usb");  // upper-case hex too
    ::setenv("FMC_SYSFS_ROOT", sysfs.root().c_str(), 1);
    ::setenv("FMC_CCID_BUNDLE", (sysfs.root() / "no-ccid").c_str(), 1);
    const HostPaths paths = HostPaths::fromEnvironment();
    ::unsetenv("FMC_SYSFS_ROOT");
    ::unsetenv("FMC_CCID_BUNDLE");
    CHECK(paths.sysfsRoot == sysfs.root());
    CHECK(idsOf(hostHints(paths, {})) == std::vector{HintId::readerHeldByPn533});
    CHECK(HostPaths::fromEnvironment().sysfsRoot == "/sys");

    // Nothing plugged in, nothing listed: the generic advice; a missing tree is not an error.
    HostPaths nothing;
    nothing.sysfsRoot = sysfs.root() / "missing";
    CHECK(idsOf(hostHints(nothing, {})) == std::vector{HintId::noReader});
    CHECK(idsOf(hostHints(nothing, {"Virtual PCD 00 00"})).empty());
}

TEST_CASE("hints are printed under their reader and after the list", "[hints][format]") {
    ReaderReport report = cardIn("Virtual PCD 00 01", "contactless", CardFamily::yubiKey);
    report.pivPresent = false;
    report.pivSelectStatus = 0x6A82;
    report.notOursReason = "no PIV application";
    report.hints = hintsForReader(report);
    ReaderReport ours = cardIn("Virtual PCD 00 00", "contact");
    ours.pivPresent = true;
    ours.fmc = credential(FmcCredential::Kind::card);
    ours.issuerTrust = IssuerTrust::untrusted;
    ours.hints = hintsForReader(ours);
    SurveyNotes notes;
    notes.trustAnchors = "1 issuing CA(s) from /tmp/trust.pem";
    notes.hints = {makeHint(HintId::readerNotListed, "ACS ACR1252U (USB 072f:223b)")};

    const std::string text = formatSurveyText({report, ours}, notes);
    CHECK_THAT(text, Catch::Contains("  PIV:        no (SELECT answered 6A82)\n"));
    CHECK_THAT(text, Catch::Contains("  hint:       PIV does not answer over NFC"));
    CHECK_THAT(text, Catch::Contains("  ours:       yes, a Foreign Merchant Card, serial 1A2B3C\n"));
    CHECK_THAT(text, Catch::Contains("  issuer:     Yiwu station 1 (key id AABBCCDD)\n"));
    CHECK_THAT(text, Catch::Contains("  expires:    2028-01-01T00:00:00Z\n"));
    CHECK_THAT(text, Catch::Contains("  trusted:    issued by a CA trusted here: no\n"));
    CHECK_THAT(text, Catch::Contains("trust anchors: 1 issuing CA(s) from /tmp/trust.pem\n"));
    CHECK_THAT(text, Catch::EndsWith("hint: ACS ACR1252U (USB 072f:223b): a smart-card reader is plugged in but "
                                     "pcscd does not list it: install libccid and restart pcscd\n"));

    const auto json = nlohmann::json::parse(formatSurveyJson({report, ours}, notes));
    CHECK(json["readers"][0]["piv_select_sw"] == "6A82");
    CHECK(json["readers"][0]["fmc"].is_null());
    CHECK(json["readers"][0]["hints"][0]["id"] == "piv-disabled-over-nfc");
    CHECK(json["readers"][1]["fmc"]["kind"] == "card");
    CHECK(json["readers"][1]["fmc"]["serial"] == "1A2B3C");
    CHECK(json["readers"][1]["fmc"]["issuer_key_id"] == "AABBCCDD");
    CHECK(json["readers"][1]["fmc"]["issuer_trusted"] == "no");
    CHECK(json["readers"][1]["hints"][0]["id"] == "untrusted-issuer");
    CHECK(json["hints"][0]["id"] == "reader-not-listed");
    CHECK(json["trust_anchors"] == "1 issuing CA(s) from /tmp/trust.pem");
}

TEST_CASE("a tag credential shows its bound UID, and a copy says so", "[hints][format]") {
    ReaderReport tag = tagIn(CardFamily::ntag21x);
    tag.ndefMessagePresent = true;
    tag.fmc = credential(FmcCredential::Kind::tag);
    tag.fmc->boundUid = fromHex("04112233445566");
    tag.fmc->uidMatches = false;
    tag.hints = hintsForReader(tag);
    const std::string text = formatSurveyText({tag});
    CHECK_THAT(text, Catch::Contains("  ours:       yes, a Foreign Merchant NFC tag, serial 1A2B3C\n"));
    CHECK_THAT(text, Catch::Contains("  bound UID:  04 11 22 33 44 55 66 (NOT this tag's UID: a copy)\n"));
    CHECK_THAT(text, Catch::Contains("issued by a CA trusted here: unknown (no trust anchors loaded)"));
    CHECK_THAT(text, Catch::Contains("  hint:       a copied tag"));
    const auto json = nlohmann::json::parse(formatSurveyJson({tag}));
    CHECK(json["readers"][0]["fmc"]["kind"] == "tag");
    CHECK(json["readers"][0]["fmc"]["bound_uid"] == "04112233445566");
    CHECK(json["readers"][0]["fmc"]["uid_matches"] == false);
    CHECK(json["readers"][0]["fmc"]["issuer_trusted"] == "unknown");
    CHECK(json["trust_anchors"].is_null());
}
