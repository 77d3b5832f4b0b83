// Fidelity check for Cairn's ConnectWise simulator: the npm package connectwise-rest, an
// independent ConnectWise Manage client, must accept the simulator's protocol unchanged.
// Run by connectwise_fidelity_test (after `npm ci` in this folder); exits non-zero with a message
// on the first mismatch.
//
// Environment:
//   CW_ORIGIN            host:port of the simulator (connectwise-rest's companyUrl)
//   CW_COMPANY, CW_PUBLIC_KEY, CW_PRIVATE_KEY, CW_CLIENT_ID   credentials
//   CW_PAGE_SIZE         page size for paginate (small, so that lists take several pages)
//   CW_CONDITIONS        conditions for the company list
//   CW_EXPECT_COMPANY_IDS        comma-separated ids that list must give, in order
//   CW_EXPECT_CONFIGURATIONS     how many configurations there are
//   NODE_EXTRA_CA_CERTS  the simulator's CA
import { ManageAPI } from 'connectwise-rest';

function need(name) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    console.error(`fidelity: environment variable ${name} is required`);
    process.exit(2);
  }
  return v;
}

function fail(message) {
  console.error(`fidelity: FAIL: ${message}`);
  process.exit(1);
}

const options = {
  companyId: need('CW_COMPANY'),
  companyUrl: need('CW_ORIGIN'),
  publicKey: need('CW_PUBLIC_KEY'),
  privateKey: need('CW_PRIVATE_KEY'),
  clientId: need('CW_CLIENT_ID'),
  timeout: 30000,
  // The package's default logger prints every failed request; the checks below report instead.
  logger: () => {},
};
const pageSize = Number(need('CW_PAGE_SIZE'));
const conditions = need('CW_CONDITIONS');
const wantCompanies = need('CW_EXPECT_COMPANY_IDS').split(',').map(Number);
const wantConfigurations = Number(need('CW_EXPECT_CONFIGURATIONS'));

function describe(error) {
  if (error && typeof error === 'object' && 'status' in error) {
    return `HTTP ${error.status}: ${JSON.stringify(error.data)} (${error.message})`;
  }
  return String(error && error.stack ? error.stack : error);
}

async function main() {
  const cwm = new ManageAPI(options);

  const info = await cwm.SystemAPI.getSystemInfo();
  if (!info || typeof info.version !== 'string' || !info.version.startsWith('v')) {
    fail(`system/info gave ${JSON.stringify(info)}`);
  }

  // Companies with conditions, across pages.
  const companies = await cwm.paginate(cwm.CompanyAPI.getCompanyCompanies, { pageSize }, { conditions, orderBy: 'id asc' });
  const companyIds = companies.map((c) => c.id);
  if (JSON.stringify(companyIds) !== JSON.stringify(wantCompanies)) {
    fail(`companies with conditions '${conditions}': got ids [${companyIds}], want [${wantCompanies}]`);
  }
  for (const c of companies) {
    if (typeof c.name !== 'string' || typeof c.identifier !== 'string' || !c._info || !c._info.lastUpdated) {
      fail(`company ${c.id} lacks name, identifier or _info.lastUpdated: ${JSON.stringify(c)}`);
    }
  }
  const one = await cwm.CompanyAPI.getCompanyCompaniesById(wantCompanies[0]);
  if (one.id !== wantCompanies[0]) fail(`company detail ${wantCompanies[0]} gave id ${one.id}`);

  // Every configuration, across many pages.
  const configurations = await cwm.paginate(cwm.CompanyAPI.getCompanyConfigurations, { pageSize }, '', {});
  if (configurations.length !== wantConfigurations) {
    fail(`configurations: got ${configurations.length}, want ${wantConfigurations}`);
  }
  for (let i = 1; i < configurations.length; i++) {
    if (!(configurations[i].id > configurations[i - 1].id)) {
      fail(`configurations out of order or repeated at ${i}: ${configurations[i - 1].id}, ${configurations[i].id}`);
    }
  }
  const count = await cwm.CompanyAPI.getCompanyConfigurationsCount('', {});
  if (!count || count.count !== wantConfigurations) fail(`configurations/count gave ${JSON.stringify(count)}`);
  const pages = Math.floor(wantConfigurations / pageSize) + 1;

  // Wrong credentials are refused as ConnectWise refuses them.
  const wrong = new ManageAPI({ ...options, privateKey: `${options.privateKey}-wrong` });
  try {
    await wrong.SystemAPI.getSystemInfo();
    fail('a wrong private key was accepted');
  } catch (error) {
    if (!error || error.status !== 401) fail(`a wrong private key gave ${describe(error)}, want HTTP 401`);
  }

  console.log(
    `fidelity: OK: ${companyIds.length} companies matching '${conditions}', ` +
      `${configurations.length} configurations in ${pages} pages of ${pageSize}`,
  );
}

main().catch((error) => fail(describe(error)));
