//! Versioned schema migrations, kept in `PRAGMA user_version` by `rusqlite_migration`.
//!
//! Each migration is appended, never edited once released: a database at any earlier version
//! migrates forward to the latest; a database from a newer carrel is refused before anything is
//! touched. Later features add their tables with new migrations at the end of [`MIGRATIONS`].

use rusqlite_migration::{M, Migrations};

/// Version 1: the data plane. Times are UTC milliseconds since the Unix epoch (`*_ms`).
const V1_DATA_PLANE: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE floors (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    level INTEGER NOT NULL,
    retired_ms INTEGER
) WITHOUT ROWID;

CREATE TABLE zones (
    id       TEXT PRIMARY KEY,
    floor_id TEXT NOT NULL REFERENCES floors(id),
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('quiet', 'group', 'computer', 'silent')),
    retired_ms INTEGER
) WITHOUT ROWID;

CREATE TABLE seats (
    id         TEXT PRIMARY KEY,
    zone_id    TEXT NOT NULL REFERENCES zones(id),
    label      TEXT NOT NULL,
    x          INTEGER NOT NULL,
    y          INTEGER NOT NULL,
    power      INTEGER NOT NULL,
    accessible INTEGER NOT NULL,
    retired_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX seats_by_zone ON seats(zone_id);

-- Append-only history of seat states; a seat's current state is its latest row.
CREATE TABLE seat_events (
    id          INTEGER PRIMARY KEY,
    seat_id     TEXT NOT NULL REFERENCES seats(id),
    state       TEXT NOT NULL CHECK (state IN ('free', 'occupied', 'away', 'reserved', 'out_of_service')),
    since_ms    INTEGER NOT NULL,
    sensor      TEXT NOT NULL CHECK (sensor IN ('ok', 'degraded', 'offline')),
    observed_ms INTEGER NOT NULL
);
CREATE INDEX seat_events_by_seat ON seat_events(seat_id, id);

CREATE TABLE environment_samples (
    zone_id       TEXT NOT NULL REFERENCES zones(id),
    at_ms         INTEGER NOT NULL,
    temperature_c REAL NOT NULL,
    co2_ppm       REAL NOT NULL,
    light_lux     REAL NOT NULL,
    noise_db      REAL NOT NULL,
    PRIMARY KEY (zone_id, at_ms)
) WITHOUT ROWID;

CREATE TABLE service_points (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    service                 TEXT NOT NULL,
    open                    INTEGER NOT NULL,
    staff                   TEXT,
    queue_length            INTEGER NOT NULL,
    oldest_waiting_since_ms INTEGER,
    served_today            INTEGER NOT NULL,
    mean_service_s          REAL NOT NULL,
    updated_ms              INTEGER NOT NULL
) WITHOUT ROWID;

-- Every change of a window's open state or staff, whoever made it.
CREATE TABLE window_assignments (
    id               INTEGER PRIMARY KEY,
    service_point_id TEXT NOT NULL REFERENCES service_points(id),
    open             INTEGER NOT NULL,
    staff            TEXT,
    at_ms            INTEGER NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('sensor', 'console')),
    actor            TEXT
);
CREATE INDEX window_assignments_by_window ON window_assignments(service_point_id, at_ms);

-- Staff the sensor API reports on duty now (replaced on every poll).
CREATE TABLE staff_on_duty (
    login   TEXT PRIMARY KEY,
    seen_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- carrel's own staff directory: who may do what in the console.
CREATE TABLE staff (
    login        TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;

CREATE TABLE staff_roles (
    login TEXT NOT NULL REFERENCES staff(login),
    role  TEXT NOT NULL CHECK (role IN ('desk', 'sysadmin', 'committee', 'auditor')),
    party TEXT CHECK (party IN ('user_committee', 'library', 'supplier')),
    PRIMARY KEY (login, role),
    CHECK ((role = 'committee') = (party IS NOT NULL))
) WITHOUT ROWID;

CREATE TABLE arrival_buckets (
    service_point_id TEXT NOT NULL,
    step_s           INTEGER NOT NULL,
    start_ms         INTEGER NOT NULL,
    arrivals         INTEGER NOT NULL CHECK (arrivals >= 0),
    served           INTEGER,
    mean_wait_s      REAL,
    source           TEXT NOT NULL CHECK (source IN ('sensor', 'import')),
    PRIMARY KEY (service_point_id, step_s, start_ms)
) WITHOUT ROWID;

CREATE TABLE feed_state (
    feed                 TEXT PRIMARY KEY,
    cursor               TEXT,
    last_attempt_ms      INTEGER,
    last_success_ms      INTEGER,
    last_error           TEXT,
    last_error_ms        INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    server_offset_ms     INTEGER,
    records_ok           INTEGER NOT NULL DEFAULT 0,
    records_quarantined  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Records rejected by validation, with why. `record` is sanitised and cut to 2 KiB.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    feed        TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    record      TEXT NOT NULL
);
CREATE INDEX quarantine_by_feed ON quarantine(feed, id);

-- One ingesting process per database.
CREATE TABLE ingest_lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL,
    acquired_ms INTEGER NOT NULL,
    renewed_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL
);

CREATE TABLE catalog_items (
    id      TEXT PRIMARY KEY,
    title   TEXT NOT NULL,
    subject TEXT NOT NULL,
    year    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE recs_model (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    version       TEXT NOT NULL,
    trained_ms    INTEGER NOT NULL,
    training_mode TEXT NOT NULL,
    sites         INTEGER NOT NULL,
    metrics_json  TEXT NOT NULL,
    seen_ms       INTEGER NOT NULL
);
"#;

/// Version 2: the audit log (an RFC 6962 Merkle tree over canonical entries), its signed
/// checkpoints and the record of verifications.
const V2_AUDIT: &str = r#"
-- One row per entry; `seq` is the leaf index. `leaf` is SHA-256(0x00 || canonical entry).
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    object  TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
    details TEXT NOT NULL,
    leaf    BLOB NOT NULL
);
CREATE INDEX audit_by_actor ON audit_log(actor, seq);
CREATE INDEX audit_by_action ON audit_log(action, seq);
CREATE INDEX audit_by_time ON audit_log(at_ms);

-- The tree's right edge (size and perfect-subtree roots), updated with every append.
CREATE TABLE audit_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    frontier BLOB NOT NULL
);

CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    size       INTEGER NOT NULL,
    root       TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL,
    origin     TEXT NOT NULL
);

CREATE TABLE audit_verifications (
    id        INTEGER PRIMARY KEY,
    at_ms     INTEGER NOT NULL,
    size      INTEGER NOT NULL,
    root      TEXT NOT NULL,
    ok        INTEGER NOT NULL,
    first_bad INTEGER,
    message   TEXT NOT NULL
);
"#;

/// Version 3: arrival forecasts per window and slot, and the model chosen for each window.
const V3_FORECASTS: &str = r#"
CREATE TABLE forecasts (
    service_point_id TEXT NOT NULL,
    step_s           INTEGER NOT NULL,
    start_ms         INTEGER NOT NULL,
    mean             REAL NOT NULL,
    lower            REAL NOT NULL,
    upper            REAL NOT NULL,
    PRIMARY KEY (service_point_id, step_s, start_ms)
) WITHOUT ROWID;

CREATE TABLE forecast_models (
    service_point_id TEXT PRIMARY KEY,
    model            TEXT NOT NULL,
    mae              REAL NOT NULL,
    wape             REAL NOT NULL,
    naive_mae        REAL NOT NULL,
    points           INTEGER NOT NULL,
    computed_ms      INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Version 4: the patron directory (fields encrypted, see `domain::crypto`), patron activity
/// named by pseudonym only, and the consent registry's history.
const V4_PATRONS: &str = r#"
-- One row per patron, keyed by pseudonym (HMAC-SHA256 of the card under the pseudonym key).
-- card_enc, name_enc and email_enc are AES-256-GCM values bound to their column and row;
-- they are NULL once the patron is anonymised.
CREATE TABLE patrons (
    pseudonym      TEXT PRIMARY KEY,
    card_enc       BLOB,
    name_enc       BLOB,
    email_enc      BLOB,
    category       TEXT NOT NULL,
    joined_ms      INTEGER NOT NULL,
    last_active_ms INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'locked', 'anonymised')),
    state_since_ms INTEGER NOT NULL
);
CREATE INDEX patrons_by_last_active ON patrons(last_active_ms);

-- Activity holds pseudonyms only, never names or card numbers. No foreign key to patrons:
-- retention anonymises activity (pseudonym NULL) and removes patrons on its own schedule.
CREATE TABLE loans (
    id            INTEGER PRIMARY KEY,
    pseudonym     TEXT,
    item_id       TEXT NOT NULL,
    loaned_ms     INTEGER NOT NULL,
    returned_ms   INTEGER,
    anonymised_ms INTEGER,
    UNIQUE (pseudonym, item_id, loaned_ms)
);
CREATE INDEX loans_by_loaned ON loans(loaned_ms);
CREATE INDEX loans_by_returned ON loans(returned_ms);

CREATE TABLE searches (
    id            INTEGER PRIMARY KEY,
    pseudonym     TEXT,
    at_ms         INTEGER NOT NULL,
    query         TEXT NOT NULL,
    anonymised_ms INTEGER,
    UNIQUE (pseudonym, at_ms, query)
);
CREATE INDEX searches_by_time ON searches(at_ms);

CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    pseudonym     TEXT,
    at_ms         INTEGER NOT NULL,
    zone_id       TEXT,
    anonymised_ms INTEGER,
    UNIQUE (pseudonym, at_ms)
);
CREATE INDEX visits_by_time ON visits(at_ms);

-- Every grant and withdrawal; a patron's consent to a purpose is the latest row for it.
CREATE TABLE consent_changes (
    id        INTEGER PRIMARY KEY,
    pseudonym TEXT NOT NULL,
    purpose   TEXT NOT NULL CHECK (purpose IN ('profiling', 'recommendations')),
    granted   INTEGER NOT NULL CHECK (granted IN (0, 1)),
    at_ms     INTEGER NOT NULL,
    "by"      TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('desk', 'import', 'demo')),
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consent_by_patron ON consent_changes(pseudonym, purpose, at_ms);
CREATE INDEX consent_by_time ON consent_changes(at_ms);
"#;

/// Version 5: privacy-risk alerts and what people did with them.
const V5_ALERTS: &str = r#"
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    rule          TEXT NOT NULL,
    key           TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'escalated', 'resolved')),
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    evidence      TEXT NOT NULL,
    summary       TEXT NOT NULL,
    raised_ms     INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
);
CREATE INDEX alerts_by_key ON alerts(rule, key, id);
CREATE INDEX alerts_by_state ON alerts(state);

CREATE TABLE alert_events (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at_ms    INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    note     TEXT NOT NULL
);
CREATE INDEX alert_events_by_alert ON alert_events(alert_id, id);
"#;

const V6_GOVERNANCE: &str = r#"
-- Data requests to the governance committee. kinds and fields are comma-separated names;
-- epsilon_milli is the ε asked in thousandths (aggregate requests only). A submitted request
-- past expires_ms reads as expired; the row is marked when someone next tries to vote.
CREATE TABLE data_requests (
    id             INTEGER PRIMARY KEY,
    requester      TEXT NOT NULL,
    title          TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    kinds          TEXT NOT NULL,
    fields         TEXT NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('row_level', 'aggregate')),
    retention_days INTEGER NOT NULL,
    legal_basis    TEXT NOT NULL,
    epsilon_milli  INTEGER,
    state          TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'denied', 'expired', 'withdrawn')),
    created_ms     INTEGER NOT NULL,
    submitted_ms   INTEGER,
    decided_ms     INTEGER,
    expires_ms     INTEGER NOT NULL,
    CHECK ((scope = 'aggregate') = (epsilon_milli IS NOT NULL))
);
CREATE INDEX data_requests_by_state ON data_requests(state, id);

-- One vote per person per request; the quorum rules decide the request in the same
-- transaction as the vote.
CREATE TABLE request_votes (
    request_id INTEGER NOT NULL REFERENCES data_requests(id),
    voter      TEXT NOT NULL,
    party      TEXT NOT NULL CHECK (party IN ('user_committee', 'library', 'supplier')),
    approve    INTEGER NOT NULL CHECK (approve IN (0, 1)),
    reason     TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    PRIMARY KEY (request_id, voter)
) WITHOUT ROWID;

-- The audit review queue: sampled patron-data accesses and alert evidence, one row per audit
-- entry, assigned to a reviewer, with the verdict once given.
CREATE TABLE review_items (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE REFERENCES audit_log(seq),
    source      TEXT NOT NULL CHECK (source IN ('sample', 'alert')),
    alert_id    INTEGER REFERENCES alerts(id),
    day         TEXT,
    assignee    TEXT,
    added_ms    INTEGER NOT NULL,
    verdict     TEXT CHECK (verdict IN ('justified', 'unjustified')),
    reviewer    TEXT,
    note        TEXT,
    reviewed_ms INTEGER,
    raised      INTEGER REFERENCES alerts(id)
);
CREATE INDEX review_items_open ON review_items(verdict, assignee, id);

-- Library-local days whose accesses have been sampled (each once).
CREATE TABLE review_days (
    day        TEXT PRIMARY KEY,
    accesses   INTEGER NOT NULL,
    sampled    INTEGER NOT NULL,
    sampled_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Privacy loss spent by transparency reports, per dataset and month of the data, in
-- thousandths of ε.
CREATE TABLE epsilon_ledger (
    id            INTEGER PRIMARY KEY,
    dataset       TEXT NOT NULL,
    month         TEXT NOT NULL,
    epsilon_milli INTEGER NOT NULL CHECK (epsilon_milli > 0),
    at_ms         INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    request_id    INTEGER REFERENCES data_requests(id),
    period        TEXT NOT NULL
);
CREATE INDEX epsilon_ledger_by_cell ON epsilon_ledger(dataset, month);
"#;

const V7_COMMITTEE_SEATS: &str = r#"
-- The login that ran the process, for entries made under --as (demo databases only); NULL for
-- every other entry. A non-NULL value makes the entry's canonical form carrel-audit/2.
ALTER TABLE audit_log ADD COLUMN impersonator TEXT;

-- A consent change's note, sealed like the directory's fields (a note may name the patron or
-- say why). note keeps only what was written before notes were sealed, until it is sealed.
ALTER TABLE consent_changes ADD COLUMN note_enc BLOB;

-- Proposed changes to who sits on the governance committee. A change takes effect only when
-- the committee approves it (domain::quorum), in the transaction of the deciding vote.
CREATE TABLE seat_changes (
    id         INTEGER PRIMARY KEY,
    proposer   TEXT NOT NULL,
    login      TEXT NOT NULL REFERENCES staff(login),
    change     TEXT NOT NULL CHECK (change IN ('grant', 'revoke')),
    party      TEXT NOT NULL CHECK (party IN ('user_committee', 'library', 'supplier')),
    state      TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'denied', 'expired', 'withdrawn')),
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    decided_ms INTEGER
);
CREATE INDEX seat_changes_by_state ON seat_changes(state, id);

-- One vote per person per change. party is NULL for the acceptance of a founding seat by the
-- person taking it.
CREATE TABLE seat_votes (
    change_id INTEGER NOT NULL REFERENCES seat_changes(id),
    voter     TEXT NOT NULL,
    party     TEXT CHECK (party IN ('user_committee', 'library', 'supplier')),
    approve   INTEGER NOT NULL CHECK (approve IN (0, 1)),
    reason    TEXT NOT NULL,
    at_ms     INTEGER NOT NULL,
    PRIMARY KEY (change_id, voter)
) WITHOUT ROWID;
"#;

/// Comfort readings may lack a measure (a SensorThings site often has only temperature and
/// CO2 sensors); head counts per zone from sources that count people, not seats.
const V8_PARTIAL_COMFORT_AND_HEAD_COUNTS: &str = r#"
CREATE TABLE environment_samples_v8 (
    zone_id       TEXT NOT NULL REFERENCES zones(id),
    at_ms         INTEGER NOT NULL,
    temperature_c REAL,
    co2_ppm       REAL,
    light_lux     REAL,
    noise_db      REAL,
    PRIMARY KEY (zone_id, at_ms),
    CHECK (temperature_c IS NOT NULL OR co2_ppm IS NOT NULL OR light_lux IS NOT NULL
           OR noise_db IS NOT NULL)
) WITHOUT ROWID;
INSERT INTO environment_samples_v8
    SELECT zone_id, at_ms, temperature_c, co2_ppm, light_lux, noise_db FROM environment_samples;
DROP TABLE environment_samples;
ALTER TABLE environment_samples_v8 RENAME TO environment_samples;

-- The latest head count of each zone a source counts people in.
CREATE TABLE zone_occupancy (
    zone_id  TEXT PRIMARY KEY REFERENCES zones(id),
    people   INTEGER NOT NULL CHECK (people >= 0),
    capacity INTEGER CHECK (capacity >= 0),
    at_ms    INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Checkpoints in the C2SP signed-note form with the leaf hashes they cover, each witness's
/// cosignatures, and each witness's latest answer.
const V9_WITNESSED_CHECKPOINTS: &str = r#"
-- The whole signed note (NULL for a checkpoint of the old carrel-checkpoint/1 form, which
-- is not checked), and the leaf hashes from the previous checkpoint's size to this one's, so
-- a rewrite caught by a checkpoint is placed at the first entry that changed.
ALTER TABLE audit_checkpoints ADD COLUMN note TEXT;
ALTER TABLE audit_checkpoints ADD COLUMN leaves BLOB;

CREATE TABLE audit_cosignatures (
    checkpoint_id INTEGER NOT NULL REFERENCES audit_checkpoints(id),
    witness       TEXT NOT NULL,
    line          TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (checkpoint_id, witness)
) WITHOUT ROWID;

-- Each witness's latest answer: the size it last cosigned, the last error, the last refusal.
CREATE TABLE audit_witnesses (
    name          TEXT PRIMARY KEY,
    cosigned_size INTEGER,
    cosigned_ms   INTEGER,
    attempt_ms    INTEGER NOT NULL,
    error         TEXT,
    refused_ms    INTEGER,
    refusal       TEXT
) WITHOUT ROWID;
"#;

/// The local recommender this site's own loans chose, by the backtest (`engine.recs`), and how
/// it scored: what the patron desk's fallback uses.
const V10_LOCAL_RECS_CHOICE: &str = r#"
CREATE TABLE recs_choice (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    model           TEXT NOT NULL,
    ndcg            REAL NOT NULL,
    popularity_ndcg REAL NOT NULL,
    users_evaluated INTEGER NOT NULL,
    loans           INTEGER NOT NULL,
    computed_ms     INTEGER NOT NULL
);
"#;

/// Every migration, oldest first. The index + 1 is the schema version it produces.
pub const MIGRATIONS: &[M<'static>] = &[
    M::up(V1_DATA_PLANE),
    M::up(V2_AUDIT),
    M::up(V3_FORECASTS),
    M::up(V4_PATRONS),
    M::up(V5_ALERTS),
    M::up(V6_GOVERNANCE),
    M::up(V7_COMMITTEE_SEATS),
    M::up(V8_PARTIAL_COMFORT_AND_HEAD_COUNTS),
    M::up(V9_WITNESSED_CHECKPOINTS),
    M::up(V10_LOCAL_RECS_CHOICE),
];

/// The schema version this build of carrel writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}
