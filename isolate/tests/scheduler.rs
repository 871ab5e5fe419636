//! The scheduler with a scripted executor: each task is a closure called once
//! per slice, so a test can make an isolate panic, block, yield or finish at
//! will.

#[path = "support/scripted.rs"]
mod scripted;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gc::Roots;
use heap::Value;
use isolate::{BlockReason, Context, Envelope, Outcome, SchedulerConfig, Task, WaitState};
use shareable::Message;

use scripted::{Scripted, task};

fn config(threads: usize) -> SchedulerConfig {
    SchedulerConfig {
        threads,
        ..SchedulerConfig::default()
    }
}

fn int(n: i64) -> Value {
    Value::int(n).unwrap()
}

/// The integer a message holds.
fn int_of(ctx: &mut Context<'_, Scripted>, m: &Message) -> i64 {
    m.decode(&mut ctx.memory.heap).unwrap()[0].as_int().unwrap()
}

#[test]
fn a_panic_in_a_slice_ends_that_isolate_only() {
    for threads in [1, 2] {
        let mut phase = 0;
        let mut victim = None;
        let mut bystander = None;
        let main = task(move |ctx| {
            if phase == 0 {
                let (_, v) = ctx.spawn(task(|_| panic!("a builtin blew up")));
                let (_, b) = ctx.spawn(task(|ctx| {
                    Outcome::Finished(ctx.memory.heap.alloc_str("fine").unwrap())
                }));
                ctx.monitor(&v).unwrap();
                (victim, bystander) = (Some(v), Some(b));
                phase = 1;
            }
            if phase == 1 {
                match ctx.try_receive() {
                    Some(Envelope::Down { reason, .. }) => {
                        assert_eq!(reason, "internal error: a builtin blew up");
                        phase = 2;
                    }
                    Some(Envelope::Message(_)) => unreachable!("nobody sends"),
                    None => return Outcome::Blocked(BlockReason::Receive),
                }
            }
            match ctx.wait(bystander.as_ref().unwrap()).unwrap() {
                WaitState::Pending => Outcome::Blocked(BlockReason::Wait(3)),
                WaitState::Done(Ok(result)) => {
                    let v = result.decode(&mut ctx.memory.heap).unwrap()[0];
                    assert_eq!(ctx.memory.heap.str_of(v), Some("fine"));
                    let failed = matches!(
                        ctx.wait(victim.as_ref().unwrap()),
                        Ok(WaitState::Done(Err(_)))
                    );
                    assert!(failed, "the victim's failure is recorded");
                    Outcome::Finished(Value::NIL)
                }
                WaitState::Done(Err(e)) => panic!("bystander failed: {e}"),
            }
        });
        let report = isolate::run(config(threads), main);
        assert_eq!(report.result, Ok(()), "threads {threads}");
        assert_eq!(report.stats.isolates_spawned, 3);
        assert_eq!(report.stats.isolates_failed, 1);
    }
}

#[test]
fn busy_isolates_share_one_worker() {
    // Two isolates that never block, on one thread: both must progress
    // (each slice yields), so the second's counter moves while the first runs.
    let first = Arc::new(AtomicU64::new(0));
    let second = Arc::new(AtomicU64::new(0));
    let (f, s) = (first.clone(), second.clone());
    let mut started = false;
    let main = task(move |ctx| {
        if !started {
            let s = s.clone();
            ctx.spawn(task(move |_| {
                s.fetch_add(1, Ordering::SeqCst);
                Outcome::Yielded
            }));
            started = true;
        }
        let mine = f.fetch_add(1, Ordering::SeqCst);
        if mine < 1000 {
            Outcome::Yielded
        } else {
            Outcome::Finished(Value::NIL)
        }
    });
    let report = isolate::run(config(1), main);
    assert_eq!(report.result, Ok(()));
    let (a, b) = (first.load(Ordering::SeqCst), second.load(Ordering::SeqCst));
    assert!(
        b + 2 >= a,
        "the other isolate got slices too: main {a}, other {b}"
    );
}

#[test]
fn messages_wake_parked_isolates_and_nothing_is_lost() {
    for threads in [1, 2] {
        let senders = 50;
        let per_sender = 200;
        let mut state: Option<(i64, i64)> = None;
        let main = task(move |ctx| {
            let (count, sum) = state.get_or_insert_with(|| {
                let me = ctx.self_target();
                for s in 0..senders {
                    let me = me.clone();
                    let mut sent = 0;
                    ctx.spawn(task(move |ctx| {
                        let m = Message::copy(&ctx.memory.heap, &[int(s * 1000 + sent)]).unwrap();
                        ctx.send(&me, m).unwrap();
                        sent += 1;
                        if sent == per_sender {
                            Outcome::Finished(Value::NIL)
                        } else {
                            Outcome::Yielded
                        }
                    }));
                }
                (0, 0)
            });
            while let Some(envelope) = ctx.try_receive() {
                let Envelope::Message(m) = envelope else {
                    unreachable!()
                };
                *sum += int_of(ctx, &m) % 1000;
                *count += 1;
            }
            if *count == senders * per_sender {
                let expected = senders * (per_sender * (per_sender - 1) / 2);
                assert_eq!(*sum, expected);
                Outcome::Finished(Value::NIL)
            } else {
                Outcome::Blocked(BlockReason::Receive)
            }
        });
        let report = isolate::run(config(threads), main);
        assert_eq!(report.result, Ok(()), "threads {threads}");
        assert_eq!(
            report.stats.total.messages_sent,
            (senders * per_sender) as u64
        );
    }
}

#[test]
fn a_mailbox_past_its_bound_fails_its_owner_at_the_next_slice() {
    for threads in [1, 2] {
        let mut slices = 0;
        let main = task(move |ctx| {
            slices += 1;
            assert_eq!(slices, 1, "ran again after its mailbox overflowed");
            let me = ctx.self_target();
            let send = |ctx: &mut Context<'_, Scripted>, n: i64| {
                let m = Message::copy(&ctx.memory.heap, &[int(n)]).unwrap();
                ctx.send(&me, m).unwrap();
            };
            // Ten may wait; received ones make room.
            for n in 0..10 {
                send(ctx, n);
            }
            for _ in 0..5 {
                assert!(ctx.try_receive().is_some());
            }
            for n in 0..5 {
                send(ctx, n);
            }
            // The eleventh waiting one is refused; the sender goes on.
            send(ctx, 99);
            Outcome::Yielded
        });
        let config = SchedulerConfig {
            memory: isolate::MemoryConfig {
                max_mailbox: Some(10),
                ..isolate::MemoryConfig::default()
            },
            ..config(threads)
        };
        let failure = isolate::run(config, main).result.unwrap_err();
        assert_eq!(
            failure.message,
            "mailbox limit exceeded: 10 messages queued (--max-mailbox 10)"
        );
        assert!(failure.trace.is_empty());
    }
}

#[test]
fn waiting_messages_count_against_the_heap_limit() {
    let main = task(move |ctx| {
        let me = ctx.self_target();
        let text = ctx.memory.heap.alloc_str(&"x".repeat(1000)).unwrap();
        for _ in 0..100 {
            let m = Message::copy(&ctx.memory.heap, &[text]).unwrap();
            ctx.send(&me, m).unwrap();
        }
        Outcome::Yielded
    });
    let config = SchedulerConfig {
        memory: isolate::MemoryConfig {
            max_heap: Some(64 * 1024),
            ..isolate::MemoryConfig::default()
        },
        ..config(1)
    };
    let failure = isolate::run(config, main).result.unwrap_err();
    assert!(
        failure
            .message
            .starts_with("heap limit exceeded: its mailbox would hold "),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .ends_with(" bytes of messages (--max-heap 65536)")
    );
}

/// Fork-join with two isolates in flight: main spawns, then joins the
/// oldest. Each child ends in its first slice, so handing it to the other
/// worker would buy nothing but a wake-up (the scheduler once woke the
/// other worker for every second spawn, and took twice as long per isolate
/// as with one in flight).
#[test]
fn short_lived_isolates_are_not_handed_to_another_worker() {
    let total = 2000;
    let mut spawned = 0;
    let mut in_flight = std::collections::VecDeque::new();
    let mut sum = 0;
    let main = task(move |ctx| {
        loop {
            while in_flight.len() < 2 && spawned < total {
                let n = spawned;
                in_flight.push_back(ctx.spawn(task(move |_| Outcome::Finished(int(n)))));
                spawned += 1;
            }
            let Some((id, oldest)) = in_flight.front() else {
                assert_eq!(sum, total * (total - 1) / 2);
                return Outcome::Finished(Value::NIL);
            };
            match ctx.wait(oldest).unwrap() {
                WaitState::Pending => return Outcome::Blocked(BlockReason::Wait(*id)),
                WaitState::Done(result) => {
                    sum += int_of(ctx, &result.unwrap());
                    in_flight.pop_front();
                }
            }
        }
    });
    let report = isolate::run(config(2), main);
    assert_eq!(report.result, Ok(()));
    assert_eq!(report.stats.isolates_spawned, total as u64 + 1);
    assert!(
        report.stats.worker_wakeups < 50,
        "{} wake-ups for {total} short-lived isolates",
        report.stats.worker_wakeups
    );
}

/// Two isolates that never block, on two workers: after a slice, the one
/// waiting behind the other is taken by the second worker, so they run in
/// parallel. (They run until both workers have run one of them, or for
/// ten seconds: a loaded machine may be slow to schedule a thread.)
#[test]
fn long_runners_spread_over_the_workers() {
    let threads_seen = Arc::new(parking_lot::Mutex::new(HashSet::new()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let runner = move |seen: Arc<parking_lot::Mutex<HashSet<std::thread::ThreadId>>>| {
        task(move |_| {
            let mut seen = seen.lock();
            seen.insert(std::thread::current().id());
            if seen.len() < 2 && Instant::now() < deadline {
                drop(seen);
                // A slice's worth of work.
                std::hint::black_box((0..20_000u64).sum::<u64>());
                Outcome::Yielded
            } else {
                Outcome::Finished(Value::NIL)
            }
        })
    };
    let mut runners = Vec::new();
    let seen = threads_seen.clone();
    let main = task(move |ctx| {
        if runners.is_empty() {
            runners.push(ctx.spawn(runner(seen.clone())));
            runners.push(ctx.spawn(runner(seen.clone())));
        }
        while let Some((id, r)) = runners.last() {
            match ctx.wait(r).unwrap() {
                WaitState::Pending => return Outcome::Blocked(BlockReason::Wait(*id)),
                WaitState::Done(_) if runners.len() == 1 => return Outcome::Finished(Value::NIL),
                WaitState::Done(_) => {
                    runners.pop();
                }
            }
        }
        unreachable!("returns when the last runner is done")
    });
    let report = isolate::run(config(2), main);
    assert_eq!(report.result, Ok(()));
    assert_eq!(
        threads_seen.lock().len(),
        2,
        "both workers ran a long runner"
    );
}

#[test]
fn a_lone_blocked_isolate_is_a_deadlock() {
    let main = task(|_| Outcome::Blocked(BlockReason::Receive));
    let report = isolate::run(config(2), main);
    let failure = report.result.unwrap_err();
    assert_eq!(
        failure.message,
        "deadlock: every isolate is blocked: isolate 1 waits in receive"
    );
}

#[test]
fn the_slice_limit_stops_a_run_that_never_ends() {
    let main = task(|_| Outcome::Yielded);
    let config = SchedulerConfig {
        slice_limit: Some(100),
        ..config(2)
    };
    let failure = isolate::run(config, main).result.unwrap_err();
    assert_eq!(failure.message, "slice limit reached (100 slices)");
}

/// Counters shared by the isolates of one run of the test below.
#[derive(Default)]
struct Watch {
    /// Slices running right now.
    running: AtomicU64,
    /// Calls of `for_each_root` made while a slice was running.
    roots_while_running: AtomicU64,
}

type WatchedStep = dyn FnMut(&mut Context<'_, Watched>) -> Outcome + Send;

/// A scripted task that counts its slices in flight.
struct Watched(Arc<Watch>, Box<WatchedStep>);

impl Roots for Watched {
    /// These tasks never collect their heap alone, so only a global
    /// collection asks for their roots: no slice may be running then.
    fn for_each_root(&self, _: &mut dyn FnMut(Value)) {
        if self.0.running.load(Ordering::SeqCst) != 0 {
            self.0.roots_while_running.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Task for Watched {
    fn run(&mut self, ctx: &mut Context<'_, Self>, _budget: u32) -> Outcome {
        self.0.running.fetch_add(1, Ordering::SeqCst);
        let outcome = (self.1)(ctx);
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        outcome
    }
}

#[test]
fn global_collections_run_only_with_every_isolate_stopped_and_requests_collapse() {
    for threads in [1, 2, 4] {
        let watch = Arc::new(Watch::default());
        let mut slices = 0;
        let w = watch.clone();
        let main = Watched(
            watch.clone(),
            Box::new(move |ctx| {
                if slices == 0 {
                    for _ in 0..3 {
                        let mut n = 0;
                        ctx.spawn(Watched(
                            w.clone(),
                            Box::new(move |_| {
                                n += 1;
                                if n < 200 {
                                    Outcome::Yielded
                                } else {
                                    Outcome::Finished(Value::NIL)
                                }
                            }),
                        ));
                    }
                }
                slices += 1;
                if slices <= 10 {
                    // Three requests in one slice: one collection serves them.
                    ctx.request_global();
                    ctx.request_global();
                    ctx.request_global();
                    return Outcome::Yielded;
                }
                assert_eq!(ctx.memory.gc_stats().global_collections, 10);
                Outcome::Finished(Value::NIL)
            }),
        );
        let report = isolate::run(config(threads), main);
        assert_eq!(report.result, Ok(()), "threads {threads}");
        assert_eq!(report.stats.global.collections, 10, "threads {threads}");
        assert_eq!(
            watch.roots_while_running.load(Ordering::SeqCst),
            0,
            "threads {threads}"
        );
    }
}

/// A receive moves the whole shared mailbox into the isolate's private
/// inbox; the messages left there are roots of a global collection that
/// runs while the isolate is parked in `wait`.
#[test]
fn messages_in_a_parked_isolates_inbox_are_roots_of_a_global_collection() {
    for threads in [1, 2] {
        let mut step = 0;
        let mut child = None;
        let main = task(move |ctx| {
            step += 1;
            match step {
                1 => {
                    // The sender's string is frozen, so the message holds a
                    // reference to it; once the sender ends, only that
                    // message keeps the string alive.
                    let me = ctx.self_target();
                    ctx.spawn(task(move |ctx| {
                        let s = ctx
                            .memory
                            .heap
                            .alloc_str("kept alive by a message")
                            .unwrap();
                        ctx.memory.heap.set_frozen(s, true);
                        for v in [int(1), s] {
                            let m = Message::copy(&ctx.memory.heap, &[v]).unwrap();
                            ctx.send(&me, m).unwrap();
                        }
                        Outcome::Finished(Value::NIL)
                    }));
                    Outcome::Blocked(BlockReason::Receive)
                }
                _ if child.is_none() => {
                    let Some(Envelope::Message(first)) = ctx.try_receive() else {
                        step -= 1;
                        return Outcome::Blocked(BlockReason::Receive);
                    };
                    assert_eq!(int_of(ctx, &first), 1);
                    let mut yields = 0;
                    let (_, c) = ctx.spawn(task(move |ctx| {
                        yields += 1;
                        match yields {
                            // Time for main to park first.
                            1..=5 => Outcome::Yielded,
                            6 => {
                                ctx.request_global();
                                Outcome::Yielded
                            }
                            _ => Outcome::Finished(Value::NIL),
                        }
                    }));
                    let pending = matches!(ctx.wait(&c).unwrap(), WaitState::Pending);
                    assert!(pending, "the child has not run yet");
                    child = Some(c);
                    Outcome::Blocked(BlockReason::Wait(0))
                }
                _ => match ctx.wait(child.as_ref().unwrap()).unwrap() {
                    WaitState::Pending => Outcome::Blocked(BlockReason::Wait(0)),
                    WaitState::Done(_) => {
                        let Some(Envelope::Message(m)) = ctx.try_receive() else {
                            panic!("the second message was lost")
                        };
                        assert!(m.references_shared());
                        Outcome::Finished(Value::NIL)
                    }
                },
            }
        });
        let report = isolate::run(config(threads), main);
        assert_eq!(report.result, Ok(()), "threads {threads}");
        let global = &report.stats.global;
        assert_eq!(global.collections, 1, "threads {threads}");
        assert_eq!(global.freed_shareable_bytes, 0, "threads {threads}");
        assert!(global.last.shareable_live_bytes > 0, "threads {threads}");
    }
}
