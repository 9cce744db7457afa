// Test-only SMART Backend Services checks of the test FHIR server (server.mjs): the
// registered clients' public keys, and verifying a client assertion JWT (RS384 or ES384)
// with node:crypto as a provider's token endpoint would.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Longest a client assertion may be valid ahead (SMART: 5 minutes), plus clock slack. */
const MAX_ASSERTION_SECONDS = 300;
const CLOCK_SLACK_SECONDS = 5;

/**
 * The registered keys, [{key, clientId, kid, alg}], from a PEM public key (with its client
 * id) and/or a JWKS file (restricted to `clientId` when given). Throws on a bad setup.
 */
export function loadSmartKeys({ publicKeyFile, jwksFile, clientId }) {
  const keys = [];
  if (publicKeyFile) {
    if (!clientId) {
      throw new Error('--smart-public-key needs --smart-client-id');
    }
    const key = createPublicKey(readFileSync(publicKeyFile));
    keys.push({ key, clientId, kid: undefined, alg: key.asymmetricKeyType === 'ec' ? 'ES384' : 'RS384' });
  }
  if (jwksFile) {
    const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
    const before = keys.length;
    for (const jwk of jwks.keys ?? []) {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      keys.push({ key, clientId, kid: jwk.kid, alg: jwk.alg ?? (jwk.kty === 'EC' ? 'ES384' : 'RS384') });
    }
    if (keys.length === before) {
      throw new Error(`${jwksFile} holds no keys`);
    }
  } else if (clientId && !publicKeyFile) {
    throw new Error('--smart-client-id needs --smart-public-key or --smart-jwks');
  }
  return keys;
}

/**
 * Verifies a client assertion: signature by a registered key (of the client named by `iss`,
 * with the header's `kid` when both have one), iss = sub, aud one of `tokenUrls`, exp in the
 * future and at most 5 minutes ahead, a jti not seen before (`usedJtis` remembers it).
 * Returns {} or {error}.
 */
export function checkAssertion(jwt, keys, tokenUrls, usedJtis) {
  const parts = jwt.split('.');
  if (parts.length !== 3) {
    return { error: 'the client assertion is not a JWT' };
  }
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { error: 'the client assertion is not a JWT' };
  }
  if (header.alg !== 'RS384' && header.alg !== 'ES384') {
    return { error: `unsupported alg ${header.alg}` };
  }
  const candidates = keys.filter(
    (k) =>
      (!k.clientId || k.clientId === claims.iss) &&
      (!header.kid || !k.kid || k.kid === header.kid) &&
      k.alg === header.alg
  );
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  const valid = candidates.some((k) =>
    verify('sha384', data, header.alg === 'ES384' ? { key: k.key, dsaEncoding: 'ieee-p1363' } : k.key, signature)
  );
  if (!valid) {
    return { error: 'the client assertion signature does not verify with a registered key' };
  }
  if (!claims.iss || claims.iss !== claims.sub) {
    return { error: 'iss and sub must both be the client id' };
  }
  const audiences = [].concat(claims.aud ?? []);
  if (!audiences.some((a) => tokenUrls.includes(a))) {
    return { error: 'aud must be the token URL' };
  }
  const now = Math.floor(Date.now() / 1000);
  if (
    typeof claims.exp !== 'number' ||
    claims.exp < now - CLOCK_SLACK_SECONDS ||
    claims.exp > now + MAX_ASSERTION_SECONDS + CLOCK_SLACK_SECONDS
  ) {
    return { error: 'exp must be in the future and at most 5 minutes ahead' };
  }
  if (typeof claims.jti !== 'string' || !claims.jti) {
    return { error: 'jti is required' };
  }
  const jtiKey = `${claims.iss} ${claims.jti}`;
  if (usedJtis.has(jtiKey)) {
    return { error: 'jti was already used' };
  }
  usedJtis.add(jtiKey);
  return {};
}
