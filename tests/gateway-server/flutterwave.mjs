// Test-only Flutterwave API (v3) of the local gateway server (server.mjs --flutterwave): the
// calls clinic-payments makes, after Flutterwave's documented API
// (https://developer.flutterwave.com) — JSON bodies, `Authorization: Bearer FLWSECK_TEST-…`,
// answers `{status: "success"|"error", message, data}` — with payment links (Flutterwave
// Standard), the transactions made on their hosted page, and refunds, in memory. Never a real card.
//
//   POST /v3/payments                    {tx_ref, amount, currency, redirect_url?, customer: {email},
//                                         customizations?, meta?, session_duration?} → data.link;
//                                         the same tx_ref again with the same details → the same
//                                         link; with other details → 400 "Duplicate tx_ref …"
//   GET  /v3/transactions/verify_by_reference?tx_ref=…  the link's transaction (its successful
//                                         one, else its latest attempt); none yet → 400 "No
//                                         transaction was found for this id"
//   GET  /v3/transactions/{id}/verify    one transaction
//   POST /v3/transactions/{id}/refund    {amount?, comments?} → data {id, tx_id, flw_ref,
//                                         amount_refunded, status: "completed", …}; an unpaid
//                                         transaction or more than is left → 400
//   GET  /v3/refunds?id=&from=&to=&page= refunds (transaction id, created_at day range), 10 a page,
//                                         as documented: {id, transaction_id, amount_refunded,
//                                         status, flw_ref, comment, …} and meta.page_info
// Amounts are major units (72.5 NGN) in JSON numbers, kept as integer minor units here: a request's
// amount is read from its exact text, and more decimals than the currency has is refused. A link
// lasts session_duration minutes (default 1440); each attempt on its page is a transaction with
// the link's tx_ref. Events: charge.completed (data: the transaction, status successful or failed).
//
// Hosted page: GET /pay/{link id}; POST /pay/{link id} with card=:
//   4242424242424242, 4084084084084081, 5531886652142950   success → 303 to
//       redirect_url?status=successful&tx_ref=…&transaction_id=… (or 200)
//   4000000000000002, anything else      declined → 402 (a failed transaction; the patient may try
//                                         again until the session ends)
//   an expired link → 410; a paid one → 409
// Test controls (server.mjs): expire {session: link id or tx_ref} ends the session as if its whole
// duration had passed (every timestamp of the link and its attempts moves back by it);
// answer-amount {session, amount} makes verify answers give that amount text (e.g. 72.505).
import { token } from './stripe.mjs';

const SUCCESS_CARDS = new Set(['4242424242424242', '4084084084084081', '5531886652142950']);
/** Minor digits (ISO 4217) of the currencies taken. */
const DIGITS = {
  NGN: 2, GHS: 2, KES: 2, ZAR: 2, USD: 2, EUR: 2, GBP: 2, TZS: 2, ZMW: 2, MWK: 2, EGP: 2, MAD: 2,
  UGX: 0, RWF: 0, XAF: 0, XOF: 0,
};
const DEFAULT_SESSION_MINUTES = 1440;
const REFUNDS_PAGE_SIZE = 10;
const ACCOUNT_ID = 100001;

/** A Flutterwave error answer: `{status:"error", message, data:null}` with its HTTP status. */
export class FlutterwaveError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The Flutterwave test account. `ctx`: emit(event, data), baseUrl(). */
export function createFlutterwave(ctx) {
  const links = new Map();
  const byTxRef = new Map();
  const transactions = new Map();
  const refunds = [];
  let nextTransactionId = 5000001;
  let nextRefundId = 80001;

  function createPayment(body) {
    const txRef = typeof body.tx_ref === 'string' ? body.tx_ref : '';
    if (txRef.length === 0 || txRef.length > 255) {
      throw new FlutterwaveError(400, 'tx_ref is required');
    }
    const currency = String(body.currency ?? 'NGN').toUpperCase();
    const digits = DIGITS[currency];
    if (digits === undefined) {
      throw new FlutterwaveError(400, `Invalid currency: ${currency} is not supported`);
    }
    const amount = toMinor(body.amount, digits);
    if (amount === undefined || amount <= 0) {
      throw new FlutterwaveError(400, `Invalid amount: ${currency} takes a positive amount with at most ${digits} decimal places`);
    }
    const email = String(body.customer?.email ?? '');
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new FlutterwaveError(400, 'customer.email is required');
    }
    const minutes = body.session_duration === undefined ? DEFAULT_SESSION_MINUTES : Number(body.session_duration);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new FlutterwaveError(400, 'session_duration must be between 1 and 1440 minutes');
    }
    const details = {
      amount,
      currency,
      email,
      redirect_url: body.redirect_url ?? null,
      customizations: body.customizations ?? null,
      meta: body.meta ?? null,
      session_duration: minutes,
    };
    const print = JSON.stringify(details);
    const existing = byTxRef.get(txRef);
    if (existing) {
      if (existing._print !== print) {
        throw new FlutterwaveError(400, `Duplicate tx_ref: ${txRef} was used with other payment details`);
      }
      return ok('Hosted Link', { link: linkUrl(existing) });
    }
    const now = Date.now();
    const link = {
      id: token(12).toLowerCase(),
      tx_ref: txRef,
      amount,
      currency,
      customer: { email },
      customizations: details.customizations,
      meta: details.meta,
      redirect_url: details.redirect_url,
      session_duration: minutes,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + minutes * 60000).toISOString(),
      _print: print,
      _amountText: body.amount instanceof ExactNumber ? body.amount.text : String(body.amount),
      _answerAmount: undefined,
      _transactions: [],
    };
    links.set(link.id, link);
    byTxRef.set(txRef, link);
    return ok('Hosted Link', { link: linkUrl(link) });
  }

  function linkUrl(link) {
    return `${ctx.baseUrl()}/pay/${link.id}`;
  }

  function expired(link) {
    return Date.parse(link.expires_at) <= Date.now();
  }

  function verifyByReference(txRef) {
    const link = byTxRef.get(txRef);
    const attempts = link?._transactions ?? [];
    const transaction = attempts.find((t) => t.status === 'successful') ?? attempts[attempts.length - 1];
    if (!transaction) {
      throw new FlutterwaveError(400, 'No transaction was found for this id');
    }
    return ok('Transaction fetched successfully', publicTransaction(transaction));
  }

  function verify(id) {
    const transaction = transactions.get(id);
    if (!transaction) {
      throw new FlutterwaveError(400, 'No transaction was found for this id');
    }
    return ok('Transaction fetched successfully', publicTransaction(transaction));
  }

  function refund(id, body) {
    const transaction = transactions.get(id);
    if (!transaction) {
      throw new FlutterwaveError(400, 'No transaction was found for this id');
    }
    if (transaction.status !== 'successful') {
      throw new FlutterwaveError(400, 'Only a successful transaction can be refunded');
    }
    const digits = DIGITS[transaction.currency];
    const remaining = transaction.amount - transaction._refunded;
    const amount = body.amount === undefined ? remaining : toMinor(body.amount, digits);
    if (amount === undefined || amount < 1) {
      throw new FlutterwaveError(400, `Invalid amount: at most ${digits} decimal places`);
    }
    if (amount > remaining) {
      throw new FlutterwaveError(400, 'Refund amount cannot be greater than the amount left on the transaction');
    }
    transaction._refunded += amount;
    const record = {
      id: nextRefundId++,
      account_id: ACCOUNT_ID,
      tx_id: transaction.id,
      flw_ref: `URF_${Date.now()}_${token(7)}`,
      wallet_id: 74639,
      amount_refunded: amount,
      status: 'completed',
      destination: 'payment_source',
      comments: body.comments === undefined ? null : String(body.comments),
      settlement_id: 'NEW',
      meta: { source: 'availablebalance' },
      created_at: new Date().toISOString(),
      _currency: transaction.currency,
    };
    refunds.push(record);
    const { comments, settlement_id, ...answer } = publicRefund(record);
    return ok('Transaction refund initiated', answer);
  }

  function listRefunds(url) {
    const id = url.searchParams.get('id');
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    const page = Number(url.searchParams.get('page') ?? '1');
    if (!Number.isInteger(page) || page < 1) {
      throw new FlutterwaveError(400, 'page must be a positive integer');
    }
    const day = (r) => r.created_at.slice(0, 10);
    const matching = refunds.filter((r) => (!id || String(r.tx_id) === id) && (!from || day(r) >= from) && (!to || day(r) <= to));
    const data = matching.slice((page - 1) * REFUNDS_PAGE_SIZE, page * REFUNDS_PAGE_SIZE).map((r) => {
      const { tx_id, comments, wallet_id, destination, ...rest } = publicRefund(r);
      return { ...rest, comment: comments, transaction_id: tx_id };
    });
    const totalPages = Math.max(1, Math.ceil(matching.length / REFUNDS_PAGE_SIZE));
    return {
      status: 200,
      body: {
        status: 'success',
        message: 'Refunds fetched',
        meta: { page_info: { total: matching.length, current_page: page, total_pages: totalPages, page_size: REFUNDS_PAGE_SIZE } },
        data,
      },
      headers: {},
    };
  }

  function route(req, path, url, raw, secretKey) {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || match[1] !== secretKey) {
      throw new FlutterwaveError(401, match ? 'Invalid authorization key' : 'Authorization required');
    }
    let body = {};
    if (raw.length > 0) {
      try {
        body = parseExact(raw.toString('utf8'));
      } catch {
        throw new FlutterwaveError(400, 'Invalid JSON body');
      }
    }
    if (req.method === 'POST' && path === '/v3/payments') {
      return createPayment(body);
    }
    if (req.method === 'GET' && path === '/v3/transactions/verify_by_reference') {
      return verifyByReference(url.searchParams.get('tx_ref') ?? '');
    }
    const verifyMatch = /^\/v3\/transactions\/(\d+)\/verify$/.exec(path);
    if (req.method === 'GET' && verifyMatch) {
      return verify(Number(verifyMatch[1]));
    }
    const refundMatch = /^\/v3\/transactions\/(\d+)\/refund$/.exec(path);
    if (req.method === 'POST' && refundMatch) {
      return refund(Number(refundMatch[1]), body);
    }
    if (req.method === 'GET' && path === '/v3/refunds') {
      return listRefunds(url);
    }
    throw new FlutterwaveError(404, `Route not found: ${req.method} ${path}`);
  }

  function pay(linkId, card) {
    const link = links.get(linkId);
    if (!link) {
      return { status: 404, html: '<p>No such payment link.</p>' };
    }
    if (link._transactions.some((t) => t.status === 'successful')) {
      return { status: 409, html: '<p>This payment link is already paid.</p>' };
    }
    if (expired(link)) {
      return { status: 410, html: '<p>This payment link has expired.</p>' };
    }
    const number = String(card ?? '').replace(/[\s-]/g, '');
    const success = SUCCESS_CARDS.has(number);
    const fee = Math.round(link.amount * 0.014);
    const transaction = {
      id: nextTransactionId++,
      tx_ref: link.tx_ref,
      flw_ref: `FLW-MOCK-${token(16)}`,
      device_fingerprint: 'N/A',
      amount: link.amount,
      currency: link.currency,
      charged_amount: link.amount,
      app_fee: success ? fee : 0,
      merchant_fee: 0,
      processor_response: success ? 'Approved' : 'Declined',
      auth_model: 'NOAUTH',
      ip: '127.0.0.1',
      narration: 'CARD Transaction ',
      status: success ? 'successful' : 'failed',
      payment_type: 'card',
      created_at: new Date().toISOString(),
      account_id: ACCOUNT_ID,
      meta: link.meta,
      amount_settled: success ? link.amount - fee : 0,
      customer: { id: 2373852, name: 'Anonymous customer', phone_number: 'N/A', email: link.customer.email, created_at: link.created_at },
      card: { first_6digits: number.slice(0, 6), last_4digits: number.slice(-4), issuer: 'TEST BANK', country: 'NG', type: number.startsWith('5') ? 'MASTERCARD' : 'VISA', expiry: '09/32' },
      _link: link,
      _refunded: 0,
    };
    link._transactions.push(transaction);
    transactions.set(transaction.id, transaction);
    ctx.emit('charge.completed', publicTransaction(transaction));
    if (!success) {
      return { status: 402, html: '<p class="error">Declined</p>' };
    }
    const location = link.redirect_url
      ? `${link.redirect_url}${link.redirect_url.includes('?') ? '&' : '?'}status=successful&tx_ref=${encodeURIComponent(link.tx_ref)}&transaction_id=${transaction.id}`
      : undefined;
    return { status: location ? 303 : 200, location, html: '<p>Payment successful.</p>' };
  }

  function payPage(linkId) {
    const link = links.get(linkId);
    if (!link) {
      return { status: 404, html: '<p>No such payment link.</p>' };
    }
    if (expired(link)) {
      return { status: 410, html: '<p>This payment link has expired.</p>' };
    }
    const amount = `${major(link.amount, link.currency)} ${link.currency}`;
    const title = escapeHtml(String(link.customizations?.title ?? 'Payment'));
    return {
      status: 200,
      html: `<!doctype html><html><body><h1>${title}: ${amount}</h1><form method="post" action="/pay/${link.id}">
<label>Card number <input name="card" inputmode="numeric"></label><button>Pay</button></form>
<p><small>Local test gateway: never enter a real card.</small></p></body></html>`,
    };
  }

  function findLink(session) {
    const link = links.get(session) ?? byTxRef.get(session);
    if (!link) {
      throw new FlutterwaveError(404, `no payment link ${session}`);
    }
    return link;
  }

  function expire(session) {
    const link = findLink(session);
    const shift = link.session_duration * 60000 + 60000;
    const back = (iso) => new Date(Date.parse(iso) - shift).toISOString();
    link.created_at = back(link.created_at);
    link.expires_at = back(link.expires_at);
    for (const t of link._transactions) {
      t.created_at = back(t.created_at);
    }
    return adminLink(link);
  }

  function answerAmount(session, amount) {
    const link = findLink(session);
    if (!/^\d+(\.\d+)?$/.test(amount)) {
      throw new Error('amount must be a plain decimal');
    }
    link._answerAmount = Number(amount);
    return adminLink(link);
  }

  function publicTransaction(t) {
    const out = {};
    for (const [key, value] of Object.entries(t)) {
      if (!key.startsWith('_')) {
        out[key] = value;
      }
    }
    for (const key of ['amount', 'charged_amount', 'app_fee', 'amount_settled']) {
      out[key] = major(t[key], t.currency);
    }
    if (t._link._answerAmount !== undefined) {
      out.amount = t._link._answerAmount;
    }
    return out;
  }

  function publicRefund(r) {
    const { _currency, ...out } = r;
    return { ...out, amount_refunded: major(r.amount_refunded, _currency) };
  }

  /** A link for the test controls: its details, state, attempts and refunds. */
  function adminLink(link) {
    const attempts = link._transactions.map((t) => ({ ...publicTransaction(t), amount_refunded: major(t._refunded, t.currency) }));
    const ids = new Set(link._transactions.map((t) => t.id));
    const state = link._transactions.some((t) => t.status === 'successful') ? 'paid' : expired(link) ? 'expired' : 'open';
    const out = {};
    for (const [key, value] of Object.entries(link)) {
      if (!key.startsWith('_')) {
        out[key] = value;
      }
    }
    return {
      ...out,
      amount: major(link.amount, link.currency),
      amount_text: link._amountText,
      link: linkUrl(link),
      state,
      transactions: attempts,
      refunds: refunds.filter((r) => ids.has(r.tx_id)).map(publicRefund),
    };
  }

  return {
    route,
    pay,
    payPage,
    expire,
    answerAmount,
    listSessions() {
      return [...links.values()].map(adminLink);
    },
  };
}

function ok(message, data) {
  return { status: 200, body: { status: 'success', message, data }, headers: {} };
}

/** Integer minor units as a JS number of major units (exact for amounts below 2^53 / 100). */
function major(minor, currency) {
  return minor / 10 ** DIGITS[currency];
}

/** A request's amount (its exact JSON text, or a string) in minor units; undefined if it is not a
 * plain decimal with at most `digits` decimals (zeros beyond are fine). */
function toMinor(value, digits) {
  const text = value instanceof ExactNumber ? value.text : typeof value === 'string' ? value.trim() : undefined;
  const parts = text === undefined ? null : /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!parts) {
    return undefined;
  }
  const fraction = parts[2] ?? '';
  if (/[^0]/.test(fraction.slice(digits))) {
    return undefined;
  }
  const minor = Number(parts[1] + fraction.slice(0, digits).padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** A JSON number kept as its text (only for `amount` keys). */
class ExactNumber {
  constructor(text) {
    this.text = text;
  }
}

/** JSON.parse keeping `amount` numbers' exact text (node 20 has no reviver source text): every
 * number token is first wrapped in a marked string, then turned back into a number. */
function parseExact(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        j += text[j] === '\\' ? 2 : 1;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < text.length && /[-+.eE0-9]/.test(text[j])) {
        j += 1;
      }
      out += `"\\u0000${text.slice(i, j)}"`;
      i = j;
    } else {
      out += c;
      i += 1;
    }
  }
  return JSON.parse(out, (key, value) => {
    if (typeof value !== 'string' || !value.startsWith('\u0000')) {
      return value;
    }
    const literal = value.slice(1);
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(literal)) {
      throw new SyntaxError(`bad number ${literal}`);
    }
    return key === 'amount' ? new ExactNumber(literal) : Number(literal);
  });
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
