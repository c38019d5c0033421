//! Partition assignors run by the group leader: range, roundrobin, cooperative-sticky.
//!
//! Same algorithms and names as the Java client and librdkafka, so a group mixing our
//! consumers with theirs agrees on a protocol and gets the same kind of split.
//! Members are ordered by group.instance.id when they have one, else by member id, as Java's
//! assignors do, so every leader computes the same answer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one member told the group in JoinGroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSubscription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub topics: Vec<String>,
    /// Partitions the member owns now (cooperative protocol, ConsumerProtocolSubscription v1+).
    pub owned: Vec<(String, i32)>,
    /// The generation in which it owned them (v2+), -1 when unknown.
    pub generation: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalanceProtocol {
    /// Stop-the-world: everything is revoked before every rebalance.
    Eager,
    /// KIP-429: only partitions that move are revoked.
    Cooperative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignor {
    Range,
    RoundRobin,
    CooperativeSticky,
}

/// member id -> assigned (topic, partition), sorted.
pub type Assignment = BTreeMap<String, Vec<(String, i32)>>;

impl Assignor {
    pub fn parse(name: &str) -> Option<Assignor> {
        match name.trim() {
            "range" => Some(Assignor::Range),
            "roundrobin" => Some(Assignor::RoundRobin),
            "cooperative-sticky" => Some(Assignor::CooperativeSticky),
            _ => None,
        }
    }

    /// The protocol name in JoinGroup (Java's and librdkafka's).
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::CooperativeSticky => "cooperative-sticky",
        }
    }

    pub fn protocol(self) -> RebalanceProtocol {
        match self {
            Assignor::CooperativeSticky => RebalanceProtocol::Cooperative,
            _ => RebalanceProtocol::Eager,
        }
    }

    /// Assigns the partitions of `partition_counts` (topic -> count) to `members`.
    pub fn assign(self, members: &[MemberSubscription], partition_counts: &HashMap<String, i32>) -> Assignment {
        let mut members: Vec<&MemberSubscription> = members.iter().collect();
        members.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        let mut out: Assignment = members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
        match self {
            Assignor::Range => range(&members, partition_counts, &mut out),
            Assignor::RoundRobin => round_robin(&members, partition_counts, &mut out),
            Assignor::CooperativeSticky => sticky(&members, partition_counts, &mut out),
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }
}

fn sort_key(m: &MemberSubscription) -> (&str, &str) {
    (m.instance_id.as_deref().unwrap_or(&m.member_id), &m.member_id)
}

fn all_topics(members: &[&MemberSubscription], counts: &HashMap<String, i32>) -> BTreeSet<String> {
    members
        .iter()
        .flat_map(|m| m.topics.iter())
        .filter(|t| counts.get(*t).is_some_and(|&n| n > 0))
        .cloned()
        .collect()
}

fn range(members: &[&MemberSubscription], counts: &HashMap<String, i32>, out: &mut Assignment) {
    for topic in all_topics(members, counts) {
        let n = counts.get(&topic).copied().unwrap_or(0);
        let subs: Vec<&&MemberSubscription> = members.iter().filter(|m| m.topics.contains(&topic)).collect();
        let c = subs.len() as i32;
        if c == 0 {
            continue;
        }
        let (per, extra) = (n / c, n % c);
        for (i, m) in subs.iter().enumerate() {
            let i = i as i32;
            let start = per * i + i.min(extra);
            let len = per + i32::from(i < extra);
            if let Some(v) = out.get_mut(&m.member_id) {
                v.extend((start..start + len).map(|p| (topic.clone(), p)));
            }
        }
    }
}

fn round_robin(members: &[&MemberSubscription], counts: &HashMap<String, i32>, out: &mut Assignment) {
    let mut next = 0usize;
    for topic in all_topics(members, counts) {
        for p in 0..counts.get(&topic).copied().unwrap_or(0) {
            // The next member in circular order that subscribes to this topic.
            for k in 0..members.len() {
                let m = members[(next + k) % members.len()];
                if m.topics.contains(&topic) {
                    if let Some(v) = out.get_mut(&m.member_id) {
                        v.push((topic.clone(), p));
                    }
                    next = (next + k + 1) % members.len();
                    break;
                }
            }
        }
    }
}

/// Keeps what members own where that stays balanced, hands the rest to the least loaded, and
/// (cooperative rule) never gives a partition to a new owner in the same round it is taken
/// from the old one: the old owner revokes it, rejoins, and the next round hands it over.
fn sticky(members: &[&MemberSubscription], counts: &HashMap<String, i32>, out: &mut Assignment) {
    let all: BTreeSet<(String, i32)> = all_topics(members, counts)
        .into_iter()
        .flat_map(|t| {
            let n = counts.get(&t).copied().unwrap_or(0);
            (0..n).map(move |p| (t.clone(), p))
        })
        .collect();
    if members.is_empty() {
        return;
    }
    // Who owned what before (on conflicts the higher generation wins).
    let mut previous: HashMap<(String, i32), (&str, i32)> = HashMap::new();
    for m in members {
        for tp in &m.owned {
            let e = previous.entry(tp.clone()).or_insert((&m.member_id, m.generation));
            if m.generation > e.1 {
                *e = (&m.member_id, m.generation);
            }
        }
    }
    let total = all.len();
    let n = members.len();
    let min_quota = total / n;
    let with_extra = total % n;
    let mut assigned: HashMap<&str, Vec<(String, i32)>> = members.iter().map(|m| (m.member_id.as_str(), Vec::new())).collect();
    let mut taken: BTreeSet<(String, i32)> = BTreeSet::new();
    // 1. Keep owned partitions, up to the quota (members with more give the surplus back).
    let mut extra_left = with_extra;
    let mut by_owned: Vec<&&MemberSubscription> = members.iter().collect();
    by_owned.sort_by_key(|m| std::cmp::Reverse(m.owned.len()));
    for m in by_owned {
        let mut keep: Vec<(String, i32)> = m
            .owned
            .iter()
            .filter(|tp| all.contains(*tp) && m.topics.contains(&tp.0))
            .filter(|tp| previous.get(*tp).map(|(id, _)| *id) == Some(m.member_id.as_str()))
            .cloned()
            .collect();
        keep.sort();
        let quota = if keep.len() > min_quota && extra_left > 0 {
            extra_left -= 1;
            min_quota + 1
        } else {
            min_quota
        };
        keep.truncate(quota.max(if total < n { 1 } else { 0 }).min(keep.len()));
        for tp in &keep {
            taken.insert(tp.clone());
        }
        if let Some(v) = assigned.get_mut(m.member_id.as_str()) {
            *v = keep;
        }
    }
    // 2. The rest to the least loaded subscribed member.
    let mut moved_from_other: BTreeSet<(&str, (String, i32))> = BTreeSet::new();
    for tp in all.iter().filter(|tp| !taken.contains(*tp)) {
        let target = members
            .iter()
            .filter(|m| m.topics.contains(&tp.0))
            .min_by_key(|m| (assigned.get(m.member_id.as_str()).map_or(0, |v| v.len()), sort_key(m)));
        if let Some(m) = target {
            if let Some((owner, _)) = previous.get(tp) {
                if *owner != m.member_id.as_str() && members.iter().any(|x| x.member_id == *owner) {
                    moved_from_other.insert((m.member_id.as_str(), tp.clone()));
                }
            }
            if let Some(v) = assigned.get_mut(m.member_id.as_str()) {
                v.push(tp.clone());
            }
        }
    }
    for (id, v) in assigned {
        let v: Vec<(String, i32)> = v.into_iter().filter(|tp| !moved_from_other.contains(&(id, tp.clone()))).collect();
        out.insert(id.to_string(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str], owned: &[(&str, i32)]) -> MemberSubscription {
        MemberSubscription {
            member_id: id.to_string(),
            instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned: owned.iter().map(|(t, p)| (t.to_string(), *p)).collect(),
            generation: 1,
        }
    }

    fn counts(v: &[(&str, i32)]) -> HashMap<String, i32> {
        v.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn tps(v: &[(&str, i32)]) -> Vec<(String, i32)> {
        v.iter().map(|(t, p)| (t.to_string(), *p)).collect()
    }

    #[test]
    fn range_splits_each_topic_in_ranges() {
        let m = [member("a", &["t"], &[]), member("b", &["t"], &[])];
        let a = Assignor::Range.assign(&m, &counts(&[("t", 5)]));
        assert_eq!(a["a"], tps(&[("t", 0), ("t", 1), ("t", 2)]));
        assert_eq!(a["b"], tps(&[("t", 3), ("t", 4)]));
    }

    #[test]
    fn roundrobin_deals_partitions_in_turn() {
        let m = [member("a", &["t", "u"], &[]), member("b", &["t", "u"], &[])];
        let a = Assignor::RoundRobin.assign(&m, &counts(&[("t", 2), ("u", 1)]));
        assert_eq!(a["a"], tps(&[("t", 0), ("u", 0)]));
        assert_eq!(a["b"], tps(&[("t", 1)]));
    }

    #[test]
    fn sticky_keeps_owned_and_defers_moves() {
        // a owned everything; b joins: a keeps 3, and the 3 that move to b are withheld this
        // round (a must revoke them first).
        let owned: Vec<(&str, i32)> = (0..6).map(|p| ("t", p)).collect();
        let m = [member("a", &["t"], &owned), member("b", &["t"], &[])];
        let a = Assignor::CooperativeSticky.assign(&m, &counts(&[("t", 6)]));
        assert_eq!(a["a"].len(), 3);
        assert!(a["b"].is_empty(), "moved partitions wait one round: {:?}", a["b"]);
        // Next round: a owns its 3, nobody owns the rest: b gets them.
        let kept: Vec<(&str, i32)> = a["a"].iter().map(|(t, p)| (t.as_str(), *p)).collect();
        let m = [member("a", &["t"], &kept), member("b", &["t"], &[])];
        let a2 = Assignor::CooperativeSticky.assign(&m, &counts(&[("t", 6)]));
        assert_eq!(a2["a"], a["a"], "a keeps what it had");
        assert_eq!(a2["b"].len(), 3);
    }

    #[test]
    fn every_partition_assigned_once() {
        for assignor in [Assignor::Range, Assignor::RoundRobin, Assignor::CooperativeSticky] {
            let m = [member("a", &["t", "u"], &[]), member("b", &["t", "u"], &[]), member("c", &["t", "u"], &[])];
            let a = assignor.assign(&m, &counts(&[("t", 6), ("u", 4)]));
            let mut all: Vec<(String, i32)> = a.values().flatten().cloned().collect();
            all.sort();
            let mut want: Vec<(String, i32)> = (0..6).map(|p| ("t".to_string(), p)).chain((0..4).map(|p| ("u".to_string(), p))).collect();
            want.sort();
            assert_eq!(all, want, "{assignor:?}");
            let sizes: Vec<usize> = a.values().map(|v| v.len()).collect();
            assert!(sizes.iter().max().unwrap_or(&0) - sizes.iter().min().unwrap_or(&0) <= 2, "{assignor:?} {sizes:?}");
        }
    }
}
