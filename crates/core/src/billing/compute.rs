//! Invoice arithmetic, pure (no database): a draft's lines with their
//! discounts, tax and insurance portions, how a credit splits between insurer
//! and patient, and an invoice's derived totals, status and review flag from
//! its lines and the facts recorded against it.
//!
//! Rules (ADR 0014):
//! - `gross = quantity × unit price`; the line's discount (a percentage of
//!   gross, or a fixed amount ≤ gross) comes off first, then the line's share
//!   of the invoice's discount (a percentage of each line, or a fixed amount
//!   shared by amount with the largest remainders, so the shares add up
//!   exactly);
//! - tax per line on what is left (`net`), rounded half-even: exclusive adds
//!   `net × rate`, inclusive finds `net × rate / (1 + rate)` inside `net`;
//! - the insurer's portion is a percentage or a fixed part (≤ total) of the
//!   line's total; the patient's is the rest;
//! - every sum is of integers, so totals equal the sums of their parts exactly.
use super::money::{self, FULL_BP, MAX_AMOUNT_MINOR};
use clinic_protocol::{
    FieldError, InvoiceLine, InvoiceLineId, InvoiceStatus, InvoiceTotals, PaymentMethod,
    PaymentStatus, Portion, ServiceId, TaxMode, TaxRule,
};
use serde::{Deserialize, Serialize};

/// Most units on one line.
pub const MAX_QUANTITY: i64 = 10_000;

/// A line as resolved from the input and the catalogue: what the ops carry, so
/// every device computes the same amounts whatever its catalogue says now.
/// Do not rename fields: they are op payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSpec {
    pub id: InvoiceLineId,
    pub service_id: Option<ServiceId>,
    pub service_code: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub tax: TaxRule,
    pub discount: Option<Portion>,
    pub insurance: Option<Portion>,
}

impl LineSpec {
    /// The spec back from a computed line.
    pub fn of(line: &InvoiceLine) -> Self {
        Self {
            id: line.id,
            service_id: line.service_id,
            service_code: line.service_code.clone(),
            description: line.description.clone(),
            quantity: line.quantity,
            unit_price_minor: line.unit_price_minor,
            tax: line.tax.clone(),
            discount: line.discount.clone(),
            insurance: line.insurance.clone(),
        }
    }
}

fn fail(errors: &mut Vec<FieldError>, field: String, message: impl Into<String>) {
    errors.push(FieldError {
        field,
        message: message.into(),
    });
}

/// The amount a portion takes of `base`, or an error on `field`.
fn portion_amount(
    errors: &mut Vec<FieldError>,
    field: String,
    portion: &Portion,
    base: i64,
    of_what: &str,
) -> i64 {
    match portion {
        Portion::Percent { basis_points } => {
            if *basis_points > FULL_BP {
                fail(errors, field, "Enter a percentage from 0 to 100 %.");
                0
            } else {
                money::percent_of(base, *basis_points)
            }
        }
        Portion::Fixed { amount_minor } => {
            if *amount_minor < 0 {
                fail(errors, field, "An amount cannot be negative.");
                0
            } else if *amount_minor > base {
                fail(
                    errors,
                    field,
                    format!("This is more than {of_what} ({base} minor units)."),
                );
                0
            } else {
                *amount_minor
            }
        }
    }
}

/// Shares `amount` over `bases` in proportion, largest remainders first (ties
/// to the earlier line): the shares add up to `amount` exactly. `amount` must
/// not exceed the sum of `bases`.
pub fn share_by_amount(amount: i64, bases: &[i64]) -> Vec<i64> {
    let total: i128 = bases.iter().map(|b| i128::from(*b)).sum();
    if total <= 0 || amount <= 0 {
        return vec![0; bases.len()];
    }
    let mut shares: Vec<i64> = Vec::with_capacity(bases.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(bases.len());
    for (i, b) in bases.iter().enumerate() {
        let n = i128::from(amount) * i128::from(*b);
        shares.push((n / total) as i64);
        remainders.push((n % total, i));
    }
    let mut left = amount - shares.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// Computes a draft's lines (positions in order). Every problem is reported
/// with its field path (`lines.2.quantity`, `discount`).
pub fn compute_lines(
    specs: &[LineSpec],
    discount: Option<&Portion>,
) -> Result<Vec<InvoiceLine>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut bases = Vec::with_capacity(specs.len());
    let mut line_discounts = Vec::with_capacity(specs.len());
    let mut grosses = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&s.quantity) {
            fail(
                &mut errors,
                format!("lines.{i}.quantity"),
                format!("Enter a whole number of units from 1 to {MAX_QUANTITY}."),
            );
        }
        if !(0..=MAX_AMOUNT_MINOR).contains(&s.unit_price_minor) {
            fail(
                &mut errors,
                format!("lines.{i}.unit_price_minor"),
                "Enter a price of zero or more (in the currency's smallest unit).",
            );
        }
        if s.tax.rate_bp > FULL_BP {
            fail(
                &mut errors,
                format!("lines.{i}.tax.rate_bp"),
                "Enter a tax rate from 0 to 100 %.",
            );
        }
        let gross = s
            .quantity
            .clamp(0, MAX_QUANTITY)
            .saturating_mul(s.unit_price_minor.clamp(0, MAX_AMOUNT_MINOR));
        if gross > MAX_AMOUNT_MINOR {
            fail(
                &mut errors,
                format!("lines.{i}.quantity"),
                "This line's amount is too large.",
            );
        }
        let line_discount = match &s.discount {
            Some(p) => portion_amount(
                &mut errors,
                format!("lines.{i}.discount"),
                p,
                gross,
                "the line's amount",
            ),
            None => 0,
        };
        grosses.push(gross);
        line_discounts.push(line_discount);
        bases.push(gross - line_discount);
    }
    let base_total: i64 = bases.iter().sum();
    let invoice_shares = match discount {
        None => vec![0; specs.len()],
        Some(Portion::Percent { basis_points }) if *basis_points > FULL_BP => {
            fail(
                &mut errors,
                "discount".into(),
                "Enter a percentage from 0 to 100 %.",
            );
            vec![0; specs.len()]
        }
        Some(Portion::Percent { basis_points }) => bases
            .iter()
            .map(|b| money::percent_of(*b, *basis_points))
            .collect(),
        Some(p @ Portion::Fixed { .. }) => {
            let amount = portion_amount(
                &mut errors,
                "discount".into(),
                p,
                base_total,
                "the invoice's amount",
            );
            share_by_amount(amount, &bases)
        }
    };
    let mut lines = Vec::with_capacity(specs.len());
    for (i, s) in specs.iter().enumerate() {
        let net = bases[i] - invoice_shares[i];
        let (tax, total) = match s.tax.mode {
            TaxMode::Exclusive => {
                let tax = money::percent_of(net, s.tax.rate_bp.min(FULL_BP));
                (tax, net + tax)
            }
            TaxMode::Inclusive => (money::included_tax(net, s.tax.rate_bp.min(FULL_BP)), net),
        };
        let insurance = match &s.insurance {
            Some(p) => portion_amount(
                &mut errors,
                format!("lines.{i}.insurance"),
                p,
                total,
                "the line's total",
            ),
            None => 0,
        };
        lines.push(InvoiceLine {
            id: s.id,
            position: i as u32,
            service_id: s.service_id,
            service_code: s.service_code.clone(),
            description: s.description.clone(),
            quantity: s.quantity,
            unit_price_minor: s.unit_price_minor,
            tax: s.tax.clone(),
            discount: s.discount.clone(),
            insurance: s.insurance.clone(),
            gross_minor: grosses[i],
            discount_minor: line_discounts[i],
            invoice_discount_minor: invoice_shares[i],
            tax_minor: tax,
            total_minor: total,
            insurance_minor: insurance,
            patient_minor: total - insurance,
            credited_minor: 0,
        });
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// What credit notes took from one line so far (or one credit line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Credit {
    pub amount: i64,
    pub insurance: i64,
    pub patient: i64,
}

/// Splits `amount` credited on `line` (which already had `before`) between
/// insurer and patient in the line's proportion, never taking more from a side
/// than it has left. `None` when `amount` is more than the line has left.
pub fn split_credit(line: &InvoiceLine, before: Credit, amount: i64) -> Option<Credit> {
    let left = line.total_minor - before.amount;
    if amount <= 0 || amount > left {
        return None;
    }
    let insurance_left = (line.insurance_minor - before.insurance).max(0);
    let patient_left = (line.patient_minor - before.patient).max(0);
    let proportional = if line.total_minor > 0 {
        money::div_half_even(
            i128::from(amount) * i128::from(line.insurance_minor),
            i128::from(line.total_minor),
        ) as i64
    } else {
        0
    };
    let insurance = proportional
        .min(insurance_left)
        .max(amount - patient_left)
        .clamp(0, amount);
    Some(Credit {
        amount,
        insurance,
        patient: amount - insurance,
    })
}

/// A payment as the totals see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentFact {
    pub method: PaymentMethod,
    /// The stored status (pending, succeeded or failed).
    pub status: PaymentStatus,
    pub amount: i64,
}

/// A refund as the totals see it (the method of the payment it refunds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundFact {
    pub method: PaymentMethod,
    pub amount: i64,
}

/// An invoice's derived columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub totals: InvoiceTotals,
    pub status: InvoiceStatus,
    pub needs_review: bool,
}

/// Totals, status and review flag from the lines and the facts. `credits`
/// are the credit lines (line id, split) of every credit note of the invoice.
pub fn derive(
    lines: &[InvoiceLine],
    credits: &[(InvoiceLineId, Credit)],
    payments: &[PaymentFact],
    refunds: &[RefundFact],
    issued: bool,
    voided: bool,
) -> Derived {
    let mut t = InvoiceTotals::default();
    let mut over_credited = false;
    for l in lines {
        t.subtotal_minor += l.gross_minor;
        t.discount_minor += l.discount_minor + l.invoice_discount_minor;
        t.tax_minor += l.tax_minor;
        t.total_minor += l.total_minor;
        t.insurance_minor += l.insurance_minor;
        t.patient_minor += l.patient_minor;
        let on_line: i64 = credits
            .iter()
            .filter(|(id, _)| *id == l.id)
            .map(|(_, c)| c.amount)
            .sum();
        over_credited |= on_line > l.total_minor;
    }
    let (mut credited_insurance, mut credited_patient) = (0, 0);
    for (_, c) in credits {
        t.credited_minor += c.amount;
        credited_insurance += c.insurance;
        credited_patient += c.patient;
    }
    let (mut paid_insurance, mut paid_patient) = (0, 0);
    for p in payments {
        match p.status {
            PaymentStatus::Succeeded | PaymentStatus::Refunded => {
                if p.method.is_insurer() {
                    paid_insurance += p.amount;
                } else {
                    paid_patient += p.amount;
                }
            }
            PaymentStatus::Pending => t.pending_minor += p.amount,
            PaymentStatus::Failed => {}
        }
    }
    let (mut refunded_insurance, mut refunded_patient) = (0, 0);
    for r in refunds {
        if r.method.is_insurer() {
            refunded_insurance += r.amount;
        } else {
            refunded_patient += r.amount;
        }
    }
    t.paid_minor = paid_insurance + paid_patient;
    t.refunded_minor = refunded_insurance + refunded_patient;
    let (due_insurance, due_patient) = if voided {
        (0, 0)
    } else {
        (
            t.insurance_minor - credited_insurance,
            t.patient_minor - credited_patient,
        )
    };
    t.insurance_balance_minor = due_insurance - paid_insurance + refunded_insurance;
    t.patient_balance_minor = due_patient - paid_patient + refunded_patient;
    t.balance_minor = t.insurance_balance_minor + t.patient_balance_minor;
    let net_paid = t.paid_minor - t.refunded_minor;
    let status = if voided {
        InvoiceStatus::Void
    } else if !issued {
        InvoiceStatus::Draft
    } else if t.balance_minor <= 0 {
        InvoiceStatus::Paid
    } else if net_paid > 0 {
        InvoiceStatus::PartiallyPaid
    } else {
        InvoiceStatus::Issued
    };
    let needs_review = (voided && net_paid != 0)
        || over_credited
        || paid_patient - refunded_patient > t.patient_minor
        || paid_insurance - refunded_insurance > t.insurance_minor;
    Derived {
        totals: t,
        status,
        needs_review,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(quantity: i64, price: i64, rate_bp: u32, mode: TaxMode) -> LineSpec {
        LineSpec {
            id: InvoiceLineId::new(),
            service_id: None,
            service_code: String::new(),
            description: "Consultation".into(),
            quantity,
            unit_price_minor: price,
            tax: TaxRule {
                name: "VAT".into(),
                rate_bp,
                mode,
            },
            discount: None,
            insurance: None,
        }
    }

    #[test]
    fn exclusive_and_inclusive_tax_round_half_even_per_line() {
        // 3 × 0.35 = 1.05; 10 % → 0.105 → 0.10 (half to even).
        let lines = compute_lines(&[spec(3, 35, 1000, TaxMode::Exclusive)], None).unwrap();
        assert_eq!((lines[0].tax_minor, lines[0].total_minor), (10, 115));
        // 120.00 including 20 % holds 20.00 of tax.
        let lines = compute_lines(&[spec(1, 12_000, 2000, TaxMode::Inclusive)], None).unwrap();
        assert_eq!((lines[0].tax_minor, lines[0].total_minor), (2000, 12_000));
    }

    #[test]
    fn a_fixed_invoice_discount_is_shared_exactly() {
        let specs = [
            spec(1, 100, 0, TaxMode::Exclusive),
            spec(1, 100, 0, TaxMode::Exclusive),
            spec(1, 100, 0, TaxMode::Exclusive),
        ];
        let lines = compute_lines(&specs, Some(&Portion::Fixed { amount_minor: 100 })).unwrap();
        let shares: Vec<i64> = lines.iter().map(|l| l.invoice_discount_minor).collect();
        assert_eq!(shares, vec![34, 33, 33]);
        assert_eq!(lines.iter().map(|l| l.total_minor).sum::<i64>(), 200);
    }

    #[test]
    fn bad_lines_name_their_fields() {
        let mut bad = spec(-2, 100, 20_000, TaxMode::Exclusive);
        bad.discount = Some(Portion::Fixed { amount_minor: 5 });
        let errors = compute_lines(&[spec(1, 10, 0, TaxMode::Exclusive), bad], None).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"lines.1.quantity"), "{fields:?}");
        assert!(fields.contains(&"lines.1.tax.rate_bp"), "{fields:?}");
        assert!(fields.contains(&"lines.1.discount"), "{fields:?}");
    }

    #[test]
    fn a_credit_split_never_takes_more_than_a_side_has() {
        let mut s = spec(1, 1000, 0, TaxMode::Exclusive);
        s.insurance = Some(Portion::Percent { basis_points: 3333 });
        let line = compute_lines(&[s], None).unwrap().remove(0);
        assert_eq!((line.insurance_minor, line.patient_minor), (333, 667));
        let first = split_credit(&line, Credit::default(), 1).unwrap();
        let mut before = first;
        let mut taken = vec![first];
        while before.amount < line.total_minor {
            let c = split_credit(&line, before, 1).unwrap();
            before = Credit {
                amount: before.amount + c.amount,
                insurance: before.insurance + c.insurance,
                patient: before.patient + c.patient,
            };
            taken.push(c);
        }
        assert_eq!(before.insurance, line.insurance_minor);
        assert_eq!(before.patient, line.patient_minor);
        assert!(split_credit(&line, before, 1).is_none());
    }
}
