//! An isolate's mailbox: the envelopes delivered to it and not yet
//! received, oldest first.
//!
//! Invariant: `holding_shared` is the number of queued messages that
//! reference a shareable object. A global collection must treat those
//! references as roots; when the count is zero it skips the mailbox without
//! reading it, so a flooded mailbox (Savina's counting, where a million
//! messages may wait) costs a global pause nothing unless its messages
//! carry shareable objects.

use std::collections::VecDeque;

use heap::Value;

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

        mailbox.push_back(message(&heap, frozen));
        mailbox.clear();
        assert_eq!(mailbox.holding_shared, 0);
        assert!(mailbox.is_empty());
    }
}
