//! Staffing of the desks: shift hand-overs, the schedule's openings and closings, and the
//! manual changes the API's POST makes.
//!
//! A window opens only with someone on duty who is not at another open window (without a
//! roster, as in offline runs, any window may open). Staff leaving at the end of their shift
//! hand their window to someone free, or it closes.
//!
//! May use: the queue model's state. Pure.

use super::model::QueueModel;

/// Why a manual change to a window was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowChangeError {
    #[error("'{0}' is not on duty now")]
    NotOnDuty(String),
    #[error("'{staff}' is already at open window {window}")]
    StaffBusy { staff: String, window: String },
    #[error("a window opens with staff: name who staffs it, or close the window instead")]
    NeedsStaff,
}

impl QueueModel {
    /// Staff whose shift ended leave their window; an open window gets someone free on duty
    /// or closes.
    pub(super) fn hand_over_shifts(&mut self, changed: &mut [bool]) {
        let Some(roster) = &self.roster else {
            return;
        };
        let minute = self.cal.minute_of(self.now);
        let on_duty: Vec<String> = roster.on_duty(minute).into_iter().map(str::to_owned).collect();
        for w in 0..self.windows.len() {
            let leaving = match &self.windows[w].staff {
                Some(login) => !on_duty.contains(login),
                None => false,
            };
            if !leaving {
                continue;
            }
            self.windows[w].staff = None;
            if self.windows[w].open {
                match self.free_staff() {
                    Some(login) => self.seat_staff(w, login),
                    None => {
                        self.windows[w].open = false;
                        if let Some(c) = changed.get_mut(self.windows[w].spec.service) {
                            *c = true;
                        }
                    }
                }
            }
        }
    }

    /// The first on-duty login (roster order) not at an open window.
    fn free_staff(&self) -> Option<String> {
        let roster = self.roster.as_ref()?;
        let minute = self.cal.minute_of(self.now);
        roster
            .on_duty(minute)
            .into_iter()
            .find(|login| {
                !self.windows.iter().any(|w| w.open && w.staff.as_deref() == Some(*login))
            })
            .map(str::to_owned)
    }

    /// Puts `login` at window `w`, taking them off any closed window they were waiting at.
    fn seat_staff(&mut self, w: usize, login: String) {
        for (i, win) in self.windows.iter_mut().enumerate() {
            if i != w && win.staff.as_deref() == Some(login.as_str()) {
                win.staff = None;
            }
        }
        if let Some(win) = self.windows.get_mut(w) {
            win.staff = Some(login);
        }
    }

    /// Opens (lowest number first) or closes (highest first) windows of service `s` until
    /// `wanted` are open, or no staff is free. Returns whether anything changed.
    pub(super) fn staff_to(&mut self, s: usize, wanted: u32) -> bool {
        let ids: Vec<usize> =
            (0..self.windows.len()).filter(|&w| self.windows[w].spec.service == s).collect();
        let mut open = ids.iter().filter(|&&w| self.windows[w].open).count() as u32;
        let mut changed = false;
        for &w in &ids {
            if open >= wanted {
                break;
            }
            if self.windows[w].open {
                continue;
            }
            if self.roster.is_some() {
                let Some(login) = self.free_staff() else {
                    break;
                };
                self.seat_staff(w, login);
            }
            self.windows[w].open = true;
            open += 1;
            changed = true;
        }
        for &w in ids.iter().rev() {
            if open <= wanted {
                break;
            }
            if self.windows[w].open {
                self.windows[w].open = false;
                self.windows[w].staff = None;
                open -= 1;
                changed = true;
            }
        }
        changed
    }

    /// Changes window `w` now, as the API's POST does. `staff: None` leaves the staff as it is
    /// (closing a window sends its staff away unless `staff` names someone); `Some(None)`
    /// takes the staff off. The change holds until the schedule next changes for the window's
    /// service. Nothing changes when the change is refused.
    pub fn change_window(
        &mut self,
        w: usize,
        open: Option<bool>,
        staff: Option<Option<String>>,
    ) -> Result<(), WindowChangeError> {
        let Some(win) = self.windows.get(w) else {
            return Ok(());
        };
        let target_open = open.unwrap_or(win.open);
        let target_staff = match staff {
            Some(s) => s,
            None if open == Some(false) => None,
            None => win.staff.clone(),
        };
        if let (Some(roster), Some(login)) = (&self.roster, &target_staff)
            && win.staff.as_ref() != Some(login)
        {
            let on_duty = self.cal.is_open(self.now)
                && roster.on_duty(self.cal.minute_of(self.now)).contains(&login.as_str());
            if !on_duty {
                return Err(WindowChangeError::NotOnDuty(login.clone()));
            }
            if let Some(other) = self
                .windows
                .iter()
                .enumerate()
                .find(|(i, o)| *i != w && o.open && o.staff.as_ref() == Some(login))
            {
                return Err(WindowChangeError::StaffBusy {
                    staff: login.clone(),
                    window: other.1.spec.id.clone(),
                });
            }
        }
        if target_open && target_staff.is_none() && self.roster.is_some() {
            return Err(WindowChangeError::NeedsStaff);
        }
        let was_open = win.open;
        match target_staff {
            Some(login) => self.seat_staff(w, login),
            None => self.windows[w].staff = None,
        }
        self.windows[w].open = target_open;
        if was_open != target_open {
            self.rebalance(self.windows[w].spec.service);
        }
        self.touch_history();
        Ok(())
    }
}
