//! **BulkAccess**: a staff member's patron accesses on one library-local day far above their own
//! baseline.
//!
//! The baseline of a day is the mean daily count over the `baseline_days` days before it,
//! counting days without access as zero but only from the actor's first observed access (a new
//! staff member's baseline is their few days, not a month diluted by days before they started;
//! on their first day it is 0). A day is flagged when its count is above both `factor` times the
//! baseline and `min_reads`. All flagged days of an actor fold into one finding.
//!
//! Memory per actor: the counts of the last `baseline_days` days and the capped evidence of the
//! open day, which is folded into the finding or dropped when the day closes. Entries come in
//! `seq` order; one dated before the actor's open day (clocks of two processes a moment apart
//! around midnight) counts to the open day.

use std::collections::VecDeque;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::context::{BulkParams, RuleContext};
use super::tally::{Actors, PerActor, Tally};
use super::{Finding, Rule};

/// The bulk rule's state for every actor.
#[derive(Debug, Default)]
pub(super) struct Bulk {
    actors: PerActor<ActorDays>,
}

#[derive(Debug)]
struct ActorDays {
    first_day: NaiveDate,
    /// Closed days with their counts, ascending, only those a later baseline can need.
    past: VecDeque<(NaiveDate, u64)>,
    /// The day being counted: its accesses so far and their capped evidence.
    open_day: NaiveDate,
    open: Tally,
    flagged: Option<Flagged>,
}

/// The flagged days of an actor folded together.
#[derive(Debug)]
struct Flagged {
    tally: Tally,
    days: u64,
    /// The day with the most accesses: its date, count and baseline.
    worst: (NaiveDate, u64, f64),
}

impl Bulk {
    pub(super) fn observe(
        &mut self,
        ctx: &RuleContext,
        actor: usize,
        seq: u64,
        at: DateTime<Utc>,
        day: NaiveDate,
    ) {
        let days = self.actors.slot(actor).get_or_insert_with(|| ActorDays {
            first_day: day,
            past: VecDeque::new(),
            open_day: day,
            open: Tally::new(at),
            flagged: None,
        });
        if day > days.open_day {
            days.close(ctx.bulk);
            days.open_day = day;
            days.open.restart(at);
        }
        days.open.note(seq, at);
    }

    pub(super) fn findings(self, ctx: &RuleContext, actors: &Actors) -> Vec<Finding> {
        let mut out = Vec::new();
        for (id, mut days) in self.actors.into_entries() {
            days.close(ctx.bulk);
            let Some(flagged) = days.flagged else { continue };
            let name = actors.name(id);
            let (day, count, baseline) = flagged.worst;
            let mut summary = format!(
                "{name} accessed {count} patron records on {day} (baseline {baseline:.1}/day)"
            );
            if flagged.days > 1 {
                summary.push_str(&format!(
                    "; {} days flagged, {} accesses on them in all",
                    flagged.days, flagged.tally.count
                ));
            }
            out.push(flagged.tally.into_finding(
                Rule::BulkAccess,
                format!("actor:{name}"),
                summary,
            ));
        }
        out
    }

    #[cfg(test)]
    pub(super) fn retained_days(&self) -> usize {
        self.actors.iter().map(|d| d.past.len()).sum()
    }
}

impl ActorDays {
    /// Judges the open day against its baseline, folds it into the finding if flagged, and
    /// keeps its count for the baselines of the days after it.
    fn close(&mut self, params: BulkParams) {
        let count = self.open.count;
        if count == 0 {
            return;
        }
        let baseline = self.baseline(params.baseline_days);
        let flagged = count as f64 > (params.factor * baseline).max(params.min_reads as f64);
        if flagged {
            match &mut self.flagged {
                Some(f) => {
                    f.tally.absorb(&self.open);
                    f.days += 1;
                    if count > f.worst.1 {
                        f.worst = (self.open_day, count, baseline);
                    }
                }
                None => {
                    self.flagged = Some(Flagged {
                        tally: self.open.clone(),
                        days: 1,
                        worst: (self.open_day, count, baseline),
                    });
                }
            }
        }
        // A later day D needs the days from D - baseline_days on, and D is after the open day.
        let keep_from = match self.open_day.checked_add_days(Days::new(1)) {
            Some(next) => next
                .checked_sub_days(Days::new(params.baseline_days.into()))
                .unwrap_or(NaiveDate::MIN),
            None => NaiveDate::MAX,
        };
        self.past.push_back((self.open_day, count));
        while self.past.front().is_some_and(|&(d, _)| d < keep_from) {
            self.past.pop_front();
        }
        self.open.count = 0;
    }

    /// The mean daily count of the baseline days before the open day.
    fn baseline(&self, baseline_days: u32) -> f64 {
        let day = self.open_day;
        let from = day
            .checked_sub_days(Days::new(baseline_days.into()))
            .map_or(self.first_day, |d| d.max(self.first_day));
        let span = (day - from).num_days();
        if span <= 0 {
            return 0.0;
        }
        let sum: u64 =
            self.past.iter().filter(|&&(d, _)| d >= from && d < day).map(|&(_, n)| n).sum();
        sum as f64 / span as f64
    }
}
