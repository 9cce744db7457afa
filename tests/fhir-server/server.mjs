// Test-only FHIR R4 server: a patient's primary healthcare provider as the
// clinic-provider tests see it. Medplum's FhirRouter over its in-memory
// MemoryRepository behind node:http, on 127.0.0.1 only. Never use it for real data.
// This file owns the CLI, HTTP, auth, faults and test controls; fixtures.mjs the FHIR
// definitions, bundle loading and synthetic documents; smart.mjs the SMART JWT checks.
// Rust tests start it through clinic-server-harness (crates/server-harness/src/fhir.rs).
//
// Usage: node server.mjs [options]
//   --port N                 listen on 127.0.0.1:N (default 0: any free port); prints exactly one
//                            line `listening on 127.0.0.1:PORT` on stdout once ready (logs go to stderr)
//   --load PATH              a FHIR Bundle file (transaction/batch/collection) or a directory of them
//                            (*.json); repeatable. Transaction bundles resolve their urn:uuid references.
//   --documents N            per loaded Patient, N DocumentReferences (LOINC type, date, author) each
//                            with a Binary: the first a tiny PDF, the others short text/plain (default 0)
//   --page-size N            default _count of searches (default 50); `link` next/self added
//   --binary-json            answer Binary reads as Binary resources (base64 `data`) whatever the
//                            Accept header (default: raw bytes unless Accept asks for FHIR JSON)
//   --token T                every FHIR request needs `Authorization: Bearer T`
//   --smart-jwks FILE        SMART Backend Services: the clients' public keys as a JWKS (RS384/ES384)
//   --smart-public-key PEM   or one client's public key (PEM file) ...
//   --smart-client-id ID     ... and its client id (required with --smart-public-key; with a JWKS it
//                            restricts the accepted client; else the JWT's iss is the client id)
//   --smart-token-ttl S      lifetime of issued access tokens in seconds (default 300)
//   With --token and/or SMART options, a FHIR request must carry the static token or an issued
//   one; with neither, the server is open.
//
// Endpoints:
//   /fhir/...                FHIR R4 REST (base URL http://127.0.0.1:PORT/fhir): GET /metadata,
//                            search (GET Type?…, paging by _offset in `next` links), read, create
//                            (POST), update (PUT, `If-Match: W/"<versionId>"` → 412 on mismatch),
//                            Binary read as raw bytes unless Accept asks for FHIR JSON,
//                            POST Binary with a non-JSON body stores those bytes.
//                            `patient=<bare id>` is read as `patient=Patient/<id>`.
//   POST /auth/token         SMART client_credentials with a private_key_jwt client assertion
//                            (iss = sub = client id, aud = this URL, exp ≤ 5 min ahead, unused jti)
//   /$admin/...              test controls, no auth, loopback peers only, never faulted or logged:
//     POST fault {"fault":"503"|"500"|"401"|"403"|"404"|"slow:MS"|"malformed"|"reset",
//                 "times":N,"path":"substring"}   the next N matching requests (FHIR and
//                 /auth/token) fail that way ("slow" delays, then answers normally)
//     POST clear-faults
//     POST touch {"type","id"}     a new version of the resource (new meta.lastUpdated)
//     PUT  <Type>/<id>             store this resource as a new version (create or update)
//     POST task-status {"id","status","businessStatus"?,"output"?:[…]}  move a Task on
//     POST revoke-tokens           forget every issued SMART access token
//     GET  requests                the log: [{method, path, query, params:[[k,v]…], status}]
//     POST reset-log
//     GET  stats                   {"counts":{"Observation":n,…},"patients":[{id, identifier}]}
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { getStatus, normalizeOperationOutcome } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { addDocuments, bundleFiles, indexDefinitions, loadBundle } from './fixtures.mjs';
import { checkAssertion, loadSmartKeys } from './smart.mjs';

const FHIR_PREFIX = '/fhir';
const TOKEN_PATH = '/auth/token';
const ADMIN_PREFIX = '/$admin/';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_LOG_ENTRIES = 20000;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Search by patient, _lastUpdated, identifier, _count and paging. */
const SEARCH_TYPES = [
  'Patient', 'DocumentReference', 'DiagnosticReport', 'Observation', 'AllergyIntolerance',
  'MedicationStatement', 'MedicationRequest', 'Condition', 'Encounter', 'Procedure',
  'Immunization', 'Coverage', 'Task',
];
/** Read, create and update. */
const WRITE_TYPES = ['Patient', 'Task', 'Binary', 'DocumentReference'];
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    load: { type: 'string', multiple: true, default: [] },
    documents: { type: 'string', default: '0' },
    'page-size': { type: 'string', default: '50' },
    'binary-json': { type: 'boolean', default: false },
    token: { type: 'string' },
    'smart-jwks': { type: 'string' },
    'smart-public-key': { type: 'string' },
    'smart-client-id': { type: 'string' },
    'smart-token-ttl': { type: 'string', default: '300' },
  },
  strict: true,
});
const pageSize = positiveInt(opts['page-size'], '--page-size');
const documentsPerPatient = nonNegativeInt(opts.documents, '--documents');
const tokenTtl = positiveInt(opts['smart-token-ttl'], '--smart-token-ttl');
const smartKeys = orFail(() =>
  loadSmartKeys({ publicKeyFile: opts['smart-public-key'], jwksFile: opts['smart-jwks'], clientId: opts['smart-client-id'] })
);
const smartEnabled = smartKeys.length > 0;
const staticToken = opts.token;

// --- FHIR definitions and the repository -----------------------------------------------------

indexDefinitions();

const router = new FhirRouter();
const repo = new MemoryRepository();
const loadedPatients = [];

// --- test controls' state ----------------------------------------------------------------------

/** Pending faults: {fault, times, path}. */
let faults = [];
let requestLog = [];
/** Issued SMART access tokens → expiry (ms since the epoch). */
const issuedTokens = new Map();
const usedJtis = new Set();

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    process.stderr.write(`internal error on ${req.method} ${pathOf(req)}: ${err?.stack ?? err}\n`);
    if (!res.headersSent) {
      sendOutcome(res, 500, 'exception', 'internal error');
    } else {
      res.destroy();
    }
  });
});

// --- request handling --------------------------------------------------------------------------

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname.startsWith(ADMIN_PREFIX) || url.pathname.startsWith('/%24admin/')) {
    return handleAdmin(req, res, url);
  }
  const entry = {
    method: req.method,
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    params: [...url.searchParams],
    status: 0,
  };
  logRequest(entry);
  res.on('finish', () => {
    entry.status = res.statusCode;
  });
  const fault = takeFault(url.pathname);
  if (fault) {
    const done = await applyFault(fault, req, res);
    if (done) {
      return;
    }
  }
  if (url.pathname === TOKEN_PATH) {
    return handleToken(req, res);
  }
  if (url.pathname !== FHIR_PREFIX && !url.pathname.startsWith(FHIR_PREFIX + '/')) {
    return sendOutcome(res, 404, 'not-found', 'no such endpoint');
  }
  const fhirPath = url.pathname.slice(FHIR_PREFIX.length).replace(/^\/+/, '');
  if (fhirPath === 'metadata' && req.method === 'GET') {
    return sendJson(res, 200, capabilityStatement(req));
  }
  if (!authorized(req)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="fhir"');
    return sendOutcome(res, 401, 'login', 'missing or invalid bearer token');
  }
  return handleFhir(req, res, url, fhirPath);
}

async function handleFhir(req, res, url, fhirPath) {
  const method = req.method;
  const segments = fhirPath.split('/').filter(Boolean);
  const raw = await readBody(req);
  let body;
  if (raw.length > 0) {
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    if (segments[0] === 'Binary' && method !== 'GET' && !contentType.includes('json')) {
      // Raw bytes posted to Binary: stored as a Binary resource.
      body = {
        resourceType: 'Binary',
        contentType: contentType || 'application/octet-stream',
        data: raw.toString('base64'),
      };
      if (segments[1]) {
        body.id = segments[1];
      }
    } else {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendOutcome(res, 400, 'structure', 'the body is not JSON');
      }
    }
  }
  const query = Object.create(null);
  for (const [key, value] of url.searchParams) {
    query[key] = query[key] === undefined ? value : [].concat(query[key], value);
  }
  const isSearch = method === 'GET' && segments.length === 1;
  if (isSearch) {
    prepareSearchQuery(query);
  }
  const headers = { ...req.headers };
  // The router takes the query from the URL when it has one: the URL holds the prepared query.
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const v of [].concat(value)) {
      search.append(key, v);
    }
  }
  const routed = search.size > 0 ? `${fhirPath}?${search}` : fhirPath;
  const [outcome, resource] = await router.handleRequest(
    { method, url: routed, pathname: '', body, params: {}, query, headers, config: { transactions: true } },
    repo
  );
  const status = getStatus(outcome);
  if (!resource) {
    return sendJson(res, status, outcome);
  }
  if (isSearch && resource.resourceType === 'Bundle') {
    decorateSearchBundle(resource, req, url, query);
  }
  if (resource.meta?.versionId && resource.resourceType !== 'Bundle') {
    res.setHeader('ETag', `W/"${resource.meta.versionId}"`);
    if (resource.meta.lastUpdated) {
      res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
    }
    if (status === 201) {
      res.setHeader('Location', `${baseUrl(req)}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`);
    }
  }
  if (resource.resourceType === 'Binary' && method === 'GET' && !opts['binary-json'] && !wantsFhirJson(req)) {
    const bytes = Buffer.from(resource.data ?? '', 'base64');
    res.writeHead(status, { 'Content-Type': resource.contentType ?? 'application/octet-stream', 'Content-Length': bytes.length });
    return res.end(bytes);
  }
  return sendJson(res, status, resource);
}

/** Defaults _count, and reads a bare id in `patient=`/`subject=` as a Patient reference. */
function prepareSearchQuery(query) {
  if (query._count === undefined && ![].concat(query._summary ?? []).includes('count')) {
    query._count = String(pageSize);
  }
  for (const key of ['patient', 'subject', 'beneficiary']) {
    const value = query[key];
    if (typeof value === 'string' && value && !value.includes('/')) {
      query[key] = value
        .split(',')
        .map((v) => (v.includes('/') ? v : `Patient/${v}`))
        .join(',');
    }
  }
}

/** Adds what the memory repository leaves out of a searchset: fullUrl, search.mode, links, meta. */
function decorateSearchBundle(bundle, req, url, query) {
  const base = baseUrl(req);
  bundle.meta = { lastUpdated: new Date().toISOString() };
  for (const entry of bundle.entry ?? []) {
    entry.fullUrl = `${base}/${entry.resource.resourceType}/${entry.resource.id}`;
    entry.search = { mode: 'match' };
  }
  const count = Number.parseInt(String(query._count), 10);
  const offset = Number.parseInt(String(query._offset ?? '0'), 10) || 0;
  const self = new URL(url.pathname + url.search, base);
  const links = [{ relation: 'self', url: self.toString() }];
  const countOnly = [].concat(query._summary ?? []).includes('count');
  if (!countOnly && count > 0 && typeof bundle.total === 'number' && offset + count < bundle.total) {
    const next = new URL(url.pathname, base);
    for (const [key, value] of url.searchParams) {
      if (key !== '_offset' && key !== '_count') {
        next.searchParams.append(key, value);
      }
    }
    next.searchParams.set('_count', String(count));
    next.searchParams.set('_offset', String(offset + count));
    links.push({ relation: 'next', url: next.toString() });
  }
  bundle.link = links;
}

function capabilityStatement(req) {
  const resource = [...new Set([...SEARCH_TYPES, ...WRITE_TYPES])].sort().map((type) => {
    const interaction = [{ code: 'read' }];
    if (SEARCH_TYPES.includes(type)) {
      interaction.push({ code: 'search-type' });
    }
    if (WRITE_TYPES.includes(type)) {
      interaction.push({ code: 'create' }, { code: 'update' });
    }
    const entry = { type, interaction };
    if (WRITE_TYPES.includes(type)) {
      entry.versioning = 'versioned-update';
      entry.conditionalUpdate = false;
    }
    if (SEARCH_TYPES.includes(type)) {
      entry.searchParam = [
        { name: '_lastUpdated', type: 'date' },
        { name: '_count', type: 'number' },
      ];
      if (type === 'Patient') {
        entry.searchParam.push({ name: 'identifier', type: 'token' });
      } else {
        entry.searchParam.push({ name: 'patient', type: 'reference' }, { name: 'identifier', type: 'token' });
      }
    }
    return entry;
  });
  const rest = { mode: 'server', resource };
  if (smartEnabled || staticToken) {
    rest.security = { service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }] };
    if (smartEnabled) {
      rest.security.extension = [
        {
          url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
          extension: [{ url: 'token', valueUri: `http://${req.headers.host}${TOKEN_PATH}` }],
        },
      ];
    }
  }
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    software: { name: 'clinic test FHIR server (Medplum FhirRouter, MemoryRepository)' },
    implementation: { description: 'test only', url: baseUrl(req) },
    rest: [rest],
  };
}

// --- auth --------------------------------------------------------------------------------------

function authorized(req) {
  if (!staticToken && !smartEnabled) {
    return true;
  }
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    return false;
  }
  const presented = match[1];
  if (staticToken && sameSecret(presented, staticToken)) {
    return true;
  }
  const expiry = issuedTokens.get(presented);
  return expiry !== undefined && expiry > Date.now();
}

function sameSecret(a, b) {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

async function handleToken(req, res) {
  if (req.method !== 'POST') {
    return oauthError(res, 405, 'invalid_request', 'POST only');
  }
  if (!smartEnabled) {
    return oauthError(res, 400, 'unsupported_grant_type', 'SMART is not enabled on this server');
  }
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  if (form.get('grant_type') !== 'client_credentials') {
    return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  }
  if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
    return oauthError(res, 400, 'invalid_request', 'client_assertion_type must be jwt-bearer');
  }
  const tokenUrls = [`http://${req.headers.host}${TOKEN_PATH}`, `http://127.0.0.1:${server.address().port}${TOKEN_PATH}`];
  const checked = checkAssertion(form.get('client_assertion') ?? '', smartKeys, tokenUrls, usedJtis);
  if (checked.error) {
    return oauthError(res, 401, 'invalid_client', checked.error);
  }
  const token = randomBytes(32).toString('base64url');
  issuedTokens.set(token, Date.now() + tokenTtl * 1000);
  res.setHeader('Cache-Control', 'no-store');
  return sendJson(res, 200, {
    access_token: token,
    token_type: 'bearer',
    expires_in: tokenTtl,
    scope: form.get('scope') ?? 'system/*.read',
  }, 'application/json');
}

// --- faults ------------------------------------------------------------------------------------

function takeFault(path) {
  const index = faults.findIndex((f) => !f.path || path.includes(f.path));
  if (index < 0) {
    return undefined;
  }
  const fault = faults[index];
  fault.times -= 1;
  if (fault.times <= 0) {
    faults.splice(index, 1);
  }
  return fault.fault;
}

/** Applies a fault; true when the request was answered (or dropped) by it. */
async function applyFault(fault, req, res) {
  if (fault.startsWith('slow:')) {
    await new Promise((resolve) => setTimeout(resolve, Number(fault.slice(5))));
    return res.destroyed;
  }
  await readBody(req).catch(() => undefined);
  switch (fault) {
    case 'reset':
      req.socket.resetAndDestroy?.() ?? req.socket.destroy();
      return true;
    case 'malformed':
      res.writeHead(200, { 'Content-Type': FHIR_JSON });
      res.end('{"resourceType": "Bundle", "entry": [ <html>upstream proxy error');
      return true;
    default: {
      const status = Number(fault);
      const codes = { 401: 'login', 403: 'forbidden', 404: 'not-found', 500: 'exception', 503: 'transient' };
      if (status === 401) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="fhir"');
      }
      sendOutcome(res, status, codes[status] ?? 'exception', `injected fault ${status}`);
      return true;
    }
  }
}

// --- test controls -----------------------------------------------------------------------------

async function handleAdmin(req, res, url) {
  const peer = req.socket.remoteAddress ?? '';
  if (!(peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1')) {
    return sendOutcome(res, 403, 'forbidden', 'test controls are for loopback peers only');
  }
  const name = decodeURIComponent(url.pathname).slice(ADMIN_PREFIX.length);
  const raw = await readBody(req);
  let body = {};
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendOutcome(res, 400, 'structure', 'the body is not JSON');
    }
  }
  try {
    const result = await adminAction(req.method, name, body);
    if (result === undefined) {
      return sendOutcome(res, 404, 'not-found', `no test control ${req.method} ${name}`);
    }
    return sendJson(res, 200, result, 'application/json');
  } catch (err) {
    const outcome = normalizeOperationOutcome(err);
    return sendJson(res, getStatus(outcome), outcome);
  }
}

async function adminAction(method, name, body) {
  if (method === 'GET' && name === 'requests') {
    return requestLog;
  }
  if (method === 'GET' && name === 'stats') {
    const counts = {};
    for (const type of SEARCH_TYPES.concat(['Binary'])) {
      const bundle = await repo.search({ resourceType: type, count: 0, total: 'accurate' });
      counts[type] = bundle.total ?? 0;
    }
    return { counts, patients: loadedPatients.map((p) => ({ id: p.id, identifier: p.identifier ?? [] })) };
  }
  if (method === 'PUT') {
    const [type, id] = name.split('/');
    if (!type || !id || body.resourceType !== type || body.id !== id) {
      throw new Error('PUT $admin/<Type>/<id> with that resource as the body');
    }
    return repo.updateResource(body);
  }
  if (method !== 'POST') {
    return undefined;
  }
  switch (name) {
    case 'fault': {
      const fault = String(body.fault ?? '');
      const known = ['503', '500', '401', '403', '404', 'malformed', 'reset'];
      if (!known.includes(fault) && !/^slow:\d+$/.test(fault)) {
        throw new Error(`unknown fault ${fault}`);
      }
      const times = body.times === undefined ? 1 : Number(body.times);
      faults.push({ fault, times, path: body.path ? String(body.path) : undefined });
      return { pending: faults.length };
    }
    case 'clear-faults':
      faults = [];
      return { pending: 0 };
    case 'touch': {
      const resource = await repo.readResource(String(body.type), String(body.id));
      return repo.updateResource(resource);
    }
    case 'task-status': {
      const task = await repo.readResource('Task', String(body.id));
      task.status = String(body.status);
      if (body.businessStatus !== undefined) {
        task.businessStatus = { text: String(body.businessStatus) };
      }
      if (body.output !== undefined) {
        task.output = body.output;
      }
      task.lastModified = new Date().toISOString();
      return repo.updateResource(task);
    }
    case 'revoke-tokens':
      issuedTokens.clear();
      return { revoked: true };
    case 'reset-log':
      requestLog = [];
      return { entries: 0 };
    default:
      return undefined;
  }
}

function logRequest(entry) {
  requestLog.push(entry);
  if (requestLog.length > MAX_LOG_ENTRIES) {
    requestLog.splice(0, requestLog.length - MAX_LOG_ENTRIES);
  }
}

// --- helpers -----------------------------------------------------------------------------------

function readBody(req) {
  if (req.bodyPromise) {
    return req.bodyPromise;
  }
  req.bodyPromise = new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
  return req.bodyPromise;
}

function wantsFhirJson(req) {
  const accept = (req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/fhir+json') || accept.includes('application/json');
}

function baseUrl(req) {
  return `http://${req.headers.host ?? `127.0.0.1:${server.address().port}`}${FHIR_PREFIX}`;
}

function pathOf(req) {
  return (req.url ?? '').split('?')[0];
}

function sendJson(res, status, value, contentType = FHIR_JSON) {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

function sendOutcome(res, status, code, text) {
  sendJson(res, status, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  });
}

function oauthError(res, status, error, description) {
  sendJson(res, status, { error, error_description: description }, 'application/json');
}

function positiveInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    fail(`${name} must be a positive integer`);
  }
  return n;
}

function nonNegativeInt(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    fail(`${name} must be a non-negative integer`);
  }
  return n;
}

function orFail(make) {
  try {
    return make();
  } catch (err) {
    return fail(err.message);
  }
}

function fail(message) {
  process.stderr.write(`fhir-server: ${message}\n`);
  process.exit(2);
}

// --- start -------------------------------------------------------------------------------------

async function main() {
  try {
    for (const path of opts.load) {
      for (const file of bundleFiles(path)) {
        loadedPatients.push(...(await loadBundle(file, router, repo)));
      }
    }
    for (const patient of loadedPatients) {
      await addDocuments(repo, patient, documentsPerPatient);
    }
  } catch (err) {
    fail(err.message);
  }
  server.listen(Number(opts.port), '127.0.0.1', () => {
    process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => process.exit(0));
  }
}

await main();
