// Test-only payment gateway server: Stripe's documented HTTP API (stripe.mjs) — or Paystack's
// with --paystack (paystack.mjs), or Flutterwave's v3 with --flutterwave (flutterwave.mjs) — for
// the calls clinic-payments makes, including their failure answers, on 127.0.0.1 only, with
// node:http and node:crypto and no npm packages.
// Never use it for real cards or real keys. Rust tests start it through clinic-server-harness
// (crates/server-harness/src/gateway.rs).
//
// This file owns the CLI, HTTP, authentication, idempotency (Stripe), faults, signed webhook
// delivery with retries, the request log and the test controls.
//
// Usage: node server.mjs [options]
//   --port N                listen on 127.0.0.1:N (default 0: any free port); prints exactly one
//                           line `listening on 127.0.0.1:PORT` on stdout once ready (logs: stderr)
//   --secret-key KEY        the account's secret API key (default sk_test_clinic, with
//                           --flutterwave FLWSECK_TEST-clinic0000000000000000-X); API calls need
//                           `Authorization: Bearer KEY`
//   --webhook-secret S      Stripe: the endpoint signing secret; Flutterwave: the secret hash sent
//                           as `verif-hash` (default whsec_test_clinic); Paystack signs with the
//                           secret key
//   --webhook URL           a webhook endpoint (repeatable); events are POSTed to each, signed
//   --webhook-attempts N    deliveries tried per event and endpoint before giving up (default 4)
//   --webhook-backoff-ms MS the first retry's delay, doubled for each later one (default 200)
//   --session-ttl S         Stripe: lifetime of sessions created without expires_at (default 86400)
//   --paystack              serve Paystack's API instead of Stripe's
//   --flutterwave           serve Flutterwave's API (v3) instead of Stripe's
//
// Webhooks: Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
// re-signed for each attempt. Paystack: `x-paystack-signature: <hex HMAC-SHA512(secret key,
// body)>`. Flutterwave: `verif-hash: <the webhook secret>` (the dashboard's secret hash; the body
// is not signed). An attempt succeeds on a 2xx answer within 10 s.
//
// Test controls under /$admin/ (loopback peers only; never faulted or logged):
//   POST fault {"fault":"500"|"502"|"503"|"429"|"401"|"malformed"|"drop"|"reset"|"slow:MS"|"hold:MS",
//               "times":N,"path":"substring","method":"POST"}
//        the next N matching API requests (not /pay, not /$admin) fail that way:
//        500/502/503/429/401  the gateway's error body for that status, nothing done;
//        malformed            200 with a truncated, non-JSON body, nothing done;
//        reset                the connection is reset before anything is done;
//        drop                 the request IS processed, then the connection closes unanswered;
//        slow:MS              the request IS processed at once, its answer sent MS later;
//        hold:MS              processing starts MS later (the Idempotency-Key is in use meanwhile)
//   POST clear-faults
//   GET  requests           the log: [{method, path, idempotencyKey, status, replayed, fault}]
//   POST reset-log
//   GET  sessions           Stripe Checkout Sessions / Paystack transactions / Flutterwave payment
//                           links (with their attempts and refunds), oldest first
//   POST expire {"session"} expire an open session now (Stripe: checkout.session.expired;
//                           Flutterwave: a link id or tx_ref, as if its session_duration had passed)
//   POST answer-amount {"session","amount"}   Flutterwave: verify answers for that link give this
//                           amount text (e.g. 72.505, to test exact amount reading)
//   POST async-payment {"session","outcome":"processing"|"failed"}   Stripe: a bank-debit style
//        payment: the session completes unpaid (processing), then fails (async_payment_failed)
//   GET  events             every event emitted, oldest first
//   GET  deliveries         [{event, type, url, attempt, status?, error?, ok}]
//   POST webhook-endpoint {"url"}   add a webhook endpoint
//   POST resend {"event"}   deliver an event again to every endpoint
// Hosted payment page: GET /pay/{id} (a minimal card form), POST /pay/{id} with card=…; see
// stripe.mjs, paystack.mjs and flutterwave.mjs for the test card numbers (4242424242424242
// succeeds and 4000000000000002 is declined everywhere).
import { createHmac } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { API_VERSION, StripeError, createStripe, fingerprint, parseForm, token } from './stripe.mjs';
import { PaystackError, createPaystack } from './paystack.mjs';
import { FlutterwaveError, createFlutterwave } from './flutterwave.mjs';

const ADMIN_PREFIX = '/$admin/';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOG_ENTRIES = 20000;
const WEBHOOK_TIMEOUT_MS = 10000;
const FAULTS = ['500', '502', '503', '429', '401', 'malformed', 'drop', 'reset'];
const DEFAULT_SECRET_KEY = 'sk_test_clinic';
const DEFAULT_FLUTTERWAVE_SECRET_KEY = 'FLWSECK_TEST-clinic0000000000000000-X';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'secret-key': { type: 'string' },
    'webhook-secret': { type: 'string', default: 'whsec_test_clinic' },
    webhook: { type: 'string', multiple: true, default: [] },
    'webhook-attempts': { type: 'string', default: '4' },
    'webhook-backoff-ms': { type: 'string', default: '200' },
    'session-ttl': { type: 'string', default: '86400' },
    paystack: { type: 'boolean', default: false },
    flutterwave: { type: 'boolean', default: false },
  },
  strict: true,
});
const paystackMode = opts.paystack;
const flutterwaveMode = opts.flutterwave;
if (paystackMode && flutterwaveMode) {
  fail('--paystack and --flutterwave exclude each other');
}
/** Paystack's and Flutterwave's shape of events and bodies (`{event, data}`), not Stripe's. */
const eventMode = paystackMode || flutterwaveMode;
const secretKey = opts['secret-key'] ?? (flutterwaveMode ? DEFAULT_FLUTTERWAVE_SECRET_KEY : DEFAULT_SECRET_KEY);
const webhookSecret = opts['webhook-secret'];
const webhookAttempts = positiveInt(opts['webhook-attempts'], '--webhook-attempts');
const webhookBackoff = nonNegativeInt(opts['webhook-backoff-ms'], '--webhook-backoff-ms');
const webhookEndpoints = [...opts.webhook];
for (const url of webhookEndpoints) {
  if (!isLoopbackEndpoint(url)) {
    fail(`--webhook must be an http:// URL on loopback: ${url}`);
  }
}

let faults = [];
let requestLog = [];
const events = [];
const deliveries = [];
/** Idempotency-Key → {fingerprint, state: 'running'|'done', status, body, requestId}. */
const idempotent = new Map();

const ctx = {
  sessionTtl: positiveInt(opts['session-ttl'], '--session-ttl'),
  baseUrl: () => `http://127.0.0.1:${server.address().port}`,
  emit,
};
const stripe = eventMode ? undefined : createStripe(ctx);
const paystack = paystackMode ? createPaystack(ctx) : undefined;
const flutterwave = flutterwaveMode ? createFlutterwave(ctx) : undefined;

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    process.stderr.write(`internal error on ${req.method} ${(req.url ?? '').split('?')[0]}: ${err?.stack ?? err}\n`);
    if (!res.headersSent) {
      sendJson(res, 500, { error: { type: 'api_error', message: 'internal error of the test gateway' } });
    } else {
      res.destroy();
    }
  });
});

// --- request handling --------------------------------------------------------------------------

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;
  if (path.startsWith(ADMIN_PREFIX) || path.startsWith('/%24admin/')) {
    return handleAdmin(req, res, url);
  }
  if (path.startsWith('/pay/')) {
    return handlePayPage(req, res, decodeURIComponent(path.slice('/pay/'.length)));
  }
  const entry = {
    method: req.method,
    path,
    idempotencyKey: req.headers['idempotency-key'] ?? null,
    status: 0,
    replayed: false,
    fault: null,
  };
  logRequest(entry);
  res.on('finish', () => {
    entry.status = res.statusCode;
  });
  const fault = takeFault(req.method, path);
  entry.fault = fault ?? null;
  const raw = await readBody(req);
  const answer = { status: 200, body: undefined, headers: {} };
  if (fault && (FAULTS.includes(fault) && fault !== 'drop')) {
    return injectFault(fault, req, res);
  }
  if (fault?.startsWith('hold:')) {
    // The key is in use while the request waits (a concurrent retry gets 409).
    const key = req.headers['idempotency-key'];
    if (key && !eventMode && !idempotent.has(key) && req.method === 'POST') {
      idempotent.set(key, { fingerprint: '(held)', state: 'running' });
      await sleep(Number(fault.slice(5)));
      idempotent.delete(key);
    } else {
      await sleep(Number(fault.slice(5)));
    }
  }
  if (paystackMode) {
    Object.assign(answer, paystackCall(req, path, url, raw));
  } else if (flutterwaveMode) {
    Object.assign(answer, flutterwaveCall(req, path, url, raw));
  } else {
    Object.assign(answer, stripeCall(req, path, url, raw, entry));
  }
  if (fault === 'drop') {
    req.socket.destroy();
    return undefined;
  }
  if (fault?.startsWith('slow:')) {
    await sleep(Number(fault.slice(5)));
    if (res.destroyed || req.socket.destroyed) {
      return undefined;
    }
  }
  for (const [name, value] of Object.entries(answer.headers)) {
    res.setHeader(name, value);
  }
  return sendJson(res, answer.status, answer.body);
}

/** One Stripe API call: authentication, idempotency, routing. Returns {status, body, headers}. */
function stripeCall(req, path, url, raw, entry) {
  const requestId = `req_${token(14)}`;
  const headers = { 'Request-Id': requestId, 'Stripe-Version': API_VERSION };
  if (!path.startsWith('/v1/')) {
    return { status: 404, body: stripeErrorBody('invalid_request_error', `Unrecognized request URL (${req.method}: ${path}).`), headers };
  }
  const auth = stripeKey(req);
  if (auth !== secretKey) {
    headers['WWW-Authenticate'] = 'Bearer realm="Stripe"';
    const message = auth
      ? `Invalid API Key provided: ${redactKey(auth)}`
      : 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').';
    return { status: 401, body: stripeErrorBody('invalid_request_error', message), headers };
  }
  let params;
  try {
    params = parseForm(req.method === 'GET' ? url.search.replace(/^\?/, '') : raw.toString('utf8'));
  } catch (err) {
    return stripeFailure(err, headers);
  }
  const key = req.method === 'POST' ? req.headers['idempotency-key'] : undefined;
  if (key !== undefined) {
    if (key.length === 0 || key.length > 255) {
      return { status: 400, body: stripeErrorBody('invalid_request_error', 'Idempotency keys must be 1 to 255 characters long.'), headers };
    }
    const print = fingerprint(req.method, path, params.pairs);
    const saved = idempotent.get(key);
    if (saved?.state === 'running') {
      headers['Stripe-Should-Retry'] = 'true';
      return {
        status: 409,
        body: stripeErrorBody('idempotency_error', 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' + key + '. Please try again later.', { code: 'idempotency_key_in_use' }),
        headers,
      };
    }
    if (saved) {
      if (saved.fingerprint !== print) {
        return {
          status: 400,
          body: stripeErrorBody('idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`),
          headers,
        };
      }
      entry.replayed = true;
      return { status: saved.status, body: saved.body, headers: { ...headers, 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId } };
    }
    const result = runStripe(req, path, params, { id: requestId, idempotency_key: key }, headers);
    const code = result.body?.error?.code ?? '';
    if (!(code.startsWith('parameter_') || code === 'url_invalid')) {
      idempotent.set(key, { fingerprint: print, state: 'done', status: result.status, body: result.body, requestId });
    }
    return result;
  }
  return runStripe(req, path, params, { id: requestId, idempotency_key: null }, headers);
}

function runStripe(req, path, params, request, headers) {
  try {
    return { status: 200, body: stripe.route(req.method, path, params, request), headers };
  } catch (err) {
    return stripeFailure(err, headers);
  }
}

function stripeFailure(err, headers) {
  if (err instanceof StripeError) {
    return { status: err.status, body: err.body, headers };
  }
  throw err;
}

function paystackCall(req, path, url, raw) {
  try {
    return paystack.route(req, path, url, raw, secretKey);
  } catch (err) {
    if (err instanceof PaystackError) {
      return { status: err.status, body: { status: false, message: err.message }, headers: {} };
    }
    throw err;
  }
}

function flutterwaveCall(req, path, url, raw) {
  try {
    return flutterwave.route(req, path, url, raw, secretKey);
  } catch (err) {
    if (err instanceof FlutterwaveError) {
      return { status: err.status, body: { status: 'error', message: err.message, data: null }, headers: {} };
    }
    throw err;
  }
}

/** The secret key presented: `Bearer KEY` or Basic with KEY as the user name. */
function stripeKey(req) {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) {
    return bearer[1];
  }
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (basic) {
    return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
  }
  return '';
}

function redactKey(key) {
  return key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.min(key.length - 12, 20))}${key.slice(-4)}` : '****';
}

/** The mode's API module (the same interface: route/pay/payPage/expire/listSessions). */
function currentApi() {
  return paystackMode ? paystack : flutterwaveMode ? flutterwave : stripe;
}

async function handlePayPage(req, res, id) {
  const api = currentApi();
  if (req.method === 'GET') {
    const page = api.payPage(id);
    return sendHtml(res, page.status, page.html);
  }
  if (req.method !== 'POST') {
    return sendHtml(res, 405, 'POST or GET');
  }
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));
  const outcome = api.pay(id, form.get('card'));
  if (outcome.location) {
    res.setHeader('Location', outcome.location);
  }
  return sendHtml(res, outcome.status, outcome.html);
}

// --- events and webhooks -----------------------------------------------------------------------

/** Records an event and delivers it to every endpoint (in the background). */
function emit(type, object, request) {
  let event;
  if (eventMode) {
    event = { event: type, data: JSON.parse(JSON.stringify(object)) };
    if (flutterwaveMode) {
      event['event.type'] = 'CARD_TRANSACTION';
    }
    event._id = `evt_${token(16)}`;
  } else {
    event = {
      id: `evt_${token(24)}`,
      object: 'event',
      api_version: API_VERSION,
      created: Math.floor(Date.now() / 1000),
      data: { object: JSON.parse(JSON.stringify(object)) },
      livemode: false,
      pending_webhooks: webhookEndpoints.length,
      request: request ?? { id: null, idempotency_key: null },
      type,
    };
  }
  events.push(event);
  for (const url of webhookEndpoints) {
    void deliver(event, url);
  }
}

function eventId(event) {
  return event.id ?? event._id;
}

function eventBody(event) {
  if (!eventMode) {
    return JSON.stringify(event, null, 2);
  }
  const { _id, ...rest } = event;
  return JSON.stringify(rest);
}

/** Delivers one event to one endpoint, retrying with doubling delays, as gateways do. */
async function deliver(event, url) {
  const body = eventBody(event);
  const type = event.type ?? event.event;
  for (let attempt = 1; attempt <= webhookAttempts; attempt += 1) {
    const agent = paystackMode ? 'Paystack' : flutterwaveMode ? 'Flutterwave' : 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';
    const headers = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': agent };
    if (paystackMode) {
      headers['x-paystack-signature'] = createHmac('sha512', secretKey).update(body).digest('hex');
    } else if (flutterwaveMode) {
      headers['verif-hash'] = webhookSecret;
    } else {
      const t = Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', webhookSecret).update(`${t}.${body}`).digest('hex');
      headers['Stripe-Signature'] = `t=${t},v1=${v1}`;
    }
    const record = { event: eventId(event), type, url, attempt, ok: false };
    try {
      record.status = await post(url, headers, body);
      record.ok = record.status >= 200 && record.status < 300;
    } catch (err) {
      record.error = String(err?.code ?? err?.message ?? err);
    }
    deliveries.push(record);
    if (record.ok) {
      return;
    }
    if (attempt < webhookAttempts) {
      await sleep(webhookBackoff * 2 ** (attempt - 1));
    }
  }
}

function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body, 'utf8');
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'Content-Length': bytes.length }, timeout: WEBHOOK_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(bytes);
  });
}

// --- faults ------------------------------------------------------------------------------------

function takeFault(method, path) {
  const index = faults.findIndex((f) => (!f.path || path.includes(f.path)) && (!f.method || f.method === method));
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

function injectFault(fault, req, res) {
  switch (fault) {
    case 'reset':
      req.socket.resetAndDestroy?.() ?? req.socket.destroy();
      return undefined;
    case 'malformed':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"id": "cs_test_', 'utf8');
      return undefined;
    default: {
      const status = Number(fault);
      if (paystackMode) {
        const messages = { 401: 'Invalid key', 429: 'Too many requests', 500: 'An error occurred', 502: 'Bad gateway', 503: 'Service unavailable' };
        return sendJson(res, status, { status: false, message: messages[status] });
      }
      if (flutterwaveMode) {
        const messages = { 401: 'Invalid authorization key', 429: 'Too many requests', 500: 'An error occurred. Please contact support', 502: 'Bad gateway', 503: 'An error occurred. Please contact support' };
        return sendJson(res, status, { status: 'error', message: messages[status], data: null });
      }
      res.setHeader('Request-Id', `req_${token(14)}`);
      if (status === 401) {
        return sendJson(res, 401, stripeErrorBody('invalid_request_error', 'Invalid API Key provided: (injected fault)'));
      }
      if (status === 429) {
        return sendJson(res, 429, stripeErrorBody('invalid_request_error', 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', { code: 'rate_limit' }));
      }
      return sendJson(res, status, stripeErrorBody('api_error', 'Something went wrong on Stripe\'s end. (injected fault)'));
    }
  }
}

// --- test controls -----------------------------------------------------------------------------

async function handleAdmin(req, res, url) {
  const peer = req.socket.remoteAddress ?? '';
  if (!(peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1')) {
    return sendJson(res, 403, { error: 'test controls are for loopback peers only' });
  }
  const name = decodeURIComponent(url.pathname).slice(ADMIN_PREFIX.length);
  const raw = await readBody(req);
  let body = {};
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'the body is not JSON' });
    }
  }
  try {
    const result = adminAction(req.method, name, body);
    if (result === undefined) {
      return sendJson(res, 404, { error: `no test control ${req.method} ${name}` });
    }
    return sendJson(res, 200, result);
  } catch (err) {
    const status = err instanceof StripeError || err instanceof PaystackError || err instanceof FlutterwaveError ? err.status : 400;
    return sendJson(res, status, { error: String(err?.message ?? err) });
  }
}

function adminAction(method, name, body) {
  const api = currentApi();
  if (method === 'GET') {
    switch (name) {
      case 'requests':
        return requestLog;
      case 'sessions':
        return api.listSessions();
      case 'events':
        return events.map((e) => JSON.parse(eventBody(e)));
      case 'deliveries':
        return deliveries;
      default:
        return undefined;
    }
  }
  if (method !== 'POST') {
    return undefined;
  }
  switch (name) {
    case 'fault': {
      const fault = String(body.fault ?? '');
      if (!FAULTS.includes(fault) && !/^(slow|hold):\d+$/.test(fault)) {
        throw new Error(`unknown fault ${fault}`);
      }
      const times = body.times === undefined ? 1 : Number(body.times);
      if (!Number.isInteger(times) || times < 1) {
        throw new Error('times must be a positive integer');
      }
      faults.push({ fault, times, path: body.path ? String(body.path) : undefined, method: body.method ? String(body.method).toUpperCase() : undefined });
      return { pending: faults.length };
    }
    case 'clear-faults':
      faults = [];
      return { pending: 0 };
    case 'reset-log':
      requestLog = [];
      return { entries: 0 };
    case 'expire':
      return api.expire(String(body.session ?? ''));
    case 'async-payment':
      if (eventMode) {
        return undefined;
      }
      return stripe.asyncPayment(String(body.session ?? ''), String(body.outcome ?? ''));
    case 'answer-amount':
      if (!flutterwaveMode) {
        return undefined;
      }
      return flutterwave.answerAmount(String(body.session ?? ''), String(body.amount ?? ''));
    case 'webhook-endpoint':
      if (!isLoopbackEndpoint(String(body.url ?? ''))) {
        throw new Error('webhook endpoints must be http:// URLs on loopback');
      }
      webhookEndpoints.push(String(body.url));
      return { endpoints: webhookEndpoints.length };
    case 'resend': {
      const event = events.find((e) => eventId(e) === body.event);
      if (!event) {
        throw new Error(`no event ${body.event}`);
      }
      for (const url of webhookEndpoints) {
        void deliver(event, url);
      }
      return { endpoints: webhookEndpoints.length };
    }
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

function stripeErrorBody(type, message, extra = {}) {
  return { error: { type, message, ...extra } };
}

function sendJson(res, status, value) {
  if (res.destroyed) {
    return;
  }
  const body = Buffer.from(JSON.stringify(value, null, 2), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

function sendHtml(res, status, html) {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isLoopbackEndpoint(url) {
  return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/\S*)?$/.test(url);
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

function fail(message) {
  process.stderr.write(`server.mjs: ${message}\n`);
  process.exit(2);
}

server.listen(Number(opts.port), '127.0.0.1', () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
