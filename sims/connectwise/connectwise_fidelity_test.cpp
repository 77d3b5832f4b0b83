// The fidelity test: the npm package connectwise-rest (an independent ConnectWise client)
// lists companies with `conditions` and every configuration across several pages from the
// simulator, served in-process over HTTPS. The script is fidelity/fidelity.mjs; its packages come
// from `npm ci --prefix sims/connectwise/fidelity` (make test runs it first).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sims/common/https_sim_test.h"
#include "sims/connectwise/connectwise_sim.h"
#include "sims/connectwise/connectwise_test_util.h"

extern char** environ;

namespace cairn::sims::connectwise {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

struct RunResult {
  int exit_code = -1;
  std::string output;
};

// Runs argv with the environment plus `env` (which replaces variables of the same name; proxies
// are removed, as the simulator is on loopback),
// output to a file; kills it after `timeout`.
RunResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                     const fs::path& out_file, std::chrono::seconds timeout) {
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    std::string lower = Lower(key);
    if (lower == "http_proxy" || lower == "https_proxy" || lower == "all_proxy" || lower == "no_proxy")
      continue;
    // Ours win: the first of two equal names is the one a process sees.
    bool overridden = false;
    for (const auto& e : env) overridden = overridden || e.substr(0, e.find('=')) == key;
    if (!overridden) envs.push_back(kv);
  }
  for (const auto& e : env) envs.push_back(e);
  envs.push_back("NO_PROXY=*");
  std::vector<char*> envp, args;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  RunResult result;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.output = "posix_spawn failed: " + std::to_string(rc);
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.output = "timed out after " + std::to_string(timeout.count()) + " s\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::ifstream in(out_file);
  result.output += std::string(std::istreambuf_iterator<char>(in), {});
  return result;
}

class ConnectWiseFidelityTest : public HttpsSimTest {};

TEST_F(ConnectWiseFidelityTest, ConnectwiseRestListsCompaniesAndConfigurationsAcrossPages) {
  const fs::path dir = CAIRN_CONNECTWISE_FIDELITY_DIR;
  ASSERT_TRUE(fs::exists(dir / "node_modules" / "connectwise-rest" / "package.json"))
      << "connectwise-rest is not installed: run `npm ci --prefix sims/connectwise/fidelity` (from the "
         "repository root) first";
  const std::string node = FindOnPath("node");
  ASSERT_FALSE(node.empty()) << "node is not on PATH";

  ConnectWiseSimOptions o;
  o.fleet.seed = 11;
  o.fleet.companies = 12;
  o.fleet.contacts_per_company = 2;
  o.fleet.devices_per_company = 10;  // 120 configurations: 18 pages of 7 (the last holds 1)
  o.fleet.inactive_share = 0;
  ConnectWiseSim sim(o);
  Serve([&sim](http::Request& r) { return sim.Handle(r); });

  // Expected answers, computed from the simulator's own detail records.
  http::ClientRequest req;
  req.url = origin_ + "/v4_6_release/apis/3.0/company/companies/260";
  req.headers = AuthHeaders();
  auto c260 = client_->Send(req);
  ASSERT_TRUE(c260.ok());
  ASSERT_EQ(c260->status, 200);
  std::string identifier(json::parse(c260->body).at("identifier").as_string());
  const std::string conditions = "(id >= 253 and id < 258) or identifier = \"" + identifier + "\"";

  const fs::path out = fs::path(*dir_) / "fidelity-output.txt";
  RunResult r = RunProcess(
      {node, (dir / "fidelity.mjs").string()},
      {"CW_ORIGIN=127.0.0.1:" + std::to_string(server_->port()), "CW_COMPANY=" + o.company,
       "CW_PUBLIC_KEY=" + o.public_key, "CW_PRIVATE_KEY=" + o.private_key, "CW_CLIENT_ID=" + o.client_id,
       "CW_PAGE_SIZE=7", "CW_CONDITIONS=" + conditions, "CW_EXPECT_COMPANY_IDS=253,254,255,256,257,260",
       "CW_EXPECT_CONFIGURATIONS=120", "NODE_EXTRA_CA_CERTS=" + files_->ca_cert},
      out, std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fidelity: OK"), std::string::npos) << r.output;

  // The package really paged: 17 full pages of configurations and a last, short one.
  req.url = origin_ + "/_sim/stats";
  req.headers = {{"X-Sim-Token", o.control_token}};
  auto stats = client_->Send(req);
  ASSERT_TRUE(stats.ok());
  json::value s = json::parse(stats->body);
  const json::object& by_path = s.at("by_path").as_object();
  // (Stats paths show numeric segments as {id}; match on the end.)
  const json::value* configs = nullptr;
  for (const auto& [path, counts] : by_path) {
    std::string_view p(path);
    if (p.ends_with("/company/configurations")) configs = &counts;
  }
  ASSERT_NE(configs, nullptr) << stats->body;
  EXPECT_EQ(configs->at("200").as_int64(), 18) << stats->body;
}

}  // namespace
}  // namespace cairn::sims::connectwise
