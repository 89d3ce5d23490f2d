//! Every row of every tab's list can be reached and seen, down to the smallest size the
//! console draws (60×16): the cursor is moved through each list with random keys, and after
//! each key the selected row is found on the rendered screen, drawn selected; after `home` the
//! list's heading shows again. (The System tab's feed list is left to its own tests.)
#![allow(clippy::unwrap_used)]

use carrel::tui::fixtures;
use carrel::tui::msg::Msg;
use carrel::tui::state::{Focus, GovRow, GovView, State, Tab};
use carrel::tui::update::{self, alerts, governance, queues, seats};
use carrel::tui::view;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

/// A list to move through.
#[derive(Debug, Clone, Copy)]
enum List {
    Map,
    Ghosts,
    Queues,
    Alerts,
    Governance(GovView),
}

const LISTS: [List; 8] = [
    List::Map,
    List::Ghosts,
    List::Queues,
    List::Alerts,
    List::Governance(GovView::Mine),
    List::Governance(GovView::Requests),
    List::Governance(GovView::Review),
    List::Governance(GovView::Ledger),
];

const SIZES: [(u16, u16); 2] = [(60, 16), (80, 24)];

fn render(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, state)).unwrap();
    terminal.backend().buffer().clone()
}

fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

fn reversed(buf: &Buffer, x: u16, y: u16) -> bool {
    buf[(x, y)].style().add_modifier.contains(Modifier::REVERSED)
}

/// The fixtures with `extra` more of everything listed, so every list is longer than the
/// screen: alerts, requests (waiting for the viewer's vote), review items, ledger lines,
/// services with windows, and ghost seats.
fn state(list: List, size: (u16, u16), extra: usize) -> State {
    let viewer = match list {
        List::Alerts => fixtures::auditor(),
        List::Governance(_) => fixtures::committee(),
        _ => fixtures::desk(),
    };
    let mut s = fixtures::state(size, viewer);
    s.seats.snapshot = Some(fixtures::seats_snapshot(2, 120 + 40 * extra, false));
    if let Some(alerts) = s.alerts.list.as_mut() {
        let more: Vec<_> = (1..=extra as u64)
            .flat_map(|k| {
                alerts.iter().cloned().map(move |mut a| {
                    a.id += 100 * k;
                    a
                })
            })
            .collect();
        alerts.extend(more);
    }
    if let Some(g) = s.governance.snapshot.as_mut() {
        let requests = g.requests.clone();
        for k in 1..=extra as u64 {
            for r in &requests {
                let mut r = r.clone();
                r.id += 100 * k;
                if g.waiting.contains(&(r.id - 100 * k)) {
                    g.waiting.push(r.id);
                }
                g.requests.push(r);
            }
        }
        if let Some(q) = g.review.as_mut() {
            let mine = q.mine.clone();
            for k in 1..=extra as u64 {
                q.mine.extend(mine.iter().cloned().map(|mut c| {
                    c.item.id += 100 * k;
                    c
                }));
            }
        }
        let ledger = g.ledger.clone();
        for k in 0..extra {
            g.ledger.extend(ledger.iter().cloned().map(|mut l| {
                l.dataset = format!("{}{k}", l.dataset);
                l
            }));
        }
    }
    if let Some(o) = s.queues.overview.as_mut() {
        let first = o.services[0].clone();
        for k in 0..extra {
            let mut more = first.clone();
            more.service = format!("study{k}");
            // Services with nothing to do now: the "do now" lines stay few, as in a library.
            more.advice = None;
            for (i, w) in more.windows.iter_mut().enumerate() {
                w.point.id = format!("st{k}-{i}");
                w.point.name = format!("Study desk {k}.{i}");
            }
            o.services.push(more);
        }
    }
    update::update(&mut s, Msg::Resize(size.0, size.1));
    let tab = match list {
        List::Map | List::Ghosts => Tab::Seats,
        List::Queues => Tab::Queues,
        List::Alerts => Tab::Alerts,
        List::Governance(_) => Tab::Governance,
    };
    s.tab = tab;
    if let List::Governance(v) = list {
        s.governance.view = v;
    }
    if let List::Ghosts = list {
        s.seats.focus = Focus::Ghosts;
    }
    s
}

/// Text the selected row shows, from the state, or `None` when nothing is selected.
fn selected_text(s: &State, list: List) -> Option<String> {
    let cut = |t: &str, n: usize| t.chars().take(n).collect::<String>();
    match list {
        List::Map => None,
        List::Ghosts => {
            let g = *seats::visible_ghosts(s).get(s.seats.ghost_sel)?;
            let snap = s.seats.snapshot.as_ref()?;
            Some(cut(&snap.seat(g)?.label, 16))
        }
        List::Queues => Some(cut(&queues::windows(s).get(s.queues.sel)?.point.name, 18)),
        List::Alerts => Some(format!("#{} ", alerts::visible(s).get(s.alerts.sel)?.id)),
        List::Governance(_) => Some(match governance::selected(s)? {
            GovRow::Request(id) => format!("#{id} "),
            GovRow::Review(id) => format!("r{id} "),
            GovRow::Ledger(i) => {
                let l = &s.governance.snapshot.as_ref()?.ledger[i];
                format!("{:<10} {}", cut(&l.dataset, 10), l.month)
            }
        }),
    }
}

/// How many rows the list has.
fn rows(s: &State, list: List) -> usize {
    match list {
        List::Map => 0,
        List::Ghosts => seats::visible_ghosts(s).len(),
        List::Queues => queues::windows(s).len(),
        List::Alerts => alerts::visible(s).len(),
        List::Governance(v) => governance::rows(s, v).len(),
    }
}

/// The list's first line, which `home` brings back into view.
fn heading(list: List) -> &'static str {
    match list {
        List::Map => "taken",
        List::Ghosts => "Ghost seats",
        List::Queues => "do now",
        List::Alerts => "active alerts",
        List::Governance(GovView::Mine) => "Waiting for your vote",
        List::Governance(GovView::Requests) => "data requests, newest first",
        List::Governance(GovView::Review) => "assigned to you",
        List::Governance(GovView::Ledger) => "ε spent per dataset",
    }
}

/// The selected row is on screen, drawn selected; after `home`, so is the list's heading.
fn check(s: &State, list: List, after_home: bool) -> Result<(), String> {
    let buf = render(s);
    let (w, h) = s.size;
    let mut content = 1..h.saturating_sub(2);
    let screen: Vec<String> = (0..h).map(|y| row_text(&buf, y)).collect();
    let dump = || screen.join("\n");
    match selected_text(s, list) {
        Some(want) => {
            let found = content.any(|y| {
                let row = &screen[y as usize];
                row.contains(&want) && (0..w).any(|x| reversed(&buf, x, y))
            });
            if !found {
                return Err(format!(
                    "{list:?}: selected row {want:?} not shown selected:\n{}",
                    dump()
                ));
            }
        }
        None if matches!(list, List::Map) => {
            let cursor = content.any(|y| (0..w).any(|x| reversed(&buf, x, y)));
            if !cursor {
                return Err(format!("the map cursor is not on screen:\n{}", dump()));
            }
        }
        None => {}
    }
    if after_home {
        let want = heading(list);
        if !screen[1..h as usize - 2].iter().any(|r| r.contains(want)) {
            return Err(format!("{list:?}: {want:?} not shown after home:\n{}", dump()));
        }
    }
    Ok(())
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

const KEYS: [KeyCode; 10] = [
    KeyCode::Up,
    KeyCode::Down,
    KeyCode::Char('j'),
    KeyCode::Char('k'),
    KeyCode::PageUp,
    KeyCode::PageDown,
    KeyCode::Home,
    KeyCode::End,
    KeyCode::Left,
    KeyCode::Right,
];

/// Down through every row and back up, one key at a time.
#[test]
fn every_row_of_every_list_shows_at_the_smallest_size() {
    for size in SIZES {
        for list in LISTS {
            let mut s = state(list, size, 8);
            update::update(&mut s, key(KeyCode::Home));
            check(&s, list, true).unwrap();
            let mut seen = vec![selected_text(&s, list)];
            for _ in 0..200 {
                update::update(&mut s, key(KeyCode::Down));
                check(&s, list, false).unwrap();
                seen.push(selected_text(&s, list));
            }
            seen.dedup();
            let n = rows(&s, list);
            assert!(n > 12 || matches!(list, List::Map), "{list:?} is longer than the screen");
            assert_eq!(seen.len(), n.max(1), "{list:?} went through every row: {seen:?}");
            for _ in 0..200 {
                update::update(&mut s, key(KeyCode::Up));
                check(&s, list, false).unwrap();
            }
            update::update(&mut s, key(KeyCode::Home));
            check(&s, list, true).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_keys_keep_the_selected_row_on_screen(
        which in 0..LISTS.len(),
        size in 0..SIZES.len(),
        extra in 0usize..6,
        keys in proptest::collection::vec(0..KEYS.len(), 1..60),
    ) {
        let list = LISTS[which];
        let mut s = state(list, SIZES[size], extra);
        for k in keys {
            update::update(&mut s, key(KEYS[k]));
            let home = KEYS[k] == KeyCode::Home;
            if let Err(e) = check(&s, list, home) {
                return Err(TestCaseError::fail(e));
            }
        }
    }
}
