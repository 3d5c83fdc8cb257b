#include "card/reader_hints.hpp"

#include "card/reader_survey.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <system_error>

namespace fmc::card {
namespace {

struct HintText {
    HintId id;
    std::string_view name;
    std::string_view text;  // "{device}" is replaced by the USB device's description
};

// Every hint the programs print. docs: hardware-notes.md quotes this table.
constexpr std::array kHintTexts{
    HintText{HintId::pcscdNotRunning, "pcscd-not-running",
             "start pcscd: `sudo systemctl start pcscd.socket` (in a container without systemd, run `pcscd`)"},
    HintText{HintId::noReader, "no-reader",
             "plug in a PC/SC (CCID) reader; if it is plugged in, check `lsusb` and that libccid is installed"},
    HintText{HintId::readerHeldByPn533, "reader-held-by-pn533",
             "{device} is held by the kernel driver pn533_usb: blacklist pn533_usb, pn533 and nfc in "
             "/etc/modprobe.d/blacklist-pn533.conf, unplug and replug"},
    HintText{HintId::readerNotListed, "reader-not-listed",
             "{device}: a smart-card reader is plugged in but pcscd does not list it: install libccid and "
             "restart pcscd"},
    HintText{HintId::acr122uLimits, "acr122u-limits",
             "ACR122U: short APDUs only and no waiting-time extension: on-card key generation may time out; "
             "prefer an ACR1252U"},
    HintText{HintId::cardHeldElsewhere, "card-held-elsewhere",
             "another program holds the card exclusively: close it (GnuPG: `gpgconf --kill scdaemon`)"},
    HintText{HintId::muteCard, "mute-card",
             "the card does not answer: reseat the card (chip first, all the way in) or try another reader"},
    HintText{HintId::contactCardWithoutPiv, "contact-card-without-piv",
             "this card has no PIV application: it is not a Foreign Merchant Card; insert the merchant's card"},
    HintText{HintId::contactlessCardWithoutPiv, "contactless-card-without-piv",
             "this contactless card has no PIV application: it is not a Foreign Merchant Card (a bank or transit "
             "card?); tap the merchant's card"},
    HintText{HintId::pivDisabledOverNfc, "piv-disabled-over-nfc",
             "PIV does not answer over NFC: on a YubiKey enable it with `ykman config nfc --enable PIV`"},
    HintText{HintId::pivCardNotOurs, "piv-card-not-ours",
             "a PIV card without a Foreign Merchant Card certificate (9E): blank or foreign; "
             "`fmc-issue card issue` issues it"},
    HintText{HintId::untrustedIssuer, "untrusted-issuer",
             "issued by a CA not trusted here: import the issuing CA (`fmc-issue trust export` at its station, "
             "`fmc-terminal setup --trust trust.pem` here) or check trust.pem"},
    HintText{HintId::blankTag, "blank-tag",
             "a blank or foreign NFC tag: `fmc-issue tag issue` writes a credential"},
    HintText{HintId::copiedTag, "copied-tag",
             "a copied tag (its UID is not the one the credential was issued to): do not accept it, report it"},
    HintText{HintId::mifareClassic, "mifare-classic",
             "MIFARE Classic: Crypto1 is broken: not usable; use a PIV card or an NTAG216 tag"},
    HintText{HintId::desfireUnsupported, "desfire-unsupported",
             "MIFARE DESFire is not supported: use a PIV card or an NTAG216 tag"},
};

const HintText& hintText(HintId id) {
    for (const HintText& hint : kHintTexts)
        if (hint.id == id) return hint;
    return kHintTexts.front();  // unreachable: every HintId has a row (hint test checks it)
}

std::string lowerCase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

bool containsIgnoringCase(std::string_view haystack, std::string_view needle) {
    return !needle.empty() && lowerCase(haystack).find(lowerCase(needle)) != std::string::npos;
}

// USB vendors of the readers users have (pcsc-and-nfc.md), by idVendor.
struct ReaderVendor {
    std::string_view vendorId;
    std::string_view name;
};
constexpr std::array kReaderVendors{
    ReaderVendor{"076b", "HID Global OMNIKEY"},
    ReaderVendor{"04e6", "Identiv (SCM Microsystems)"},
    ReaderVendor{"072f", "ACS"},
};
// Products worth naming when the device does not say (ACR122U: 072f:2200).
struct ReaderProduct {
    std::string_view vendorId, productId, name;
};
constexpr std::array kReaderProducts{
    ReaderProduct{"072f", "2200", "ACR122U"},
    ReaderProduct{"072f", "223b", "ACR1252U"},
};

// The kernel drivers of the NFC stack that take an ACR122U (or another PN533 reader) away
// from pcscd.
constexpr std::array<std::string_view, 2> kNfcKernelDrivers{"pn533_usb", "pn533"};
// What a libusb user (pcscd's CCID driver) shows as the interface's driver while it holds it.
constexpr std::string_view kUserspaceDriver = "usbfs";

std::string readSysfsLine(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    return line;
}

std::vector<std::string> interfaceDrivers(const std::filesystem::path& device, const std::string& deviceName) {
    std::vector<std::string> drivers;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(device, error)) {
        const std::string name = entry.path().filename().string();
        // Interfaces are "<device>:<configuration>.<interface>", e.g. 1-2:1.0.
        if (name.rfind(deviceName + ":", 0) != 0) continue;
        std::error_code linkError;
        const auto target = std::filesystem::read_symlink(entry.path() / "driver", linkError);
        if (!linkError) drivers.push_back(target.filename().string());
    }
    std::sort(drivers.begin(), drivers.end());
    return drivers;
}

} // namespace

std::string_view hintName(HintId id) { return hintText(id).name; }

Hint makeHint(HintId id, std::string_view subject) {
    std::string text(hintText(id).text);
    if (const auto at = text.find("{device}"); at != std::string::npos)
        text.replace(at, 8, subject.empty() ? std::string_view("a USB reader") : subject);
    return {id, std::move(text)};
}

std::vector<Hint> hintsForReader(const ReaderReport& report) {
    std::vector<Hint> hints;
    const auto add = [&](HintId id) { hints.push_back(makeHint(id)); };
    // The reader itself, card or not.
    if (containsIgnoringCase(report.readerName, "ACR122")) add(HintId::acr122uLimits);
    if (!report.cardPresent) return hints;
    if (report.mute) {
        add(HintId::muteCard);
        return hints;
    }
    if (report.heldByAnotherProgram) add(HintId::cardHeldElsewhere);
    switch (report.cardFamily) {
    case CardFamily::mifareClassic: add(HintId::mifareClassic); return hints;
    case CardFamily::mifareDesfire: add(HintId::desfireUnsupported); return hints;
    default: break;
    }

    if (report.fmc) {
        if (report.fmc->uidMatches == false) add(HintId::copiedTag);
        else if (report.issuerTrust == IssuerTrust::untrusted) add(HintId::untrustedIssuer);
        return hints;
    }
    if (report.cardFamily == CardFamily::ntag21x) {
        // Only once the tag was read: a read that failed is already a problem line.
        if (report.ndefMessagePresent) add(HintId::blankTag);
        return hints;
    }
    if (report.pivPresent == true) {
        add(HintId::pivCardNotOurs);
    } else if (report.pivPresent == false) {
        if (report.cardInterface == "contactless") {
            // 6A82 = the application is not there: over NFC that is what a YubiKey whose PIV
            // interface is disabled answers (its USB side still has it). Any other card without
            // PIV (a bank card, a JavaCard without the applet) is simply not ours.
            if (report.pivSelectStatus == 0x6A82 && report.cardFamily == CardFamily::yubiKey)
                add(HintId::pivDisabledOverNfc);
            else
                add(HintId::contactlessCardWithoutPiv);
        } else {
            add(HintId::contactCardWithoutPiv);
        }
    }
    return hints;
}

HostPaths HostPaths::fromEnvironment() {
    HostPaths paths;
    if (const char* root = std::getenv("FMC_SYSFS_ROOT"); root && *root) paths.sysfsRoot = root;
    if (const char* bundle = std::getenv("FMC_CCID_BUNDLE"); bundle && *bundle) paths.ccidBundle = bundle;
    return paths;
}

std::vector<UsbReaderDevice> findUsbReaders(const std::filesystem::path& sysfsRoot) {
    std::vector<UsbReaderDevice> devices;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(sysfsRoot / "bus" / "usb" / "devices", error)) {
        const std::filesystem::path device = entry.path();
        const std::string vendorId = lowerCase(readSysfsLine(device / "idVendor"));
        const auto vendor = std::find_if(kReaderVendors.begin(), kReaderVendors.end(),
                                         [&](const ReaderVendor& known) { return known.vendorId == vendorId; });
        if (vendor == kReaderVendors.end()) continue;  // also skips interfaces: they have no idVendor

        UsbReaderDevice reader;
        reader.sysfsName = device.filename().string();
        reader.vendorId = vendorId;
        reader.productId = lowerCase(readSysfsLine(device / "idProduct"));
        reader.product = readSysfsLine(device / "product");
        reader.interfaceDrivers = interfaceDrivers(device, reader.sysfsName);
        std::string name = reader.product;
        for (const ReaderProduct& known : kReaderProducts)
            if (known.vendorId == vendorId && known.productId == reader.productId &&
                !containsIgnoringCase(name, known.name))
                name = std::string(known.name) + (name.empty() ? "" : " " + name);
        if (name.empty()) name = "reader";
        reader.description = std::string(vendor->name) + " " + name + " (USB " + vendorId + ":" +
                             reader.productId + ")";
        devices.push_back(std::move(reader));
    }
    std::sort(devices.begin(), devices.end(),
              [](const UsbReaderDevice& a, const UsbReaderDevice& b) { return a.sysfsName < b.sysfsName; });
    return devices;
}

std::vector<Hint> hintsForUsbReaders(const std::vector<UsbReaderDevice>& devices,
                                     const std::vector<std::string>& listedReaders, bool ccidInstalled) {
    std::vector<Hint> hints;
    for (const UsbReaderDevice& device : devices) {
        const auto hasDriver = [&](std::string_view driver) {
            return std::find(device.interfaceDrivers.begin(), device.interfaceDrivers.end(), driver) !=
                   device.interfaceDrivers.end();
        };
        if (std::any_of(kNfcKernelDrivers.begin(), kNfcKernelDrivers.end(), hasDriver)) {
            hints.push_back(makeHint(HintId::readerHeldByPn533, device.description));
            continue;
        }
        // pcscd names a reader after the device's product string ("ACS ACR122U PICC Interface
        // 00 00"); while its CCID driver holds the device the interface shows usbfs.
        const bool listed = std::any_of(listedReaders.begin(), listedReaders.end(), [&](const std::string& reader) {
            return containsIgnoringCase(reader, device.product);
        });
        if (listed || (ccidInstalled && hasDriver(kUserspaceDriver))) continue;
        hints.push_back(makeHint(HintId::readerNotListed, device.description));
    }
    return hints;
}

std::vector<Hint> hostHints(const HostPaths& paths, const std::vector<std::string>& listedReaders) {
    try {
        std::error_code error;
        const bool ccidInstalled = std::filesystem::exists(paths.ccidBundle, error);
        std::vector<Hint> hints = hintsForUsbReaders(findUsbReaders(paths.sysfsRoot), listedReaders, ccidInstalled);
        if (hints.empty() && listedReaders.empty()) hints.push_back(makeHint(HintId::noReader));
        return hints;
    } catch (const std::exception&) {
        return {};  // a diagnostic must not fail the command it decorates
    }
}

} // namespace fmc::card
