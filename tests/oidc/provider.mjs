// A real OpenID provider (the npm package oidc-provider) configured like ProConnect, for the
// tests: pairwise `sub`, userinfo as a signed JWT, the claims given_name, usual_name, email,
// uid, siret and idp_id, acr values, amr, the claims parameter and RP-initiated logout.
// No login page: the account to sign in next is set by the tests through /__test/next-login,
// and the interaction signs it in (and grants what was asked) at once.
//
// Configuration from the environment: OIDC_PORT, OIDC_CONFIG (a JSON file with `clients`
// and `accounts`: {id: {claims}}). Listens on 127.0.0.1 only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const config = JSON.parse(fs.readFileSync(process.env.OIDC_CONFIG, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

function signingKey(type, options, kid, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

const jwks = {
  keys: [
    signingKey('rsa', { modulusLength: 2048 }, 'rs256-1', 'RS256'),
    signingKey('ec', { namedCurve: 'P-256' }, 'es256-1', 'ES256'),
  ],
};

// What the next interaction signs in: {accountId, acr, amr}.
let nextLogin = null;

const USERINFO_CLAIMS = ['given_name', 'usual_name', 'email', 'uid', 'siret', 'idp_id'];

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks,
  acrValues: ['eidas1', 'eidas2', 'eidas3'],
  claims: Object.fromEntries([
    ['openid', ['sub']],
    ['amr', null],
    ...USERINFO_CLAIMS.map((c) => [c, [c]]),
  ]),
  scopes: ['openid', ...USERINFO_CLAIMS],
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: async (ctx, accountId, client) => crypto
    .createHash('sha256')
    .update(`${client.sectorIdentifier}:${accountId}:relais-test-salt`)
    .digest('hex'),
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><body>${form}<p id="logout-hint">${ctx.oidc.params.id_token_hint ? 'hint' : 'none'}</p></body></html>`;
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = '<!DOCTYPE html><html><body>signed out</body></html>';
      },
    },
  },
  pkce: { required: () => false },
  findAccount: async (ctx, id) => {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  ttl: {
    AccessToken: 60,
    AuthorizationCode: 30,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'application/json';
    ctx.body = out;
  },
});
// The tests reach it over plain HTTP on the loopback.
provider.proxy = false;

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (!nextLogin || !config.accounts[nextLogin.accountId]) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('no account set for the next login');
      return;
    }
    const { accountId, acr, amr } = nextLogin;
    await provider.interactionFinished(
      req, res, { login: { accountId, acr, amr } }, { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req, res, { consent: { grantId } }, { mergeWithLastSubmission: true },
  );
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      await interaction(req, res);
    } else if (req.url === '/__test/next-login' && req.method === 'POST') {
      nextLogin = await readJson(req);
      res.writeHead(204);
      res.end();
    } else {
      callback(req, res);
    }
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
