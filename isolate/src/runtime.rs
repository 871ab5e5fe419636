//! The runtime shared by all workers: run queues, the registry of live
//! isolates, timers, and the transitions of an isolate's life (spawn, wake,
//! park, finish).
//!
//! Invariants:
//! - `active` counts the isolates that are scheduled (queued or running).
//!   Every wake-up increments it before the isolate is queued; parking and
//!   finishing decrement it only after every wake-up they cause. So when it
//!   reaches zero no isolate can run again except by a timer: with no timer
//!   pending, the live isolates are deadlocked.
//! - Lock order: `timers`, then `registry`, then an isolate's state. No code
//!   takes `timers` or `registry` while holding an isolate's state.
//! - Once `shutdown` is set, workers stop taking work and the run ends.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use parking_lot::Condvar;

use crate::lock_order::{Ordered, Rank};

use crate::cell::{BlockReason, Core, Envelope, ExitOutcome, IsolateCell, Status};
use crate::executor::{Failure, Task};
use crate::global::{GlobalState, Stop};
use crate::mailbox::Mailbox;
use crate::memory::{Memory, MemoryConfig};
use crate::stats::RunStats;

/// Why an isolate is queued: it decides whether a sleeping worker is woken
/// (see `Runtime::schedule`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// Just created.
    Spawned,
    /// Was parked (blocked), and a message, an exit or a timer woke it.
    Woken,
    /// Used its whole slice and runs again.
    Yielded,
}

/// Isolates queued on one worker, by spawns and wake-ups, beyond which a
/// sleeping worker is woken to share them.
const SPAWN_BURST: usize = 8;

/// Settings of one run of the scheduler.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Worker threads.
    pub threads: usize,
    /// Reductions per slice.
    pub budget: u32,
    pub memory: MemoryConfig,
    /// Stop the run after this many slices in all (for fuzzing and tests).
    pub slice_limit: Option<u64>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            budget: crate::DEFAULT_BUDGET,
            memory: MemoryConfig::default(),
            slice_limit: None,
        }
    }
}

/// An isolate ready to run: its record and its core.
pub(crate) struct Runnable<T: Task> {
    pub cell: Arc<IsolateCell<T>>,
    pub core: Box<Core<T>>,
}

/// A pending `receive` deadline.
struct Timer<T: Task> {
    deadline: Instant,
    seq: u64,
    cell: Arc<IsolateCell<T>>,
}

impl<T: Task> PartialEq for Timer<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl<T: Task> Eq for Timer<T> {}
impl<T: Task> PartialOrd for Timer<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: Task> Ord for Timer<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

pub(crate) struct Runtime<T: Task> {
    pub config: SchedulerConfig,
    injector: Injector<Runnable<T>>,
    pub stealers: Vec<Stealer<Runnable<T>>>,
    next_id: AtomicU64,
    active: AtomicUsize,
    registry: Ordered<HashMap<u64, Arc<IsolateCell<T>>>>,
    timers: Ordered<BinaryHeap<Reverse<Timer<T>>>>,
    timer_seq: AtomicU64,
    sleep_lock: Ordered<()>,
    wake: Condvar,
    sleepers: AtomicUsize,
    epoch: AtomicU64,
    pub shutdown: AtomicBool,
    slices: AtomicU64,
    /// Isolates spawned so far (`RunStats::isolates_spawned`).
    pub spawned: AtomicU64,
    /// Times `schedule` woke a sleeping worker (`RunStats::worker_wakeups`).
    pub wakeups: AtomicU64,
    pub main_id: u64,
    end: Ordered<Option<Result<(), Failure>>>,
    pub(crate) global: Ordered<GlobalState>,
    gc_requested: AtomicBool,
    requested_at: Ordered<Option<Instant>>,
    stop: Ordered<Stop<T>>,
    stop_done: Condvar,
    /// Isolates that failed (all but main), to report at the end of the run
    /// those nobody monitored or waited for.
    failures: Ordered<Vec<(Arc<IsolateCell<T>>, Failure)>>,
    pub stats: Ordered<RunStats>,
}

/// The id of the first (main) isolate.
pub const MAIN_ID: u64 = 1;

/// Failures kept for the end-of-run report (the rest are only counted).
const MAX_REPORTED_FAILURES: usize = 100;

impl<T: Task> Runtime<T> {
    pub fn new(config: SchedulerConfig, stealers: Vec<Stealer<Runnable<T>>>) -> Runtime<T> {
        let global = GlobalState::new(config.memory.policy.instantiate(), stealers.len());
        Runtime {
            global: Ordered::new(Rank::Global, global),
            gc_requested: AtomicBool::new(false),
            requested_at: Ordered::new(Rank::RequestedAt, None),
            stop: Ordered::new(Rank::Stop, Stop::default()),
            stop_done: Condvar::new(),
            config,
            injector: Injector::new(),
            stealers,
            next_id: AtomicU64::new(MAIN_ID),
            active: AtomicUsize::new(0),
            registry: Ordered::new(Rank::Registry, HashMap::new()),
            timers: Ordered::new(Rank::Timers, BinaryHeap::new()),
            timer_seq: AtomicU64::new(0),
            sleep_lock: Ordered::new(Rank::SleepLock, ()),
            wake: Condvar::new(),
            sleepers: AtomicUsize::new(0),
            epoch: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
            slices: AtomicU64::new(0),
            spawned: AtomicU64::new(0),
            wakeups: AtomicU64::new(0),
            main_id: MAIN_ID,
            end: Ordered::new(Rank::End, None),
            failures: Ordered::new(Rank::Failures, Vec::new()),
            stats: Ordered::new(Rank::Stats, RunStats::default()),
        }
    }

    /// Creates an isolate running `task` with a fresh heap and queues it.
    pub fn spawn(&self, task: T, local: Option<&Worker<Runnable<T>>>) -> Arc<IsolateCell<T>> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let cell = Arc::new(IsolateCell::new(id));
        let mut memory = Memory::new(&self.config.memory);
        memory.is_main = id == self.main_id;
        let core = Box::new(Core {
            memory,
            task,
            inbox: Mailbox::default(),
        });
        self.registry.lock().insert(id, Arc::clone(&cell));
        self.spawned.fetch_add(1, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::SeqCst);
        self.schedule(
            Runnable {
                cell: Arc::clone(&cell),
                core,
            },
            local,
            Queued::Spawned,
        );
        cell
    }

    /// Queues a scheduled isolate (already counted in `active`) for the
    /// reason `why`. A sleeping worker is woken only when a second worker
    /// has something to gain:
    ///
    /// - an isolate in the global queue (queued from outside a worker);
    /// - an isolate that used its whole slice while others wait behind it
    ///   on the same worker: a long runner, worth running in parallel;
    /// - more than `SPAWN_BURST` isolates waiting on one worker.
    ///
    /// A spawn, or a message or exit that wakes an isolate, otherwise stays
    /// on the worker that caused it: most such isolates run briefly and
    /// block or end (a join, a reply), and handing each to another worker
    /// cost a futex wake-up, a sleep and cross-core cache traffic per
    /// isolate (fork-join with two isolates in flight took twice the time
    /// per isolate of one in flight). A long runner spreads after its first
    /// slice.
    pub fn schedule(&self, r: Runnable<T>, local: Option<&Worker<Runnable<T>>>, why: Queued) {
        let surplus = match local {
            Some(queue) => {
                queue.push(r);
                match why {
                    Queued::Yielded => queue.len() > 1,
                    Queued::Spawned | Queued::Woken => queue.len() > SPAWN_BURST,
                }
            }
            None => {
                self.injector.push(r);
                true
            }
        };
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if surplus && self.sleepers.load(Ordering::SeqCst) > 0 {
            self.wakeups.fetch_add(1, Ordering::Relaxed);
            let _guard = self.sleep_lock.lock();
            self.wake.notify_one();
        }
    }

    /// Tells `cell` that something it may wait for happened: schedules it if
    /// parked, marks it otherwise.
    pub fn notify(&self, cell: &Arc<IsolateCell<T>>, local: Option<&Worker<Runnable<T>>>) {
        self.deliver_inner(cell, None, local)
    }

    /// Puts `envelope` in `cell`'s mailbox and wakes it. Envelopes for an
    /// isolate that has ended are dropped.
    pub fn deliver(
        &self,
        cell: &Arc<IsolateCell<T>>,
        envelope: Envelope,
        local: Option<&Worker<Runnable<T>>>,
    ) {
        self.deliver_inner(cell, Some(envelope), local)
    }

    fn deliver_inner(
        &self,
        cell: &Arc<IsolateCell<T>>,
        envelope: Option<Envelope>,
        local: Option<&Worker<Runnable<T>>>,
    ) {
        // Envelopes refused by a bounded mailbox, freed after the lock.
        let mut _refused = Mailbox::default();
        let mut state = cell.state.lock();
        if matches!(state.status, Status::Done(_)) {
            return;
        }
        if let Some(e) = envelope {
            let memory = &self.config.memory;
            if !memory.bounds_mailboxes() {
                state.mailbox.push_back(e);
            } else if cell.killed() {
                // Failing already, and already woken: nothing more waits.
                return;
            } else if let Some(reason) = cell.admit(&e, memory) {
                // The receiver fails (it is woken below if parked) and its
                // waiting messages go with this one; the sender goes on.
                _refused = std::mem::take(&mut state.mailbox);
                cell.set_kill(&mut state, reason);
            } else {
                state.mailbox.push_back(e);
            }
        }
        match std::mem::replace(&mut state.status, Status::Scheduled) {
            Status::Parked { core, .. } => {
                state.deadline = None;
                drop(state);
                self.active.fetch_add(1, Ordering::SeqCst);
                self.schedule(
                    Runnable {
                        cell: Arc::clone(cell),
                        core,
                    },
                    local,
                    Queued::Woken,
                );
            }
            Status::Scheduled => state.notified = true,
            Status::Done(_) => unreachable!("checked above"),
        }
    }

    /// Parks an isolate that blocked, unless an event arrived meanwhile, in
    /// which case it runs again.
    pub fn park(&self, r: Runnable<T>, reason: BlockReason, local: &Worker<Runnable<T>>) {
        let mut state = r.cell.state.lock();
        let ready = state.notified
            || (reason == BlockReason::Receive
                && !(state.mailbox.is_empty() && r.core.inbox.is_empty()));
        state.notified = false;
        if ready {
            drop(state);
            self.schedule(r, Some(local), Queued::Woken);
            return;
        }
        state.status = Status::Parked {
            core: r.core,
            reason,
        };
        drop(state);
        if self.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.check_deadlock();
        }
    }

    /// Registers a `receive` deadline for `cell`.
    pub fn add_timer(&self, cell: &Arc<IsolateCell<T>>, deadline: Instant) {
        let seq = self.timer_seq.fetch_add(1, Ordering::Relaxed);
        self.timers.lock().push(Reverse(Timer {
            deadline,
            seq,
            cell: Arc::clone(cell),
        }));
        // A sleeping worker must recompute how long to sleep.
        self.epoch.fetch_add(1, Ordering::SeqCst);
        let _guard = self.sleep_lock.lock();
        self.wake.notify_one();
    }

    /// Wakes the isolates whose deadline has passed; returns the next deadline.
    pub fn fire_timers(&self, local: &Worker<Runnable<T>>) -> Option<Instant> {
        let now = Instant::now();
        let mut timers = self.timers.lock();
        while let Some(Reverse(t)) = timers.peek() {
            if t.deadline > now {
                return Some(t.deadline);
            }
            let Reverse(t) = timers.pop().expect("peeked");
            // Waking under the timers lock keeps a deadlock check from
            // seeing neither the timer nor the woken isolate.
            self.notify(&t.cell, Some(local));
        }
        None
    }

    /// Ends an isolate: records its outcome, tells its monitors and waiters,
    /// frees its heap, and ends the run if it was the main isolate.
    pub fn finish(
        &self,
        cell: &Arc<IsolateCell<T>>,
        core: Box<Core<T>>,
        outcome: Result<Arc<shareable::Message>, Failure>,
        local: Option<&Worker<Runnable<T>>>,
    ) {
        self.stats
            .lock()
            .add_isolate(cell.id, &core.memory, outcome.is_err());
        let mut core = core;
        let result_shares = matches!(&outcome, Ok(r) if r.references_shared());
        // Free what no other isolate can reach (outside the global lock);
        // an isolate that published no shareable object, with a result that
        // references none, leaves nothing behind.
        let heap = &mut core.memory.heap;
        let hands_over = heap.shareable_bytes() > 0 && heap.retire();
        let wants_collection = (hands_over || result_shares) && {
            let mut global = self.global.lock();
            if hands_over {
                heap.hand_over_to(&mut global.dead);
                global.dead_peak = global.dead_peak.max(global.dead.held_bytes());
            }
            if let (true, Ok(result)) = (result_shares, &outcome) {
                global.results.push(Arc::downgrade(result));
            }
            global.wants_collection()
        };
        drop(core);
        if wants_collection {
            self.request_global();
        }
        // Waiters and monitors see where it failed, not only why.
        let exit: ExitOutcome = outcome.as_ref().map(Arc::clone).map_err(Failure::summary);
        let reason = match &exit {
            Ok(_) => "normal".to_string(),
            Err(summary) => summary.clone(),
        };
        let mut state = cell.state.lock();
        state.status = Status::Done(exit);
        state.observed |= !state.monitors.is_empty() || !state.waiters.is_empty();
        state.mailbox.clear();
        let monitors = std::mem::take(&mut state.monitors);
        let waiters = std::mem::take(&mut state.waiters);
        drop(state);
        for m in &monitors {
            let down = Envelope::Down {
                id: cell.id,
                target: cell.clone(),
                reason: reason.clone(),
            };
            self.deliver(m, down, local);
        }
        for w in &waiters {
            self.notify(w, local);
        }
        self.registry.lock().remove(&cell.id);
        if cell.id == self.main_id {
            self.end(outcome.map(|_| ()));
            return;
        }
        if let Err(failure) = outcome {
            let mut failures = self.failures.lock();
            if failures.len() < MAX_REPORTED_FAILURES {
                failures.push((Arc::clone(cell), failure));
            }
        }
        if self.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.check_deadlock();
        }
    }

    /// With no isolate scheduled and no timer pending, the parked isolates
    /// can never run again: ends the run with a report naming them.
    fn check_deadlock(&self) {
        let timers = self.timers.lock();
        if !timers.is_empty() || self.active.load(Ordering::SeqCst) != 0 {
            return;
        }
        let registry = self.registry.lock();
        let mut blocked: Vec<(u64, String)> = registry
            .values()
            .filter_map(|cell| match &cell.state.lock().status {
                Status::Parked {
                    reason: BlockReason::Receive,
                    ..
                } => Some((cell.id, format!("isolate {} waits in receive", cell.id))),
                Status::Parked {
                    reason: BlockReason::Wait(on),
                    ..
                } => Some((
                    cell.id,
                    format!("isolate {} waits for isolate {on}", cell.id),
                )),
                _ => None,
            })
            .collect();
        drop(registry);
        drop(timers);
        if blocked.is_empty() {
            return;
        }
        blocked.sort();
        let list: Vec<String> = blocked.into_iter().map(|(_, text)| text).collect();
        let message = format!("deadlock: every isolate is blocked: {}", list.join(", "));
        self.end(Err(Failure {
            message,
            trace: Vec::new(),
        }));
    }

    /// Ends the run with `result` (the first end wins).
    pub fn end(&self, result: Result<(), Failure>) {
        let mut end = self.end.lock();
        if end.is_none() {
            *end = Some(result);
        }
        drop(end);
        self.shutdown.store(true, Ordering::SeqCst);
        let _guard = self.sleep_lock.lock();
        self.wake.notify_all();
        drop(_guard);
        let _stop = self.stop.lock();
        self.stop_done.notify_all();
    }

    pub fn take_end(&self) -> Option<Result<(), Failure>> {
        self.end.lock().take()
    }

    /// The failures nobody monitored or waited for, as `(isolate, failure)`.
    pub fn unobserved_failures(&self) -> Vec<(u64, Failure)> {
        let failures = std::mem::take(&mut *self.failures.lock());
        failures
            .into_iter()
            .filter(|(cell, _)| !cell.state.lock().observed)
            .map(|(cell, failure)| (cell.id, failure))
            .collect()
    }

    /// Counts a slice; ends the run past the slice limit.
    pub fn count_slice(&self) {
        let n = self.slices.fetch_add(1, Ordering::Relaxed) + 1;
        if self.config.slice_limit.is_some_and(|limit| n >= limit) {
            let message = format!("slice limit reached ({n} slices)");
            self.end(Err(Failure {
                message,
                trace: Vec::new(),
            }));
        }
    }

    /// Takes a runnable isolate: from the local queue, the global queue, or
    /// another worker's queue.
    pub fn find_work(&self, local: &Worker<Runnable<T>>, me: usize) -> Option<Runnable<T>> {
        if let Some(r) = local.pop() {
            return Some(r);
        }
        loop {
            let mut retry = false;
            match self.injector.steal_batch_and_pop(local) {
                Steal::Success(r) => return Some(r),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            let n = self.stealers.len();
            for k in 1..n {
                match self.stealers[(me + k) % n].steal() {
                    Steal::Success(r) => return Some(r),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// Sleeps until work may be available, the next timer is due, or the
    /// run ends. `epoch` is the value read before the last search for work.
    ///
    /// A sleeping worker runs no isolate, so a global collection does not
    /// wait for it: it counts as stopped (`Stop::asleep`) from before it
    /// sleeps until it is awake again, and waking while a collection runs
    /// waits for that collection to end.
    pub fn sleep(&self, epoch: u64, until: Option<Instant>) {
        {
            let mut stop = self.stop.lock();
            if self.gc_requested.load(Ordering::SeqCst) {
                // Join the barrier instead (the loop does, next).
                return;
            }
            stop.asleep += 1;
        }
        {
            let mut guard = self.sleep_lock.lock();
            self.sleepers.fetch_add(1, Ordering::SeqCst);
            let idle =
                self.epoch.load(Ordering::SeqCst) == epoch && !self.shutdown.load(Ordering::SeqCst);
            if idle {
                match until {
                    Some(deadline) => {
                        self.wake.wait_until(guard.inner(), deadline);
                    }
                    None => self.wake.wait(guard.inner()),
                }
            }
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
        self.stop.lock().asleep -= 1;
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// True while a global collection is requested and not yet done: running
    /// isolates should end their slice at their next safepoint.
    pub fn gc_requested(&self) -> bool {
        self.gc_requested.load(Ordering::Relaxed)
    }

    /// Requests a global collection; requests made before one ends are
    /// served by it. Every worker stops at its next slice boundary.
    pub fn request_global(&self) {
        if self.gc_requested.swap(true, Ordering::SeqCst) {
            return;
        }
        *self.requested_at.lock() = Some(Instant::now());
        // Sleeping workers need not wake: they count as stopped.
    }

    /// Adds `bytes` made shareable to the run-wide figures, requesting a
    /// global collection if the policy wants one.
    pub fn note_shareable(&self, bytes: usize) {
        let wants = {
            let mut global = self.global.lock();
            global.shareable_since += bytes;
            global.wants_collection()
        };
        if wants {
            self.request_global();
        }
    }

    /// The stop-the-world barrier, for a worker between slices: hands in its
    /// queued isolates and waits until the collection is done. The last
    /// worker to arrive runs the collection.
    pub fn stop_for_collection(&self, local: &Worker<Runnable<T>>) {
        let mut stop = self.stop.lock();
        let generation = stop.generation;
        while let Some(r) = local.pop() {
            stop.runnables.push(r);
        }
        stop.arrived += 1;
        if stop.arrived + stop.asleep < self.stealers.len() {
            while stop.generation == generation && !self.shutdown.load(Ordering::SeqCst) {
                self.stop_done.wait(stop.inner());
            }
            return;
        }
        loop {
            match self.injector.steal() {
                Steal::Success(r) => stop.runnables.push(r),
                Steal::Retry => continue,
                Steal::Empty => break,
            }
        }
        let requested_at = self.requested_at.lock().take().unwrap_or_else(Instant::now);
        let mut runnables = std::mem::take(&mut stop.runnables);
        self.collect_globally(&mut runnables, requested_at);
        let spare = runnables.len() > stop.arrived;
        for r in runnables {
            self.injector.push(r);
        }
        if spare {
            // More isolates than awake workers: wake the sleeping ones.
            let _guard = self.sleep_lock.lock();
            self.wake.notify_all();
        }
        stop.arrived = 0;
        stop.generation += 1;
        self.gc_requested.store(false, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.stop_done.notify_all();
    }

    /// The cells of every live isolate.
    pub(crate) fn live_cells(&self) -> Vec<Arc<IsolateCell<T>>> {
        self.registry.lock().values().cloned().collect()
    }

    /// Drops every isolate still alive (their cores, mailboxes and queued
    /// work), breaking the reference cycles between isolates and handles.
    pub fn clear(&self) {
        let cells: Vec<Arc<IsolateCell<T>>> =
            self.registry.lock().drain().map(|(_, c)| c).collect();
        let mut stats = self.stats.lock();
        for cell in cells {
            let mut state = cell.state.lock();
            if let Status::Parked { core, .. } = &state.status {
                stats.add_isolate(cell.id, &core.memory, false);
            }
            state.status = Status::Done(Err("stopped".into()));
            state.mailbox.clear();
            state.monitors.clear();
            state.waiters.clear();
        }
        self.timers.lock().clear();
        loop {
            match self.injector.steal() {
                Steal::Success(r) => stats.add_isolate(r.cell.id, &r.core.memory, false),
                Steal::Retry => continue,
                Steal::Empty => break,
            }
        }
    }
}
