//! An isolate's mailbox: the envelopes delivered to it and not yet
//! received, oldest first. An isolate has two: the shared one in its cell,
//! which senders append to under the cell's mutex, and a private inbox in
//! its core, which the isolate alone reads. A receive that finds the inbox
//! empty moves the whole shared mailbox into it in one hand-over (as BEAM
//! moves a process's outer signal queue into its private one), so a
//! stream of messages costs the receiver one lock per batch, not one per
//! message. Order is kept: everything in the inbox arrived before anything
//! in the shared mailbox.
//!
//! Invariant: `holding_shared` is the number of queued messages that
//! reference a shareable object. A global collection must treat those
//! references as roots; when the count is zero it skips the mailbox without
//! reading it, so a flooded mailbox (Savina's counting, where a million
//! messages may wait) costs a global pause nothing unless its messages
//! carry shareable objects.

use std::collections::VecDeque;

use heap::Value;

/// What a waiting envelope costs its receiver, in bytes, as the mailbox
/// bounds count it: a message's copied storage, or a notice's reason, plus
/// the envelope itself.
pub(crate) fn envelope_bytes(envelope: &Envelope) -> usize {
    std::mem::size_of::<Envelope>()
        + match envelope {
            Envelope::Message(m) => m.bytes(),
            Envelope::Down { reason, .. } => reason.len(),
        }
}

use crate::cell::Envelope;

#[derive(Default)]
pub(crate) struct Mailbox {
    queue: VecDeque<Envelope>,
    holding_shared: usize,
}

fn references_shared(envelope: &Envelope) -> bool {
    matches!(envelope, Envelope::Message(m) if m.references_shared())
}

impl Mailbox {
    pub fn push_back(&mut self, envelope: Envelope) {
        self.holding_shared += usize::from(references_shared(&envelope));
        self.queue.push_back(envelope);
    }

    pub fn pop_front(&mut self) -> Option<Envelope> {
        let envelope = self.queue.pop_front()?;
        self.holding_shared -= usize::from(references_shared(&envelope));
        Some(envelope)
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Moves every envelope of `self` to the end of `into`, oldest first.
    pub fn move_into(&mut self, into: &mut Mailbox) {
        into.holding_shared += std::mem::take(&mut self.holding_shared);
        if into.queue.is_empty() {
            std::mem::swap(&mut into.queue, &mut self.queue);
        } else {
            into.queue.append(&mut self.queue);
        }
    }

    pub fn clear(&mut self) {
        self.queue.clear();
        self.holding_shared = 0;
    }

    /// Adds every shareable object the queued messages reference to
    /// `roots`, once per reference.
    pub fn shared_refs(&self, roots: &mut Vec<Value>) {
        if self.holding_shared == 0 {
            return;
        }
        for envelope in &self.queue {
            if let Envelope::Message(m) = envelope {
                roots.extend(m.shared_refs());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use heap::Heap;
    use shareable::Message;

    use super::*;

    fn message(heap: &Heap, v: Value) -> Envelope {
        Envelope::Message(Message::copy(heap, &[v]).unwrap())
    }

    #[test]
    fn only_messages_with_shareable_references_are_read_for_roots() {
        let mut heap = Heap::new();
        let frozen = heap.alloc_str("frozen").unwrap();
        heap.set_frozen(frozen, true);
        let private = heap.alloc_str("private").unwrap();

        let mut mailbox = Mailbox::default();
        mailbox.push_back(message(&heap, private));
        mailbox.push_back(message(&heap, frozen));
        mailbox.push_back(message(&heap, Value::int(7).unwrap()));
        assert_eq!(mailbox.holding_shared, 1);
        let mut roots = Vec::new();
        mailbox.shared_refs(&mut roots);
        assert_eq!(roots, [frozen]);

        // Receiving the private message keeps the count; receiving the
        // shareable one drops it to zero, and the roots with it.
        assert!(mailbox.pop_front().is_some());
        assert_eq!(mailbox.holding_shared, 1);
        assert!(mailbox.pop_front().is_some());
        assert_eq!(mailbox.holding_shared, 0);
        roots.clear();
        mailbox.shared_refs(&mut roots);
        assert!(roots.is_empty());
        assert!(!mailbox.is_empty());

        // Moving keeps the order and the count.
        let mut inbox = Mailbox::default();
        inbox.push_back(message(&heap, Value::int(1).unwrap()));
        mailbox.push_back(message(&heap, frozen));
        mailbox.move_into(&mut inbox);
        assert_eq!((mailbox.holding_shared, inbox.holding_shared), (0, 1));
        assert!(mailbox.is_empty());
        let ints: Vec<bool> = std::iter::from_fn(|| inbox.pop_front())
            .map(|e| !references_shared(&e))
            .collect();
        assert_eq!(ints, [true, true, false], "7 and 1 before the frozen one");
        assert_eq!(inbox.holding_shared, 0);

        mailbox.push_back(message(&heap, frozen));
        mailbox.clear();
        assert_eq!(mailbox.holding_shared, 0);
        assert!(mailbox.is_empty());
    }
}
