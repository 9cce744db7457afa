//! Histories: the steps a device can take, and the strategies that generate them.
use super::*;

// ---------------------------------------------------------------------------
// Histories

/// A demographic field an edit changes (the first three are identity fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    GivenName,
    DateOfBirth,
    Sex,
    Phone,
    Email,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::GivenName,
        Field::DateOfBirth,
        Field::Sex,
        Field::Phone,
        Field::Email,
    ];

    /// Sets the field to its `v`-th value (few values, so edits collide).
    pub(crate) fn set(self, d: &mut PatientDetails, v: u8) -> String {
        let v = v as usize % 3;
        match self {
            Field::GivenName => d.given_name = ["Ada", "Adah", "Ava"][v].into(),
            Field::DateOfBirth => {
                d.date_of_birth = ["1990-12-10", "1990-12-01", "1991-10-12"][v].into()
            }
            Field::Sex => d.sex = Some([Sex::Female, Sex::Other, Sex::Unknown][v]),
            Field::Phone => {
                d.phone = ["+44 20 7946 0018", "+44 20 7946 0101", "+44 20 7946 0202"][v].into()
            }
            Field::Email => d.email = ["a@example.org", "b@example.org", "c@example.org"][v].into(),
        }
        match self {
            Field::GivenName => d.given_name.clone(),
            Field::DateOfBirth => d.date_of_birth.clone(),
            Field::Sex => format!("{:?}", d.sex),
            Field::Phone => d.phone.clone(),
            Field::Email => d.email.clone(),
        }
    }
}

/// One step of a history. Entities are named by their index in the order the
/// history created them (taken modulo how many exist); a step naming one its
/// device has not received yet does nothing.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Edits one demographic field of a patient (`update_patient`).
    Edit {
        dev: u8,
        patient: u8,
        field: Field,
        value: u8,
    },
    /// Registers the same person ("Zoe Twin") again. As at the desk the
    /// duplicate check runs first: a candidate found here is picked (nothing
    /// registered) unless `confirmed` (staff confirm it is someone else).
    RegisterTwin {
        dev: u8,
        confirmed: bool,
    },
    /// Records a chart entry (0 medication, 1 allergy, 2 problem).
    AddEntry {
        dev: u8,
        patient: u8,
        kind: u8,
    },
    /// Corrects a medication's dose (other kinds: their text).
    CorrectEntry {
        dev: u8,
        entry: u8,
        value: u8,
    },
    /// Sets an entry's status (the `status`-th its kind allows).
    EntryStatus {
        dev: u8,
        entry: u8,
        status: u8,
    },
    /// Books a slot of a doctor for a patient.
    Book {
        dev: u8,
        patient: u8,
        provider: u8,
        slot: u8,
    },
    /// Moves an appointment to a slot of a doctor.
    Reschedule {
        dev: u8,
        appt: u8,
        provider: u8,
        slot: u8,
    },
    Cancel {
        dev: u8,
        appt: u8,
    },
    Confirm {
        dev: u8,
        appt: u8,
    },
    CheckIn {
        dev: u8,
        appt: u8,
    },
    /// Pushes up to `batch` pending ops (0: all); `lost_ack`: the response is lost.
    Push {
        dev: u8,
        batch: u8,
        lost_ack: bool,
    },
    /// Pulls from the saved cursor moved back by `rewind` (an overlapping pull)
    /// to the head, in pages of `page` ops (0: one page); each page applied twice
    /// when `twice`; page number `lose` (if any) is lost, ending the pull there.
    Pull {
        dev: u8,
        rewind: u8,
        page: u8,
        twice: bool,
        lose: Option<u8>,
    },
    /// A delayed duplicate of an old page arrives: the ops after `start` (a seq)
    /// up to `start + len`, all already applied, with that page's (older) cursor.
    Replay {
        dev: u8,
        start: u8,
        len: u8,
    },
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Step::*;
        match self {
            Edit {
                dev,
                patient,
                field,
                value,
            } => write!(
                f,
                "d{dev}: edit patient#{patient} {field:?} := value#{value}"
            ),
            RegisterTwin { dev, confirmed } => {
                write!(f, "d{dev}: register Zoe Twin (confirmed new: {confirmed})")
            }
            AddEntry { dev, patient, kind } => {
                write!(f, "d{dev}: add entry kind#{kind} to patient#{patient}")
            }
            CorrectEntry { dev, entry, value } => {
                write!(f, "d{dev}: correct entry#{entry} := value#{value}")
            }
            EntryStatus { dev, entry, status } => {
                write!(f, "d{dev}: entry#{entry} status#{status}")
            }
            Book {
                dev,
                patient,
                provider,
                slot,
            } => write!(
                f,
                "d{dev}: book patient#{patient} with doctor#{provider} at slot#{slot}"
            ),
            Reschedule {
                dev,
                appt,
                provider,
                slot,
            } => write!(
                f,
                "d{dev}: move appt#{appt} to doctor#{provider} slot#{slot}"
            ),
            Cancel { dev, appt } => write!(f, "d{dev}: cancel appt#{appt}"),
            Confirm { dev, appt } => write!(f, "d{dev}: confirm appt#{appt}"),
            CheckIn { dev, appt } => write!(f, "d{dev}: check in appt#{appt}"),
            Push {
                dev,
                batch,
                lost_ack,
            } => write!(f, "d{dev}: push batch={batch} lost_ack={lost_ack}"),
            Pull {
                dev,
                rewind,
                page,
                twice,
                lose,
            } => write!(
                f,
                "d{dev}: pull rewind={rewind} page={page} twice={twice} lose={lose:?}"
            ),
            Replay { dev, start, len } => write!(f, "d{dev}: replay start={start} len={len}"),
        }
    }
}

/// A history: per-device clock skews (ms) and the steps.
#[derive(Clone)]
pub(crate) struct History {
    pub(crate) skews: [i64; DEVICES],
    pub(crate) steps: Vec<Step>,
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "History {{ skews(ms): {:?}", self.skews)?;
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {i:>2}. {s:?}")?;
        }
        write!(f, "}}")
    }
}

/// Which parts of the vocabulary a property uses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Vocabulary {
    pub(crate) patients: bool,
    pub(crate) chart: bool,
    pub(crate) schedule: bool,
}

pub(crate) const EVERYTHING: Vocabulary = Vocabulary {
    patients: true,
    chart: true,
    schedule: true,
};

pub(crate) fn step(v: Vocabulary) -> BoxedStrategy<Step> {
    let dev = || 0..DEVICES as u8;
    let idx = || 0..4u8;
    let mut choices: Vec<(u32, BoxedStrategy<Step>)> = vec![
        (
            4,
            (dev(), 0..4u8, any::<bool>())
                .prop_map(|(dev, batch, lost_ack)| Step::Push {
                    dev,
                    batch,
                    lost_ack: lost_ack && batch % 2 == 1,
                })
                .boxed(),
        ),
        (
            4,
            (
                dev(),
                prop_oneof![3 => Just(0u8), 1 => 1..6u8],
                0..4u8,
                prop_oneof![3 => Just(false), 1 => Just(true)],
                prop_oneof![3 => Just(None), 1 => (0..3u8).prop_map(Some)],
            )
                .prop_map(|(dev, rewind, page, twice, lose)| Step::Pull {
                    dev,
                    rewind,
                    page,
                    twice,
                    lose,
                })
                .boxed(),
        ),
        (
            1,
            (dev(), 0..30u8, 1..6u8)
                .prop_map(|(dev, start, len)| Step::Replay { dev, start, len })
                .boxed(),
        ),
    ];
    if v.patients {
        let fields = proptest::sample::select(Field::ALL.to_vec());
        choices.push((
            4,
            (dev(), idx(), fields, 0..3u8)
                .prop_map(|(dev, patient, field, value)| Step::Edit {
                    dev,
                    patient,
                    field,
                    value,
                })
                .boxed(),
        ));
        choices.push((
            1,
            (dev(), prop_oneof![3 => Just(false), 1 => Just(true)])
                .prop_map(|(dev, confirmed)| Step::RegisterTwin { dev, confirmed })
                .boxed(),
        ));
    }
    if v.chart {
        choices.push((
            2,
            (dev(), idx(), 0..3u8)
                .prop_map(|(dev, patient, kind)| Step::AddEntry { dev, patient, kind })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx(), 0..3u8)
                .prop_map(|(dev, entry, value)| Step::CorrectEntry { dev, entry, value })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx(), 0..4u8)
                .prop_map(|(dev, entry, status)| Step::EntryStatus { dev, entry, status })
                .boxed(),
        ));
    }
    if v.schedule {
        choices.push((
            4,
            (dev(), idx(), 0..2u8, 0..SLOTS.len() as u8)
                .prop_map(|(dev, patient, provider, slot)| Step::Book {
                    dev,
                    patient,
                    provider,
                    slot,
                })
                .boxed(),
        ));
        choices.push((
            3,
            (dev(), idx(), 0..2u8, 0..SLOTS.len() as u8)
                .prop_map(|(dev, appt, provider, slot)| Step::Reschedule {
                    dev,
                    appt,
                    provider,
                    slot,
                })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx())
                .prop_map(|(dev, appt)| Step::Cancel { dev, appt })
                .boxed(),
        ));
        choices.push((
            2,
            (dev(), idx())
                .prop_map(|(dev, appt)| Step::Confirm { dev, appt })
                .boxed(),
        ));
        choices.push((
            1,
            (dev(), idx())
                .prop_map(|(dev, appt)| Step::CheckIn { dev, appt })
                .boxed(),
        ));
    }
    Union::new_weighted(choices).boxed()
}

pub(crate) fn history(
    v: Vocabulary,
    steps: std::ops::Range<usize>,
) -> impl Strategy<Value = History> {
    // Half the histories on agreeing clocks (where stamps are compared too),
    // half with devices up to 4 s apart.
    let skew = || prop_oneof![Just(0i64), -4_000i64..4_000];
    let skews = prop_oneof![Just([0; DEVICES]), [skew(), skew(), skew()]];
    (skews, proptest::collection::vec(step(v), steps))
        .prop_map(|(skews, steps)| History { skews, steps })
}
