// Test-only Paystack API of the local gateway server (server.mjs --paystack): the calls
// clinic-payments makes, after Paystack's documented API (https://paystack.com/docs/api) —
// JSON bodies, `Authorization: Bearer sk_…`, answers `{status, message, data}` — with
// transactions, their hosted payment page and refunds, in memory. Never a real card.
//
//   POST /transaction/initialize        {email, amount, currency, reference, callback_url, metadata}
//                                        → {authorization_url, access_code, reference}; a reference
//                                        used before → 400 "Duplicate Transaction Reference"
//   GET  /transaction/verify/{reference} the transaction: status abandoned (not paid yet) |
//                                        failed (last attempt declined) | success | reversed
//   POST /refund                         {transaction: reference or id, amount?, merchant_note?} →
//                                        status pending, processed at once (webhook refund.processed)
//   GET  /refund?reference=…             the transaction's refunds (with their merchant_note)
// Paystack has no Idempotency-Key: the unique transaction reference is what makes initialize
// safe to retry. Events: charge.success (data: the transaction), refund.processed.
//
// Hosted page: GET /pay/{access_code}; POST /pay/{access_code} with card=:
//   4084084084084081, 4242424242424242  success → 303 to callback_url?reference=… (or 200)
//   4000000000000002, anything else      declined → 402 (status failed; the patient may try again)
import { token } from './stripe.mjs';

const SUCCESS_CARDS = new Set(['4084084084084081', '4242424242424242']);
const CURRENCIES = new Set(['NGN', 'GHS', 'ZAR', 'USD', 'KES', 'XOF', 'EGP']);

/** A Paystack error answer: `{status:false, message}` with its HTTP status. */
export class PaystackError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The Paystack test integration. `ctx`: emit(event, data), baseUrl(). */
export function createPaystack(ctx) {
  const byReference = new Map();
  const byAccessCode = new Map();
  const refunds = [];
  let nextId = 4000000001;
  let nextRefundId = 9000001;

  function initialize(body) {
    const email = String(body.email ?? '');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new PaystackError(400, 'Invalid Email Address Passed');
    }
    const amount = Number(body.amount);
    if (!Number.isInteger(amount) || amount < 100) {
      throw new PaystackError(400, 'Invalid Amount Sent');
    }
    const currency = String(body.currency ?? 'NGN').toUpperCase();
    if (!CURRENCIES.has(currency)) {
      throw new PaystackError(400, 'Currency not supported by merchant');
    }
    const reference = body.reference === undefined ? token(15) : String(body.reference);
    if (!/^[A-Za-z0-9.=-]{1,100}$/.test(reference)) {
      throw new PaystackError(400, 'Invalid reference: only -, ., = and alphanumeric characters allowed');
    }
    if (byReference.has(reference)) {
      throw new PaystackError(400, 'Duplicate Transaction Reference');
    }
    let metadata = body.metadata ?? {};
    if (typeof metadata === 'string') {
      try {
        metadata = JSON.parse(metadata);
      } catch {
        throw new PaystackError(400, 'Invalid metadata: must be JSON');
      }
    }
    const accessCode = token(15).toLowerCase();
    const transaction = {
      id: nextId++,
      domain: 'test',
      status: 'abandoned',
      reference,
      amount,
      message: null,
      gateway_response: 'The transaction was not completed',
      paid_at: null,
      created_at: new Date().toISOString(),
      channel: 'card',
      currency,
      metadata,
      fees: null,
      customer: { email },
      requested_amount: amount,
      amount_refunded: 0,
      _access_code: accessCode,
      _callback_url: body.callback_url ?? null,
    };
    byReference.set(reference, transaction);
    byAccessCode.set(accessCode, transaction);
    return ok('Authorization URL created', {
      authorization_url: `${ctx.baseUrl()}/pay/${accessCode}`,
      access_code: accessCode,
      reference,
    });
  }

  function verify(reference) {
    const transaction = byReference.get(reference);
    if (!transaction) {
      throw new PaystackError(400, 'Transaction reference not found');
    }
    return ok('Verification successful', publicTransaction(transaction));
  }

  function refund(body) {
    const key = String(body.transaction ?? '');
    const transaction = byReference.get(key) ?? [...byReference.values()].find((t) => String(t.id) === key);
    if (!transaction) {
      throw new PaystackError(404, 'Transaction not found');
    }
    if (transaction.status === 'reversed') {
      throw new PaystackError(400, 'Transaction has been fully reversed');
    }
    if (transaction.status !== 'success') {
      throw new PaystackError(400, 'Cannot refund a transaction that is not successful');
    }
    const remaining = transaction.amount - transaction.amount_refunded;
    const amount = body.amount === undefined ? remaining : Number(body.amount);
    if (!Number.isInteger(amount) || amount < 1) {
      throw new PaystackError(400, 'Invalid amount');
    }
    if (amount > remaining) {
      throw new PaystackError(400, 'Refund amount cannot be more than the unrefunded transaction amount');
    }
    transaction.amount_refunded += amount;
    if (transaction.amount_refunded === transaction.amount) {
      transaction.status = 'reversed';
    }
    const data = {
      id: nextRefundId++,
      integration: 100001,
      domain: 'test',
      transaction: publicTransaction(transaction),
      amount,
      deducted_amount: amount,
      currency: transaction.currency,
      channel: 'card',
      fully_deducted: true,
      merchant_note: body.merchant_note ?? null,
      customer_note: body.customer_note ?? null,
      status: 'pending',
      createdAt: new Date().toISOString(),
    };
    refunds.push({ ...data, transaction: transaction.id, _reference: transaction.reference });
    ctx.emit('refund.processed', {
      status: 'processed',
      transaction_reference: transaction.reference,
      refund_reference: `rf_${data.id}`,
      id: data.id,
      amount,
      currency: transaction.currency,
      domain: 'test',
    });
    return ok('Refund has been queued for processing', data);
  }

  function route(req, path, url, raw, secretKey) {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || match[1] !== secretKey) {
      throw new PaystackError(401, 'Invalid key');
    }
    let body = {};
    if (raw.length > 0) {
      const type = String(req.headers['content-type'] ?? '');
      if (type.includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new PaystackError(400, 'Invalid JSON body');
        }
      } else {
        body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
      }
    }
    if (req.method === 'POST' && path === '/transaction/initialize') {
      return initialize(body);
    }
    const verifyMatch = /^\/transaction\/verify\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && verifyMatch) {
      return verify(decodeURIComponent(verifyMatch[1]));
    }
    if (req.method === 'POST' && path === '/refund') {
      return refund(body);
    }
    if (req.method === 'GET' && path === '/refund') {
      const reference = url.searchParams.get('reference');
      const list = refunds.filter((r) => !reference || r._reference === reference).map(publicTransaction);
      return { status: 200, body: { status: true, message: 'Refunds retrieved', data: list, meta: { total: list.length } }, headers: {} };
    }
    throw new PaystackError(404, `Route not found: ${req.method} ${path}`);
  }

  function pay(accessCode, card) {
    const transaction = byAccessCode.get(accessCode);
    if (!transaction) {
      return { status: 404, html: '<p>No such transaction.</p>' };
    }
    if (transaction.status === 'success' || transaction.status === 'reversed') {
      return { status: 409, html: '<p>This transaction is already paid.</p>' };
    }
    const number = String(card ?? '').replace(/[\s-]/g, '');
    if (!SUCCESS_CARDS.has(number)) {
      transaction.status = 'failed';
      transaction.gateway_response = 'Declined';
      return { status: 402, html: '<p class="error">Declined</p>' };
    }
    transaction.status = 'success';
    transaction.gateway_response = 'Successful';
    transaction.paid_at = new Date().toISOString();
    transaction.fees = Math.min(Math.round(transaction.amount * 0.015), 200000);
    transaction.authorization = { last4: number.slice(-4), channel: 'card', card_type: 'visa', reusable: true };
    ctx.emit('charge.success', publicTransaction(transaction));
    const location = transaction._callback_url
      ? `${transaction._callback_url}${transaction._callback_url.includes('?') ? '&' : '?'}trxref=${transaction.reference}&reference=${transaction.reference}`
      : undefined;
    return { status: location ? 303 : 200, location, html: '<p>Payment successful.</p>' };
  }

  function payPage(accessCode) {
    const transaction = byAccessCode.get(accessCode);
    if (!transaction) {
      return { status: 404, html: '<p>No such transaction.</p>' };
    }
    const amount = `${(transaction.amount / 100).toFixed(2)} ${transaction.currency}`;
    return {
      status: 200,
      html: `<!doctype html><html><body><h1>Pay ${amount}</h1><form method="post" action="/pay/${accessCode}">
<label>Card number <input name="card" inputmode="numeric"></label><button>Pay</button></form>
<p><small>Local test gateway: never enter a real card.</small></p></body></html>`,
    };
  }

  return {
    route,
    pay,
    payPage,
    expire() {
      throw new PaystackError(400, 'Paystack transactions do not expire in this test server');
    },
    listSessions() {
      return [...byReference.values()].map(publicTransaction);
    },
  };
}

function ok(message, data) {
  return { status: 200, body: { status: true, message, data }, headers: {} };
}

function publicTransaction(transaction) {
  const out = {};
  for (const [key, value] of Object.entries(transaction)) {
    if (!key.startsWith('_')) {
      out[key] = value;
    }
  }
  return out;
}
