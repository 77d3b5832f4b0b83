// Versioned schema migrations, applied in order on Store::Open. A migration, once released, never
// changes: a new need is a new migration at the end. Each runs in its own transaction together
// with the row that records it in schema_migrations.
//
// The SQL is shared by both backends with two placeholders: {{PK}} (an auto-increment 64-bit
// primary key that never reuses a deleted id) and dialect-specific blocks chosen by version.
#include <string>
#include <vector>

#include "store/migrations.h"

namespace cairn::store {
namespace {

const char* kV1Tables = R"SQL(
CREATE TABLE users (
  id {{PK}},
  email TEXT NOT NULL,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  security_level TEXT NOT NULL DEFAULT 'spectator',
  password_hash TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE api_keys (
  id {{PK}},
  user_id BIGINT NOT NULL REFERENCES users (id),
  name TEXT NOT NULL DEFAULT '',
  prefix TEXT NOT NULL DEFAULT '',
  key_hash TEXT NOT NULL,
  password_access INTEGER NOT NULL DEFAULT 0,
  destructive INTEGER NOT NULL DEFAULT 1,
  company_ids TEXT NOT NULL DEFAULT '',
  allow_ips TEXT NOT NULL DEFAULT '',
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0,
  last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);

CREATE TABLE companies (
  id {{PK}},
  slug TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  nickname TEXT NOT NULL DEFAULT '',
  company_type TEXT NOT NULL DEFAULT '',
  address_line_1 TEXT NOT NULL DEFAULT '',
  address_line_2 TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT '',
  zip TEXT NOT NULL DEFAULT '',
  country_name TEXT NOT NULL DEFAULT '',
  phone_number TEXT NOT NULL DEFAULT '',
  fax_number TEXT NOT NULL DEFAULT '',
  website TEXT NOT NULL DEFAULT '',
  id_number TEXT NOT NULL DEFAULT '',
  parent_company_id BIGINT,
  notes TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX companies_name ON companies (lower(name));
CREATE INDEX companies_slug ON companies (slug);
CREATE INDEX companies_archived ON companies (archived, id);
CREATE INDEX companies_updated ON companies (updated_at);

CREATE TABLE asset_layouts (
  id {{PK}},
  slug TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  icon TEXT NOT NULL DEFAULT '',
  color TEXT NOT NULL DEFAULT '',
  icon_color TEXT NOT NULL DEFAULT '',
  sidebar_folder_id BIGINT,
  active INTEGER NOT NULL DEFAULT 1,
  include_passwords INTEGER NOT NULL DEFAULT 0,
  include_photos INTEGER NOT NULL DEFAULT 0,
  include_comments INTEGER NOT NULL DEFAULT 0,
  include_files INTEGER NOT NULL DEFAULT 0,
  password_types TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX asset_layouts_name ON asset_layouts (lower(name));

CREATE TABLE asset_layout_fields (
  id {{PK}},
  asset_layout_id BIGINT NOT NULL REFERENCES asset_layouts (id),
  label TEXT NOT NULL,
  field_type TEXT NOT NULL DEFAULT 'Text',
  required INTEGER NOT NULL DEFAULT 0,
  show_in_list INTEGER NOT NULL DEFAULT 0,
  hint TEXT NOT NULL DEFAULT '',
  min BIGINT,
  max BIGINT,
  options TEXT NOT NULL DEFAULT '',
  linkable_id BIGINT,
  expiration INTEGER NOT NULL DEFAULT 0,
  position BIGINT NOT NULL DEFAULT 0,
  list_id BIGINT,
  multiple_options INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX asset_layout_fields_layout ON asset_layout_fields (asset_layout_id, position);

CREATE TABLE assets (
  id {{PK}},
  company_id BIGINT NOT NULL REFERENCES companies (id),
  asset_layout_id BIGINT NOT NULL REFERENCES asset_layouts (id),
  slug TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  primary_serial TEXT NOT NULL DEFAULT '',
  primary_mail TEXT NOT NULL DEFAULT '',
  primary_model TEXT NOT NULL DEFAULT '',
  primary_manufacturer TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  field_values TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX assets_company ON assets (company_id, archived, id);
CREATE INDEX assets_layout ON assets (asset_layout_id);
CREATE INDEX assets_serial ON assets (primary_serial);
CREATE INDEX assets_name ON assets (lower(name));
CREATE INDEX assets_updated ON assets (updated_at);

CREATE TABLE asset_passwords (
  id {{PK}},
  company_id BIGINT NOT NULL REFERENCES companies (id),
  passwordable_type TEXT NOT NULL DEFAULT '',
  passwordable_id BIGINT,
  name TEXT NOT NULL,
  username TEXT NOT NULL DEFAULT '',
  password_enc TEXT NOT NULL DEFAULT '',
  otp_secret_enc TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  password_type TEXT NOT NULL DEFAULT '',
  password_folder_id BIGINT,
  slug TEXT NOT NULL DEFAULT '',
  archived INTEGER NOT NULL DEFAULT 0,
  in_portal INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX asset_passwords_company ON asset_passwords (company_id, archived, id);

CREATE TABLE folders (
  id {{PK}},
  name TEXT NOT NULL,
  icon TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  parent_folder_id BIGINT REFERENCES folders (id),
  company_id BIGINT REFERENCES companies (id),
  folder_type TEXT NOT NULL DEFAULT 'article',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE articles (
  id {{PK}},
  slug TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  content TEXT NOT NULL DEFAULT '',
  draft INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  folder_id BIGINT REFERENCES folders (id),
  company_id BIGINT REFERENCES companies (id),
  enable_sharing INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX articles_company ON articles (company_id);

CREATE TABLE websites (
  id {{PK}},
  slug TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  company_id BIGINT NOT NULL REFERENCES companies (id),
  notes TEXT NOT NULL DEFAULT '',
  paused INTEGER NOT NULL DEFAULT 0,
  disable_dns INTEGER NOT NULL DEFAULT 0,
  disable_ssl INTEGER NOT NULL DEFAULT 0,
  disable_whois INTEGER NOT NULL DEFAULT 0,
  enable_dmarc_tracking INTEGER NOT NULL DEFAULT 0,
  enable_dkim_tracking INTEGER NOT NULL DEFAULT 0,
  enable_spf_tracking INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX websites_company ON websites (company_id);

CREATE TABLE relations (
  id {{PK}},
  fromable_type TEXT NOT NULL,
  fromable_id BIGINT NOT NULL,
  toable_type TEXT NOT NULL,
  toable_id BIGINT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_inverse INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE activity_logs (
  id {{PK}},
  user_id BIGINT,
  user_email TEXT NOT NULL DEFAULT '',
  user_name TEXT NOT NULL DEFAULT '',
  api_key_id BIGINT,
  token TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  record_type TEXT NOT NULL DEFAULT '',
  record_id BIGINT,
  record_name TEXT NOT NULL DEFAULT '',
  company_id BIGINT,
  company_name TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL DEFAULT '{}',
  ip_address TEXT NOT NULL DEFAULT '',
  agent_string TEXT NOT NULL DEFAULT '',
  app_type TEXT NOT NULL DEFAULT 'api',
  created_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX activity_logs_created ON activity_logs (created_at);
CREATE INDEX activity_logs_record ON activity_logs (record_type, record_id);
)SQL";

// The search index: one document per searchable record that is not archived, keyed by (kind,
// record id).
const char* kV2SearchSqlite = R"SQL(
-- title and body hold the terms Cairn derives from the record (search.cpp); name is the title as
-- shown in results.
CREATE VIRTUAL TABLE search_fts USING fts5(
  title, body, kind UNINDEXED, company_id UNINDEXED, name UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
)SQL";

const char* kV2SearchPostgres = R"SQL(
CREATE TABLE search_docs (
  kind TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  company_id BIGINT,
  title TEXT NOT NULL DEFAULT '',
  -- The terms Cairn derives from the title and body (search.cpp), so that serials like
  -- SN-7731-XQ and addresses like 10.0.0.2 are not read as numbers or host names.
  title_terms TEXT NOT NULL DEFAULT '',
  body_terms TEXT NOT NULL DEFAULT '',
  tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title_terms), 'A') ||
    setweight(to_tsvector('simple', body_terms), 'B')
  ) STORED,
  PRIMARY KEY (kind, record_id)
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
)SQL";

const char* kV3Integrations = R"SQL(
CREATE TABLE integrations (
  id {{PK}},
  slug TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  credentials_enc TEXT NOT NULL DEFAULT '',
  default_layouts TEXT NOT NULL DEFAULT '{}',
  skip_types TEXT NOT NULL DEFAULT '[]',
  options TEXT NOT NULL DEFAULT '{}',
  interval_minutes BIGINT NOT NULL DEFAULT 180,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
)SQL";

const char* kV4Sync = R"SQL(
CREATE TABLE sync_runs (
  id {{PK}},
  integration_id BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued',
  phase TEXT NOT NULL DEFAULT '',
  dry_run INTEGER NOT NULL DEFAULT 0,
  full_run INTEGER NOT NULL DEFAULT 0,
  trigger TEXT NOT NULL DEFAULT 'manual',
  counts TEXT NOT NULL DEFAULT '{}',
  errors TEXT NOT NULL DEFAULT '[]',
  progress TEXT NOT NULL DEFAULT '{}',
  requests BIGINT NOT NULL DEFAULT 0,
  stop_requested INTEGER NOT NULL DEFAULT 0,
  user_id BIGINT,
  started_at BIGINT NOT NULL DEFAULT 0,
  finished_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_integration ON sync_runs (integration_id, id);
CREATE INDEX sync_runs_state ON sync_runs (state);

CREATE TABLE matchers (
  id {{PK}},
  integration_id BIGINT NOT NULL,
  sync_id TEXT NOT NULL,
  identifier TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  company_id BIGINT,
  potential_company_id BIGINT,
  confidence BIGINT NOT NULL DEFAULT 0,
  leave_unmatched INTEGER NOT NULL DEFAULT 0,
  details TEXT NOT NULL DEFAULT '{}',
  card TEXT NOT NULL DEFAULT '{}',
  vendor_updated_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX matchers_key ON matchers (integration_id, sync_id);
CREATE INDEX matchers_company ON matchers (company_id);

CREATE TABLE sync_links (
  id {{PK}},
  integration_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  sync_id TEXT NOT NULL,
  company_sync_id TEXT NOT NULL DEFAULT '',
  record_type TEXT NOT NULL DEFAULT 'Asset',
  record_id BIGINT,
  name TEXT NOT NULL DEFAULT '',
  vendor_type TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  card TEXT NOT NULL DEFAULT '{}',
  hash TEXT NOT NULL DEFAULT '',
  vendor_updated_at BIGINT NOT NULL DEFAULT 0,
  gone INTEGER NOT NULL DEFAULT 0,
  archived_by_sync INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sync_links_key ON sync_links (integration_id, kind, sync_id);
CREATE INDEX sync_links_record ON sync_links (record_type, record_id);

CREATE TABLE sync_changes (
  id {{PK}},
  run_id BIGINT NOT NULL,
  kind TEXT NOT NULL DEFAULT '',
  sync_id TEXT NOT NULL DEFAULT '',
  record_type TEXT NOT NULL DEFAULT '',
  record_id BIGINT,
  name TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL DEFAULT '',
  changes TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sync_changes_run ON sync_changes (run_id, id);
)SQL";

const char* kV5Rules = R"SQL(
CREATE TABLE sort_rules (
  id {{PK}},
  integration_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  vendor_type TEXT NOT NULL,
  asset_layout_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sort_rules_key ON sort_rules (integration_id, kind, lower(vendor_type));

CREATE TABLE connected_fields (
  id {{PK}},
  integration_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  data_point TEXT NOT NULL,
  layout_field_id BIGINT NOT NULL,
  overwrite_blank INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX connected_fields_key ON connected_fields (integration_id, kind, layout_field_id);
CREATE INDEX assets_company_serial ON assets (company_id, lower(primary_serial));
)SQL";

const char* kV6KbLinks = R"SQL(
CREATE TABLE kb_links (
  id {{PK}},
  integration_id BIGINT NOT NULL,
  article_id BIGINT NOT NULL,
  halo_id BIGINT NOT NULL DEFAULT 0,
  faqlist_id BIGINT NOT NULL DEFAULT 0,
  hash TEXT NOT NULL DEFAULT '',
  inactive INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX kb_links_key ON kb_links (integration_id, article_id);
)SQL";

const char* kV7Webhooks = R"SQL(
CREATE TABLE webhooks (
  id {{PK}},
  name TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL,
  events TEXT NOT NULL DEFAULT '[]',
  secret_enc TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  payload_template TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE webhook_events (
  id {{PK}},
  event TEXT NOT NULL,
  activity_log_id BIGINT,
  record_type TEXT NOT NULL DEFAULT '',
  record_id BIGINT,
  record_name TEXT NOT NULL DEFAULT '',
  company_id BIGINT,
  company_name TEXT NOT NULL DEFAULT '',
  changes TEXT NOT NULL DEFAULT '{}',
  dispatched INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_events_pending ON webhook_events (dispatched, id);

CREATE TABLE webhook_deliveries (
  id {{PK}},
  webhook_id BIGINT NOT NULL,
  event_id BIGINT NOT NULL,
  event TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending',
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  last_status BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX webhook_deliveries_key ON webhook_deliveries (webhook_id, event_id);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, state, id);

CREATE TABLE webhook_attempts (
  id {{PK}},
  delivery_id BIGINT NOT NULL,
  webhook_id BIGINT NOT NULL,
  attempt BIGINT NOT NULL DEFAULT 0,
  status BIGINT NOT NULL DEFAULT 0,
  latency_ms BIGINT NOT NULL DEFAULT 0,
  response_excerpt TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id);
)SQL";

const char* kV8WebSessions = R"SQL(
CREATE TABLE web_sessions (
  id {{PK}},
  token_hash TEXT NOT NULL,
  user_id BIGINT NOT NULL,
  ip_address TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  last_seen_at BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX web_sessions_token ON web_sessions (token_hash);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE login_failures (
  id {{PK}},
  email TEXT NOT NULL,
  failures BIGINT NOT NULL DEFAULT 0,
  first_failure_at BIGINT NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX login_failures_email ON login_failures (email);
)SQL";

// When each matcher was matched: a run lists everything after a match made since the last one
// (matched before this version: as of its last change).
const char* kV9MatchedAt = R"SQL(
ALTER TABLE matchers ADD COLUMN matched_at BIGINT NOT NULL DEFAULT 0;
UPDATE matchers SET matched_at = updated_at WHERE company_id IS NOT NULL;
)SQL";

// Whether a user may reveal passwords in the web UI (everyone could before this version).
const char* kV10PasswordAccess = R"SQL(
ALTER TABLE users ADD COLUMN password_access INTEGER NOT NULL DEFAULT 1;
)SQL";

std::string Substitute(std::string sql, Dialect d) {
  const std::string pk = d == Dialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                               : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  for (size_t p; (p = sql.find("{{PK}}")) != std::string::npos;) sql.replace(p, 6, pk);
  return sql;
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, "documentation tables", [](Dialect d) { return Substitute(kV1Tables, d); }},
      {2, "search index",
       [](Dialect d) {
         return std::string(d == Dialect::kSqlite ? kV2SearchSqlite : kV2SearchPostgres);
       }},
      {3, "integrations", [](Dialect d) { return Substitute(kV3Integrations, d); }},
      {4, "sync runs, matchers, links and run reports", [](Dialect d) { return Substitute(kV4Sync, d); }},
      {5, "sort rules, connected fields, serial lookups", [](Dialect d) { return Substitute(kV5Rules, d); }},
      {6, "knowledge-base push links", [](Dialect d) { return Substitute(kV6KbLinks, d); }},
      {7, "webhooks and their outbox", [](Dialect d) { return Substitute(kV7Webhooks, d); }},
      {8, "web sign-in sessions and lock-outs", [](Dialect d) { return Substitute(kV8WebSessions, d); }},
      {9, "when each matcher was matched", [](Dialect d) { return Substitute(kV9MatchedAt, d); }},
      {10, "users' access to passwords in the web UI", [](Dialect d) { return Substitute(kV10PasswordAccess, d); }},
  };
  return kAll;
}

int64_t LatestSchemaVersion() { return Migrations().back().version; }

}  // namespace cairn::store
