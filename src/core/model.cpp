#include "core/model.h"

#include <algorithm>

namespace cairn {
namespace {

// Shorthands that keep each schema one line per column.
template <class T, class M>
Column<T> C(std::string_view name, ColType type, M T::*member, bool writable = true) {
  return Column<T>{name, type, member, writable};
}
template <class T>
Column<T> Id() {
  return C<T>("id", ColType::kId, &T::id, false);
}
template <class T>
Column<T> Created() {
  return C<T>("created_at", ColType::kTime, &T::created_at, false);
}
template <class T>
Column<T> Updated() {
  return C<T>("updated_at", ColType::kTime, &T::updated_at, false);
}
constexpr auto kT = ColType::kText;
constexpr auto kB = ColType::kBool;
constexpr auto kI = ColType::kInt;
constexpr auto kO = ColType::kOptInt;

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kSuperAdmin: return "super_admin";
    case Role::kAdmin: return "admin";
    case Role::kEditor: return "editor";
    case Role::kAuthor: return "author";
    case Role::kSpectator: return "spectator";
  }
  return "spectator";
}

std::optional<Role> ParseRole(std::string_view s) {
  for (Role r : {Role::kSuperAdmin, Role::kAdmin, Role::kEditor, Role::kAuthor, Role::kSpectator})
    if (RoleName(r) == s) return r;
  return std::nullopt;
}

bool IsFieldType(std::string_view s) {
  return std::find(std::begin(kFieldTypes), std::end(kFieldTypes), s) != std::end(kFieldTypes);
}

const TableSchema<User>& User::Schema() {
  using T = User;
  static const TableSchema<T> s{"users", "User",
                                {Id<T>(), C("email", kT, &T::email), C("first_name", kT, &T::first_name),
                                 C("last_name", kT, &T::last_name),
                                 C("security_level", kT, &T::security_level),
                                 C("password_hash", kT, &T::password_hash, false),
                                 C("password_access", kB, &T::password_access),
                                 C("archived", kB, &T::archived), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<ApiKey>& ApiKey::Schema() {
  using T = ApiKey;
  static const TableSchema<T> s{
      "api_keys", "ApiKey",
      {Id<T>(), C("user_id", kI, &T::user_id), C("name", kT, &T::name), C("prefix", kT, &T::prefix),
       C("key_hash", kT, &T::key_hash, false), C("password_access", kB, &T::password_access),
       C("destructive", kB, &T::destructive), C("company_ids", kT, &T::company_ids),
       C("allow_ips", kT, &T::allow_ips), C("revoked", kB, &T::revoked), Created<T>(), Updated<T>(),
       C("last_used_at", ColType::kTime, &T::last_used_at, false)}};
  return s;
}

const TableSchema<Company>& Company::Schema() {
  using T = Company;
  static const TableSchema<T> s{
      "companies", "Company",
      {Id<T>(), C("slug", kT, &T::slug, false), C("name", kT, &T::name),
       C("nickname", kT, &T::nickname), C("company_type", kT, &T::company_type),
       C("address_line_1", kT, &T::address_line_1), C("address_line_2", kT, &T::address_line_2),
       C("city", kT, &T::city), C("state", kT, &T::state), C("zip", kT, &T::zip),
       C("country_name", kT, &T::country_name), C("phone_number", kT, &T::phone_number),
       C("fax_number", kT, &T::fax_number), C("website", kT, &T::website),
       C("id_number", kT, &T::id_number), C("parent_company_id", kO, &T::parent_company_id),
       C("notes", kT, &T::notes), C("archived", kB, &T::archived, false), Created<T>(),
       Updated<T>()}};
  return s;
}

const TableSchema<AssetLayout>& AssetLayout::Schema() {
  using T = AssetLayout;
  static const TableSchema<T> s{
      "asset_layouts", "AssetLayout",
      {Id<T>(), C("slug", kT, &T::slug, false), C("name", kT, &T::name), C("icon", kT, &T::icon),
       C("color", kT, &T::color), C("icon_color", kT, &T::icon_color),
       C("sidebar_folder_id", kO, &T::sidebar_folder_id), C("active", kB, &T::active),
       C("include_passwords", kB, &T::include_passwords),
       C("include_photos", kB, &T::include_photos),
       C("include_comments", kB, &T::include_comments), C("include_files", kB, &T::include_files),
       C("password_types", kT, &T::password_types), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<LayoutField>& LayoutField::Schema() {
  using T = LayoutField;
  static const TableSchema<T> s{
      "asset_layout_fields", "Field",
      {Id<T>(), C("asset_layout_id", kI, &T::asset_layout_id, false), C("label", kT, &T::label),
       C("field_type", kT, &T::field_type), C("required", kB, &T::required),
       C("show_in_list", kB, &T::show_in_list), C("hint", kT, &T::hint), C("min", kO, &T::min),
       C("max", kO, &T::max), C("options", kT, &T::options),
       C("linkable_id", kO, &T::linkable_id), C("expiration", kB, &T::expiration),
       C("position", kI, &T::position), C("list_id", kO, &T::list_id),
       C("multiple_options", kB, &T::multiple_options), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<Asset>& Asset::Schema() {
  using T = Asset;
  static const TableSchema<T> s{
      "assets", "Asset",
      {Id<T>(), C("company_id", kI, &T::company_id, false),
       C("asset_layout_id", kI, &T::asset_layout_id), C("slug", kT, &T::slug, false),
       C("name", kT, &T::name), C("primary_serial", kT, &T::primary_serial),
       C("primary_mail", kT, &T::primary_mail), C("primary_model", kT, &T::primary_model),
       C("primary_manufacturer", kT, &T::primary_manufacturer),
       C("archived", kB, &T::archived, false), C("field_values", kT, &T::field_values, false),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<AssetPassword>& AssetPassword::Schema() {
  using T = AssetPassword;
  static const TableSchema<T> s{
      "asset_passwords", "AssetPassword",
      {Id<T>(), C("company_id", kI, &T::company_id),
       C("passwordable_type", kT, &T::passwordable_type),
       C("passwordable_id", kO, &T::passwordable_id), C("name", kT, &T::name),
       C("username", kT, &T::username), C("password_enc", kT, &T::password_enc, false),
       C("otp_secret_enc", kT, &T::otp_secret_enc, false), C("url", kT, &T::url),
       C("description", kT, &T::description), C("password_type", kT, &T::password_type),
       C("password_folder_id", kO, &T::password_folder_id), C("slug", kT, &T::slug, false),
       C("archived", kB, &T::archived, false), C("in_portal", kB, &T::in_portal), Created<T>(),
       Updated<T>()}};
  return s;
}

const TableSchema<Article>& Article::Schema() {
  using T = Article;
  static const TableSchema<T> s{
      "articles", "Article",
      {Id<T>(), C("slug", kT, &T::slug, false), C("name", kT, &T::name),
       C("content", kT, &T::content), C("draft", kB, &T::draft),
       C("archived", kB, &T::archived, false), C("folder_id", kO, &T::folder_id),
       C("company_id", kO, &T::company_id), C("enable_sharing", kB, &T::enable_sharing),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<Folder>& Folder::Schema() {
  using T = Folder;
  static const TableSchema<T> s{
      "folders", "Folder",
      {Id<T>(), C("name", kT, &T::name), C("icon", kT, &T::icon),
       C("description", kT, &T::description), C("parent_folder_id", kO, &T::parent_folder_id),
       C("company_id", kO, &T::company_id), C("folder_type", kT, &T::folder_type), Created<T>(),
       Updated<T>()}};
  return s;
}

const TableSchema<Website>& Website::Schema() {
  using T = Website;
  static const TableSchema<T> s{
      "websites", "Website",
      {Id<T>(), C("slug", kT, &T::slug, false), C("name", kT, &T::name),
       C("company_id", kI, &T::company_id), C("notes", kT, &T::notes), C("paused", kB, &T::paused),
       C("disable_dns", kB, &T::disable_dns), C("disable_ssl", kB, &T::disable_ssl),
       C("disable_whois", kB, &T::disable_whois),
       C("enable_dmarc_tracking", kB, &T::enable_dmarc_tracking),
       C("enable_dkim_tracking", kB, &T::enable_dkim_tracking),
       C("enable_spf_tracking", kB, &T::enable_spf_tracking), C("archived", kB, &T::archived),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<Integration>& Integration::Schema() {
  using T = Integration;
  static const TableSchema<T> s{
      "integrations", "Integration",
      {Id<T>(), C("slug", kT, &T::slug, false), C("name", kT, &T::name),
       C("credentials_enc", kT, &T::credentials_enc, false),
       C("default_layouts", kT, &T::default_layouts, false), C("skip_types", kT, &T::skip_types, false),
       C("options", kT, &T::options, false), C("interval_minutes", kI, &T::interval_minutes),
       C("enabled", kB, &T::enabled), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<SyncRun>& SyncRun::Schema() {
  using T = SyncRun;
  static const TableSchema<T> s{
      "sync_runs", "SyncRun",
      {Id<T>(), C("integration_id", kI, &T::integration_id), C("state", kT, &T::state),
       C("phase", kT, &T::phase), C("dry_run", kB, &T::dry_run), C("full_run", kB, &T::full_run),
       C("trigger", kT, &T::trigger), C("counts", kT, &T::counts), C("errors", kT, &T::errors),
       C("progress", kT, &T::progress), C("requests", kI, &T::requests),
       C("stop_requested", kB, &T::stop_requested), C("user_id", kO, &T::user_id),
       C("started_at", ColType::kTime, &T::started_at), C("finished_at", ColType::kTime, &T::finished_at),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<Matcher>& Matcher::Schema() {
  using T = Matcher;
  static const TableSchema<T> s{
      "matchers", "Matcher",
      {Id<T>(), C("integration_id", kI, &T::integration_id), C("sync_id", kT, &T::sync_id),
       C("identifier", kT, &T::identifier), C("name", kT, &T::name), C("active", kB, &T::active),
       C("company_id", kO, &T::company_id), C("potential_company_id", kO, &T::potential_company_id),
       C("confidence", kI, &T::confidence), C("leave_unmatched", kB, &T::leave_unmatched),
       C("details", kT, &T::details), C("card", kT, &T::card),
       C("vendor_updated_at", ColType::kTime, &T::vendor_updated_at), C("matched_at", ColType::kTime, &T::matched_at),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<SyncLink>& SyncLink::Schema() {
  using T = SyncLink;
  static const TableSchema<T> s{
      "sync_links", "SyncLink",
      {Id<T>(), C("integration_id", kI, &T::integration_id), C("kind", kT, &T::kind),
       C("sync_id", kT, &T::sync_id), C("company_sync_id", kT, &T::company_sync_id),
       C("record_type", kT, &T::record_type), C("record_id", kO, &T::record_id), C("name", kT, &T::name),
       C("vendor_type", kT, &T::vendor_type), C("serial", kT, &T::serial), C("active", kB, &T::active),
       C("card", kT, &T::card), C("hash", kT, &T::hash),
       C("vendor_updated_at", ColType::kTime, &T::vendor_updated_at), C("gone", kB, &T::gone),
       C("archived_by_sync", kB, &T::archived_by_sync), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<SyncChange>& SyncChange::Schema() {
  using T = SyncChange;
  static const TableSchema<T> s{
      "sync_changes", "SyncChange",
      {Id<T>(), C("run_id", kI, &T::run_id), C("kind", kT, &T::kind), C("sync_id", kT, &T::sync_id),
       C("record_type", kT, &T::record_type), C("record_id", kO, &T::record_id), C("name", kT, &T::name),
       C("action", kT, &T::action), C("changes", kT, &T::changes), C("error", kT, &T::error),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<KbLink>& KbLink::Schema() {
  using T = KbLink;
  static const TableSchema<T> s{
      "kb_links", "KbLink",
      {Id<T>(), C("integration_id", kI, &T::integration_id, false), C("article_id", kI, &T::article_id, false),
       C("halo_id", kI, &T::halo_id, false), C("faqlist_id", kI, &T::faqlist_id, false),
       C("hash", kT, &T::hash, false), C("inactive", kB, &T::inactive, false), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<SortRule>& SortRule::Schema() {
  using T = SortRule;
  static const TableSchema<T> s{
      "sort_rules", "SortRule",
      {Id<T>(), C("integration_id", kI, &T::integration_id, false), C("kind", kT, &T::kind),
       C("vendor_type", kT, &T::vendor_type), C("asset_layout_id", kI, &T::asset_layout_id), Created<T>(),
       Updated<T>()}};
  return s;
}

const TableSchema<ConnectedField>& ConnectedField::Schema() {
  using T = ConnectedField;
  static const TableSchema<T> s{
      "connected_fields", "ConnectedField",
      {Id<T>(), C("integration_id", kI, &T::integration_id, false), C("kind", kT, &T::kind),
       C("data_point", kT, &T::data_point), C("layout_field_id", kI, &T::layout_field_id),
       C("overwrite_blank", kB, &T::overwrite_blank), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<Relation>& Relation::Schema() {
  using T = Relation;
  static const TableSchema<T> s{
      "relations", "Relation",
      {Id<T>(), C("fromable_type", kT, &T::fromable_type), C("fromable_id", kI, &T::fromable_id),
       C("toable_type", kT, &T::toable_type), C("toable_id", kI, &T::toable_id),
       C("description", kT, &T::description), C("is_inverse", kB, &T::is_inverse, false),
       Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<ActivityLog>& ActivityLog::Schema() {
  using T = ActivityLog;
  static const TableSchema<T> s{
      "activity_logs", "ActivityLog",
      {Id<T>(), C("user_id", kO, &T::user_id), C("user_email", kT, &T::user_email),
       C("user_name", kT, &T::user_name), C("api_key_id", kO, &T::api_key_id),
       C("token", kT, &T::token), C("action", kT, &T::action),
       C("record_type", kT, &T::record_type), C("record_id", kO, &T::record_id),
       C("record_name", kT, &T::record_name), C("company_id", kO, &T::company_id),
       C("company_name", kT, &T::company_name), C("details", kT, &T::details),
       C("ip_address", kT, &T::ip_address), C("agent_string", kT, &T::agent_string),
       C("app_type", kT, &T::app_type), Created<T>()}};
  return s;
}

const TableSchema<Webhook>& Webhook::Schema() {
  using T = Webhook;
  static const TableSchema<T> s{
      "webhooks", "Webhook",
      {Id<T>(), C("name", kT, &T::name), C("url", kT, &T::url), C("events", kT, &T::events),
       C("secret_enc", kT, &T::secret_enc, false), C("active", kB, &T::active),
       C("payload_template", kT, &T::payload_template), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<WebhookEvent>& WebhookEvent::Schema() {
  using T = WebhookEvent;
  static const TableSchema<T> s{
      "webhook_events", "WebhookEvent",
      {Id<T>(), C("event", kT, &T::event, false), C("activity_log_id", kO, &T::activity_log_id, false),
       C("record_type", kT, &T::record_type, false), C("record_id", kO, &T::record_id, false),
       C("record_name", kT, &T::record_name, false), C("company_id", kO, &T::company_id, false),
       C("company_name", kT, &T::company_name, false), C("changes", kT, &T::changes, false),
       C("dispatched", kB, &T::dispatched, false), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<WebhookDelivery>& WebhookDelivery::Schema() {
  using T = WebhookDelivery;
  static const TableSchema<T> s{
      "webhook_deliveries", "WebhookDelivery",
      {Id<T>(), C("webhook_id", kI, &T::webhook_id, false), C("event_id", kI, &T::event_id, false),
       C("event", kT, &T::event, false), C("state", kT, &T::state, false), C("attempts", kI, &T::attempts, false),
       C("next_attempt_at", kI, &T::next_attempt_at, false), C("last_status", kI, &T::last_status, false),
       C("last_error", kT, &T::last_error, false), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<WebhookAttempt>& WebhookAttempt::Schema() {
  using T = WebhookAttempt;
  static const TableSchema<T> s{
      "webhook_attempts", "WebhookAttempt",
      {Id<T>(), C("delivery_id", kI, &T::delivery_id, false), C("webhook_id", kI, &T::webhook_id, false),
       C("attempt", kI, &T::attempt, false), C("status", kI, &T::status, false),
       C("latency_ms", kI, &T::latency_ms, false), C("response_excerpt", kT, &T::response_excerpt, false),
       C("error", kT, &T::error, false), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<WebSession>& WebSession::Schema() {
  using T = WebSession;
  static const TableSchema<T> s{
      "web_sessions", "WebSession",
      {Id<T>(), C("token_hash", kT, &T::token_hash, false), C("user_id", kI, &T::user_id, false),
       C("ip_address", kT, &T::ip_address, false), C("user_agent", kT, &T::user_agent, false),
       C("last_seen_at", ColType::kTime, &T::last_seen_at, false),
       C("expires_at", ColType::kTime, &T::expires_at, false), Created<T>(), Updated<T>()}};
  return s;
}

const TableSchema<LoginFailure>& LoginFailure::Schema() {
  using T = LoginFailure;
  static const TableSchema<T> s{
      "login_failures", "LoginFailure",
      {Id<T>(), C("email", kT, &T::email, false), C("failures", kI, &T::failures, false),
       C("first_failure_at", ColType::kTime, &T::first_failure_at, false),
       C("locked_until", ColType::kTime, &T::locked_until, false), Created<T>(), Updated<T>()}};
  return s;
}

const std::vector<std::string_view> kWebhookEvents = {
    "company.created",  "company.updated",  "company.archived",  "company.unarchived",  "company.deleted",
    "asset.created",    "asset.updated",    "asset.archived",    "asset.unarchived",    "asset.deleted",
    "article.created",  "article.updated",  "article.archived",  "article.unarchived",  "article.deleted",
    "password.created", "password.updated", "password.deleted",  "sync_run.finished",   "sync_run.failed"};

std::string WebhookEventOf(const ActivityLog& entry) {
  std::string_view prefix = entry.record_type == "Company"         ? "company"
                            : entry.record_type == "Asset"         ? "asset"
                            : entry.record_type == "Article"       ? "article"
                            : entry.record_type == "AssetPassword" ? "password"
                                                                   : "";
  if (prefix.empty()) return "";
  std::string action = entry.action;
  // Passwords are not archived in the webhook's terms: an archive is an update of the record.
  if (prefix == "password" && (action == "archived" || action == "unarchived")) action = "updated";
  std::string name = std::string(prefix) + "." + action;
  for (auto e : kWebhookEvents)
    if (e == name) return name;
  return "";
}

}  // namespace cairn
