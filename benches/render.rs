//! Rendering the Seats tab at 200×60 with 20,000 seats, against rendering a full-screen
//! `Paragraph` of the same size in the same run (the cheapest full-screen draw ratatui does).
//! Run: `cargo bench --bench render`; the ratio of the medians goes in docs/PERFORMANCE.md.
#![allow(clippy::unwrap_used)] // A benchmark that cannot set up should stop loudly.

use std::hint::black_box;

use carrel::tui::fixtures;
use carrel::tui::state::Tab;
use carrel::tui::view;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::widgets::{Paragraph, Wrap};

fn bench(c: &mut Criterion) {
    let (w, h) = (200u16, 60u16);
    let mut state = fixtures::state((w, h), fixtures::desk());
    state.tab = Tab::Seats;
    // 20,000 seats over 3 floors, in rows of 100 with aisles.
    state.seats.snapshot = Some(fixtures::seats_snapshot_rows(3, 6667, 100, false));
    let text: String = (0..h)
        .map(|i| format!("{:w$}\n", format!("line {i} of a full screen of text"), w = w as usize))
        .collect();

    let mut group = c.benchmark_group("render_200x60");
    group.bench_function("seats_tab_20000_seats", |b| {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        b.iter(|| terminal.draw(|f| view::draw(f, black_box(&state))).unwrap().area)
    });
    group.bench_function("full_screen_paragraph", |b| {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        b.iter(|| {
            terminal
                .draw(|f| {
                    f.render_widget(
                        Paragraph::new(black_box(text.as_str())).wrap(Wrap { trim: false }),
                        f.area(),
                    )
                })
                .unwrap()
                .area
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
