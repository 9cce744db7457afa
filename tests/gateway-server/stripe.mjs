// Test-only Stripe API of the local gateway server (server.mjs): the calls clinic-payments
// makes, following Stripe's documented API closely enough for our client — form-encoded
// bodies, bearer secret keys, Idempotency-Key semantics, Stripe's error bodies and event
// shapes. Checkout Sessions, their PaymentIntents and Charges, refunds, and the hosted
// payment page a patient pays on (`/pay/{session}`: a minimal "card form"). Never a real
// card: the test numbers below decide the outcome. In-memory only.
//
// API (https://docs.stripe.com/api), all under /v1, `Authorization: Bearer sk_…` (or Basic
// with the key as user name):
//   POST /v1/checkout/sessions            mode=payment, line_items[0][price_data][currency|
//                                          unit_amount|product_data][name]], line_items[0]
//                                          [quantity], client_reference_id, metadata[k],
//                                          success_url, cancel_url, expires_at,
//                                          payment_intent_data[metadata][k], customer_email
//   GET  /v1/checkout/sessions/{id}       expand[]=payment_intent, payment_intent.latest_charge
//   POST /v1/checkout/sessions/{id}/expire
//   POST /v1/refunds                      payment_intent | charge, amount, reason, metadata[k]
//   GET  /v1/refunds/{id}, GET /v1/payment_intents/{id}, GET /v1/charges/{id}
// Every POST honours `Idempotency-Key`: the first answer (once the endpoint ran) is saved and
// replayed for the same key and parameters (`Idempotent-Replayed: true`); the same key with
// other parameters or another endpoint → 400 idempotency_error; validation failures and
// authentication failures are not saved.
//
// Hosted page: GET /pay/{id} shows the form; POST /pay/{id} with `card=`:
//   4242424242424242, 4000056655665556, 5555555555554444  paid → 303 to success_url (or 200)
//   4000000000000002  declined (card_declined / generic_decline)      → 402, session stays open
//   4000000000009995  declined (card_declined / insufficient_funds)   → 402, session stays open
//   4000000000000069  declined (expired_card)                         → 402, session stays open
//   anything else     incorrect_number                                → 402, session stays open
import { randomBytes } from 'node:crypto';

export const API_VERSION = '2024-06-20';
const SUCCESS_CARDS = new Set(['4242424242424242', '4000056655665556', '5555555555554444']);
const DECLINES = {
  '4000000000000002': { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  '4000000000009995': {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  '4000000000000069': { code: 'expired_card', message: 'Your card has expired.' },
};
/** Parameters accepted by POST /v1/checkout/sessions (anything else: parameter_unknown). */
const SESSION_PARAMS = [
  /^mode$/,
  /^line_items\[0\]\[price_data\]\[(currency|unit_amount)\]$/,
  /^line_items\[0\]\[price_data\]\[product_data\]\[(name|description)\]$/,
  /^line_items\[0\]\[quantity\]$/,
  /^client_reference_id$/,
  /^metadata\[[^\]]{1,40}\]$/,
  /^payment_intent_data\[metadata\]\[[^\]]{1,40}\]$/,
  /^(success_url|cancel_url|expires_at|customer_email|locale)$/,
  /^payment_method_types\[\d+\]$/,
  /^expand\[\d*\]$/,
];
const REFUND_PARAMS = [/^(payment_intent|charge|amount|reason)$/, /^metadata\[[^\]]{1,40}\]$/, /^expand\[\d*\]$/];
const DEFAULT_SESSION_TTL_S = 24 * 3600;

/** A Stripe API error: `{"error":{type,code,message,param,decline_code}}` with its status. */
export class StripeError extends Error {
  constructor(status, type, message, extra = {}) {
    super(message);
    this.status = status;
    this.body = { error: { type, message, ...extra } };
  }
}

/**
 * The Stripe test account: its objects, and the calls on them. `ctx` gives `emit(type, object,
 * request)` (an event to deliver to the webhook endpoints), `baseUrl()` (this server's origin)
 * and `sessionTtl` (seconds, for sessions created without expires_at).
 */
export function createStripe(ctx) {
  const sessions = new Map();
  const intents = new Map();
  const charges = new Map();
  const refunds = new Map();

  const now = () => Math.floor(Date.now() / 1000);

  /** Lazily expires open sessions past their expires_at (checkout.session.expired). */
  function sweep() {
    for (const session of sessions.values()) {
      if (session.status === 'open' && session.expires_at <= now()) {
        expireSession(session, null);
      }
    }
  }

  function expireSession(session, request) {
    session.status = 'expired';
    session.url = null;
    ctx.emit('checkout.session.expired', session, request);
  }

  function createSession(params, request) {
    checkParams(params.pairs, SESSION_PARAMS);
    const form = params.form;
    if (form.mode === undefined) {
      throw missing('mode');
    }
    if (form.mode !== 'payment') {
      throw invalid('mode', `Invalid mode: this test server supports only mode=payment (got ${form.mode}).`);
    }
    const item = form.line_items?.[0];
    if (!item) {
      throw missing('line_items');
    }
    const price = item.price_data;
    if (!price) {
      throw missing('line_items[0][price_data]');
    }
    const currency = String(price.currency ?? '');
    if (!/^[a-z]{3}$/.test(currency)) {
      throw invalid('line_items[0][price_data][currency]', `Invalid currency: ${currency}.`);
    }
    const unitAmount = integer(price.unit_amount, 'line_items[0][price_data][unit_amount]');
    if (unitAmount < 1) {
      throw new StripeError(400, 'invalid_request_error', 'Amount must be at least 1 (in the smallest currency unit).', {
        code: 'amount_too_small',
        param: 'line_items[0][price_data][unit_amount]',
      });
    }
    if (unitAmount > 99999999) {
      throw new StripeError(400, 'invalid_request_error', 'Amount must be no more than 99999999.', {
        code: 'amount_too_large',
        param: 'line_items[0][price_data][unit_amount]',
      });
    }
    const name = price.product_data?.name;
    if (!name || !String(name).trim()) {
      throw missing('line_items[0][price_data][product_data][name]');
    }
    const quantity = item.quantity === undefined ? 1 : integer(item.quantity, 'line_items[0][quantity]');
    if (quantity < 1) {
      throw invalid('line_items[0][quantity]', 'Quantity must be at least 1.');
    }
    for (const key of ['success_url', 'cancel_url']) {
      if (form[key] !== undefined && !/^https?:\/\/\S+$/.test(form[key])) {
        throw new StripeError(400, 'invalid_request_error', `Not a valid URL`, { code: 'url_invalid', param: key });
      }
    }
    const created = now();
    let expiresAt = created + ctx.sessionTtl;
    if (form.expires_at !== undefined) {
      expiresAt = integer(form.expires_at, 'expires_at');
      if (expiresAt < created + 1800 - 5 || expiresAt > created + DEFAULT_SESSION_TTL_S + 5) {
        throw invalid('expires_at', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from now.');
      }
    }
    const id = `cs_test_${token(24)}`;
    const session = {
      id,
      object: 'checkout.session',
      amount_subtotal: unitAmount * quantity,
      amount_total: unitAmount * quantity,
      cancel_url: form.cancel_url ?? null,
      client_reference_id: form.client_reference_id ?? null,
      created,
      currency,
      customer_email: form.customer_email ?? null,
      expires_at: expiresAt,
      livemode: false,
      metadata: form.metadata ?? {},
      mode: 'payment',
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: form.success_url ?? null,
      url: `${ctx.baseUrl()}/pay/${id}`,
      // Not part of Stripe's object: kept out of answers (see publicSession).
      _description: String(name),
      _intent_metadata: form.payment_intent_data?.metadata ?? {},
    };
    sessions.set(id, session);
    return publicSession(session, []);
  }

  function getSession(id, expand) {
    sweep();
    const session = sessions.get(id);
    if (!session) {
      throw missingResource('checkout.session', id, 'session');
    }
    return publicSession(session, expand);
  }

  function expireByApi(id, request) {
    sweep();
    const session = sessions.get(id);
    if (!session) {
      throw missingResource('checkout.session', id, 'session');
    }
    if (session.status !== 'open') {
      throw new StripeError(400, 'invalid_request_error', 'Only Checkout Sessions with a status in ["open"] can be expired.', {
        code: 'checkout_session_not_open',
      });
    }
    expireSession(session, request);
    return publicSession(session, []);
  }

  /** The session as Stripe shows it, with `payment_intent` (and its latest_charge) expanded on request. */
  function publicSession(session, expand) {
    const out = {};
    for (const [key, value] of Object.entries(session)) {
      if (!key.startsWith('_')) {
        out[key] = value;
      }
    }
    if (session.payment_intent && expand.some((e) => e === 'payment_intent' || e.startsWith('payment_intent.'))) {
      const intent = { ...intents.get(session.payment_intent) };
      if (intent.latest_charge && expand.includes('payment_intent.latest_charge')) {
        intent.latest_charge = { ...charges.get(intent.latest_charge) };
      }
      out.payment_intent = intent;
    }
    return out;
  }

  function newIntent(session) {
    const intent = {
      id: `pi_${token(24)}`,
      object: 'payment_intent',
      amount: session.amount_total,
      amount_received: 0,
      created: now(),
      currency: session.currency,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: { ...session._intent_metadata },
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    };
    intents.set(intent.id, intent);
    session.payment_intent = intent.id;
    return intent;
  }

  /**
   * The patient submits the hosted form. Returns {status, html, location?}. A paid session emits
   * checkout.session.completed; a decline leaves it open with the PaymentIntent's last error.
   */
  function pay(id, card) {
    sweep();
    const session = sessions.get(id);
    if (!session) {
      return { status: 404, html: page('Not found', '<p>No such checkout session.</p>') };
    }
    if (session.status !== 'open') {
      return { status: 409, html: page('Unavailable', `<p>This checkout session is ${session.status}.</p>`) };
    }
    const number = String(card ?? '').replace(/[\s-]/g, '');
    const intent = session.payment_intent ? intents.get(session.payment_intent) : newIntent(session);
    if (!SUCCESS_CARDS.has(number)) {
      const decline = DECLINES[number] ?? { code: 'incorrect_number', message: 'Your card number is incorrect.' };
      intent.status = 'requires_payment_method';
      intent.last_payment_error = { type: 'card_error', ...decline };
      return { status: 402, html: page('Declined', `<p class="error">${escapeHtml(decline.message)}</p>`), decline };
    }
    const charge = {
      id: `ch_${token(24)}`,
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: 0,
      captured: true,
      created: now(),
      currency: intent.currency,
      livemode: false,
      metadata: { ...intent.metadata },
      paid: true,
      payment_intent: intent.id,
      payment_method_details: { type: 'card', card: { brand: number.startsWith('5') ? 'mastercard' : 'visa', last4: number.slice(-4) } },
      refunded: false,
      status: 'succeeded',
    };
    charges.set(charge.id, charge);
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = charge.id;
    intent.last_payment_error = null;
    session.status = 'complete';
    session.payment_status = 'paid';
    session.url = null;
    ctx.emit('checkout.session.completed', publicSession(session, []), null);
    const location = session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
    return { status: location ? 303 : 200, location, html: page('Paid', '<p>Payment received. You can close this page.</p>') };
  }

  /** A bank-debit style outcome (test control): processing, then failed or succeeded. */
  function asyncPayment(id, outcome) {
    sweep();
    const session = sessions.get(id);
    if (!session) {
      throw missingResource('checkout.session', id, 'session');
    }
    const intent = session.payment_intent ? intents.get(session.payment_intent) : newIntent(session);
    if (outcome === 'processing') {
      if (session.status !== 'open') {
        throw new StripeError(400, 'invalid_request_error', `the session is ${session.status}`);
      }
      session.status = 'complete';
      session.payment_status = 'unpaid';
      session.url = null;
      intent.status = 'processing';
      ctx.emit('checkout.session.completed', publicSession(session, []), null);
    } else if (outcome === 'failed') {
      if (session.payment_status !== 'unpaid' || intent.status !== 'processing') {
        throw new StripeError(400, 'invalid_request_error', 'the payment is not processing');
      }
      intent.status = 'requires_payment_method';
      intent.last_payment_error = { type: 'invalid_request_error', code: 'payment_method_failed', message: 'The bank debit failed.' };
      ctx.emit('checkout.session.async_payment_failed', publicSession(session, []), null);
    } else {
      throw new StripeError(400, 'invalid_request_error', 'outcome must be processing or failed');
    }
    return publicSession(session, ['payment_intent']);
  }

  function createRefund(params, request) {
    checkParams(params.pairs, REFUND_PARAMS);
    const form = params.form;
    let charge;
    if (form.payment_intent !== undefined) {
      const intent = intents.get(form.payment_intent);
      if (!intent) {
        throw missingResource('payment_intent', form.payment_intent, 'payment_intent');
      }
      if (intent.status !== 'succeeded' || !intent.latest_charge) {
        throw new StripeError(400, 'invalid_request_error', `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
          code: 'charge_not_refundable',
          param: 'payment_intent',
        });
      }
      charge = charges.get(intent.latest_charge);
    } else if (form.charge !== undefined) {
      charge = charges.get(form.charge);
      if (!charge) {
        throw missingResource('charge', form.charge, 'charge');
      }
    } else {
      throw new StripeError(400, 'invalid_request_error', 'One of the following params should be provided for this request: payment_intent or charge.', {
        code: 'parameter_missing',
      });
    }
    if (form.reason !== undefined && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(form.reason)) {
      throw invalid('reason', `Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer`);
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw new StripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    }
    const amount = form.amount === undefined ? remaining : integer(form.amount, 'amount');
    if (amount < 1) {
      throw new StripeError(400, 'invalid_request_error', 'Amount must be at least 1.', { code: 'amount_too_small', param: 'amount' });
    }
    if (amount > remaining) {
      const label = (n) => `${(n / 100).toFixed(2)} ${charge.currency.toUpperCase()}`;
      throw new StripeError(
        400,
        'invalid_request_error',
        `Refund amount (${label(amount)}) is greater than unrefunded amount on charge (${label(remaining)})`,
        { code: 'amount_too_large', param: 'amount' }
      );
    }
    const refund = {
      id: `re_${token(24)}`,
      object: 'refund',
      amount,
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      metadata: form.metadata ?? {},
      payment_intent: charge.payment_intent,
      reason: form.reason ?? null,
      status: 'succeeded',
    };
    refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    ctx.emit('charge.refunded', { ...charge }, request);
    return refund;
  }

  function getById(map, type, param, id) {
    const object = map.get(id);
    if (!object) {
      throw missingResource(type, id, param);
    }
    return object;
  }

  /** Routes one /v1 call: the answer object, or throws a StripeError. */
  function route(method, path, params, request) {
    const segments = path.split('/').filter(Boolean).slice(1); // after "v1"
    const expand = [].concat(params.form.expand ?? []).map(String);
    const [a, b, c, d] = segments;
    if (a === 'checkout' && b === 'sessions') {
      if (method === 'POST' && !c) {
        return createSession(params, request);
      }
      if (method === 'GET' && c && !d) {
        return getSession(c, expand);
      }
      if (method === 'POST' && c && d === 'expire' && segments.length === 4) {
        return expireByApi(c, request);
      }
    }
    if (a === 'refunds') {
      if (method === 'POST' && !b) {
        return createRefund(params, request);
      }
      if (method === 'GET' && b && !c) {
        return getById(refunds, 'refund', 'id', b);
      }
    }
    if (method === 'GET' && a === 'payment_intents' && b && !c) {
      const intent = { ...getById(intents, 'payment_intent', 'intent', b) };
      if (intent.latest_charge && expand.includes('latest_charge')) {
        intent.latest_charge = { ...charges.get(intent.latest_charge) };
      }
      return intent;
    }
    if (method === 'GET' && a === 'charges' && b && !c) {
      return getById(charges, 'charge', 'charge', b);
    }
    throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
  }

  /** The hosted form for GET /pay/{id}. */
  function payPage(id) {
    sweep();
    const session = sessions.get(id);
    if (!session) {
      return { status: 404, html: page('Not found', '<p>No such checkout session.</p>') };
    }
    if (session.status !== 'open') {
      return { status: 409, html: page('Unavailable', `<p>This checkout session is ${session.status}.</p>`) };
    }
    const amount = `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
    const body = `<p>${escapeHtml(session._description)}: <strong>${escapeHtml(amount)}</strong></p>
<form method="post" action="/pay/${encodeURIComponent(id)}">
<label>Card number <input name="card" autocomplete="cc-number" inputmode="numeric"></label>
<button type="submit">Pay</button></form>`;
    return { status: 200, html: page('Pay', body) };
  }

  return {
    route,
    pay,
    payPage,
    asyncPayment,
    sweep,
    /** Admin: expire an open session now (checkout.session.expired). */
    expire(id) {
      sweep();
      const session = sessions.get(id);
      if (!session) {
        throw missingResource('checkout.session', id, 'session');
      }
      if (session.status === 'open') {
        expireSession(session, null);
      }
      return publicSession(session, []);
    },
    listSessions() {
      sweep();
      return [...sessions.values()].map((s) => publicSession(s, []));
    },
  };
}

// --- form bodies -------------------------------------------------------------------------------

/**
 * Parses `a[b][0][c]=v` pairs into nested objects the way Stripe reads them (`a[]=x` appends;
 * numeric segments index arrays). Returns {pairs, form}.
 */
export function parseForm(text) {
  const pairs = [...new URLSearchParams(text)];
  const form = {};
  for (const [key, value] of pairs) {
    const match = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(key);
    if (!match) {
      throw new StripeError(400, 'invalid_request_error', `Invalid parameter name: ${key}`, { code: 'parameter_unknown', param: key });
    }
    const path = [match[1], ...[...match[2].matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])];
    let node = form;
    for (let i = 0; i < path.length; i += 1) {
      const segment = path[i];
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]);
      if (segment === '') {
        if (!Array.isArray(node)) {
          throw new StripeError(400, 'invalid_request_error', `Invalid array: ${key}`, { param: key });
        }
        if (last) {
          node.push(value);
        } else {
          node.push(nextIsIndex ? [] : {});
          node = node[node.length - 1];
        }
        continue;
      }
      if (last) {
        node[segment] = value;
      } else {
        node[segment] ??= nextIsIndex ? [] : {};
        node = node[segment];
      }
    }
  }
  return { pairs, form };
}

/** The parameters as an order-independent string, for comparing idempotent requests. */
export function fingerprint(method, path, pairs) {
  const sorted = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort();
  return `${method} ${path}?${sorted.join('&')}`;
}

function checkParams(pairs, allowed) {
  for (const [key] of pairs) {
    if (!allowed.some((re) => re.test(key))) {
      throw new StripeError(400, 'invalid_request_error', `Received unknown parameter: ${key}`, {
        code: 'parameter_unknown',
        param: key,
      });
    }
  }
}

function integer(value, param) {
  if (!/^-?\d+$/.test(String(value ?? ''))) {
    throw new StripeError(400, 'invalid_request_error', `Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param });
  }
  return Number.parseInt(value, 10);
}

function missing(param) {
  return new StripeError(400, 'invalid_request_error', `Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

function invalid(param, message) {
  return new StripeError(400, 'invalid_request_error', message, { code: 'parameter_invalid', param });
}

function missingResource(type, id, param) {
  return new StripeError(404, 'invalid_request_error', `No such ${type}: '${id}'`, { code: 'resource_missing', param });
}

/** A random base62 string. */
export function token(length) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) {
    out += alphabet[byte % alphabet.length];
  }
  return out;
}

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} — test gateway</title></head>
<body><h1>${escapeHtml(title)}</h1>${body}<p><small>Local test gateway: never enter a real card.</small></p></body></html>`;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
