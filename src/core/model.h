// The documentation records Cairn stores, as plain structs, each with its schema (schema.h).
//
// Field names follow the Hudu API v1 object fields (reference/hudu-api.md section 4) so that the
// schema's column names double as JSON names. Times are milliseconds since the epoch (UTC).
// Secrets never appear here in plain text: passwords carry ciphertext (crypto.h), users carry an
// Argon2id hash and API keys a BLAKE2b hash of the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"

namespace cairn {

enum class Role { kSuperAdmin, kAdmin, kEditor, kAuthor, kSpectator };
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view s);

struct User {
  int64_t id = 0;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string security_level = "spectator";  // RoleName()
  std::string password_hash;                  // Argon2id (libsodium crypto_pwhash_str); "" = none
  // May reveal passwords and confidential fields in the web UI (administrators always may).
  bool password_access = true;
  bool archived = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<User>& Schema();
};

struct ApiKey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string prefix;    // the first characters of the key, shown in lists to tell keys apart
  std::string key_hash;  // hex BLAKE2b-256 of the whole key
  bool password_access = false;
  bool destructive = true;
  std::string company_ids;  // comma-separated ids; "" = every company
  std::string allow_ips;    // comma-separated CIDRs; "" = any address
  bool revoked = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t last_used_at = 0;
  static const TableSchema<ApiKey>& Schema();
};

struct Company {
  int64_t id = 0;
  std::string slug;
  std::string name;
  std::string nickname;
  std::string company_type;
  std::string address_line_1;
  std::string address_line_2;
  std::string city;
  std::string state;
  std::string zip;
  std::string country_name;
  std::string phone_number;
  std::string fax_number;
  std::string website;
  std::string id_number;
  std::optional<int64_t> parent_company_id;
  std::string notes;
  bool archived = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Company>& Schema();
};

struct AssetLayout {
  int64_t id = 0;
  std::string slug;
  std::string name;
  std::string icon;
  std::string color;
  std::string icon_color;
  std::optional<int64_t> sidebar_folder_id;
  bool active = true;
  bool include_passwords = false;
  bool include_photos = false;
  bool include_comments = false;
  bool include_files = false;
  std::string password_types;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<AssetLayout>& Schema();
};

// One typed field of a layout. field_type is one of kFieldTypes (case-sensitive).
struct LayoutField {
  int64_t id = 0;
  int64_t asset_layout_id = 0;
  std::string label;
  std::string field_type = "Text";
  bool required = false;
  bool show_in_list = false;
  std::string hint;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  std::string options;  // newline-separated, for Dropdown
  std::optional<int64_t> linkable_id;
  bool expiration = false;
  int64_t position = 0;
  std::optional<int64_t> list_id;
  bool multiple_options = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<LayoutField>& Schema();
};

inline constexpr std::string_view kFieldTypes[] = {
    "Text",     "RichText", "Heading", "CheckBox", "Number",     "Date",      "Embed", "Phone",
    "Website",  "Password", "Email",   "AssetTag", "AddressData", "ListSelect", "Dropdown"};
bool IsFieldType(std::string_view s);

struct Asset {
  int64_t id = 0;
  int64_t company_id = 0;
  int64_t asset_layout_id = 0;
  std::string slug;
  std::string name;
  std::string primary_serial;
  std::string primary_mail;
  std::string primary_model;
  std::string primary_manufacturer;
  bool archived = false;
  // Custom field values as a JSON object text: {"<layout field id>": "<value as text>"}.
  std::string field_values = "{}";
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Asset>& Schema();
};

struct AssetPassword {
  int64_t id = 0;
  int64_t company_id = 0;
  std::string passwordable_type;
  std::optional<int64_t> passwordable_id;
  std::string name;
  std::string username;
  std::string password_enc;    // Cipher::Seal() output; never the plain value
  std::string otp_secret_enc;  // likewise; "" when there is none
  std::string url;
  std::string description;
  std::string password_type;
  std::optional<int64_t> password_folder_id;
  std::string slug;
  bool archived = false;
  bool in_portal = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<AssetPassword>& Schema();
};

struct Article {
  int64_t id = 0;
  std::string slug;
  std::string name;
  std::string content;  // HTML
  bool draft = false;
  bool archived = false;
  std::optional<int64_t> folder_id;
  std::optional<int64_t> company_id;  // absent = global knowledge base
  bool enable_sharing = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Article>& Schema();
};

struct Folder {
  int64_t id = 0;
  std::string name;
  std::string icon;
  std::string description;
  std::optional<int64_t> parent_folder_id;
  std::optional<int64_t> company_id;
  std::string folder_type = "article";  // article | photo; fixed at creation
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Folder>& Schema();
};

struct Website {
  int64_t id = 0;
  std::string slug;
  std::string name;  // the URL
  int64_t company_id = 0;
  std::string notes;
  bool paused = false;
  bool disable_dns = false;
  bool disable_ssl = false;
  bool disable_whois = false;
  bool enable_dmarc_tracking = false;
  bool enable_dkim_tracking = false;
  bool enable_spf_tracking = false;
  bool archived = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Website>& Schema();
};

struct Relation {
  int64_t id = 0;
  std::string fromable_type;
  int64_t fromable_id = 0;
  std::string toable_type;
  int64_t toable_id = 0;
  std::string description;
  bool is_inverse = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Relation>& Schema();
};

// A connection to a vendor's PSA/RMM (issue 4): what to sync from and how. The credentials are one
// JSON object sealed with the master key; the JSON columns hold what the API shows as objects.
struct Integration {
  int64_t id = 0;
  std::string slug;             // the vendor: cw_manage, halo, syncro, pulseway_rmm
  std::string name;
  std::string credentials_enc;  // sealed JSON object {field: value}
  std::string default_layouts;  // JSON object {kind: layout id}
  std::string skip_types;       // JSON array of vendor type names
  std::string options;          // JSON object {option: bool}
  int64_t interval_minutes = 180;
  bool enabled = true;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Integration>& Schema();
};

// One sync of an integration (issue 4): its state, what it counted, what went wrong.
struct SyncRun {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string state = "queued";  // queued, running, succeeded, failed, stopped
  std::string phase;             // what a running run is doing: "companies", "configurations", ...
  bool dry_run = false;
  bool full_run = false;         // reconcile everything (no change cursor)
  std::string trigger = "manual";  // manual, schedule
  std::string counts = "{}";     // JSON {kind: {created, updated, archived, unarchived, unchanged, skipped, failed}}
  std::string errors = "[]";     // JSON [{kind, sync_id, message}]
  std::string progress = "{}";   // JSON {kind: {seen, total}}
  int64_t requests = 0;          // calls made to the vendor
  bool stop_requested = false;
  std::optional<int64_t> user_id;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<SyncRun>& Schema();
};

// A vendor company and the Cairn company it is matched to (Hudu's Matcher).
struct Matcher {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string sync_id;      // the vendor's company id
  std::string identifier;   // the vendor's short code
  std::string name;
  bool active = true;
  std::optional<int64_t> company_id;            // matched to
  std::optional<int64_t> potential_company_id;  // suggested by name
  int64_t confidence = 0;                       // of the suggestion, 0..100
  bool leave_unmatched = false;                 // the user chose to import nothing of it
  std::string details = "{}";                   // JSON: company fields from the vendor
  std::string card = "{}";                      // JSON: the vendor's view
  int64_t vendor_updated_at = 0;
  // When it was last matched to a company (0: never, or before this was kept): a run started
  // before then has not read that company's records, so the next run lists everything.
  int64_t matched_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Matcher>& Schema();
  // Stamps matched_at when the matcher now points at a company other than `before`.
  void NoteMatch(std::optional<int64_t> before, int64_t now_ms) {
    if (company_id && company_id != before) matched_at = now_ms;
  }
};

// One vendor record synced into Cairn: the key (integration, kind, sync_id), the record it fills,
// and the integration card's data.
struct SyncLink {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string kind;             // "companies", "configurations", ...
  std::string sync_id;          // the vendor's id
  std::string company_sync_id;  // the vendor's id of its company
  std::string record_type = "Asset";  // Asset or Company
  std::optional<int64_t> record_id;
  std::string name;
  std::string vendor_type;
  std::string serial;
  bool active = true;
  std::string card = "{}";      // JSON: the vendor's view (the integration card)
  std::string hash;             // of what the vendor sent last, to tell unchanged records
  int64_t vendor_updated_at = 0;
  bool gone = false;            // no longer at the vendor: the sync archived its record
  bool archived_by_sync = false;  // the record is archived because the vendor deactivated it
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<SyncLink>& Schema();
};

// One Cairn article pushed into an integration's vendor knowledge base (HaloPSA's KB): the Halo
// ids to update it by, and a hash of what was pushed last, so that unchanged articles are not sent.
struct KbLink {
  int64_t id = 0;
  int64_t integration_id = 0;
  int64_t article_id = 0;
  int64_t halo_id = 0;      // the KBArticle id at Halo
  int64_t faqlist_id = 0;   // the FAQ list it was filed in
  std::string hash;         // of what was pushed last
  bool inactive = false;    // pushed as inactive (archived, or no longer chosen)
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<KbLink>& Schema();
};

// Where an integration puts records of one vendor type (instead of the kind's default layout).
struct SortRule {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string kind;         // "configurations", "assets", ...
  std::string vendor_type;  // the vendor's type name, matched without regard to case
  int64_t asset_layout_id = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<SortRule>& Schema();
};

// A vendor data point (a card label) that fills a layout field on every sync.
struct ConnectedField {
  int64_t id = 0;
  int64_t integration_id = 0;
  std::string kind;
  std::string data_point;  // the card label, e.g. "Operating System"
  int64_t layout_field_id = 0;
  bool overwrite_blank = false;  // a blank from the vendor erases the field
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<ConnectedField>& Schema();
};

// One line of a run's report: what the run did (or, dry, would do) to one record.
struct SyncChange {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string kind;
  std::string sync_id;
  std::string record_type;
  std::optional<int64_t> record_id;
  std::string name;
  std::string action;        // created, updated, archived, unarchived, skipped, failed
  std::string changes = "{}";  // JSON {field: {"from", "to"}}
  std::string error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<SyncChange>& Schema();
};

// One write (or password view) by a user through a key or a session.
struct ActivityLog {
  int64_t id = 0;
  std::optional<int64_t> user_id;
  std::string user_email;
  std::string user_name;
  std::optional<int64_t> api_key_id;
  std::string token;  // the API key's name, "" for a web session
  std::string action;  // "created", "updated", "deleted", "archived", "viewed password", ...
  std::string record_type;
  std::optional<int64_t> record_id;
  std::string record_name;
  std::optional<int64_t> company_id;
  std::string company_name;
  std::string details;  // JSON object text: the changed fields
  std::string ip_address;
  std::string agent_string;
  std::string app_type = "api";
  int64_t created_at = 0;
  static const TableSchema<ActivityLog>& Schema();
};

// An outgoing webhook (issue 5): changes in Cairn POSTed to `url` as they happen.
struct Webhook {
  int64_t id = 0;
  std::string name;
  std::string url;
  std::string events = "[]";  // JSON array of event names ("company.updated", ...; kWebhookEvents)
  std::string secret_enc;     // the signing secret, sealed with the master key ("" = none yet)
  bool active = true;
  std::string payload_template;  // a JSON template with $VARIABLES; "" = the default body
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<Webhook>& Schema();
};

// The outbox: one event, written in the same transaction as the change it reports (so a crash
// can neither lose the event of a committed change nor send one for a change rolled back), and
// fanned out to the webhooks that want it by the delivery worker.
struct WebhookEvent {
  int64_t id = 0;
  std::string event;                        // "company.updated"
  std::optional<int64_t> activity_log_id;   // the change's activity-log entry, when it has one
  std::string record_type;                  // "Company", "Asset", "Article", "AssetPassword", "SyncRun"
  std::optional<int64_t> record_id;
  std::string record_name;
  std::optional<int64_t> company_id;
  std::string company_name;
  std::string changes = "{}";  // JSON object: the changed fields, as the activity log has them
  bool dispatched = false;     // fanned out into deliveries
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<WebhookEvent>& Schema();
};

// One event on its way to one webhook, sent in order per webhook.
struct WebhookDelivery {
  int64_t id = 0;
  int64_t webhook_id = 0;
  int64_t event_id = 0;
  std::string event;
  std::string state = "pending";  // pending | delivered | failed (given up)
  int64_t attempts = 0;
  int64_t next_attempt_at = 0;  // Unix ms
  int64_t last_status = 0;      // HTTP status of the last attempt; 0 = no answer
  std::string last_error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<WebhookDelivery>& Schema();
};

// One attempt of a delivery: what the receiver answered and how fast.
struct WebhookAttempt {
  int64_t id = 0;
  int64_t delivery_id = 0;
  int64_t webhook_id = 0;
  int64_t attempt = 0;
  int64_t status = 0;  // HTTP status; 0 = no answer (error says why)
  int64_t latency_ms = 0;
  std::string response_excerpt;
  std::string error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<WebhookAttempt>& Schema();
};

// A signed-in browser (the web UI, src/web): the cookie holds a random token, the store only its
// hash. Ends at expires_at, after idle_timeout without use, or at sign-out.
struct WebSession {
  int64_t id = 0;
  std::string token_hash;  // hex BLAKE2b-256 of the cookie's token
  int64_t user_id = 0;
  std::string ip_address;
  std::string user_agent;
  int64_t last_seen_at = 0;
  int64_t expires_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<WebSession>& Schema();
};

// Failed sign-ins per email address (known or not, so that a lock-out does not tell which
// addresses exist): after too many within a window, sign-in is refused until locked_until.
struct LoginFailure {
  int64_t id = 0;
  std::string email;  // lower case
  int64_t failures = 0;
  int64_t first_failure_at = 0;
  int64_t locked_until = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  static const TableSchema<LoginFailure>& Schema();
};

// The events a webhook may subscribe to.
extern const std::vector<std::string_view> kWebhookEvents;
// The webhook event an activity-log entry is ("company.updated"), or "" when it is none.
std::string WebhookEventOf(const ActivityLog& entry);

}  // namespace cairn
