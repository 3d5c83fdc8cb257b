#pragma once
// What to do about what the reader survey found: one actionable line per problem, for the
// `readers` command of fmc-terminal and fmc-issue. Every text lives in one table in
// reader_hints.cpp, so hardware-notes.md can quote it.
// Besides the survey's reports, the host is looked at through sysfs: a USB smart-card reader
// that pcscd does not list is either held by the kernel's NFC driver (pn533_usb grabs the
// ACR122U) or has no pcscd driver (libccid missing).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fmc::card {

struct ReaderReport;

enum class HintId {
    pcscdNotRunning,
    noReader,
    readerHeldByPn533,
    readerNotListed,
    acr122uLimits,
    cardHeldElsewhere,
    muteCard,
    contactCardWithoutPiv,
    contactlessCardWithoutPiv,
    pivDisabledOverNfc,
    pivCardNotOurs,
    untrustedIssuer,
    blankTag,
    copiedTag,
    mifareClassic,
    desfireUnsupported,
};

struct Hint {
    HintId id;
    std::string text;  // one line
    bool operator==(const Hint&) const = default;
};

// "pcscd-not-running", "piv-disabled-over-nfc", ...: stable names for scripts (--json).
[[nodiscard]] std::string_view hintName(HintId id);
// The hint's text; `subject` fills the "{device}" of the hints about a USB device.
[[nodiscard]] Hint makeHint(HintId id, std::string_view subject = {});

// The hints for one surveyed reader, in the order the rules are listed in the .cpp.
[[nodiscard]] std::vector<Hint> hintsForReader(const ReaderReport& report);

// A USB device from a vendor of smart-card readers, as sysfs shows it.
struct UsbReaderDevice {
    std::string sysfsName;               // "1-2"
    std::string vendorId, productId;     // "072f", "2200" (lower case hex)
    std::string description;             // "ACS ACR122U PICC Interface (USB 072f:2200)"
    std::string product;                 // the device's own product string; may be empty
    std::vector<std::string> interfaceDrivers;  // kernel drivers bound to its interfaces
};

// Where the host's facts come from; the environment can move them for tests.
struct HostPaths {
    std::filesystem::path sysfsRoot = "/sys";  // FMC_SYSFS_ROOT
    std::filesystem::path ccidBundle = "/usr/lib/pcsc/drivers/ifd-ccid.bundle";  // FMC_CCID_BUNDLE
    [[nodiscard]] static HostPaths fromEnvironment();
};

// Devices under <sysfsRoot>/bus/usb/devices whose vendor makes smart-card readers (HID
// OMNIKEY 076b, Identiv/SCM 04e6, ACS 072f). An unreadable or missing tree gives none.
[[nodiscard]] std::vector<UsbReaderDevice> findUsbReaders(const std::filesystem::path& sysfsRoot);

// Hints about USB readers pcscd does not list (`listedReaders`: the names pcscd gave).
[[nodiscard]] std::vector<Hint> hintsForUsbReaders(const std::vector<UsbReaderDevice>& devices,
                                                   const std::vector<std::string>& listedReaders,
                                                   bool ccidInstalled);

// findUsbReaders + hintsForUsbReaders on this host; with no reader listed and nothing found,
// the generic "plug in a reader" hint. Never throws.
[[nodiscard]] std::vector<Hint> hostHints(const HostPaths& paths, const std::vector<std::string>& listedReaders);

} // namespace fmc::card
