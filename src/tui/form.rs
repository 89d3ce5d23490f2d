//! The form for filing a data request from the console: one line per field, moved through with
//! Tab and Shift-Tab; scope and legal basis are choices cycled with space or ←/→, the rest is
//! typed. Pure: it turns what was typed into a `NewRequest` and checks it with
//! `domain::governance::validate`, naming the field at fault so the form can go to it.

use chrono::{DateTime, Duration, Utc};

use crate::domain::dlaplace::Epsilon;
use crate::domain::governance::{self, DataKind, LegalBasis, MilliEps, NewRequest, Scope};

/// The form's fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Purpose,
    Kinds,
    Fields,
    Scope,
    Epsilon,
    Retention,
    Basis,
    Expiry,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Title,
        Field::Purpose,
        Field::Kinds,
        Field::Fields,
        Field::Scope,
        Field::Epsilon,
        Field::Retention,
        Field::Basis,
        Field::Expiry,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Purpose => "purpose",
            Field::Kinds => "data kinds",
            Field::Fields => "fields",
            Field::Scope => "scope",
            Field::Epsilon => "ε asked",
            Field::Retention => "retention",
            Field::Basis => "legal basis",
            Field::Expiry => "decide within",
        }
    }

    /// What the field takes, shown under the form while it has the focus.
    pub fn hint(self) -> String {
        match self {
            Field::Title => "a short name for the request".into(),
            Field::Purpose => "what the data is for, and why it is needed".into(),
            Field::Kinds => {
                format!("comma-separated: {}", DataKind::ALL.map(DataKind::as_str).join(", "))
            }
            Field::Fields => "comma-separated field names (minimum necessary)".into(),
            Field::Scope => "space or ←/→: row_level (each patron's rows) or aggregate".into(),
            Field::Epsilon => "privacy loss asked for the aggregates, e.g. 0.5".into(),
            Field::Retention => "days the result is kept, 1 to 3650".into(),
            Field::Basis => "space or ←/→ to choose the lawful basis".into(),
            Field::Expiry => {
                format!("days the committee has to decide, 1 to {}", governance::MAX_OPEN_DAYS)
            }
        }
    }

    /// Chosen with space or the arrows rather than typed.
    pub fn is_choice(self) -> bool {
        matches!(self, Field::Scope | Field::Basis)
    }

    /// The most characters that may be typed.
    fn max_chars(self) -> usize {
        match self {
            Field::Title => 120,
            Field::Purpose => 2000,
            Field::Kinds | Field::Fields => 200,
            _ => 8,
        }
    }

    /// The field a `validate` message is about: the messages start with the field's name.
    fn of_message(message: &str) -> Option<Field> {
        let name = message.split(':').next()?;
        Some(match name {
            "title" => Field::Title,
            "purpose" => Field::Purpose,
            "data kinds" => Field::Kinds,
            "fields" => Field::Fields,
            "epsilon" => Field::Epsilon,
            "retention" => Field::Retention,
            "expires" => Field::Expiry,
            _ => return None,
        })
    }
}

/// What has been typed and chosen so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestForm {
    pub title: String,
    pub purpose: String,
    pub kinds: String,
    pub fields: String,
    pub scope: Scope,
    pub epsilon: String,
    pub retention: String,
    pub basis: LegalBasis,
    pub expiry: String,
    pub focus: Field,
    /// Why the last attempt to file was refused, shown in the form.
    pub problem: Option<String>,
}

impl Default for RequestForm {
    fn default() -> Self {
        RequestForm {
            title: String::new(),
            purpose: String::new(),
            kinds: String::new(),
            fields: String::new(),
            scope: Scope::Aggregate,
            epsilon: "0.5".into(),
            retention: "90".into(),
            basis: LegalBasis::PublicTask,
            expiry: "14".into(),
            focus: Field::Title,
            problem: None,
        }
    }
}

impl RequestForm {
    /// Whether the field is asked at all: a row-level request spends no ε.
    pub fn asks(&self, f: Field) -> bool {
        f != Field::Epsilon || self.scope == Scope::Aggregate
    }

    /// The text of a typed field; `None` for a choice.
    pub fn text(&self, f: Field) -> Option<&str> {
        Some(match f {
            Field::Title => &self.title,
            Field::Purpose => &self.purpose,
            Field::Kinds => &self.kinds,
            Field::Fields => &self.fields,
            Field::Epsilon => &self.epsilon,
            Field::Retention => &self.retention,
            Field::Expiry => &self.expiry,
            Field::Scope | Field::Basis => return None,
        })
    }

    fn text_mut(&mut self, f: Field) -> Option<&mut String> {
        Some(match f {
            Field::Title => &mut self.title,
            Field::Purpose => &mut self.purpose,
            Field::Kinds => &mut self.kinds,
            Field::Fields => &mut self.fields,
            Field::Epsilon => &mut self.epsilon,
            Field::Retention => &mut self.retention,
            Field::Expiry => &mut self.expiry,
            Field::Scope | Field::Basis => return None,
        })
    }

    /// What a field shows: the text, or the choice made.
    pub fn shown(&self, f: Field) -> String {
        match f {
            Field::Scope => self.scope.as_str().to_owned(),
            Field::Basis => self.basis.as_str().to_owned(),
            _ => self.text(f).unwrap_or_default().to_owned(),
        }
    }

    /// The focus moves to the next field asked for, or back with `forward` false; it stops at
    /// either end.
    pub fn step(&mut self, forward: bool) {
        let mut i = Field::ALL.iter().position(|f| *f == self.focus).unwrap_or(0);
        loop {
            let next = if forward { i + 1 } else { i.wrapping_sub(1) };
            let Some(f) = Field::ALL.get(next) else { return };
            i = next;
            if self.asks(*f) {
                self.focus = *f;
                return;
            }
        }
    }

    pub fn on_last(&self) -> bool {
        self.focus == Field::Expiry
    }

    /// A character typed into the focused field; a space on a choice cycles it.
    pub fn type_char(&mut self, c: char) {
        let f = self.focus;
        if f.is_choice() {
            if c == ' ' {
                self.cycle(true);
            }
            return;
        }
        if let Some(t) = self.text_mut(f)
            && t.chars().count() < f.max_chars()
        {
            t.push(c);
        }
    }

    pub fn backspace(&mut self) {
        let f = self.focus;
        if let Some(t) = self.text_mut(f) {
            t.pop();
        }
    }

    /// The next (or previous) option of the focused choice.
    pub fn cycle(&mut self, forward: bool) {
        match self.focus {
            Field::Scope => {
                self.scope = match self.scope {
                    Scope::RowLevel => Scope::Aggregate,
                    Scope::Aggregate => Scope::RowLevel,
                }
            }
            Field::Basis => {
                let all = LegalBasis::ALL;
                let i = all.iter().position(|b| *b == self.basis).unwrap_or(0);
                let n = all.len();
                self.basis = all[if forward { (i + 1) % n } else { (i + n - 1) % n }];
            }
            _ => {}
        }
    }

    /// The request the form describes, checked as the service will check it; or the field at
    /// fault and what is wrong with it.
    pub fn build(&self, now: DateTime<Utc>) -> Result<NewRequest, (Field, String)> {
        let list = |s: &str| -> Vec<String> {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut kinds = Vec::new();
        for k in list(&self.kinds) {
            let Some(kind) = DataKind::parse(&k.to_lowercase()) else {
                return Err((
                    Field::Kinds,
                    format!(
                        "data kinds: '{k}' is not one of {}",
                        DataKind::ALL.map(DataKind::as_str).join(", ")
                    ),
                ));
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let epsilon = match self.scope {
            Scope::RowLevel => None,
            Scope::Aggregate if self.epsilon.trim().is_empty() => None,
            Scope::Aggregate => Some(MilliEps::of(
                Epsilon::parse(&self.epsilon)
                    .map_err(|e| (Field::Epsilon, format!("epsilon: {e}")))?,
            )),
        };
        let days = |f: Field, s: &str, what: &str| -> Result<u32, (Field, String)> {
            s.trim()
                .parse::<u32>()
                .map_err(|_| (f, format!("{what}: '{}' is not a whole number of days", s.trim())))
        };
        let retention_days = days(Field::Retention, &self.retention, "retention")?;
        let expiry_days = days(Field::Expiry, &self.expiry, "expires")?;
        if expiry_days == 0 {
            return Err((Field::Expiry, "expires: give the committee at least 1 day".into()));
        }
        let request = NewRequest {
            title: self.title.trim().to_owned(),
            purpose: self.purpose.trim().to_owned(),
            kinds,
            fields: list(&self.fields),
            scope: self.scope,
            retention_days,
            legal_basis: self.basis,
            expires: now + Duration::days(i64::from(expiry_days)),
            epsilon,
        };
        governance::validate(&request, now)
            .map_err(|e| (Field::of_message(&e).unwrap_or(self.focus), e))?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 18, 11, 0, 0).unwrap()
    }

    fn filled() -> RequestForm {
        RequestForm {
            title: "Loan counts by subject".into(),
            purpose: "Collection planning".into(),
            kinds: "loans, Visits".into(),
            fields: "subject, loaned_at".into(),
            ..RequestForm::default()
        }
    }

    #[test]
    fn a_filled_form_builds_the_request() {
        let r = filled().build(now()).unwrap();
        assert_eq!(r.kinds, vec![DataKind::Loans, DataKind::Visits]);
        assert_eq!(r.fields, vec!["subject", "loaned_at"]);
        assert_eq!(r.epsilon, Some(MilliEps(500)));
        assert_eq!(r.expires, now() + Duration::days(14));
        assert_eq!(r.retention_days, 90);
        let row = RequestForm { scope: Scope::RowLevel, ..filled() }.build(now()).unwrap();
        assert_eq!(row.epsilon, None, "a row-level request asks no ε, whatever was typed");
    }

    #[test]
    fn each_problem_names_its_field() {
        let cases: Vec<(RequestForm, Field, &str)> = vec![
            (
                RequestForm { title: " ".into(), ..filled() },
                Field::Title,
                "title: must not be empty",
            ),
            (RequestForm { kinds: "loans, books".into(), ..filled() }, Field::Kinds, "'books'"),
            (RequestForm { kinds: String::new(), ..filled() }, Field::Kinds, "at least one"),
            (RequestForm { fields: "a-b".into(), ..filled() }, Field::Fields, "'a-b'"),
            (RequestForm { epsilon: "lots".into(), ..filled() }, Field::Epsilon, "'lots'"),
            (RequestForm { epsilon: String::new(), ..filled() }, Field::Epsilon, "states the ε"),
            (RequestForm { retention: "0".into(), ..filled() }, Field::Retention, "out of range"),
            (RequestForm { retention: "x".into(), ..filled() }, Field::Retention, "'x'"),
            (RequestForm { expiry: "400".into(), ..filled() }, Field::Expiry, "366 days"),
            (RequestForm { expiry: "0".into(), ..filled() }, Field::Expiry, "at least 1 day"),
        ];
        for (form, field, text) in cases {
            let (f, e) = form.build(now()).unwrap_err();
            assert_eq!(f, field, "{e}");
            assert!(e.contains(text), "{e} should say {text}");
        }
    }

    #[test]
    fn tab_skips_epsilon_for_row_level_and_choices_cycle() {
        let mut f = RequestForm { focus: Field::Scope, ..RequestForm::default() };
        f.type_char(' ');
        assert_eq!(f.scope, Scope::RowLevel);
        assert!(!f.asks(Field::Epsilon));
        f.step(true);
        assert_eq!(f.focus, Field::Retention);
        f.step(false);
        assert_eq!(f.focus, Field::Scope);
        f.focus = Field::Basis;
        f.cycle(false);
        assert_eq!(f.basis, LegalBasis::VitalInterests);
        f.focus = Field::Expiry;
        f.step(true);
        assert!(f.on_last(), "the focus stops at the last field");
        f.type_char('1');
        assert_eq!(f.expiry, "141");
        f.backspace();
        f.backspace();
        assert_eq!(f.expiry, "1");
    }
}
