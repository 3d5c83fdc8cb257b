#include "db/schema.hpp"

namespace fmc::db {

namespace {

// Times are INTEGER seconds since the Unix epoch, UTC. The constraints here protect the data
// itself (required fields, uniqueness, lifecycle values, append-only tables); what a valid
// nationality or entitlement code is stays the station's business.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE merchant(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK(length(trim(name)) > 0),
  native_name TEXT,
  nationality TEXT NOT NULL CHECK(length(nationality) = 3),
  travel_document TEXT NOT NULL UNIQUE CHECK(length(trim(travel_document)) > 0),
  business_registration TEXT,
  phone TEXT,
  preferred_language TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE merchant_entitlement(
  merchant_id INTEGER NOT NULL REFERENCES merchant(id) ON DELETE CASCADE,
  code TEXT NOT NULL CHECK(length(code) > 0),
  PRIMARY KEY(merchant_id, code)
) WITHOUT ROWID;

-- Every serial ever handed out. Rows are never deleted and a serial is used by one card at
-- most, even if that card's row is later removed: X.509 serials must never repeat.
CREATE TABLE allocated_serial(
  serial TEXT PRIMARY KEY
    CHECK(length(serial) BETWEEN 2 AND 40 AND serial NOT GLOB '*[^0-9A-F]*'),
  allocated_at INTEGER NOT NULL,
  used_by_card INTEGER NOT NULL DEFAULT 0 CHECK(used_by_card IN (0, 1))
) WITHOUT ROWID;
CREATE TRIGGER allocated_serial_kept BEFORE DELETE ON allocated_serial
BEGIN SELECT RAISE(ABORT, 'allocated serials are kept forever so that none is reused'); END;
CREATE TRIGGER allocated_serial_fixed BEFORE UPDATE ON allocated_serial
WHEN NEW.serial <> OLD.serial OR (OLD.used_by_card = 1 AND NEW.used_by_card <> 1)
BEGIN SELECT RAISE(ABORT, 'an allocated serial cannot be changed or freed'); END;

CREATE TABLE card(
  serial TEXT PRIMARY KEY REFERENCES allocated_serial(serial),
  card_uuid TEXT NOT NULL CHECK(length(card_uuid) > 0),
  merchant_id INTEGER NOT NULL REFERENCES merchant(id),
  issuer_id TEXT NOT NULL CHECK(length(issuer_id) > 0),
  issuer_name TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('active', 'suspended', 'revoked', 'interrupted')),
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL CHECK(not_after > not_before),
  certificate_der BLOB NOT NULL CHECK(length(certificate_der) > 0),
  certificate_pem TEXT NOT NULL,
  revocation_reason TEXT,
  revoked_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK((status = 'revoked') = (revocation_reason IS NOT NULL AND revoked_at IS NOT NULL))
) WITHOUT ROWID;
CREATE INDEX card_by_merchant ON card(merchant_id);
CREATE INDEX card_by_uuid ON card(card_uuid);
-- One physical card carries at most one live credential.
CREATE UNIQUE INDEX card_uuid_live ON card(card_uuid) WHERE status IN ('active', 'suspended');
CREATE TRIGGER card_revocation_final BEFORE UPDATE OF status ON card
WHEN OLD.status = 'revoked' AND NEW.status <> 'revoked'
BEGIN SELECT RAISE(ABORT, 'a revoked card stays revoked'); END;

-- What the next CRL lists. Keyed by allocated serial, not card: a certificate signed during
-- an issuance that was rolled back before the card row was written is still listed.
CREATE TABLE revocation(
  serial TEXT PRIMARY KEY REFERENCES allocated_serial(serial),
  reason TEXT NOT NULL CHECK(length(reason) > 0),
  revoked_at INTEGER NOT NULL,
  operator TEXT NOT NULL CHECK(length(operator) > 0)
) WITHOUT ROWID;
CREATE TRIGGER revocation_kept BEFORE DELETE ON revocation
BEGIN SELECT RAISE(ABORT, 'a revocation cannot be withdrawn'); END;

CREATE TABLE issuance(
  id INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchant(id),
  serial TEXT NOT NULL UNIQUE REFERENCES allocated_serial(serial),
  card_uuid TEXT NOT NULL CHECK(length(card_uuid) > 0),
  outcome TEXT NOT NULL CHECK(outcome IN ('in_progress', 'completed', 'rolled_back')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  CHECK((outcome = 'in_progress') = (finished_at IS NULL))
);
CREATE INDEX issuance_unfinished ON issuance(id) WHERE outcome = 'in_progress';

CREATE TABLE issuance_step(
  id INTEGER PRIMARY KEY,
  issuance_id INTEGER NOT NULL REFERENCES issuance(id),
  step TEXT NOT NULL CHECK(length(step) > 0),
  state TEXT NOT NULL CHECK(state IN ('started', 'done', 'failed')),
  detail TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX issuance_step_by_issuance ON issuance_step(issuance_id, id);

CREATE TABLE published_crl(
  issuer_id TEXT NOT NULL CHECK(length(issuer_id) > 0),
  crl_number INTEGER NOT NULL CHECK(crl_number > 0),
  this_update INTEGER NOT NULL,
  next_update INTEGER NOT NULL CHECK(next_update > this_update),
  der BLOB NOT NULL CHECK(length(der) > 0),
  PRIMARY KEY(issuer_id, crl_number)
) WITHOUT ROWID;
CREATE TRIGGER published_crl_number_increases BEFORE INSERT ON published_crl
WHEN NEW.crl_number <= (SELECT coalesce(max(crl_number), 0) FROM published_crl
                        WHERE issuer_id = NEW.issuer_id)
BEGIN SELECT RAISE(ABORT, 'CRL numbers must increase for each issuer'); END;
CREATE TRIGGER published_crl_no_update BEFORE UPDATE ON published_crl
BEGIN SELECT RAISE(ABORT, 'a published CRL cannot be changed'); END;
CREATE TRIGGER published_crl_no_delete BEFORE DELETE ON published_crl
BEGIN SELECT RAISE(ABORT, 'a published CRL cannot be removed'); END;

CREATE TABLE station_setting(
  key TEXT PRIMARY KEY CHECK(length(key) > 0),
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The audit log: append-only (the triggers), hash-chained (AuditChain), and its head kept
-- in a one-row table updated with every append, so a cut-off tail is detected too.
CREATE TABLE audit_log(
  sequence INTEGER PRIMARY KEY CHECK(sequence > 0),
  at INTEGER NOT NULL,
  operator TEXT NOT NULL CHECK(length(operator) > 0),
  action TEXT NOT NULL CHECK(length(action) > 0),
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE audit_head(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  entry_count INTEGER NOT NULL CHECK(entry_count >= 0),
  last_hash TEXT NOT NULL
);
INSERT INTO audit_head(id, entry_count, last_hash)
VALUES(1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit head cannot be removed'); END;
CREATE TRIGGER audit_head_moves_forward BEFORE UPDATE ON audit_head
WHEN NEW.entry_count <> OLD.entry_count + 1
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward one entry at a time'); END;
)sql";

// Issue 9: NFC tags. A tag credential shares the card table (and so the serial space, the
// lifecycle and the CRLs) with PIV cards; what differs is the form factor and the tag UID the
// credential is bound to. ADD COLUMN keeps every existing row (all 'piv', no UID).
constexpr const char* kVersion2 = R"sql(
ALTER TABLE card ADD COLUMN form_factor TEXT NOT NULL DEFAULT 'piv'
  CHECK(form_factor IN ('piv', 'ntag'));
ALTER TABLE card ADD COLUMN tag_uid TEXT
  CHECK(tag_uid IS NULL OR (length(tag_uid) IN (8, 14, 20) AND tag_uid NOT GLOB '*[^0-9A-F]*'));
CREATE TRIGGER card_tag_uid_matches_form BEFORE INSERT ON card
WHEN (NEW.form_factor = 'ntag') <> (NEW.tag_uid IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'a tag credential needs its tag UID, and only a tag has one'); END;
CREATE TRIGGER card_tag_fixed BEFORE UPDATE OF form_factor, tag_uid ON card
BEGIN SELECT RAISE(ABORT, 'a card''s form factor and tag UID cannot change'); END;
-- One tag carries at most one live credential.
CREATE UNIQUE INDEX card_tag_uid_live ON card(tag_uid)
  WHERE tag_uid IS NOT NULL AND status IN ('active', 'suspended');
)sql";

} // namespace

const std::vector<Migration>& registryMigrations() {
    static const std::vector<Migration> migrations{
        {1, kVersion1},
        {2, kVersion2},
    };
    return migrations;
}

} // namespace fmc::db
