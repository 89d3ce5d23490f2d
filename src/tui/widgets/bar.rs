//! A text bar for a share: `████░░░░`.

/// `width` cells, the first `share` of them filled.
pub fn bar(share: f64, width: usize) -> (String, String) {
    let share = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
    let filled = ((share * width as f64).round() as usize).min(width);
    ("█".repeat(filled), "░".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_by_share() {
        assert_eq!(bar(0.5, 4), ("██".into(), "░░".into()));
        assert_eq!(bar(0.0, 3), ("".into(), "░░░".into()));
        assert_eq!(bar(1.7, 2), ("██".into(), "".into()));
        assert_eq!(bar(f64::NAN, 2), ("".into(), "░░".into()));
    }
}
