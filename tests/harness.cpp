#include "tests/harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/crypto.h"

#ifndef CAIRN_TEST_BINARY
#error "CAIRN_TEST_BINARY must name the cairn binary (set by tests/CMakeLists.txt)"
#endif

namespace cairn::tests {
namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr auto kCliTimeout = std::chrono::seconds(30);

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string BinaryPath() {
  std::string bin = Env("CAIRN_BIN");
  return bin.empty() ? std::string(CAIRN_TEST_BINARY) : bin;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int DecodeWaitStatus(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

// Waits for `pid` up to `timeout`; its exit code (see DecodeWaitStatus), or nullopt on timeout.
std::optional<int> WaitFor(pid_t pid, Clock::duration timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) return DecodeWaitStatus(st);
    if (r < 0) return -1;  // not our child any more (already reaped)
    if (Clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Forks and executes argv[0] with standard input from `in_path` and standard output and error
// appended to `out_path` and `err_path` (which may be the same file). The child gets SIGKILL when
// the calling thread dies. -1 with `error` set when the fork fails.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& in_path,
            const std::string& out_path, const std::string& err_path, std::string* error) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const bool same_out = out_path == err_path;
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork failed: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int err = same_out ? out : ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    // Sockets and files of the test process (client connections, databases) stay with it.
    ::close_range(3, ~0U, 0);
    // The test process may block signals on its threads; the server relies on the defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

const json::value& NullValue() {
  static const json::value kNull;
  return kNull;
}

}  // namespace

std::string BackendName(Backend b) { return b == Backend::kSqlite ? "Sqlite" : "Postgres"; }

std::string BackendUnavailable(Backend b) {
  if (b == Backend::kSqlite) return "";
  if (Env("CAIRN_TEST_PG_URL").empty())
    return "CAIRN_TEST_PG_URL is not set (e.g. URL=$(scripts/pg_test_cluster.sh start "
           "build/pgtest)); PostgreSQL cases are skipped";
  return "";
}

bool MissingBackendIsFatal() { return !Env("CI").empty(); }

const json::value& Reply::At(std::string_view k1, std::string_view k2, std::string_view k3) const {
  const json::value* v = &json;
  for (std::string_view k : {k1, k2, k3}) {
    if (k.empty()) break;
    if (!v->is_object()) return NullValue();
    v = v->as_object().if_contains(k);
    if (!v) return NullValue();
  }
  return *v;
}

std::string Reply::Describe() const {
  if (status == 0) return "transport error: " + error;
  return std::to_string(status) + " " + (body.size() > 2000 ? body.substr(0, 2000) + "..." : body);
}

Reply Exchange(http::Client& client, const std::string& base_url, const std::string& method,
               const std::string& path, const std::string& body, const std::string& key,
               const http::Headers& extra_headers) {
  http::ClientRequest req;
  req.method = method;
  req.url = base_url + path;
  req.body = body;
  req.headers = extra_headers;
  if (!key.empty()) req.headers.emplace_back("x-api-key", key);
  if (!body.empty() && !http::FindHeader(req.headers, "Content-Type"))
    req.headers.emplace_back("Content-Type", "application/json");
  Reply reply;
  auto r = client.Send(req);
  if (!r.ok()) {
    reply.error = r.status().ToString();
    return reply;
  }
  reply.status = r->status;
  reply.headers = std::move(r->headers);
  reply.body = std::move(r->body);
  if (!reply.body.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(reply.body, ec);
    if (!ec) {
      reply.is_json = true;
      reply.json = std::move(v);
    }
  }
  return reply;
}

Result<std::unique_ptr<CairnServer>> CairnServer::Start(const ServerOptions& options) {
  if (auto why = BackendUnavailable(options.backend); !why.empty()) return Status::Unavailable(why);
  if (auto st = InitCrypto(); !st.ok()) return st;
  std::unique_ptr<CairnServer> s(new CairnServer(options));
  std::string pattern = (fs::temp_directory_path() / "cairn-e2e-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    return Status::Unavailable("mkdtemp failed: " + std::string(std::strerror(errno)));
  s->tmp_dir_ = pattern;
  s->data_dir_ = s->tmp_dir_ + "/data";
  if (options.backend == Backend::kPostgres) {
    std::string base = Env("CAIRN_TEST_PG_URL");
    auto conn = store::OpenPostgres(base);
    if (!conn.ok()) return conn.status();
    s->schema_ = "e2e_" + RandomHex(6);
    if (auto st = (*conn)->ExecScript("CREATE SCHEMA " + s->schema_); !st.ok()) {
      s->schema_.clear();
      return st;
    }
    s->db_url_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
                 "options=-csearch_path%3D" + s->schema_;
  }
  s->client_ = std::make_unique<http::Client>();
  CAIRN_RETURN_IF_ERROR(s->Launch());
  return s;
}

CairnServer::~CairnServer() {
  Kill9();
  if (!schema_.empty()) {
    auto conn = store::OpenPostgres(Env("CAIRN_TEST_PG_URL"));
    if (conn.ok()) (void)(*conn)->ExecScript("DROP SCHEMA " + schema_ + " CASCADE");
  }
  if (!tmp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(tmp_dir_, ec);
  }
}

std::vector<std::string> CairnServer::DbArgs() const {
  std::vector<std::string> a = {"--data-dir", data_dir_};
  if (!db_url_.empty()) {
    a.push_back("--db");
    a.push_back(db_url_);
  }
  return a;
}

Status CairnServer::Launch() {
  log_path_ = tmp_dir_ + "/server-" + std::to_string(++launches_) + ".log";
  std::vector<std::string> argv = {BinaryPath(), "serve", "--listen", "127.0.0.1:0"};
  for (auto& a : DbArgs()) argv.push_back(a);
  argv.push_back("--rate-limit");
  argv.push_back(std::to_string(options_.rate_limit));
  if (options_.body_limit) {
    argv.push_back("--body-limit");
    argv.push_back(std::to_string(*options_.body_limit));
  }
  for (const auto& a : options_.extra_args) argv.push_back(a);
  std::string error;
  pid_ = Spawn(argv, "/dev/null", log_path_, log_path_, &error);
  if (pid_ < 0) return Status::Unavailable(error);

  // The first start prints the admin's key after the listening line; later starts print none.
  const bool want_key = admin_key_.empty();
  auto deadline = Clock::now() + kStartTimeout;
  for (;;) {
    std::string out = ReadFile(log_path_);
    auto line_after = [&](std::string_view marker) -> std::optional<std::string> {
      auto p = out.find(marker);
      if (p == std::string::npos) return std::nullopt;
      auto start = p + marker.size();
      auto end = out.find('\n', start);
      if (end == std::string::npos) return std::nullopt;  // not complete yet
      return out.substr(start, end - start);
    };
    auto port = line_after("listening on http://127.0.0.1:");
    auto key = line_after("  API key:  ");
    if (port && (key || !want_key)) {
      url_ = "http://127.0.0.1:" + *port;
      if (want_key) admin_key_ = *key;
      return Status::Ok();
    }
    if (auto code = WaitFor(pid_, std::chrono::milliseconds(0))) {
      pid_ = -1;
      return Status::Unavailable("cairn serve exited with " + std::to_string(*code) +
                                 " before it was ready; its output:\n" + out);
    }
    if (Clock::now() > deadline) {
      Kill9();
      return Status::Unavailable("cairn serve was not ready after 20 s; its output:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void CairnServer::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  (void)WaitFor(pid_, kStopTimeout);
  pid_ = -1;
}

int CairnServer::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto code = WaitFor(pid_, kStopTimeout);
  if (!code) {
    ADD_FAILURE() << "cairn serve did not stop within 30 s of SIGTERM; killing it";
    Kill9();
    return -1;
  }
  pid_ = -1;
  return *code;
}

Status CairnServer::Restart() {
  if (pid_ > 0) Stop();
  return Launch();
}

CliResult CairnServer::RunCli(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::string base = tmp_dir_ + "/cli-" + std::to_string(++cli_runs_);
  {
    std::ofstream in(base + ".in", std::ios::binary);
    in << stdin_text;
  }
  std::vector<std::string> argv = {BinaryPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  for (auto& a : DbArgs()) argv.push_back(a);
  CliResult r;
  std::string error;
  pid_t pid = Spawn(argv, base + ".in", base + ".out", base + ".err", &error);
  if (pid < 0) {
    r.err = error;
    return r;
  }
  auto code = WaitFor(pid, kCliTimeout);
  if (!code) {
    ::kill(pid, SIGKILL);
    (void)WaitFor(pid, kCliTimeout);
    r.err = "timed out; ";
  }
  r.exit_code = code.value_or(-1);
  r.out = ReadFile(base + ".out");
  r.err += ReadFile(base + ".err");
  return r;
}

std::string CairnServer::CreateKey(const std::string& name, const std::vector<std::string>& flags,
                                   const std::string& user) {
  std::vector<std::string> args = {"apikey", "create", "--user", user, "--name", name};
  args.insert(args.end(), flags.begin(), flags.end());
  CliResult r = RunCli(args);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "cairn apikey create failed (" << r.exit_code << "): " << r.err;
    return "";
  }
  std::string key = r.out;
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  return key;
}

Reply CairnServer::Call(const std::string& method, const std::string& path, const std::string& body,
                        const std::optional<std::string>& key, const http::Headers& extra_headers) {
  std::lock_guard lock(client_mu_);
  return Exchange(*client_, url_, method, path, body, key.value_or(admin_key_), extra_headers);
}

Reply CairnServer::CallJson(const std::string& method, const std::string& path,
                            const json::value& body, const std::optional<std::string>& key) {
  return Call(method, path, json::serialize(body), key);
}

Result<std::unique_ptr<store::Connection>> CairnServer::OpenDatabase() const {
  if (options_.backend == Backend::kPostgres) return store::OpenPostgres(db_url_);
  return store::OpenSqlite(data_dir_ + "/cairn.db");
}

std::string CairnServer::Output() const { return log_path_.empty() ? "" : ReadFile(log_path_); }

}  // namespace cairn::tests
