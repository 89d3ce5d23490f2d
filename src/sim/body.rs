//! JSON bodies written straight into one buffer: an envelope and its list of records, one
//! record at a time.
//!
//! A full page of 20,000 seats, or the layout of a 20,000-seat building, is a few megabytes of
//! JSON. Building it first as typed records, then as `serde_json::Value`s, then as bytes costs
//! ten times that for the length of a request, and the allocator keeps much of it afterwards.
//! Here only the bytes exist: [`list_body`] serialises the envelope with its list empty and
//! writes the records in the list's place as an iterator makes them.
//!
//! Every envelope of `domain::api` ends with its list of records, so the envelope with an
//! empty list ends in `[]}`; the bytes are exactly those of the envelope holding the records.
//!
//! May use: serde, serde_json.

use serde::Serialize;

/// Why a body could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("the envelope does not end with an empty list of records")]
    NotAList,
}

/// An envelope with its list of records left empty, and the records that belong there.
#[derive(Debug)]
pub struct Listing<E, I> {
    pub envelope: E,
    pub records: I,
}

/// The JSON of `envelope`, whose last field is an empty list, with `records` in that list.
pub fn list_body<E, I>(envelope: &E, records: I) -> Result<Vec<u8>, BodyError>
where
    E: Serialize,
    I: IntoIterator,
    I::Item: Serialize,
{
    let mut out = serde_json::to_vec(envelope)?;
    if !out.ends_with(b"[]}") {
        return Err(BodyError::NotAList);
    }
    out.truncate(out.len() - 2);
    for (i, record) in records.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &record)?;
    }
    out.extend_from_slice(b"]}");
    out.shrink_to_fit();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::api::{CatalogItemDto, CatalogPage};

    fn page(items: Vec<CatalogItemDto>) -> CatalogPage {
        CatalogPage { generated_at: DateTime::UNIX_EPOCH, cursor: "i2".into(), more: false, items }
    }

    #[test]
    fn records_land_in_the_list_as_if_the_envelope_held_them() {
        let items: Vec<CatalogItemDto> = (0..3)
            .map(|i| CatalogItemDto {
                id: format!("bib-{i:05}"),
                title: format!("Readings in \"Logic\" {i}"),
                subject: "Philosophy".into(),
                year: 1990 + i,
            })
            .collect();
        for n in 0..=items.len() {
            let whole = serde_json::to_vec(&page(items[..n].to_vec())).unwrap();
            let written = list_body(&page(Vec::new()), &items[..n]).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(whole).unwrap());
        }
    }

    #[test]
    fn an_envelope_without_a_trailing_list_is_refused() {
        #[derive(Serialize)]
        struct Odd {
            items: Vec<u8>,
            more: bool,
        }
        let odd = Odd { items: Vec::new(), more: true };
        assert!(matches!(list_body(&odd, [1u8]), Err(BodyError::NotAList)));
    }
}
