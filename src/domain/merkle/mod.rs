//! The RFC 6962 Merkle tree behind the audit log (the structure of Certificate Transparency).
//!
//! leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right); the tree of n leaves
//! splits at the largest power of two below n. [`Frontier`] keeps only the right edge (one hash
//! per set bit of n), so appending is O(log n) and the root is always at hand. Proofs follow
//! RFC 6962 §2.1.1–2.1.2 (PATH and PROOF); their verifiers follow RFC 9162 §2.1.3.2 and
//! §2.1.4.2 and share no code with the provers.
//!
//! Pure: no I/O.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// MTH over leaf hashes (RFC 6962 §2.1).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `m` (RFC 6962 §2.1.1), leaf to root.
pub fn inclusion_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || m >= n {
        return vec![];
    }
    let k = split(n);
    let mut path;
    if m < k {
        path = inclusion_proof(&leaves[..k], m);
        path.push(root(&leaves[k..]));
    } else {
        path = inclusion_proof(&leaves[k..], m - k);
        path.push(root(&leaves[..k]));
    }
    path
}

/// The consistency proof from the tree of the first `m` leaves to the tree of all of them
/// (RFC 6962 §2.1.2).
pub fn consistency_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    fn sub(leaves: &[Hash], m: usize, whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole { vec![] } else { vec![root(leaves)] };
        }
        let k = split(n);
        let mut proof;
        if m <= k {
            proof = sub(&leaves[..k], m, whole);
            proof.push(root(&leaves[k..]));
        } else {
            proof = sub(&leaves[k..], m - k, false);
            proof.push(root(&leaves[..k]));
        }
        proof
    }
    if m == 0 || m > leaves.len() {
        return vec![];
    }
    sub(leaves, m, true)
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Checks a consistency proof between a tree of `first` leaves and one of `second` leaves
/// (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *first_root && sr == *second_root && s == 0
}

/// The right edge of a growing tree: the roots of its perfect subtrees, largest first, with
/// their heights. Appending is O(log n); the root needs no other hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (height, hash) of each perfect subtree, left to right.
    nodes: Vec<(u8, Hash)>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        self.nodes.push((0, leaf));
        while self.nodes.len() >= 2 {
            let (hr, right) = self.nodes[self.nodes.len() - 1];
            let (hl, left) = self.nodes[self.nodes.len() - 2];
            if hl != hr {
                break;
            }
            self.nodes.truncate(self.nodes.len() - 2);
            self.nodes.push((hl + 1, node_hash(&left, &right)));
        }
        self.size += 1;
    }

    pub fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        let Some(&(_, mut r)) = it.next() else { return empty_root() };
        for (_, left) in it {
            r = node_hash(left, &r);
        }
        r
    }

    /// A compact encoding for storage: 8-byte size, then the hashes (heights follow from the
    /// size's bits).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.size.to_be_bytes().to_vec();
        for (_, h) in &self.nodes {
            out.extend_from_slice(h);
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Frontier> {
        let size = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let hashes = bytes.get(8..)?;
        if hashes.len() != 32 * size.count_ones() as usize {
            return None;
        }
        let heights = (0..64u8).rev().filter(|b| size >> b & 1 == 1);
        let nodes = heights
            .zip(hashes.chunks_exact(32))
            .map(|(h, c)| (h, c.try_into().unwrap_or([0; 32])))
            .collect();
        Some(Frontier { size, nodes })
    }
}

#[cfg(test)]
mod tests;
