use super::*;

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Certificate Transparency reference test input.
fn ct_leaves() -> Vec<Hash> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| leaf_hash(&hex::decode(h).unwrap()))
    .collect()
}

#[test]
fn empty_tree_root() {
    assert_eq!(
        hex(&empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(root(&[]), empty_root());
    assert_eq!(Frontier::new().root(), empty_root());
}

#[test]
fn ct_eight_leaf_root() {
    let leaves = ct_leaves();
    assert_eq!(
        hex(&root(&leaves)),
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    );
    assert_eq!(
        hex(&root(&leaves[..1])),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
}

#[test]
fn leaf_and_node_hashes_are_domain_separated() {
    // A leaf whose data is two concatenated hashes must not hash like the node of those two.
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut joined = a.to_vec();
    joined.extend_from_slice(&b);
    assert_ne!(leaf_hash(&joined), node_hash(&a, &b));
    assert_eq!(leaf_hash(b""), <[u8; 32]>::from(Sha256::digest([0u8])));
    let mut pre = vec![1u8];
    pre.extend_from_slice(&a);
    pre.extend_from_slice(&b);
    assert_eq!(node_hash(&a, &b), <[u8; 32]>::from(Sha256::digest(&pre)));
}

fn leaves(n: usize) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
}

#[test]
fn the_frontier_matches_the_recursive_root_at_every_size() {
    let all = leaves(130);
    let mut f = Frontier::new();
    for (i, l) in all.iter().enumerate() {
        f.push(*l);
        assert_eq!(f.root(), root(&all[..=i]), "size {}", i + 1);
        assert_eq!(Frontier::from_bytes(&f.to_bytes()), Some(f.clone()));
    }
    assert_eq!(Frontier::from_bytes(&[0u8; 7]), None);
    assert_eq!(Frontier::from_bytes(&[0, 0, 0, 0, 0, 0, 0, 3]), None, "size 3 needs two hashes");
}

#[test]
fn inclusion_proofs_verify_for_every_leaf_of_every_size_up_to_64() {
    let all = leaves(64);
    for n in 1..=64 {
        let r = root(&all[..n]);
        for m in 0..n {
            let proof = inclusion_proof(&all[..n], m);
            assert!(verify_inclusion(m as u64, n as u64, &all[m], &proof, &r), "leaf {m} of {n}");
            // A wrong leaf, index or root fails.
            assert!(!verify_inclusion(m as u64, n as u64, &leaf_hash(b"forged"), &proof, &r));
            assert!(!verify_inclusion(n as u64, n as u64, &all[m], &proof, &r));
            if n > 1 {
                assert!(!verify_inclusion(((m + 1) % n) as u64, n as u64, &all[m], &proof, &r));
            }
        }
    }
}

#[test]
fn consistency_proofs_verify_for_every_pair_of_sizes_up_to_64() {
    let all = leaves(64);
    for n in 1..=64 {
        let rn = root(&all[..n]);
        for m in 1..=n {
            let rm = root(&all[..m]);
            let proof = consistency_proof(&all[..n], m);
            assert!(verify_consistency(m as u64, n as u64, &rm, &rn, &proof), "{m} -> {n}");
            if m < n {
                // A rewritten history is not consistent.
                let mut forged = all[..n].to_vec();
                forged[m - 1] = leaf_hash(b"rewritten");
                let forged_root = root(&forged);
                assert!(
                    !verify_consistency(m as u64, n as u64, &rm, &forged_root, &proof),
                    "{m} -> {n} forged"
                );
                assert!(!verify_consistency(m as u64, n as u64, &leaf_hash(b"x"), &rn, &proof));
            }
        }
    }
}

#[test]
fn ct_reference_proofs() {
    // From the CT test data: the inclusion path of leaf 0 in the 8-leaf tree has 3 hashes, and
    // the consistency proof from 1 to 8 has 3 hashes; both verify.
    let l = ct_leaves();
    let r8 = root(&l);
    let p = inclusion_proof(&l, 0);
    assert_eq!(p.len(), 3);
    assert!(verify_inclusion(0, 8, &l[0], &p, &r8));
    let c = consistency_proof(&l, 1);
    assert_eq!(c.len(), 3);
    assert!(verify_consistency(1, 8, &l[0], &r8, &c));
    let c6 = consistency_proof(&l, 6);
    assert!(verify_consistency(6, 8, &root(&l[..6]), &r8, &c6));
}
