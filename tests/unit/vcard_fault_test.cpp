// fmc-vcard's --fault decorator (card/vcard/fault_injection.hpp) in-process: the spec parser,
// the bytes each fault puts on the wire, and what the host side (CardChannel, PivCard, the
// BER-TLV parser) makes of them.
#include "card/vcard/fault_injection.hpp"

#include "card/errors.hpp"
#include "card/piv/piv_card.hpp"
#include "card/tlv.hpp"
#include "crypto/file_io.hpp"
#include "crypto/random.hpp"
#include "vcard_test_support.hpp"

#include "support/temp_folder.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace fmc;
using namespace fmc::card;
using namespace fmc::card::vcard;
using fmc::card::vcard::testing::hex;
using fmc::card::vcard::testing::TestCard;

namespace {

const std::string kSelectPiv = "00A4040009A0000003080000100000";
const std::string kGetChuid = "00CB3FFF055C035FC10200";


std::vector<Fault> parseAll(std::initializer_list<const char*> specs) {
    std::vector<Fault> faults;
    for (const char* spec : specs) faults.push_back(parseFault(spec));
    return faults;
}

// A genuine applet behind the fault decorator, counting commands as the card server does.
// Through `channel`, a mute answer looks like a reader that returned nothing.
class FaultyCard : public Transport {
public:
    explicit FaultyCard(std::vector<Fault> faults, CardState state = CardState::factoryBlank())
        : genuine(CardInterface::contact, std::move(state)),
          injector(std::move(faults), [this](ByteView command) { return genuine.applet.process(command); }, &log) {}

    std::optional<Bytes> raw(std::string_view apduHex) { return injector.respond(hex(apduHex), ++commands); }
    Bytes transmitRaw(ByteView command) override {
        std::optional<Bytes> answer = injector.respond(command, ++commands);
        if (!answer) throw CardProtocolError("no answer (mute card)");
        return *answer;
    }

    TestCard genuine;
    std::ostringstream log;
    FaultInjector injector;
    std::size_t commands = 0;
    CardChannel channel{*this};
};

std::uint16_t swOf(const Bytes& answer) {
    REQUIRE(answer.size() >= 2);
    return static_cast<std::uint16_t>(answer[answer.size() - 2] << 8 | answer.back());
}

} // namespace

TEST_CASE("fault specs parse, print back and refuse what they do not know", "[vcard][fault]") {
    for (const char* spec : {"garbage", "oversize-length@3", "oversize-response", "endless-61xx@12", "sw=6F00",
                             "sw=9000@6", "mute@5", "replay-auth=/tmp/sig.hex", "record-auth=/tmp/rec.hex@7"})
        CHECK(describeFault(parseFault(spec)) == spec);
    const Fault sw = parseFault("sw=6d00@2");
    CHECK(sw.kind == FaultKind::statusWord);
    CHECK(sw.statusWord == 0x6D00);
    CHECK(sw.atCommand == 2);
    // Only a trailing @digits is a command number: a file name may hold an @.
    const Fault replay = parseFault("replay-auth=/tmp/a@b.hex");
    CHECK(replay.file == "/tmp/a@b.hex");
    CHECK(replay.atCommand == 0);

    for (const char* bad : {"", "nonsense", "garbage=1", "mute@0", "sw", "sw=", "sw=6F", "sw=6F000", "sw=XY00",
                            "replay-auth", "replay-auth=", "record-auth=@3", "garbage@"})
        CHECK_THROWS_AS(parseFault(bad), FaultSpecError);
}

TEST_CASE("without a fault that applies, the genuine card answers", "[vcard][fault]") {
    // record-auth only ever looks at GENERAL AUTHENTICATE; garbage@3 only at the 3rd command.
    fmc::test::TempFolder dir;
    FaultyCard faulty(parseAll({(std::string("record-auth=") + (dir.path / "auth.hex").string()).c_str(), "garbage@3"}));
    TestCard reference;
    CHECK(*faulty.raw(kSelectPiv) == reference.raw(kSelectPiv));
    CHECK(*faulty.raw(kGetChuid) == reference.raw(kGetChuid));  // 6A82 on a factory card
    CHECK(faulty.raw(kGetChuid)->size() == 66);                  // the 3rd: garbage
    CHECK(*faulty.raw("00FD000000") == reference.raw("00FD000000"));
    CHECK(faulty.log.str() == "fmc-vcard: fault garbage@3 at command 3\n");
    CHECK_FALSE(std::filesystem::exists(dir.path / "auth.hex"));
}

TEST_CASE("garbage: 64 bytes that never parse as BER-TLV, with 9000", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"garbage"}));
    Bytes previous;
    for (int i = 0; i < 300; ++i) {
        const Bytes answer = *faulty.raw(kGetChuid);
        REQUIRE(answer.size() == 66);
        CHECK(swOf(answer) == 0x9000);
        const ByteView data = ByteView(answer).first(64);
        CHECK_THROWS_AS(parseTlvs(data), TlvError);
        CHECK(answer != previous);  // it changes from command to command
        previous = answer;
    }
    // The PIV client refuses it at the first command.
    CHECK_THROWS_AS(piv::PivCard(faulty.channel).select(), CardError);
}

TEST_CASE("oversize-length: the first TLV claims 16 MB", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"oversize-length"}));
    // SELECT's template 61 11 ... becomes 61 83 FFFFFF ...
    const Bytes select = *faulty.raw(kSelectPiv);
    CHECK(toHex(select) == "6183FFFFFF4F0600001000010079074F05A0000003089000");
    CHECK_THROWS_WITH(parseTlvs(ByteView(select).first(select.size() - 2)), Catch::Contains("overruns"));
    // An answer without data gets a 53 object claiming 16 MB and no value.
    const Bytes verifyStatus = *faulty.raw("0020008000");  // VERIFY without data: only 63Cx
    CHECK(verifyStatus.size() == 7);
    CHECK(toHex(verifyStatus).starts_with("5383FFFFFF63C"));
    CHECK(toHex(*faulty.raw(kGetChuid)) == "5383FFFFFF6A82");
    CHECK_THROWS_AS(piv::PivCard(faulty.channel).select(), CardError);
}

TEST_CASE("oversize-response: the genuine answer, then filler up to a 65535-byte frame", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"oversize-response@1"}));
    TestCard reference;
    const Bytes genuine = reference.raw(kSelectPiv);
    const Bytes answer = *faulty.raw(kSelectPiv);
    REQUIRE(answer.size() == kLargestVpcdFrame);
    CHECK(Bytes(answer.begin(), answer.begin() + static_cast<std::ptrdiff_t>(genuine.size() - 2)) ==
          Bytes(genuine.begin(), genuine.end() - 2));
    CHECK(swOf(answer) == 0x9000);
    CHECK(answer[genuine.size() - 2] == 0xA5);
}

TEST_CASE("endless-61xx: GET RESPONSE never ends, the channel gives up", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"endless-61xx@1"}));
    const ChannelOptions limits;
    CHECK_THROWS_WITH(piv::PivCard(faulty.channel).select(), Catch::Contains("kept answering 61xx"));
    CHECK(faulty.channel.exchangeCount() == 1 + limits.maxResponseChain);
    // Every GET RESPONSE got as many bytes as asked and 61 00 again.
    const Bytes more = *faulty.raw("00C0000010");
    CHECK(more.size() == 0x10 + 2);
    CHECK(swOf(more) == 0x6100);
    // Another command ends the chain; the card is honest again.
    CHECK(swOf(*faulty.raw(kSelectPiv)) == 0x9000);
    CHECK(swOf(*faulty.raw("00C0000000")) != 0x6100);
}

TEST_CASE("endless-61xx: a power cycle ends the chain", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"endless-61xx@1"}));
    CHECK(swOf(*faulty.raw(kSelectPiv)) == 0x6100);
    CHECK(swOf(*faulty.raw("00C0000000")) == 0x6100);
    faulty.injector.powerCycle();
    faulty.genuine.applet.powerCycle();
    CHECK(swOf(*faulty.raw("00C0000000")) != 0x6100);
}

TEST_CASE("sw=XXXX: the card does the command and answers only the status word", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"sw=6F00@1", "sw=9000@2"}));
    CHECK(toHex(*faulty.raw(kSelectPiv)) == "6F00");
    // The SELECT happened all the same: GET DATA is not refused with 6985 (nothing selected).
    CHECK(toHex(*faulty.raw(kGetChuid)) == "9000");  // really 6A82: no CHUID
    CHECK(swOf(*faulty.raw(kGetChuid)) == 0x6A82);
    // A bare 9000 where the profile wants data is a protocol error on the host.
    FaultyCard bare(parseAll({"sw=9000"}));
    CHECK_THROWS_AS(piv::PivCard(bare.channel).readChuid(), CardError);
}

TEST_CASE("mute: no answer to that command, the next is answered", "[vcard][fault]") {
    FaultyCard faulty(parseAll({"mute@2"}));
    CHECK(faulty.raw(kSelectPiv).has_value());
    CHECK_FALSE(faulty.raw(kGetChuid).has_value());
    CHECK(swOf(*faulty.raw(kGetChuid)) == 0x6A82);
}

TEST_CASE("record-auth keeps the genuine signature, replay-auth sends it again", "[vcard][fault]") {
    fmc::test::TempFolder dir;
    const std::filesystem::path recording = dir.path / "auth.hex";
    // A genuine card with a 9E key, signing through the recorder.
    FaultyCard genuine(parseAll({(std::string("record-auth=") + recording.string()).c_str()}));
    REQUIRE(genuine.genuine.select().isSuccess());
    REQUIRE(genuine.genuine.authenticateDefaultManagementKey() == 0x9000);
    REQUIRE(genuine.genuine.send(piv::ins::kGenerateAsymmetricKeyPair, 0x00, 0x9E, hex("AC03800111")).isSuccess());
    piv::PivCard genuineCard(genuine.channel);
    genuineCard.select();
    const Bytes challenge = crypto::randomBytes(32);
    const Bytes signature = genuineCard.signDigest(0x9E, 0x11, challenge);
    REQUIRE(std::filesystem::exists(recording));
    const std::string recorded = readFileText(recording);
    CHECK(recorded.find(toHex(signature)) != std::string::npos);
    CHECK(recorded.ends_with("9000\n"));

    // A blank card (no key at all) replays it to any challenge; other commands are its own.
    FaultyCard copy(parseAll({(std::string("replay-auth=") + recording.string()).c_str()}));
    piv::PivCard copyCard(copy.channel);
    copyCard.select();
    CHECK(copyCard.signDigest(0x9E, 0x11, crypto::randomBytes(32)) == signature);
    CHECK_FALSE(copyCard.readChuid().has_value());
    CHECK(copy.log.str().find("fault replay-auth=") != std::string::npos);

    // Without its file, replay-auth cannot start.
    CHECK_THROWS_AS(FaultInjector(parseAll({"replay-auth=/nonexistent/auth.hex"}), [](ByteView) { return Bytes{}; }),
                    FaultSpecError);
    writeFileAtomically(dir.path / "short.hex", std::string_view("90\n"));
    CHECK_THROWS_AS(FaultInjector({parseFault("replay-auth=" + (dir.path / "short.hex").string())},
                                  [](ByteView) { return Bytes{}; }),
                    FaultSpecError);
}
