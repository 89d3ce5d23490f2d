//! The box for looking a patron up at the desk: the card number, typed, and the purpose of the
//! lookup, picked from a short list (circulation, account, a data request by its number).
//! Pure: it turns what was typed into the card and the purpose string the desk service takes;
//! the service checks both again and its refusals are shown in its words.
//!
//! A card number is personal data. [`CardText`] keeps it out of logs and toasts: its `Debug`
//! shows only the last four characters, so a derived `Debug` of a message, an effect or this
//! box never prints it whole.

use std::fmt;

/// The most characters a card number may have (the directory takes 4 to 20).
const MAX_CARD: usize = 24;
/// The most digits of a data request's number.
const MAX_REQUEST: usize = 9;

/// A card number as typed at the desk.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CardText(String);

impl CardText {
    pub fn new(card: impl Into<String>) -> CardText {
        CardText(card.into())
    }

    /// The number itself, for the service that looks it up and for the box it is typed in.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// How the number is named anywhere else: its last four characters (`…5341`), or only
    /// `…` when it is too short for that to leave most of it unsaid.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.trim().chars().collect();
        if chars.len() < 8 {
            return "…".into();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("…{tail}")
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for CardText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardText({})", self.masked())
    }
}

/// Why the patron is looked up, as the audit log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupPurpose {
    /// Loans, returns, renewals at the desk: the usual reason, and the default.
    Circulation,
    /// The patron's account: details, fees, blocks.
    Account,
    /// Under an approved data request, by its number.
    Request,
}

impl LookupPurpose {
    pub const ALL: [LookupPurpose; 3] =
        [LookupPurpose::Circulation, LookupPurpose::Account, LookupPurpose::Request];

    pub fn as_str(self) -> &'static str {
        match self {
            LookupPurpose::Circulation => "circulation",
            LookupPurpose::Account => "account",
            LookupPurpose::Request => "request",
        }
    }

    fn cycled(self, forward: bool) -> LookupPurpose {
        let all = LookupPurpose::ALL;
        let i = all.iter().position(|p| *p == self).unwrap_or(0);
        let n = all.len();
        all[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
}

/// Which line of the box has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupField {
    Card,
    Purpose,
}

/// What has been typed and picked so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupBox {
    pub card: CardText,
    pub purpose: LookupPurpose,
    /// The data request's number, typed when the purpose is a request.
    pub request: String,
    pub focus: LookupField,
    /// Why enter did not look up, or why the lookup failed, shown in the box.
    pub problem: Option<String>,
    /// The lookup is under way: the box stays open until it is answered, so a refusal can be
    /// shown beside the card as typed.
    pub waiting: bool,
}

impl Default for LookupBox {
    fn default() -> Self {
        LookupBox {
            card: CardText::default(),
            purpose: LookupPurpose::Circulation,
            request: String::new(),
            focus: LookupField::Card,
            problem: None,
            waiting: false,
        }
    }
}

impl LookupBox {
    /// Moves the focus to the other line.
    pub fn step(&mut self) {
        self.focus = match self.focus {
            LookupField::Card => LookupField::Purpose,
            LookupField::Purpose => LookupField::Card,
        };
    }

    /// A character typed: into the card number on its line; on the purpose line, a space picks
    /// the next purpose and digits go into the request's number.
    pub fn type_char(&mut self, c: char) {
        match self.focus {
            LookupField::Card => {
                // Cards are letters and digits; spaces and dashes as printed on some cards are
                // dropped by the service, so they may be typed too.
                let fits = self.card.0.chars().count() < MAX_CARD;
                if fits && (c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
                    self.card.0.push(c);
                }
            }
            LookupField::Purpose if c == ' ' => self.cycle(true),
            LookupField::Purpose => {
                if c.is_ascii_digit() && self.request.len() < MAX_REQUEST {
                    self.purpose = LookupPurpose::Request;
                    self.request.push(c);
                }
            }
        }
        self.problem = None;
    }

    pub fn backspace(&mut self) {
        match self.focus {
            LookupField::Card => {
                self.card.0.pop();
            }
            LookupField::Purpose => {
                self.request.pop();
            }
        }
        self.problem = None;
    }

    /// The next (or previous) purpose.
    pub fn cycle(&mut self, forward: bool) {
        self.purpose = self.purpose.cycled(forward);
        self.problem = None;
    }

    /// The purpose as the audit log records it: `circulation`, `account`, `request:12`.
    pub fn purpose_text(&self) -> String {
        match self.purpose {
            LookupPurpose::Request => format!("request:{}", self.request),
            p => p.as_str().to_owned(),
        }
    }

    /// The card and purpose to look up with, or what is missing (and the line to go to).
    pub fn build(&self) -> Result<(CardText, String), (LookupField, String)> {
        if self.card.is_empty() {
            return Err((LookupField::Card, "type the patron's card number".into()));
        }
        if self.purpose == LookupPurpose::Request && self.request.is_empty() {
            return Err((
                LookupField::Purpose,
                "type the number of the data request the lookup is for".into(),
            ));
        }
        Ok((CardText(self.card.0.trim().to_owned()), self.purpose_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_never_shows_whole_in_debug() {
        let card = CardText::new("290000015341");
        assert_eq!(card.masked(), "…5341");
        let shown = format!("{:?}", LookupBox { card, ..LookupBox::default() });
        assert!(!shown.contains("29000001"), "{shown}");
        assert!(shown.contains("…5341"), "{shown}");
        assert_eq!(CardText::new("1234567").masked(), "…", "too short to show four of");
    }

    #[test]
    fn the_purpose_defaults_to_circulation_and_a_request_needs_its_number() {
        let mut b = LookupBox::default();
        assert_eq!(b.build().unwrap_err().0, LookupField::Card);
        for c in "2900-0001".chars() {
            b.type_char(c);
        }
        b.type_char('!');
        assert_eq!(b.card.expose(), "2900-0001");
        assert_eq!(b.build().unwrap(), (CardText::new("2900-0001"), "circulation".into()));

        b.step();
        b.type_char(' ');
        assert_eq!(b.purpose_text(), "account");
        b.type_char(' ');
        assert_eq!(b.purpose, LookupPurpose::Request);
        let (field, problem) = b.build().unwrap_err();
        assert_eq!(field, LookupField::Purpose);
        assert!(problem.contains("data request"), "{problem}");
        b.type_char('1');
        b.type_char('2');
        assert_eq!(b.build().unwrap().1, "request:12");
        b.backspace();
        assert_eq!(b.purpose_text(), "request:1");
        b.cycle(true);
        assert_eq!(b.purpose_text(), "circulation", "the number is kept only for a request");
        b.cycle(false);
        assert_eq!(b.purpose_text(), "request:1");
    }

    #[test]
    fn digits_on_the_purpose_line_choose_a_request() {
        let mut b = LookupBox { focus: LookupField::Purpose, ..LookupBox::default() };
        b.type_char('7');
        assert_eq!(b.purpose_text(), "request:7");
    }
}
